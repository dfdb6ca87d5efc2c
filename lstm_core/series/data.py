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
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import numpy as np
import pandas as pd

from lstm_core.runtime.limits import LIMITS
from lstm_core.series.errors import DataError

if TYPE_CHECKING:  # lstm_core.series.inputs imports this module
    from lstm_core.series.inputs import Inputs, InputSpec

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO
log = logging.getLogger(__name__)

MAX_BYTES = LIMITS.file_bytes  # refuse larger inputs (the app caps uploads well below this)
MAX_LINE_CHARS = 100_000  # longer lines mean this is not a time-series CSV
MAX_COLUMNS = 1_000
MIN_VALUES = 2  # a series needs at least this many values
NUMERIC_SHARE = 0.8  # share of non-blank cells that must be numbers for a numeric column
DATE_SHARE = 0.9  # share of non-blank cells that must parse for a date column

_SAMPLE_BYTES = 65_536  # sniff the delimiter on this much text
_SAMPLE_ROWS = 2_000  # decide header, number format and column kinds on these rows
_DELIMITERS = ("\t", ";", "|", ",")  # preference order: comma last, it doubles as decimal mark
_NA_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "?", ".", "#n/a", "missing", "nil"}
)
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "zip or Excel (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "Excel (.xls)"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"Rar!", "RAR"),
    (b"SQLite format 3", "SQLite"),
    (b"PAR1", "Parquet"),
)
_TIME_WORDS = frozenset(
    {
        # English
        "year", "years", "yr", "date", "dates", "time", "times", "timestamp",
        "timestamps", "datetime", "ts", "dt", "month", "months", "day", "days", "week", "weeks",
        "quarter", "quarters", "period", "ds", "hour", "hours", "minute", "minutes",
        # German
        "jahr", "jahre", "datum", "zeit", "uhrzeit", "zeitpunkt", "zeitstempel", "monat",
        "woche", "stunde", "quartal",
        # French
        "annee", "année", "mois", "jour", "heure", "temps", "horodatage", "semaine", "trimestre",
        # Spanish, Portuguese, Italian
        "fecha", "año", "ano", "mes", "mês", "dia", "día", "hora", "tiempo", "semana", "anno",
        "mese", "giorno", "settimana",
        # Dutch, Nordic, Polish, Russian
        "jaar", "maand", "tijd", "dag", "år", "måned", "månad", "tid", "dato", "rok",
        "miesiąc", "czas", "год", "дата", "время", "месяц", "день",
    }
)  # fmt: skip
_DATE_WORDS = frozenset({"data"})  # "date" in Italian/Portuguese/Polish but "values" in English:
# a numeric column so named is a date column only if it holds yyyymmdd dates, and it is a value
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"  # kana, CJK ideographs, hangul
_CJK_TIME_LONG = "时间戳|日期|时间|時間|时刻|時刻|年份|月份|季度|星期|小时|日付|날짜|시간|연도"
_CJK_TIME = rf"(?:{_CJK_TIME_LONG}|[年月日周週天时時])"  # 年龄 (age), 天气 (weather) are not time
_COMMA_GROUPS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?"  # 1,234 / 1,234.5
_DOT_GROUPS = r"[+-]?\d{1,3}(?:\.\d{3})+"  # 1.234 / 1.234.567 (in a decimal-comma column)
_DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+(?:[eE][+-]?\d+)?"  # 1,5 / 1.234,5


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV: numeric columns as float64, the date column (if any) as datetime64."""

    frame: pd.DataFrame  # [rows, columns]; column names are str ("column 1"... without header)
    numeric_columns: tuple[str, ...]  # (mostly) numeric columns, float64 in `frame`
    date_column: str | None  # auto-detected date/time column (datetime64 in `frame`) or None
    delimiter: str  # ",", ";", "\t" or "|"
    encoding: str  # "utf-8", "utf-8-sig", "utf-16" or "latin-1"
    has_header: bool
    date_parts: tuple[str, ...] = ()  # the columns a date spread over (year, month, day,
    #                                   hour) was put together from, into `date_column`


@dataclass(frozen=True, eq=False)
class Series:
    """One clean value column: finite float64 values, optional sorted timestamps, and a log."""

    values: np.ndarray  # [N] float64, all finite
    name: str  # the value column's name (plain text from the file)
    time: pd.DatetimeIndex | None  # [N] sorted timestamps, or None
    n_missing: int  # missing values found in the column (NaN, blank, non-numeric, ±inf)
    n_missing_filled: int  # how many of them were filled by interpolation
    n_dropped: int  # rows dropped (missing="drop", unfillable edges, rows without a valid date)
    n_duplicates: int  # extra rows sharing a timestamp (averaged into one row)
    notes: tuple[str, ...]  # one sentence per thing that was done to the data
    inputs: Inputs | None = None  # the inputs beside the values (same rows), or None


@dataclass(frozen=True)
class ColumnChoice:
    """Which columns of a Table the engine uses by default, why, and what else can be chosen."""

    value: str  # the value column
    date: str | None  # the date/time column, or None (the row order is the time)
    reason: str  # one sentence: what was chosen and what was skipped, and why
    values: tuple[str, ...]  # columns that can hold the values (numeric, not the row index)
    dates: tuple[str, ...]  # columns that can be offered as the date column (not the row index)
    index: str | None  # the row index (an unnamed first column 0, 1, 2, ... as pandas writes)


# --------------------------------------------------------------------------- public API


def read_table(source: Source) -> Table:
    """Parse a CSV given as bytes, a path, CSV text (a str with a newline) or a binary file."""
    data = _read_bytes(source)
    with _as_data_error():
        return _parse(data)


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
        date, dates = _resolve_date_column(table, date_column)
        name = _resolve_value_column(table, column, date)
        if specs is None and (inputs or future_inputs or calendar):
            from lstm_core.series.inputs import plan_inputs

            time = None if dates is None else pd.DatetimeIndex(dates.dropna()).sort_values()
            specs = plan_inputs(table.frame, inputs, future_inputs, calendar, (name, date), time)
        if specs:
            return _clean_with_inputs(table, name, date, dates, missing, inf, tuple(specs))
        return _clean(table.frame[name], name, date, dates, missing, inf)


def default_columns(
    table: Table, date_column: str | Literal["auto"] | None = "auto"
) -> ColumnChoice:
    """The value and date columns every caller starts from (the app, the CLI, `load_series`).

    Values: the first numeric column that is neither a counter (0, 1, 2, ... whatever its
    name) nor named like time; failing that, the first one with data. The row index is never
    the values. DataError if no numeric column is left.
    """
    with _as_data_error():
        date, _ = _resolve_date_column(table, date_column)
        return _choose_columns(table, date)


def using_columns(value: str, date: str | None, parts: tuple[str, ...] = ()) -> str:
    """ "Using 'v' as the values and 'd' as the dates" (no full stop); `parts`: the columns
    the date was put together from."""
    text = f"Using {value!r} as the values" + (f" and {date!r} as the dates" if date else "")
    return text + (f" (put together from {len(parts)} columns)" if date and parts else "")


def other_columns(table: Table, value: str, date: str | None) -> tuple[str, ...]:
    """The columns that can be inputs beside `value`: all but the values, the date column
    and the columns it was put together from, the row index and counters (1, 2, 3, ...)."""
    parts = table.date_parts if date == table.date_column else ()
    index = _index_column(table)
    frame = table.frame
    return tuple(
        c
        for c in frame.columns
        if c not in (value, date, index, *parts)
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
        and not (c in table.numeric_columns and _is_counter(frame[c]))
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
            f"The values contain {_plural(bad, 'NaN or infinite entry')}: pass finite numbers."
        )
    return Series(arr, str(name), _check_time(time, arr.size), 0, 0, 0, 0, ())


# --------------------------------------------------------------------------- bytes and text


def _read_bytes(source: Source) -> bytes:
    """Bytes of the source, refusing anything over MAX_BYTES."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        data = source.encode("utf-8")
    elif isinstance(source, str | os.PathLike):
        data = _read_path(Path(source))
    elif hasattr(source, "read"):
        data = source.read(MAX_BYTES + 1)
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    else:
        raise TypeError(f"source must be bytes, a path or a binary file, got {type(source)}.")
    _check_size(len(data))
    return data


def _read_path(path: Path) -> bytes:
    try:
        _check_size(path.stat().st_size)
        return path.read_bytes()
    except OSError:
        raise DataError(f"Cannot open {path.name!r}: check that the file exists.") from None


def _check_size(n_bytes: int) -> None:
    if n_bytes > MAX_BYTES:
        raise DataError(
            f"The file is {n_bytes / 1e6:.0f} MB, over the {MAX_BYTES // 10**6} MB limit: "
            "upload a smaller file."
        )


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) after refusing binary data."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise DataError(_binary_message(data)) from None
    _check_not_binary(data)
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _check_not_binary(data: bytes) -> None:
    """Refuse known binary formats, NUL bytes and text with many control characters."""
    head = np.frombuffer(data[:_SAMPLE_BYTES], dtype=np.uint8)
    control = (head < 32) & (head != 9) & (head != 10) & (head != 13) & (head != 12)
    if any(data.startswith(m) for m, _ in _MAGIC) or (head == 0).any():
        raise DataError(_binary_message(data))
    if head.size and control.mean() > 0.02:
        raise DataError(_binary_message(data))


def _binary_message(data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return (
                f"This looks like a {kind} file, not a CSV: export the data as CSV text "
                "and upload that."
            )
    return "This file is not text (it contains binary data): upload a CSV text file."


def _check_line_lengths(data: bytes) -> None:
    """Refuse lines over MAX_LINE_CHARS bytes (vectorised over the raw bytes)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    is_end = raw == 10
    ends = np.flatnonzero(is_end if is_end.any() else raw == 13)  # "\r" only: old Mac files
    lengths = np.diff(np.concatenate(([-1], ends, [raw.size]))) - 1
    longest = int(lengths.argmax())
    if lengths[longest] > MAX_LINE_CHARS:
        raise DataError(
            f"Line {longest + 1} is over {MAX_LINE_CHARS:,} characters long: upload a CSV with "
            "one row per time step."
        )


# --------------------------------------------------------------------------- parsing


def _parse(data: bytes) -> Table:
    """Bytes -> Table: decode, sniff, read a string sample to decide, then read everything."""
    text, encoding = _decode(data)
    if not text.strip():
        raise DataError(
            "The file is empty: upload a CSV with a header row and at least one numeric column."
        )
    _check_line_lengths(text.encode("utf-8") if encoding == "utf-16" else data)
    if "\n" not in text:
        text = text.replace("\r", "\n")  # old Mac line endings
    text = re.sub(r"\A(?:[ \t]*\r?\n)+", "", text)  # leading blank lines
    delimiter = _sniff_delimiter(text)
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True))
    has_header = not all(_looks_like_value(c) for c in first)
    sample = _read_sample(text, delimiter, skip=int(has_header))
    frame = _read_frame(text, delimiter, int(has_header), sample)
    header = [c.strip() for c in first] if has_header else []
    header += [""] * (frame.shape[1] - len(header))
    frame.columns = sample.columns = _column_names(header[: frame.shape[1]])
    blank = [c for c, h in zip(frame.columns, header, strict=False) if not h]
    empty = [c for c in blank if frame[c].isna().all()]
    return _typed_table(frame.drop(columns=empty), sample, delimiter, encoding, has_header)


def _sniff_delimiter(text: str) -> str:
    """The delimiter giving the same field count (≥ 2) on ≥ 90% of the first 100 lines."""
    lines = [ln for ln in text[:_SAMPLE_BYTES].splitlines() if ln.strip()][:100] or [""]
    shares: dict[str, float] = {}
    widest: dict[str, int] = {}
    for delim in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        fields, hits = Counter(counts).most_common(1)[0]
        shares[delim] = hits / len(counts) if fields >= 2 else 0.0
        widest[delim] = max(counts)
    consistent = [d for d in _DELIMITERS if shares[d] >= 0.9]
    best = consistent[0] if consistent else max(_DELIMITERS[::-1], key=shares.__getitem__)
    if widest[best] > MAX_COLUMNS:
        raise DataError(
            f"The file has over {MAX_COLUMNS} columns: upload only the time column and the "
            "value columns."
        )
    return best


def _read_sample(text: str, delimiter: str, skip: int) -> pd.DataFrame:
    """The first _SAMPLE_ROWS data rows as stripped strings [rows, columns], blanks as ""."""
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            skiprows=skip,
            nrows=_SAMPLE_ROWS,
            dtype=str,
            na_filter=False,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        cells = pd.DataFrame()
    if cells.empty:
        raise DataError(
            "The file has a header row but no data rows: add rows of values under the header."
        )
    return cells.fillna("").apply(lambda col: col.str.strip())


def _read_frame(text: str, delimiter: str, skip: int, sample: pd.DataFrame) -> pd.DataFrame:
    """All data rows [rows, columns]: numbers parsed by pandas' C reader, text kept as str.

    The sample decides the decimal mark and thousands separator for the whole file. With a
    non-default format, text columns are read as str so that 01.02.2020 never becomes a number
    (not always: pandas reads str-typed columns 3x slower than inferred ones).
    """
    decimal, thousands = _number_format(sample, delimiter)
    text_cols = []
    if decimal != "." or thousands is not None:
        text_cols = [c for c in sample.columns if _numeric_or_none(sample[c], delimiter) is None]
    return pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        skiprows=skip,
        decimal=decimal,
        thousands=thousands,
        dtype=dict.fromkeys(text_cols, str),
        na_values=sorted(_NA_TOKENS - {""}),
        skipinitialspace=True,
        low_memory=False,
    )


def _number_format(sample: pd.DataFrame, delimiter: str) -> tuple[str, str | None]:
    """(decimal mark, thousands separator or None) voted by the sample's numeric columns."""
    comma = dot = 0
    for name in sample.columns:
        col = sample[name]
        has_comma = col.str.contains(",", regex=False)
        if not has_comma.any() or _numeric_or_none(col, delimiter) is None:
            continue
        has_dot = col.str.contains(".", regex=False)
        if _decimal_is_comma(_compact(col[has_comma]), col[has_dot & ~has_comma], delimiter):
            comma += 1
        else:
            dot += 1
    if comma > dot and delimiter != ",":
        grouped = sample.apply(lambda c: c.str.contains(r"\d\.\d{3}(?:,|$)", regex=True).any())
        return ",", ("." if grouped.any() else None)
    return ".", ("," if dot else None)


def _looks_like_value(cell: str) -> bool:
    """True for a blank, a number (any decimal convention) or a date-like cell."""
    cell = str(cell).strip()
    if cell.lower() in _NA_TOKENS:
        return True
    variants = (cell, cell.replace(",", ""), cell.replace(".", "").replace(",", "."))
    if pd.to_numeric(pd.Series(variants), errors="coerce").notna().any():
        return True
    return bool(re.search(r"\d", cell)) and _to_datetime(pd.Series([cell])).notna().all()


def _column_names(header: list[str]) -> list[str]:
    """Header cells as plain strings; blanks become "column i"; repeats get " (2)", " (3)"."""
    names: list[str] = []
    for i, name in enumerate(header):
        base = name or f"column {i + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)
    return names


def _typed_table(
    frame: pd.DataFrame, sample: pd.DataFrame, delimiter: str, encoding: str, has_header: bool
) -> Table:
    """Numeric columns as float64, the first date-like column as datetime64, text as str."""
    columns: dict[str, pd.Series] = {}
    numeric: list[str] = []
    date_col: str | None = None
    typed = {name: _column_values(frame[name], sample[name], delimiter) for name in frame.columns}
    assembled = _assemble_date({n: v for n, (v, _) in typed.items() if v is not None})
    parts = assembled[2] if assembled else ()
    for name in frame.columns:
        values, text = typed[name]
        if date_col is None and name not in parts:
            dates = _detect_dates(name, text, values, delimiter)
            if dates is not None:
                columns[name], date_col = dates, name
                continue
        if values is not None:
            columns[name] = values
            numeric.append(name)
        else:
            columns[name] = text
    if not numeric:
        raise DataError(
            f"No numeric column found among {_names(frame.columns)}: upload a CSV with at "
            "least one column of numbers."
        )
    if date_col is None and assembled is not None:
        date_col = assembled[0]
        columns = {date_col: assembled[1], **columns}
    else:
        parts = ()
    out = pd.DataFrame(columns, index=frame.index)
    return Table(out, tuple(numeric), date_col, delimiter, encoding, has_header, parts)


_DATE_PARTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("year", frozenset({"year", "yr", "yyyy", "jahr", "année", "annee", "año", "anno", "年"})),
    ("month", frozenset({"month", "mon", "mm", "monat", "mois", "mes", "mese", "月"})),
    ("day", frozenset({"day", "dd", "tag", "jour", "dia", "día", "giorno", "日"})),
    ("hour", frozenset({"hour", "hr", "hh", "stunde", "heure", "hora", "ora", "时", "時"})),
    ("minute", frozenset({"minute", "min", "minuten"})),
)  # a date spread over columns, in this order: year and month at least


def _assemble_date(
    numbers: dict[str, pd.Series],
) -> tuple[str, pd.Series, tuple[str, ...]] | None:
    """A date spread over number columns (year, month[, day[, hour[, minute]]]) put together:
    (name "year, month, day, hour", datetimes [rows], the part columns), or None when the
    file has no such columns or they do not make one distinct date per row."""
    found: dict[str, str] = {}
    for part, words in _DATE_PARTS:
        col = next((c for c in numbers if c.strip().lower() in words), None)
        if col is None:
            break
        found[part] = col
    if len(found) < 2:
        return None
    v = {part: numbers[col] for part, col in found.items()}
    if any(not np.all(x.dropna() == np.round(x.dropna())) for x in v.values()):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = pd.DataFrame({"day": 1.0, **v})
        dates = pd.to_datetime(parts, errors="coerce")
    ok = dates.notna()
    if ok.mean() < DATE_SHARE or dates[ok].duplicated().mean() > 0.01:
        return None
    return ", ".join(found.values()), dates, tuple(found.values())


def _column_values(
    col: pd.Series, sample: pd.Series, delimiter: str
) -> tuple[pd.Series | None, pd.Series | None]:
    """(float64 values [N] or None, stripped strings [N] or None) for one read column."""
    if pd.api.types.is_bool_dtype(col):
        return None, col.astype(str)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(np.float64), None
    text = col.fillna("").astype(str)
    if _numeric_or_none(sample, delimiter) is None:
        return None, text.str.strip()
    return _numeric_or_none(text, delimiter), text.str.strip()


# --------------------------------------------------------------------------- numbers


def _numeric_or_none(col: pd.Series, delimiter: str) -> pd.Series | None:
    """Strings [N] -> float64 [N] if ≥ NUMERIC_SHARE of non-blank cells are numbers, else None."""
    values = _to_float(col, delimiter)
    failed = col[values.isna()]
    n_blank = int(failed.str.strip().str.lower().isin(_NA_TOKENS).sum())
    n_text = len(failed) - n_blank
    n_num = len(col) - len(failed)
    if n_num == 0:
        return values if n_text == 0 else None  # an all-blank column counts as numeric
    return values if n_num >= NUMERIC_SHARE * (n_num + n_text) else None


def _to_float(col: pd.Series, delimiter: str) -> pd.Series:
    """Strings [N] -> float64 [N] (NaN where not a number), handling 1,5 / 1.234,5 / 1,234.5."""
    values = pd.to_numeric(col, errors="coerce").astype(np.float64)
    has_comma = col.str.contains(",", regex=False)
    if not has_comma.any():
        return values  # fast path: plain numbers
    has_dot = col.str.contains(".", regex=False)
    comma_cells = _compact(col[has_comma])
    if _decimal_is_comma(comma_cells, col[has_dot & ~has_comma], delimiter):
        cells = _compact(col[has_comma | has_dot])
        ok = cells.str.fullmatch(f"(?:{_DECIMAL_COMMA}|{_DOT_GROUPS})")
        fixed = cells.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cells = comma_cells
        ok = cells.str.fullmatch(_COMMA_GROUPS)
        fixed = cells.str.replace(",", "", regex=False)
    parsed = pd.to_numeric(fixed.where(ok, ""), errors="coerce").astype(np.float64)
    fallback = values[cells.index].where(~has_comma[cells.index])  # e.g. 1.5 stays 1.5
    values.loc[cells.index] = parsed.where(ok, fallback)
    return values


def _compact(cells: pd.Series) -> pd.Series:
    """Cells without spaces or apostrophes (1 234,5 and 1'234.5 style grouping)."""
    return cells.str.replace(r"[\s\u00a0\u202f']", "", regex=True)


def _decimal_is_comma(comma_cells: pd.Series, dot_cells: pd.Series, delimiter: str) -> bool:
    """Whether commas are decimal marks (else thousands separators) in one column.

    comma_cells: the cells with a comma; dot_cells: the cells with a dot but no comma.
    """
    both = comma_cells[comma_cells.str.contains(".", regex=False)]
    if len(both):  # 1.234,5 vs 1,234.5: the last mark is the decimal one
        return bool((both.str.rfind(",") > both.str.rfind(".")).mean() >= 0.5)
    if not comma_cells.str.fullmatch(_COMMA_GROUPS).all():  # 1,5 or 12,25: decimal comma
        return True
    if dot_cells.str.contains(r"\d\.\d", regex=True).any():  # 12.5 elsewhere: dot decimal
        return False
    return delimiter == ";"  # only 1,234-style cells: European files use ";"


# --------------------------------------------------------------------------- dates


def _detect_dates(
    name: str, text: pd.Series | None, numbers: pd.Series | None, delimiter: str
) -> pd.Series | None:
    """Datetimes [N] (NaT where blank) if the column holds dates, else None.

    Text columns are dates when ≥ DATE_SHARE of non-blank cells parse. Numeric columns are
    dates only if the name suggests time: whole years 1000-2999 or yyyymmdd integers (only
    yyyymmdd for a name that may mean values too, like "data").
    """
    if numbers is None:
        return _dates_from_text(text, delimiter) if text is not None else None
    if _time_like(name):
        return _dates_from_numbers(numbers)
    return _dates_from_numbers(numbers, years=False) if _DATE_WORDS & set(_words(name)) else None


def _is_counter(col: pd.Series) -> bool:
    """Whether a column is a row counter (0, 1, 2, ... or any constant non-zero step)."""
    v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if len(v) < 3 or not np.isfinite(v).all():
        return False
    d = np.diff(v)
    return bool(d[0] != 0 and np.all(d == d[0]))


def _time_like(name: str) -> bool:
    """Whether a column name suggests time: year, Datum, fecha, 时间, 年份, 交易日期, ...

    Latin, Cyrillic, ... names: any word of it is a time word. CJK names (no spaces between
    words): a run made of time words (年月, 日期时间) or ending in a two-character one (交易日期).
    """
    if name.strip().lower() == "t" or any(w in _TIME_WORDS for w in _words(name)):
        return True
    return any(
        re.fullmatch(f"{_CJK_TIME}+", run) or re.search(f"(?:{_CJK_TIME_LONG})$", run)
        for run in re.findall(f"[{_CJK}]+", name)
    )


def _words(name: str) -> list[str]:
    """The lower-case words of a column name ("closeDate_2" -> ["close", "date"]), CJK apart."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    return re.findall(f"[^\\W\\d_{_CJK}]+", spaced)


def _dates_from_numbers(values: pd.Series, years: bool = True) -> pd.Series | None:
    """Whole years (1871; unless `years` is False) or yyyymmdd integers (20200131) -> [N]."""
    v = values.to_numpy(dtype=np.float64)
    ok = np.isfinite(v)
    if not ok.any() or not np.all(v[ok] == np.round(v[ok])):
        return None
    out = np.full(v.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    if years and np.all((v[ok] >= 1000) & (v[ok] <= 2999)):
        out[ok] = (v[ok].astype(np.int64) - 1970).astype("datetime64[Y]")
        return pd.Series(out, index=values.index)
    if np.all((v[ok] >= 10000101) & (v[ok] <= 29991231)):
        text = pd.Series(v[ok].astype(np.int64).astype(str))
        parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        if parsed.notna().mean() >= DATE_SHARE:
            out[ok] = parsed.to_numpy(dtype="datetime64[s]")
            return pd.Series(out, index=values.index)
    return None


def _dates_from_text(col: pd.Series, delimiter: str) -> pd.Series | None:
    """Text cells -> datetimes [N], trying month-first and day-first on a sample first."""
    filled = col[~col.str.lower().isin(_NA_TOKENS)]
    sample = filled.iloc[:500]
    if sample.empty or sample.str.contains(r"\d", regex=True).mean() < DATE_SHARE:
        return None
    options: list[dict[str, object]] = [{}]
    if sample.str.match(r"\d{4}\D").mean() < 0.5:  # not year-first: day-first is possible
        options = [{"dayfirst": True}, {}] if delimiter == ";" else [{}, {"dayfirst": True}]
    options += [{"format": "mixed", **o} for o in options]
    for kwargs in options:
        if _to_datetime(sample, **kwargs).notna().mean() >= DATE_SHARE:
            parsed = _to_datetime(col, **kwargs)
            if parsed[filled.index].notna().mean() >= DATE_SHARE:
                return parsed
    return None


def _to_datetime(col: pd.Series, **kwargs: object) -> pd.Series:
    """pd.to_datetime without warnings; mixed time zones go to UTC; result is tz-naive."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = pd.to_datetime(col, errors="coerce", **kwargs)
        except (ValueError, TypeError, OverflowError):
            out = None  # pandas 3: mixed time zones raise
        if out is None or not pd.api.types.is_datetime64_any_dtype(out):
            try:  # ... and pandas 2 returns them as objects: both go to UTC
                out = pd.to_datetime(col, errors="coerce", utc=True, **kwargs)
            except (ValueError, TypeError, OverflowError):
                out = None
    if out is None or not pd.api.types.is_datetime64_any_dtype(out):
        return pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
    return out.dt.tz_convert(None) if out.dt.tz is not None else out


# --------------------------------------------------------------------------- series


def _resolve_date_column(
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
            f"There is no column named {date_column!r}: choose one of {_names(frame.columns)}."
        )
    col = frame[date_column]
    if pd.api.types.is_float_dtype(col):
        dates = _dates_from_numbers(col)
    else:
        dates = _dates_from_text(col.astype(str), table.delimiter)
    if dates is None:
        raise DataError(
            f"Column {date_column!r} does not hold dates or times: choose another date column "
            "or none."
        )
    return date_column, dates


def _resolve_value_column(table: Table, column: str | None, date: str | None) -> str:
    """The value column: the user's choice, else the default of `_choose_columns`."""
    if column is None:
        return _choose_columns(table, date).value
    index = _index_column(table)
    candidates = [c for c in table.numeric_columns if c not in (date, index)]
    if column == date:
        raise DataError(
            f"Column {column!r} is the date column: choose a different column for the values."
        )
    if column == index:
        raise DataError(
            f"Column {column!r} {_doubt(table.frame[column], column, index=True)}, not values: "
            f"choose one of {_names(candidates)}."
        )
    if column not in table.numeric_columns:
        what = "is not numeric" if column in table.frame.columns else "does not exist"
        raise DataError(
            f"Column {column!r} {what}: choose one of {_names(candidates)}."
            if candidates
            else f"Column {column!r} {what} and the file has no other numeric column."
        )
    return column


def _choose_columns(table: Table, date: str | None) -> ColumnChoice:
    """The default value column next to `date`, with the sentence saying why."""
    frame, index = table.frame, _index_column(table)
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
        value = (filled or candidates)[0]
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


def _index_column(table: Table) -> str | None:
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


def _doubt(col: pd.Series, name: str, index: bool = False) -> str | None:
    """Why a numeric column is unlikely to be the values ("is a counter (0, 1, 2, …)"), or None.

    index: the column is the row index (see `_index_column`).
    """
    if index:
        return f"looks like a row index ({_first_values(col)})"
    if col.isna().all():
        return "is empty"
    if _is_counter(col):
        return f"is a counter ({_first_values(col)})"
    if _time_like(name):
        return "is named like a time column"
    return None


def _first_values(col: pd.Series) -> str:
    """The first three values of a column and an ellipsis: "0, 1, 2, …"."""
    return ", ".join(f"{x:.10g}" for x in col.to_numpy(dtype=np.float64)[:3]) + ", …"


def _clean(
    column: pd.Series,
    name: str,
    date: str | None,
    dates: pd.Series | None,
    missing: str,
    inf: str,
) -> Series:
    """Finite values [N] from one column [rows]: inf, dates, sorting, duplicates, gaps."""
    values = column.to_numpy(dtype=np.float64, copy=True)
    notes: list[str] = []
    n_inf = int(np.count_nonzero(np.isinf(values)))
    if n_inf and inf == "reject":
        raise DataError(
            f"Column {name!r} contains {_plural(n_inf, 'infinite value')}: remove them or "
            "treat them as missing."
        )
    if n_inf:
        values[np.isinf(values)] = np.nan
        notes.append(f"{_plural(n_inf, 'infinite value')} treated as missing.")
    n_missing = int(np.count_nonzero(np.isnan(values)))
    if n_missing == values.size:
        raise DataError(
            f"Column {name!r} has no numeric values (every cell is blank or not a number): "
            "choose another column."
        )
    s = pd.Series(values)
    n_dropped = n_dup = 0
    if dates is not None:
        s, n_dropped, n_dup = _by_time(s, dates, notes, date)
    s, n_filled, n_gap_dropped = _fill_gaps(s, missing, dates is not None, notes)
    return _finish(s, name, date, n_missing, n_filled, n_dropped + n_gap_dropped, n_dup, notes)


DUPLICATE_SHARE = 0.1  # more rows sharing a timestamp than this share is refused, not averaged


def _by_time(
    s: pd.Series | pd.DataFrame, dates: pd.Series, notes: list[str], date: str | None = None
) -> tuple[pd.Series | pd.DataFrame, int, int]:
    """Rows indexed by time [M]: rows without a date dropped, sorted, a few duplicates
    averaged; DataError when many rows share timestamps (the column does not tell rows
    apart: averaging them would fold the series silently)."""
    time = pd.DatetimeIndex(dates)
    valid = ~time.isna()
    n_bad = int((~valid).sum())
    if n_bad:
        notes.append(f"{_plural(n_bad, 'row')} without a valid date dropped.")
    s = s[valid]
    s.index = time[valid]
    if not s.index.is_monotonic_increasing:
        s = s.sort_index(kind="stable")
        notes.append("Rows sorted by time.")
    n_dup = int(s.index.duplicated().sum())
    if n_dup > DUPLICATE_SHARE * len(s):
        raise DataError(
            f"The date column {date or ''!r} gives {len(s):,} rows only "
            f"{len(s) - n_dup:,} different dates, so it does not tell the rows apart: choose "
            "a date column with one value per time step (year, month, day and hour columns "
            "are put together when they are named so), or none."
        )
    if n_dup:
        s = s.groupby(level=0, sort=False).mean()
        notes.append(f"{_plural(n_dup, 'duplicate timestamp')} averaged.")
    return s, n_bad, n_dup


def _fill_gaps(
    s: pd.Series, missing: str, by_time: bool, notes: list[str]
) -> tuple[pd.Series, int, int]:
    """(series without NaN, n filled, n dropped): interpolate inside gaps or drop rows."""
    n_nan = int(s.isna().sum())
    if not n_nan:
        return s, 0, 0
    if missing == "drop":
        notes.append(f"{_plural(n_nan, 'row')} with missing values dropped.")
        return s.dropna(), 0, n_nan
    filled = s.interpolate(method="time" if by_time else "linear", limit_area="inside")
    n_left = int(filled.isna().sum())
    if n_nan - n_left:
        how = "time" if by_time else "linear"
        notes.append(f"{_plural(n_nan - n_left, 'missing value')} filled by {how} interpolation.")
    if n_left:
        notes.append(
            f"{_plural(n_left, 'row')} with missing values at the start or end dropped "
            "(nothing to interpolate from)."
        )
    return filled.dropna(), n_nan - n_left, n_left


def _clean_with_inputs(
    table: Table,
    name: str,
    date: str | None,
    dates: pd.Series | None,
    missing: str,
    inf: str,
    specs: tuple[InputSpec, ...],
) -> Series:
    """The values [N] and their inputs [N + K, F], cleaned together: the same rows sorted,
    averaged and dropped; rows after the last value kept as the inputs' future (K rows) when
    every known-ahead column has a value there; gaps in each input filled as the values'
    are (interpolation, the edges from the nearest value; or rows dropped), per column."""
    from lstm_core.series.inputs import (
        CALENDAR,
        InputError,
        Inputs,
        calendar_values,
        encode,
        regular_step,
    )

    y = table.frame[name].to_numpy(dtype=np.float64, copy=True)
    if np.isinf(y).any() and inf == "reject":
        return _clean(table.frame[name], name, date, dates, missing, inf)  # its sentence
    notes: list[str] = []
    n_inf = int(np.count_nonzero(np.isinf(y)))
    if n_inf:
        y[np.isinf(y)] = np.nan
        notes.append(f"{_plural(n_inf, 'infinite value')} treated as missing.")
    coded = [s for s in specs if s.encoding != CALENDAR]
    frame = pd.DataFrame(np.column_stack([y, encode(table.frame, coded)]))
    n_dropped = n_dup = 0
    if dates is not None:
        frame, n_dropped, n_dup = _by_time(frame, dates, notes, date)
    y = frame[0]
    if y.notna().sum() == 0:
        raise DataError(
            f"Column {name!r} has no numeric values (every cell is blank or not a number): "
            "choose another column."
        )
    n_missing = int(y.isna().sum())
    last = int(np.flatnonzero(y.notna().to_numpy())[-1])
    history, tail = frame.iloc[: last + 1], frame.iloc[last + 1 :]
    future = _future_rows(tail, coded, notes)
    filled, n_filled, n_gap = _fill_gaps(history[0], missing, dates is not None, notes)
    n_gap += len(tail) - len(future)
    history = history.loc[filled.index].copy()
    history[0] = filled
    history, n_more = _fill_inputs(history, coded, missing, dates is not None, notes)
    n_gap += n_more
    observed = np.vstack([history.attrs["observed"], future.notna().to_numpy()[:, 1:]])
    past = np.array([s.kind == "past" for s in coded], dtype=bool)
    values = np.vstack([history.to_numpy()[:, 1:], future.to_numpy()[:, 1:]])
    values[len(history) :, past] = np.nan
    time = None
    if dates is not None:
        time = pd.DatetimeIndex(np.concatenate([history.index, future.index]))
    full = np.empty((len(values), len(specs)))
    is_cal = np.array([s.encoding == CALENDAR for s in specs], dtype=bool)
    full[:, ~is_cal] = values
    seen = np.ones_like(full, dtype=bool)
    seen[:, ~is_cal] = observed
    if is_cal.any():
        if time is None:
            raise InputError(
                "Calendar inputs need a date column: choose one, or leave the calendar inputs off."
            )
        full[:, is_cal] = calendar_values(time, specs)
    series = _finish(history[0], name, date, n_missing, n_filled, n_dropped + n_gap, n_dup, notes)
    step = regular_step(series.time)
    notes_in = tuple(history.attrs["notes"])
    inputs = Inputs(specs, full, seen, len(future), time, step, notes_in)
    return replace(series, inputs=inputs, notes=series.notes + inputs.notes)


def _future_rows(tail: pd.DataFrame, coded: list[InputSpec], notes: list[str]) -> pd.DataFrame:
    """The rows after the last value [K, 1 + F'] that carry every known-ahead column, up to
    the first row missing one; none without a known-ahead column from the file."""
    cols = [j + 1 for j, s in enumerate(coded) if s.kind == "future"]
    if not cols or tail.empty:
        return tail.iloc[:0]
    ok = tail[cols].notna().all(axis=1).to_numpy()
    k = len(ok) if ok.all() else int(np.argmin(ok))
    if k < len(ok):
        notes.append(
            f"The known-ahead inputs' future ends after {_plural(k, 'row')}: a row after the "
            "last value misses one of them."
        )
    return tail.iloc[:k]


def _fill_inputs(
    frame: pd.DataFrame, coded: list[InputSpec], missing: str, by_time: bool, notes: list[str]
) -> tuple[pd.DataFrame, int]:
    """Gaps in each input column of frame [N, 1 + F'] filled (or their rows dropped), one
    note per column; the observed mask [N, F'] and the notes go in frame.attrs."""
    from lstm_core.series.inputs import InputError

    observed = frame.notna().to_numpy()[:, 1:]
    missing_in = {}  # column -> rows missing it (one note per file column, not per one-hot)
    for j, spec in enumerate(coded):
        missing_in[spec.column] = max(missing_in.get(spec.column, 0), int((~observed[:, j]).sum()))
        if missing_in[spec.column] == len(frame):
            raise InputError(
                f"Input {spec.column!r} is missing beside every value of the series: leave it out."
            )
    n_dropped = 0
    interp = "time" if by_time else "linear"
    how = {spec.column: "their rows dropped" for spec in coded}
    if missing == "drop":
        keep = observed.all(axis=1)
        n_dropped = int((~keep).sum())
        frame, observed = frame[keep].copy(), observed[keep]
    else:
        for j, spec in enumerate(coded):
            col = frame[j + 1]
            if spec.encoding == "number":  # a 0/1 input stays 0/1: the previous value
                col = col.interpolate(method=interp, limit_area="inside")
                how[spec.column] = f"filled by {interp} interpolation (the nearest at the edges)"
            else:
                how[spec.column] = "filled with the previous value (the next at the start)"
            frame[j + 1] = col.ffill().bfill()
    col_notes = [
        f"Input {col!r}: {_plural(n, 'missing value')} {how[col]}."
        for col, n in missing_in.items()
        if n
    ]
    frame.attrs = {"observed": observed, "notes": col_notes}
    return frame, n_dropped


def _finish(
    s: pd.Series,
    name: str,
    date: str | None,
    n_missing: int,
    n_filled: int,
    n_dropped: int,
    n_dup: int,
    notes: list[str],
) -> Series:
    values = np.ascontiguousarray(s.to_numpy(dtype=np.float64))
    if values.size < MIN_VALUES:
        raise DataError(
            f"Column {name!r} has only {_plural(values.size, 'usable value')}: a series needs "
            f"at least {MIN_VALUES}."
        )
    time = pd.DatetimeIndex(s.index, name=date) if date is not None else None
    return Series(values, name, time, n_missing, n_filled, n_dropped, n_dup, tuple(notes))


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


def _names(columns: object) -> str:
    """Column names for a message: "'a', 'b', 'c'" (at most 10, then "...")."""
    names = [repr(str(c)) for c in columns]  # type: ignore[attr-defined]
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")


def _plural(n: int, word: str) -> str:
    """ "1 value", "3 values", "2 entries"."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if re.search(r"[^aeiou]y$", word) else f"{n} {word}s"
