"""Number formats in CSV cells: decimal commas, thousands separators, blanks.

Cells are strings [N] (pandas Series of str). `number_format(sample, delimiter)` votes the
file's (decimal mark, thousands separator) over a sample [rows, columns] of stripped cells;
`numeric_or_none(cells, delimiter)` parses one column to float64 [N] (NaN where not a
number) when at least NUMERIC_SHARE of its non-blank cells are numbers, else None. 1,5 and
1.234,5 (decimal comma), 1,234.5 (comma groups), 1 234,5 and 1'234.5 are all understood;
the cells in NA_TOKENS mean missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC_SHARE = 0.8  # share of non-blank cells that must be numbers for a numeric column
NA_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "?", ".", "#n/a", "missing", "nil"}
)
_COMMA_GROUPS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?"  # 1,234 / 1,234.5
_DOT_GROUPS = r"[+-]?\d{1,3}(?:\.\d{3})+"  # 1.234 / 1.234.567 (in a decimal-comma column)
_DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+(?:[eE][+-]?\d+)?"  # 1,5 / 1.234,5


def number_format(sample: pd.DataFrame, delimiter: str) -> tuple[str, str | None]:
    """(decimal mark, thousands separator or None) voted by the sample's numeric columns."""
    comma = dot = 0
    for name in sample.columns:
        col = sample[name]
        has_comma = col.str.contains(",", regex=False)
        if not has_comma.any() or numeric_or_none(col, delimiter) is None:
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


def numeric_or_none(col: pd.Series, delimiter: str) -> pd.Series | None:
    """Strings [N] -> float64 [N] if ≥ NUMERIC_SHARE of non-blank cells are numbers, else None."""
    values = _to_float(col, delimiter)
    failed = col[values.isna()]
    n_blank = int(failed.str.strip().str.lower().isin(NA_TOKENS).sum())
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
