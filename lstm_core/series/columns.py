"""Which columns of a Table are the values and the dates, and why.

`choose_columns(table, date)` -> ColumnChoice: the default value column beside the date
column, with one sentence saying what was chosen and what was skipped (a row index or a
counter 0, 1, 2, ... is not the values; a column named like time is not either).
`resolve_date_column` and `resolve_value_column` check a caller's choice (DataError with one
sentence when it cannot be used); `index_column` finds pandas' row index written to the file,
`is_counter` a column that counts rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstm_core.series.dates import dates_from_numbers, dates_from_text, time_like
from lstm_core.series.errors import DataError
from lstm_core.series.messages import quoted_names
from lstm_core.series.reading import Table


@dataclass(frozen=True)
class ColumnChoice:
    """Which columns of a Table the engine uses by default, why, and what else can be chosen."""

    value: str  # the value column
    date: str | None  # the date/time column, or None (the row order is the time)
    reason: str  # one sentence: what was chosen and what was skipped, and why
    values: tuple[str, ...]  # columns that can hold the values (numeric, not the row index)
    dates: tuple[str, ...]  # columns that can be offered as the date column (not the row index)
    index: str | None  # the row index (an unnamed first column 0, 1, 2, ... as pandas writes)


def using_columns(value: str, date: str | None, parts: tuple[str, ...] = ()) -> str:
    """ "Using 'v' as the values and 'd' as the dates" (no full stop); `parts`: the columns
    the date was put together from."""
    text = f"Using {value!r} as the values" + (f" and {date!r} as the dates" if date else "")
    return text + (f" (put together from {len(parts)} columns)" if date and parts else "")


def resolve_date_column(
    table: Table, date_column: str | None
) -> tuple[str | None, pd.Series | None]:
    """(name, datetimes [rows]) of the date column to use, or (None, None)."""
    if date_column == "auto":
        date_column = table.date_column
    if date_column is None:
        return None, None
    frame = table.frame
    if date_column == table.date_column:
        return date_column, frame[date_column]
    if date_column not in frame.columns:
        raise DataError(
            f"There is no column named {date_column!r}: "
            f"choose one of {quoted_names(frame.columns)}."
        )
    col = frame[date_column]
    if pd.api.types.is_float_dtype(col):
        dates = dates_from_numbers(col)
    else:
        dates = dates_from_text(col.astype(str), table.delimiter)
    if dates is None:
        raise DataError(
            f"Column {date_column!r} does not hold dates or times: choose another date column "
            "or none."
        )
    return date_column, dates


def resolve_value_column(table: Table, column: str | None, date: str | None) -> str:
    """The value column: the user's choice, else the default of `choose_columns`."""
    if column is None:
        return choose_columns(table, date).value
    index = index_column(table)
    candidates = [c for c in table.numeric_columns if c not in (date, index)]
    if column == date:
        raise DataError(
            f"Column {column!r} is the date column: choose a different column for the values."
        )
    if column == index:
        raise DataError(
            f"Column {column!r} {_doubt(table.frame[column], column, index=True)}, not values: "
            f"choose one of {quoted_names(candidates)}."
        )
    if column not in table.numeric_columns:
        what = "is not numeric" if column in table.frame.columns else "does not exist"
        raise DataError(
            f"Column {column!r} {what}: choose one of {quoted_names(candidates)}."
            if candidates
            else f"Column {column!r} {what} and the file has no other numeric column."
        )
    return column


def choose_columns(table: Table, date: str | None) -> ColumnChoice:
    """The default value column next to `date`, with the sentence saying why."""
    frame, index = table.frame, index_column(table)
    parts = table.date_parts if date == table.date_column else ()
    candidates = [c for c in table.numeric_columns if c not in (date, index, *parts)]
    if not candidates:
        if index is not None:
            raise DataError(
                f"The only numeric column, {index!r}, {_doubt(frame[index], index, index=True)}: "
                "upload a CSV with a column of values."
            )
        raise DataError(
            "The only numeric column is the date column: upload a CSV with a column of values."
        )
    doubts = {c: _doubt(frame[c], c) for c in candidates}
    clean = [c for c in candidates if doubts[c] is None]
    if clean:
        value = clean[0]
        skipped = {index: _doubt(frame[index], index, index=True)} if index is not None else {}
        skipped |= {c: doubts[c] for c in candidates[: candidates.index(value)]}
        reason = using_columns(value, date, parts) + "".join(
            f"; {c!r} {why} and was skipped" for c, why in skipped.items()
        )
    else:
        filled = [c for c in candidates if frame[c].notna().any()]
        flat = [c for c in filled if is_constant(frame[c])]  # meant as values, if flat, more
        value = (flat or filled or candidates)[0]  # than a counter or a time-named column
        why = (
            "no other numeric column looks more like values"
            if len(candidates) > 1
            else "it is the only numeric column"
            + (f" besides the row index {index!r}" if index is not None else "")
        )
        reason = f"{using_columns(value, date, parts)}, although {value!r} {doubts[value]}: {why}"
    values = tuple(c for c in table.numeric_columns if c != index)
    dates = tuple(c for c in frame.columns if c != index)
    return ColumnChoice(value, date, reason + ".", values, dates, index)


def index_column(table: Table) -> str | None:
    """The unnamed first column if it counts rows like pandas' index (0, 1, 2, ...), or None.

    Whole numbers >= 0, strictly increasing (a filtered frame's index has gaps), no blanks.
    """
    if not table.has_header or table.frame.columns[0] != "column 1":
        return None
    if "column 1" not in table.numeric_columns:
        return None
    v = table.frame["column 1"].to_numpy(dtype=np.float64, na_value=np.nan)
    if len(v) < 2 or not np.isfinite(v).all() or v[0] < 0 or np.any(v != np.round(v)):
        return None
    return "column 1" if bool(np.all(np.diff(v) > 0)) else None


def is_counter(col: pd.Series) -> bool:
    """Whether a column is a row counter (0, 1, 2, ... or any constant non-zero step)."""
    v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if len(v) < 3 or not np.isfinite(v).all():
        return False
    d = np.diff(v)
    return bool(d[0] != 0 and np.all(d == d[0]))


def is_constant(col: pd.Series) -> bool:
    """Whether a column has one value in every filled cell (a store number, a unit): nothing
    for a model to learn from, as the values or as an input."""
    return col.nunique(dropna=True) == 1


def _doubt(col: pd.Series, name: str, index: bool = False) -> str | None:
    """Why a numeric column is unlikely to be the values ("is a counter (0, 1, 2, …)"), or None.

    index: the column is the row index (see `index_column`).
    """
    if index:
        return f"looks like a row index ({_first_values(col)})"
    if col.isna().all():
        return "is empty"
    if is_counter(col):
        return f"is a counter ({_first_values(col)})"
    if is_constant(col):
        return f"has one value throughout ({col.dropna().iloc[0]:.10g})"
    if time_like(name):
        return "is named like a time column"
    return None


def _first_values(col: pd.Series) -> str:
    """The first three values of a column and an ellipsis: "0, 1, 2, …"."""
    return ", ".join(f"{x:.10g}" for x in col.to_numpy(dtype=np.float64)[:3]) + ", …"
