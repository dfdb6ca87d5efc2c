"""The active series and the built-in catalogue it starts from (issue 22: one home).

  builtins(), builtin_defaults(key), load_builtin(key, params)   the engine's built-ins
  builtin_source(key, params), default_source()                  a `source` dict
  param_ok(default, value)      whether a generator parameter from a link may be used
  active_series()               the session's Series (the default built-in until set)
  series_time(n)                its timestamps when a model's data has as many points

A model's data may be another series than the active one (a model file used anyway, a
series changed since): the active series' timestamps label a model's points only when
there are as many of them.
"""

from __future__ import annotations

import inspect
from typing import Any

import streamlit as st

from explorer import state

DEFAULT_BUILTIN = "air_passengers"
SYNTHETIC = {
    "sine": "sine_series",
    "trend": "trend_series",
    "echo": "echo_series",
    "temperature": "temperature_series",
}
MAX_PARAM_INT = 100_000  # largest synthetic parameter (points, lag, seed) the app accepts


def builtins() -> dict[str, Any]:
    """The engine's built-in series (lstm_core.series.datasets.BUILTINS) by key, in picker order."""
    from lstm_core.series.datasets import BUILTINS

    return {b.key: b for b in BUILTINS}


def builtin_defaults(key: str) -> dict[str, Any]:
    """Default generator parameters of a synthetic built-in ({} for real data)."""
    if key not in SYNTHETIC:
        return {}  # real data: no need to import the generators (scipy)
    from lstm_core.series import synthetic

    sig = inspect.signature(getattr(synthetic, SYNTHETIC[key]))
    return {n: p.default for n, p in sig.parameters.items() if p.default is not p.empty}


def param_ok(default: Any, value: Any) -> bool:
    """Whether a generator parameter from a link has its default's type and a sane size."""
    if isinstance(default, bool) or default is None:
        return False
    if isinstance(default, int):
        return isinstance(value, int) and 0 <= value <= MAX_PARAM_INT
    if isinstance(default, float):
        return isinstance(value, int | float) and abs(value) <= MAX_PARAM_INT
    return False


@st.cache_data(show_spinner=False, max_entries=64)
def load_builtin(key: str, params: tuple[tuple[str, Any], ...] = ()) -> Any:
    """A built-in series (content-keyed by key and parameters); ValueError for bad ones."""
    from lstm_core.series.datasets import load_builtin as _load

    return _load(key, **dict(params))


def builtin_source(key: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `source` dict of a built-in series."""
    return {"kind": "builtin", "key": key, "params": dict(params or {})}


def default_source() -> dict[str, Any]:
    """The series the app opens with."""
    return builtin_source(DEFAULT_BUILTIN, builtin_defaults(DEFAULT_BUILTIN))


def active_series() -> Any:
    """The active Series; loads the built-in named by `source` (or the default) on first use."""
    series = state.get("series")
    if series is not None:
        return series
    source = state.get("source") or default_source()
    if source.get("kind") != "builtin":
        source = default_source()
    try:
        series = load_builtin(source["key"], tuple(sorted(source.get("params", {}).items())))
    except (ValueError, TypeError, KeyError):  # DataError/ConfigError are ValueErrors
        source = default_source()
        series = load_builtin(source["key"], tuple(sorted(source["params"].items())))
    state.put("series", series)
    state.put("source", source)
    return series


def series_time(n: int) -> Any:
    """The active series' timestamps (pandas DatetimeIndex) if there are n of them, else None."""
    series = state.get("series")
    time = getattr(series, "time", None)
    return time if time is not None and len(time) == n else None
