"""Dates and times in a table's columns.

* `detect_dates(name, text, numbers, delimiter)`: one column's datetimes [N] (NaT where
  blank) when it holds dates, else None. Text is tried month-first and day-first; numbers
  are dates only under a time-like name (whole years 1000-2999, yyyymmdd integers).
* `time_like(name)`: whether a column name suggests time, in many languages: year, Datum,
  fecha, время, and CJK names without spaces (时间, 年份, 交易日期; not 年龄 or 天气).
* `assemble_date(numbers)`: a date spread over number columns (year, month[, day[, hour[,
  minute]]]) put together into one datetime column [rows].
* `to_datetime`: pd.to_datetime without warnings, mixed time zones to UTC, tz-naive.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from lstm_core.series.number_formats import NA_TOKENS

DATE_SHARE = 0.9  # share of non-blank cells that must parse for a date column
# Calendar steps whose length varies, in days: (shortest, longest, nominal, noun). Read by
# inputs.regular_step (regular dates) and cleaning.missing_steps (gaps counted in months...).
CALENDAR_STEPS = ((28, 31, 30, "month"), (89, 92, 91, "quarter"), (365, 366, 365, "year"))

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
_DATE_PARTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("year", frozenset({"year", "yr", "yyyy", "jahr", "année", "annee", "año", "anno", "年"})),
    ("month", frozenset({"month", "mon", "mm", "monat", "mois", "mes", "mese", "月"})),
    ("day", frozenset({"day", "dd", "tag", "jour", "dia", "día", "giorno", "日"})),
    ("hour", frozenset({"hour", "hr", "hh", "stunde", "heure", "hora", "ora", "时", "時"})),
    ("minute", frozenset({"minute", "min", "minuten"})),
)  # a date spread over columns, in this order: year and month at least


def assemble_date(
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


def detect_dates(
    name: str, text: pd.Series | None, numbers: pd.Series | None, delimiter: str
) -> pd.Series | None:
    """Datetimes [N] (NaT where blank) if the column holds dates, else None.

    Text columns are dates when ≥ DATE_SHARE of non-blank cells parse. Numeric columns are
    dates only if the name suggests time: whole years 1000-2999 or yyyymmdd integers (only
    yyyymmdd for a name that may mean values too, like "data").
    """
    if numbers is None:
        return dates_from_text(text, delimiter) if text is not None else None
    if time_like(name):
        return dates_from_numbers(numbers)
    return dates_from_numbers(numbers, years=False) if _DATE_WORDS & set(_words(name)) else None


def time_like(name: str) -> bool:
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


def dates_from_numbers(values: pd.Series, years: bool = True) -> pd.Series | None:
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


def dates_from_text(col: pd.Series, delimiter: str) -> pd.Series | None:
    """Text cells -> datetimes [N], trying month-first and day-first on a sample first."""
    filled = col[~col.str.lower().isin(NA_TOKENS)]
    sample = filled.iloc[:500]
    if sample.empty or sample.str.contains(r"\d", regex=True).mean() < DATE_SHARE:
        return None
    options: list[dict[str, object]] = [{}]
    if sample.str.match(r"\d{4}\D").mean() < 0.5:  # not year-first: day-first is possible
        options = [{"dayfirst": True}, {}] if delimiter == ";" else [{}, {"dayfirst": True}]
    options += [{"format": "mixed", **o} for o in options]
    for kwargs in options:
        if to_datetime(sample, **kwargs).notna().mean() >= DATE_SHARE:
            parsed = to_datetime(col, **kwargs)
            if parsed[filled.index].notna().mean() >= DATE_SHARE:
                return parsed
    return None


def to_datetime(col: pd.Series, **kwargs: object) -> pd.Series:
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
