"""The Data page's panel for a table file: which column holds the values, the dates and the
missing-value rule, and which other columns the model reads beside the series (issue 22: out
of pages/data.py); and the active upload: kept across page switches (state "upload"),
refused when too short for the current look-back. Streamlit UI helpers, called by
pages/data.py.

Session state (explorer/state.py): columns, the file's choice {"digest", "value", "date",
"missing", "inputs", "future_inputs", "calendar"}, kept across page switches. Widget keys per
file (its digest): data_col_<d>, data_date_<d>, data_missing_<d>, data_in_<d>, data_fin_<d>,
data_cal_<d>.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from explorer import state
from explorer.escape import md_escape
from explorer.input_figures import MAX_PANELS, inputs_figure
from explorer.widgets import remember
from lstm_core.config import ConfigError, DataConfig
from lstm_core.metrics import count
from lstm_core.series import inputs as input_tools
from lstm_core.series.data import (
    ColumnChoice,
    DataError,
    Series,
    Table,
    default_columns,
    other_columns,
    using_columns,
)
from lstm_core.series.windows import MIN_WINDOWS, min_points, plan_split

PAST_HELP = (
    "Columns measured with the series, like a wind speed: at step t the model reads their "
    "value at t. Forecasts past the next step cannot use them (their future is unknown)."
)
FUTURE_HELP = (
    "Columns whose future is known, like a holiday flag, a planned price or a weather "
    "forecast: the step that predicts t + 1 reads their value at t + 1. Rows after the "
    "series' last value (values empty, these filled) give forecasts their future."
)
CALENDAR_HELP = (
    "Hour of day, day of week and day of year as sin/cos pairs, as fits the dates' step; "
    "known ahead, so forecasts can use them for any horizon."
)
MISSING = {"interpolate": "Interpolate gaps", "drop": "Drop rows with missing values"}
NO_DATE = "(none: use the row order)"


def choose_columns(table: Table, digest: str) -> tuple[str, str | None, str]:
    """Value column, date column (or None) and missing-value policy for one file.

    The select boxes start at the engine's choice (lstm_core.series.data.default_columns), or at
    this file's earlier choice kept in state "columns"; one line says what is used and why.
    DataError if the file has no column that can hold the values.
    """
    choice = default_columns(table)
    previous = state.get("columns")
    kept = previous or {}
    if kept.get("digest") != digest or kept.get("value") not in choice.values:
        kept = {"value": choice.value, "date": choice.date, "missing": next(iter(MISSING))}
        if previous is None:  # the session's first file: a shared link's inputs, if any
            linked = state.get("data_cfg") or DataConfig()
            kept |= {"inputs": list(linked.inputs), "calendar": linked.calendar,
                     "future_inputs": list(linked.future_inputs)}  # fmt: skip
    c1, c2, c3 = st.columns(3)
    vkey = remember(f"data_col_{digest}", kept["value"])
    value = c1.selectbox("Value column", choice.values, key=vkey)
    dates = [NO_DATE, *[c for c in choice.dates if c != value]]
    dkey = remember(f"data_date_{digest}", kept["date"] or NO_DATE)
    if st.session_state[dkey] not in dates:  # it became the value column
        st.session_state[dkey] = NO_DATE
    picked = c2.selectbox("Date column", dates, key=dkey)
    mkey = remember(f"data_missing_{digest}", kept.get("missing", next(iter(MISSING))))
    missing = c3.radio("Missing values", list(MISSING), format_func=MISSING.get, key=mkey)
    date = None if picked == NO_DATE else picked
    state.put("columns", {**kept, "digest": digest, "value": value, "date": date,
                          "missing": missing})  # fmt: skip
    st.caption(md_escape(columns_line(choice, value, date)))
    return value, date, missing


def columns_line(choice: ColumnChoice, value: str, date: str | None) -> str:
    """The engine's reason for its choice, or what the user chose instead of it."""
    if (value, date) == (choice.value, choice.date):
        return choice.reason
    suggested = f"{choice.value!r}" + (f" and {choice.date!r}" if choice.date else "")
    return f"{using_columns(value, date)}, as you chose; the suggestion was {suggested}."


def choose_inputs(
    table: Table, digest: str, value: str, date: str | None
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The other columns to feed beside the values (known only up to now / known ahead) and
    the calendar inputs, with one line per column; none ticked at first. Kept with the
    file's column choice in state "columns"."""
    others = other_columns(table, value, date)
    kept = state.get("columns") or {}
    st.subheader("Inputs beside the series")
    if not others and date is None:
        st.caption("The file has no other column to feed beside the values.")
        return (), (), False
    cfg = state.get("data_cfg") or DataConfig()
    summaries = input_tools.summarize(
        table.frame, value, others, 1 - cfg.val_fraction - cfg.test_fraction
    )
    if summaries:
        st.dataframe(summary_frame(summaries), hide_index=True)
    ahead = [c.column for c in summaries if c.ahead]
    c1, c2, c3 = st.columns([2, 2, 1])
    pkey = options_only(f"data_in_{digest}", kept.get("inputs", []), others)
    past = c1.multiselect("Known only up to now (read at t)", others, key=pkey, help=PAST_HELP)
    rest = [c for c in others if c not in past]  # a column is one kind or the other
    fkey = options_only(f"data_fin_{digest}", kept.get("future_inputs", []), rest)
    future = c2.multiselect("Known ahead (read at t + 1)", rest, key=fkey, help=FUTURE_HELP)
    ckey = remember(f"data_cal_{digest}", bool(kept.get("calendar", False)))
    calendar = c3.checkbox("Calendar inputs", key=ckey, help=CALENDAR_HELP, disabled=date is None)
    if ahead:
        st.caption(
            md_escape(
                f"{', '.join(repr(c) for c in ahead)} also {'has' if len(ahead) == 1 else 'have'} "
                "values after the last value of the series: known ahead, they give forecasts "
                "their future."
            )
        )
    kept = state.get("columns") or {}
    state.put("columns", {**kept, "inputs": list(past), "future_inputs": list(future),
                          "calendar": bool(calendar and date is not None)})  # fmt: skip
    return tuple(past), tuple(future), bool(calendar and date is not None)


def options_only(key: str, kept: list[str], options: list[str] | tuple[str, ...]) -> str:
    """A multiselect's key, its state started from `kept` and cut to `options` (a column
    that became the values, or the other kind, is no longer offered)."""
    remember(key, list(kept))
    st.session_state[key] = [c for c in st.session_state[key] if c in options]
    return key


def summary_frame(summaries: list) -> pd.DataFrame:
    """One row per column that can be an input (names as text)."""
    return pd.DataFrame(
        {
            "column": [s.column for s in summaries],
            "kind": [s.kind for s in summaries],
            "missing": [f"{100 * s.missing:.1f} %" for s in summaries],
            "correlation with the values (training part)": [
                "" if s.correlation is None else f"{s.correlation:+.2f}" for s in summaries
            ],
            "values after the series' end": ["yes" if s.ahead else "" for s in summaries],
        }
    )


def show_inputs(series: Series, x: Any) -> None:
    """The chosen inputs under the series on one time axis, and what they will be."""
    inp = series.inputs
    n = len(series.values)
    future_x = inp.future_time if inp.future_time is not None else np.arange(n, n + inp.n_future)
    fig = inputs_figure(x, series.values, series.name, inp.values, inp.names, future_x)
    st.plotly_chart(fig, key="data_inputs_chart")
    kinds = {"past": "known only up to now", "future": "known ahead"}
    lines = [f"{name} ({kinds[s.kind]})" for name, s in zip(inp.names, inp.specs, strict=True)]
    text = (
        f"The model will read {count(len(inp.specs), 'input')} beside the values: "
        + ", ".join(lines)
        + "."
    )
    if len(inp.specs) > MAX_PANELS:
        text += f" The chart shows the first {MAX_PANELS}."
    reach = inp.reach()
    if reach is None:
        text += " Forecasts can reach any horizon (calendar inputs are computed ahead)."
    elif reach == 1 and inp.has_past:
        text += " Forecasts stop at one step: an input known only up to now has no future."
    elif reach == 0:
        text += (
            " No forecast past the end: the known-ahead inputs have no rows after the last "
            "value (add them, the values left empty, to forecast)."
        )
    else:
        text += (
            f" Forecasts past the end reach {count(reach, 'step')} (the rows after the last value)."
        )
    st.caption(md_escape(text))


# --------------------------------------------------------------------------- the active upload


def kept_upload(source: dict[str, Any]) -> dict[str, Any] | None:
    """The kept file of the active upload (state "upload"), with its column choice put back
    in state "columns" when another file (one refused since) replaced it there; None when
    the active series is not an uploaded file."""
    kept = state.get("upload")
    if source.get("kind") != "upload" or source.get("example") or kept is None:
        return None
    if kept["digest"] != source.get("digest"):
        return None
    if (state.get("columns") or {}).get("digest") != kept["digest"]:
        state.put("columns", {"digest": kept["digest"], "value": source.get("column"),
                              "date": source.get("date"), "missing": source.get("missing"),
                              "inputs": list(source.get("inputs", ())),
                              "future_inputs": list(source.get("future_inputs", ())),
                              "calendar": bool(source.get("calendar", False))})  # fmt: skip
    return kept


def current_cfg() -> DataConfig:
    """The look-back and shares as their controls below hold them now (a change made in this
    run is in their state before they are drawn); the stored settings before their first
    drawing or when they do not make valid settings."""
    old = state.get("data_cfg") or DataConfig()
    ss = st.session_state
    try:
        look_back = int(ss.get("data_look_back", old.look_back))
        val = round(float(ss.get("data_val", old.val_fraction)), 2)
        test = round(float(ss.get("data_test", old.test_fraction)), 2)
        return replace(old, look_back=look_back, val_fraction=val, test_fraction=test)
    except (ConfigError, TypeError, ValueError):
        return old


def too_short(series: Series, name: str) -> str | None:
    """One sentence when `series` (from the file `name`) cannot make a dataset with the
    current look-back and split, saying what to do; None when it can."""
    cfg = current_cfg()
    try:
        plan_split(len(series.values), cfg)
    except DataError:
        n, lb = len(series.values), cfg.look_back
        why = (f"{name} gives {n:,} points, too few for a look-back of {lb:,} (at least "
               f"{min_points(lb):,}: one window each for training, validation and test), so "
               "the current series and model stay")  # fmt: skip
        most = n - MIN_WINDOWS  # the longest look-back this file can take
        if most < 1:
            return f"{why}: upload a series of at least {min_points(1)} points."
        return (f"{why}: lower the look-back below to {most:,} or less and this file is used, "
                "or upload a longer series.")  # fmt: skip
    return None
