"""Turn an uploaded CSV (untrusted bytes) into a clean, finite 1-D series.

Three steps:

* `read_table` parses bytes into a `Table`: encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
  Latin-1 fallback), delimiter (comma, semicolon, tab, pipe), header row or not, decimal commas
  and thousands separators, numeric columns (float64) and one date/time column (datetime64).
* `default_columns` says which value and date columns to use by default, and why (a row index
  or counter is not the values; time-like names in many languages are not either); every
  caller starts there.
* `series_from_table` picks one value column and makes it a `Series`: rows sorted by time,
  duplicate timestamps averaged, ±inf treated as missing or rejected, gaps interpolated (by time
  when there is a date column, by position otherwise) or dropped.

Every problem with the input raises `DataError` whose message is one sentence saying what is
wrong and what to do; no other exception type escapes for bad input. All work on the data is
vectorised (pandas / numpy), so a 1,000,000-row file loads in about a second.

This module is the entry point; the work is done in its siblings, which never import it:

  reading          bytes and text (size, encoding, binary data, line lengths), the delimiter,
                   the header and the columns' kinds: bytes -> Table
  number_formats   decimal commas and thousands separators: cells -> float64
  dates            date columns, dates spread over year/month/day columns, time-like names
  columns          which columns are the values and the dates, and why: ColumnChoice
  cleaning         one column (and the inputs beside it) -> Series: sorted, averaged, filled
  messages         column names in the sentences (counts: lstm_core.metrics.count)
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from lstm_core.metrics import count
from lstm_core.series.cleaning import (
    DUPLICATE_SHARE,
    MIN_VALUES,
    Series,
    clean_column,
    clean_with_inputs,
    flat_warning,
)
from lstm_core.series.columns import (
    ColumnChoice,
    choose_columns,
    index_column,
    is_constant,
    is_counter,
    resolve_date_column,
    resolve_value_column,
    using_columns,
)
from lstm_core.series.dates import DATE_SHARE
from lstm_core.series.errors import DataError
from lstm_core.series.number_formats import NUMERIC_SHARE
from lstm_core.series.reading import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    Source,
    Table,
    parse_table,
    read_bytes,
)

if TYPE_CHECKING:
    from lstm_core.series.inputs import InputSpec

__all__ = [
    "BAD_FILE_ERRORS",
    "DATE_SHARE",
    "DUPLICATE_SHARE",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_LINE_CHARS",
    "MIN_VALUES",
    "NUMERIC_SHARE",
    "ColumnChoice",
    "DataError",
    "Series",
    "Source",
    "Table",
    "default_columns",
    "flat_warning",
    "load_series",
    "other_columns",
    "read_table",
    "series_from_table",
    "series_from_values",
    "using_columns",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- public API


def read_table(source: Source) -> Table:
    """Parse a CSV given as bytes, a path, CSV text (a str with a newline) or a binary file."""
    data = read_bytes(source)
    with _as_data_error():
        return parse_table(data)


def series_from_table(
    table: Table,
    column: str | None = None,
    date_column: str | Literal["auto"] | None = "auto",
    missing: Literal["interpolate", "drop"] = "interpolate",
    inf: Literal["missing", "reject"] = "missing",
    inputs: Sequence[str] = (),
    future_inputs: Sequence[str] = (),
    calendar: bool = False,
    specs: Sequence[InputSpec] | None = None,
) -> Series:
    """Pick the value column (default: see `default_columns`) and clean it into a Series.

    inputs / future_inputs: other columns fed to the model beside the values, known only up
    to now / known ahead; calendar: calendar inputs from the dates (lstm_core.series.inputs). They
    are cleaned with the values (the same rows) into `Series.inputs`. specs: the inputs of a
    saved model, instead of the three (its one-hot values and order are kept).
    """
    if missing not in ("interpolate", "drop"):
        raise ValueError(f"missing must be 'interpolate' or 'drop', got {missing!r}.")
    if inf not in ("missing", "reject"):
        raise ValueError(f"inf must be 'missing' or 'reject', got {inf!r}.")
    with _as_data_error():
        date, dates = resolve_date_column(table, date_column)
        name = resolve_value_column(table, column, date)
        if specs is None and (inputs or future_inputs or calendar):
            from lstm_core.series.inputs import plan_inputs

            time = None if dates is None else pd.DatetimeIndex(dates.dropna()).sort_values()
            specs = plan_inputs(table.frame, inputs, future_inputs, calendar, (name, date), time)
        if specs:
            series = clean_with_inputs(table, name, date, dates, missing, inf, tuple(specs))
        else:
            series = clean_column(table.frame[name], name, date, dates, missing, inf)
    if not table.title_lines:
        return series
    titles = ", ".join(repr(t if len(t) <= 80 else t[:79] + "…") for t in table.title_lines)
    lines = "line" if len(table.title_lines) == 1 else "lines"
    note = f"Skipped the title {lines} {titles} above the header."
    return dataclasses.replace(series, notes=(note, *series.notes))


def default_columns(
    table: Table, date_column: str | Literal["auto"] | None = "auto"
) -> ColumnChoice:
    """The value and date columns every caller starts from (the app, the CLI, `load_series`).

    Values: the first numeric column that is neither a counter (0, 1, 2, ... whatever its
    name) nor named like time; failing that, the first one with data. The row index is never
    the values. DataError if no numeric column is left.
    """
    with _as_data_error():
        date, _ = resolve_date_column(table, date_column)
        return choose_columns(table, date)


def other_columns(table: Table, value: str, date: str | None) -> tuple[str, ...]:
    """The columns that can be inputs beside `value`: all but the values, the date column
    and the columns it was put together from, the row index, counters (1, 2, 3, ...) and
    columns with one value throughout (nothing to learn from)."""
    parts = table.date_parts if date == table.date_column else ()
    index = index_column(table)
    frame = table.frame
    return tuple(
        c
        for c in frame.columns
        if c not in (value, date, index, *parts)
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
        and not (c in table.numeric_columns and is_counter(frame[c]))
        and not is_constant(frame[c])
    )


def load_series(
    source: Source,
    column: str | None = None,
    date_column: str | Literal["auto"] | None = "auto",
    missing: Literal["interpolate", "drop"] = "interpolate",
    inf: Literal["missing", "reject"] = "missing",
) -> Series:
    """`read_table` then `series_from_table`."""
    return series_from_table(read_table(source), column, date_column, missing, inf)


def series_from_values(values: object, name: str = "value", time: object | None = None) -> Series:
    """Wrap ready-made values [N] (and optional increasing timestamps [N]) as a Series."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("The values are not numbers: pass a 1-D sequence of numbers.") from None
    if arr.ndim != 1:
        raise DataError(f"The values must be 1-D, got shape {arr.shape}: pass a flat sequence.")
    if arr.size < MIN_VALUES:
        raise DataError(f"A series needs at least {MIN_VALUES} values, got {arr.size}.")
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    if bad:
        raise DataError(
            f"The values contain {count(bad, 'NaN or infinite entry')}: pass finite numbers."
        )
    return Series(arr, str(name), _check_time(time, arr.size), 0, 0, 0, 0, ())


def _check_time(time: object | None, n: int) -> pd.DatetimeIndex | None:
    """Timestamps [n], strictly increasing, or None."""
    if time is None:
        return None
    try:
        index = pd.DatetimeIndex(time)
    except (TypeError, ValueError):
        raise DataError("The time values are not dates: pass datetimes or None.") from None
    if len(index) != n:
        raise DataError(f"There are {len(index)} timestamps for {n} values: pass one per value.")
    if index.hasnans or not index.is_monotonic_increasing or not index.is_unique:
        raise DataError("The timestamps must be strictly increasing and not missing.")
    return index


# --------------------------------------------------------------------------- helpers


# what pandas / numpy / csv raise for a file they cannot read (ParserError, EmptyDataError,
# UnicodeDecodeError and OutOfBoundsDatetime are ValueErrors): the file's fault, said as such
BAD_FILE_ERRORS = (ValueError, pd.errors.ParserError, csv.Error, OverflowError)


@contextmanager
def _as_data_error() -> Iterator[None]:
    """Re-raise what a bad file makes pandas/numpy raise as a one-sentence DataError. Anything
    else is a bug here: logged with its traceback, and one sentence for the user still."""
    try:
        yield
    except DataError:
        raise
    except MemoryError:
        raise DataError("The file is too large to process in memory: upload fewer rows.") from None
    except BAD_FILE_ERRORS as exc:
        raise DataError(_explain(exc)) from exc
    except Exception as exc:
        log.exception("reading a table failed on an error in the engine")
        raise DataError(
            f"Reading the file failed on an error in LSTM Explorer itself "
            f"({type(exc).__name__}), not in the file: it was logged for the developers."
        ) from exc


def _explain(exc: Exception) -> str:
    msg = str(exc).strip()
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return (
            f"Line {m[2]} has {m[3]} fields but earlier lines have {m[1]}: check the delimiter "
            "and quoting around that line."
        )
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return f'A quote (") opened on line {int(m[1]) + 1} is never closed: fix or remove it.'
    reason = (msg.splitlines() or [type(exc).__name__])[0][:150].rstrip(".")
    return (
        f"Could not read the file as a table ({reason}): upload a plain-text CSV with one row "
        "per time step."
    )
