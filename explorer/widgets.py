"""Keyed widgets and the settings they start from (issue 22: one home for widget helpers).

A keyed widget's value stays in st.session_state across reruns and, with
persist_state="session", across page switches.

  PERSIST                       a widget's kwargs that keep its value across page switches
  remember(key, value, lo, hi)  initialise a widget from a stored setting (clamped), once
  int_input / share_slider      a number input / share slider whose default is the setting
  fitting(key, ok, default)     a remembered value kept only while it still fits
  forget_widgets(*keys)         drop widget states so they re-read the settings
  SETTING_WIDGETS               the widgets initialised from data_cfg / model_cfg / train_cfg
  number_table(table)           a table of numbers whose undefined cells read "–", not "None"

When the model or the data change, a remembered value may no longer fit (a window past the
new last one, a unit the model no longer has): `fitting` puts the default back. The value is
set there, never through the widget's `value` argument, so that another page (Forecast sets
gates_window) can choose it without a Streamlit warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from pandas.io.formats.style import Styler

PERSIST = {"persist_state": "session"}  # a widget's kwargs: keep its value across pages

SETTING_WIDGETS = (  # widgets initialised from data_cfg / model_cfg / train_cfg
    "data_look_back", "data_val", "data_test", "data_transform", "train_cell", "train_hidden",
    "train_layers", "train_fbias", "train_epochs", "train_bs", "train_lr", "train_patience",
    "train_seed", "train_long",
)  # fmt: skip


def remember(key: str, value: Any, lo: Any = None, hi: Any = None) -> str:
    """Initialise a keyed widget from a stored setting (only if it has no state yet).

    `lo`/`hi`: the widget's bounds; a stored value outside them (e.g. from a link) is clamped.
    """
    if key not in st.session_state:
        if lo is not None:
            value = max(lo, value)
        if hi is not None:
            value = min(hi, value)
        st.session_state[key] = value
    return key


def int_input(
    where: Any, label: str, key: str, value: int, lo: int, hi: int, help: str | None = None
) -> int:
    """A whole-number input in `where` (a column or st), initialised from a stored setting.

    The setting goes in as the widget's own default (clamped), not through session state:
    a number input set only through session state is first drawn in the browser at its
    minimum, and a click in that instant (say, an upload right after opening the page) sent
    the minimum back as the user's choice.
    """
    value = min(hi, max(lo, int(value)))
    return int(where.number_input(label, lo, hi, value=value, step=1, key=key, help=help))


def share_slider(where: Any, label: str, key: str, value: float) -> float:
    """A 0.05–0.40 share slider in `where`, initialised from a stored setting the same way
    as `int_input` (as the widget's default: a slider set only through session state can
    be sent back at its minimum by a click in the instant before it is drawn)."""
    value = round(min(0.40, max(0.05, round(float(value) / 0.05) * 0.05)), 2)  # 0.15, not ..02
    return round(float(where.slider(label, 0.05, 0.40, value=value, step=0.05, key=key)), 2)


def fitting(key: str, ok: Callable[[Any], bool], default: Any) -> str:
    """The widget key `key`, its remembered value kept only if ok(value), else `default`."""
    if key not in st.session_state or not ok(st.session_state[key]):
        st.session_state[key] = default
    return key


def forget_widgets(*keys: str) -> None:
    """Drop widget states so they re-initialise from the stored settings."""
    for k in keys:
        st.session_state.pop(k, None)


def number_table(table: Styler, index_width: int | None = None, **kwargs: Any) -> None:
    """st.dataframe of `table` (explorer.figures.table_cells): its columns written out as text
    (those with an undefined cell) are aligned right, as the numbers beside them are.
    `index_width` (pixels) fixes the row names' column, so that tables stacked one under the
    other with the same columns line up."""
    text = [c for c in table.data.columns if table.data[c].dtype == object]
    config: dict[str, Any] = {str(c): st.column_config.TextColumn(alignment="right") for c in text}
    if index_width is not None:
        config["_index"] = st.column_config.Column(width=index_width)
    st.dataframe(table, column_config=config, **kwargs)
