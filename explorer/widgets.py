"""Widget keys whose remembered value must still fit (issue 22: one home for `choose`).

A keyed widget's value stays in st.session_state across reruns and, with
persist_state="session", across page switches. When the model or the data change, a
remembered value may no longer fit (a window past the new last one, a unit the model no
longer has): `fitting` puts the default back. The value is set here, never through the
widget's `value` argument, so that another page (Forecast sets gates_window) can choose it
without a Streamlit warning. (explorer.ui.remember initialises a widget from a setting and
clamps it to bounds; this one checks any condition.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def fitting(key: str, ok: Callable[[Any], bool], default: Any) -> str:
    """The widget key `key`, its remembered value kept only if ok(value), else `default`."""
    if key not in st.session_state or not ok(st.session_state[key]):
        st.session_state[key] = default
    return key
