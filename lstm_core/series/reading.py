"""A CSV's bytes into a typed `Table`.

* bytes and text: `read_bytes` takes bytes, a path, CSV text (a str with a newline) or a
  binary file and refuses anything over MAX_BYTES; decoding (UTF-8, UTF-8 with BOM, UTF-16
  with BOM, Latin-1 fallback) refuses binary data (known formats by their magic bytes, NUL
  bytes, many control characters) and lines over MAX_LINE_CHARS.
* parsing: `parse_table` sniffs the delimiter (tab, semicolon, pipe, comma), decides the
  header row, the number format (lstm_core.series.number_formats) and each column's kind on
  a sample of rows, then reads every row with pandas' C reader into a Table [rows, columns]:
  numeric columns float64, one date column datetime64 (lstm_core.series.dates), text as str.

Problems with the file raise DataError with one sentence; lstm_core.series.data turns what
pandas raises on a bad file into one too.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from lstm_core.runtime.limits import LIMITS
from lstm_core.series.dates import assemble_date, detect_dates, to_datetime
from lstm_core.series.errors import DataError
from lstm_core.series.messages import quoted_names
from lstm_core.series.number_formats import NA_TOKENS, number_format, numeric_or_none

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

MAX_BYTES = LIMITS.file_bytes  # refuse larger inputs (the app caps uploads well below this)
MAX_LINE_CHARS = 100_000  # longer lines mean this is not a time-series CSV
MAX_COLUMNS = 1_000
_SAMPLE_BYTES = 65_536  # sniff the delimiter on this much text
_SAMPLE_ROWS = 2_000  # decide header, number format and column kinds on these rows
_DELIMITERS = ("\t", ";", "|", ",")  # preference order: comma last, it doubles as decimal mark
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
    title_lines: tuple[str, ...] = ()  # lines above the header skipped as a title


def read_bytes(source: Source) -> bytes:
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
        raise DataError(
            f"Cannot open {str(path)!r}: check that the file exists."
        ) from None  # as typed


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


def parse_table(data: bytes) -> Table:
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
    text, titles = _drop_title_lines(text, delimiter)
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True))
    has_header = not all(_looks_like_value(c) for c in first)
    sample = _read_sample(text, delimiter, skip=int(has_header))
    frame = _read_frame(text, delimiter, int(has_header), sample)
    header = [c.strip() for c in first] if has_header else []
    header += [""] * (frame.shape[1] - len(header))
    frame.columns = sample.columns = _column_names(header[: frame.shape[1]])
    blank = [c for c, h in zip(frame.columns, header, strict=False) if not h]
    empty = [c for c in blank if frame[c].isna().all()]
    table = _typed_table(frame.drop(columns=empty), sample, delimiter, encoding, has_header)
    return replace(table, title_lines=titles)


MAX_TITLE_LINES = 5  # a report's title, source or export date above the header


def _drop_title_lines(text: str, delimiter: str) -> tuple[str, tuple[str, ...]]:
    """(text without them, their text): up to MAX_TITLE_LINES lines at the top whose only
    filled cell is the first and not a number or date ("Sales report,,"), or blank, above a
    line with two or more filled cells, as spreadsheet reports put them; a one-column file
    keeps its lines."""
    lines = text.splitlines(keepends=True)[: MAX_TITLE_LINES + 1]
    rows = list(csv.reader(lines, delimiter=delimiter, skipinitialspace=True))
    titles: list[str] = []
    for row in rows[:MAX_TITLE_LINES]:
        filled = [c.strip() for c in row if c.strip()]
        if filled and (len(filled) > 1 or not row[0].strip() or _looks_like_value(filled[0])):
            break  # a pandas file's header ",value" has its one name in the second field
        titles.append(filled[0] if filled else "")
    rest = rows[len(titles)] if len(titles) < len(rows) else []
    if not titles or sum(bool(c.strip()) for c in rest) < 2:
        return text, ()
    cut = sum(len(ln) for ln in lines[: len(titles)])
    return text[cut:], tuple(t for t in titles if t)


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
    decimal, thousands = number_format(sample, delimiter)
    text_cols = []
    if decimal != "." or thousands is not None:
        text_cols = [c for c in sample.columns if numeric_or_none(sample[c], delimiter) is None]
    return pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        skiprows=skip,
        decimal=decimal,
        thousands=thousands,
        dtype=dict.fromkeys(text_cols, str),
        na_values=sorted(NA_TOKENS - {""}),
        skipinitialspace=True,
        low_memory=False,
    )


def _looks_like_value(cell: str) -> bool:
    """True for a blank, a number (any decimal convention) or a date-like cell."""
    cell = str(cell).strip()
    if cell.lower() in NA_TOKENS:
        return True
    variants = (cell, cell.replace(",", ""), cell.replace(".", "").replace(",", "."))
    if pd.to_numeric(pd.Series(variants), errors="coerce").notna().any():
        return True
    return bool(re.search(r"\d", cell)) and to_datetime(pd.Series([cell])).notna().all()


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
    assembled = assemble_date({n: v for n, (v, _) in typed.items() if v is not None})
    parts = assembled[2] if assembled else ()
    for name in frame.columns:
        values, text = typed[name]
        if date_col is None and name not in parts:
            dates = detect_dates(name, text, values, delimiter)
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
            f"No numeric column found among {quoted_names(frame.columns)}: upload a CSV with at "
            "least one column of numbers."
        )
    if date_col is None and assembled is not None:
        date_col = assembled[0]
        columns = {date_col: assembled[1], **columns}
    else:
        parts = ()
    out = pd.DataFrame(columns, index=frame.index)
    return Table(out, tuple(numeric), date_col, delimiter, encoding, has_header, parts)


def _column_values(
    col: pd.Series, sample: pd.Series, delimiter: str
) -> tuple[pd.Series | None, pd.Series | None]:
    """(float64 values [N] or None, stripped strings [N] or None) for one read column."""
    if pd.api.types.is_bool_dtype(col):
        return None, col.astype(str)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(np.float64), None
    text = col.fillna("").astype(str)
    if numeric_or_none(sample, delimiter) is None:
        return None, text.str.strip()
    return numeric_or_none(text, delimiter), text.str.strip()
