"""Inputs beside the series: other columns (and calendar features) fed to the model at every step.

A file's other columns become model inputs in three steps:

* `plan_inputs` turns the columns a user ticked into `InputSpec`s, one per model input after
  encoding: a number column is one input; a yes/no column (TRUE/FALSE, yes/no, y/n, on/off)
  one 0/1 input; a text column with few values (wind direction NW, cv, SE) one 0/1 input per
  value (one-hot); calendar inputs are sin/cos pairs of the hour of day, day of week and day
  of year, chosen to fit the data's frequency.
* `encode` computes their values row by row from a Table ([rows, F], NaN where missing);
  `lstm_core.series.cleaning` cleans them with the target (same rows sorted, dropped,
  averaged, filled) into an `Inputs` on the Series, with the rows after the target's last
  value kept apart as the inputs' future.
* `scale` fits one scaler per input on the training part only, and `feature_rows` lines the
  scaled inputs up with the model's steps: an input known only up to now (kind "past") is
  read at the step's own time t; an input known ahead (kind "future": calendar, a holiday
  flag, a weather forecast) at t + 1, the time of the target the step predicts, as Darts'
  RNNModel reads its future covariates.

Shapes: N points of the series, K future rows, F inputs, d = the target transform's lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstm_core.runtime.limits import LIMITS
from lstm_core.series.dates import CALENDAR_STEPS
from lstm_core.series.errors import DataError
from lstm_core.series.scaling import Scaler

KINDS: tuple[str, ...] = ("past", "future")  # known only up to now / known ahead
CALENDAR = "calendar"  # the `column` of calendar inputs (computed from the dates)
_BOOLEANS = {
    "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "y": 1.0, "n": 0.0, "t": 1.0,
    "f": 0.0, "on": 1.0, "off": 0.0, "ja": 1.0, "nein": 0.0, "oui": 1.0, "non": 0.0,
}  # fmt: skip
_NA = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "?", ".", "#n/a", "missing"})
_DAY = pd.Timedelta(days=1)


class InputError(DataError):
    """An input cannot be used; str(e) is one sentence: which, why, and what to do."""


@dataclass(frozen=True)
class InputSpec:
    """One model input after encoding."""

    name: str  # shown everywhere: "TEMP", "cbwd=NW", "hour of day (sin)"
    kind: str  # "past" (known only up to now, read at t) or "future" (known ahead, read at t+1)
    column: str  # the file's column it comes from ("calendar" for calendar inputs)
    encoding: str = "number"  # "number", "bool" (yes/no -> 1/0), "onehot" or "calendar"
    level: str = ""  # onehot: the column's value this input is 1 for; calendar: the feature

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "column": self.column,
                "encoding": self.encoding, "level": self.level}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        spec = cls(*(str(d[k]) for k in ("name", "kind", "column")),
                   str(d.get("encoding", "number")), str(d.get("level", "")))  # fmt: skip
        if spec.kind not in KINDS or spec.encoding not in ("number", "bool", "onehot", CALENDAR):
            raise ValueError(f"unknown input kind or encoding in {d!r}")
        return spec


@dataclass(frozen=True, eq=False)
class Inputs:
    """The inputs of one series, cleaned with it, in original units."""

    specs: tuple[InputSpec, ...]  # [F] in the model's input order
    values: np.ndarray  # [N + K, F] float64: rows 0..N-1 beside the series' points, rows
    #                     N.. the future rows (known-ahead inputs only; NaN for "past" ones)
    observed: np.ndarray  # [N + K, F] bool: the value was in the file (not filled)
    n_future: int  # K: rows after the target's last value that carry the future inputs
    time: pd.DatetimeIndex | None = None  # [N + K] timestamps of every row (None without dates)
    step: pd.Timedelta | None = None  # the regular time step, when the dates have one
    #                                  (calendar inputs then reach any horizon)
    notes: tuple[str, ...] = field(default=())  # per column: what was filled or dropped

    @property
    def future_time(self) -> pd.DatetimeIndex | None:
        """[K] the future rows' timestamps."""
        return None if self.time is None else self.time[self.n_points :]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    @property
    def n_points(self) -> int:
        return len(self.values) - self.n_future

    @property
    def has_past(self) -> bool:
        return any(s.kind == "past" for s in self.specs)

    @property
    def has_future(self) -> bool:
        """Any input known ahead (from the file or the calendar)."""
        return any(s.kind == "future" for s in self.specs)

    def columns(self, kind: str | None = None) -> list[str]:
        """The file columns behind the inputs (one-hot ones once, "calendar" for calendar
        inputs), of one kind or all, in order."""
        cols = [s.column for s in self.specs if kind is None or s.kind == kind]
        return list(dict.fromkeys(cols))

    @property
    def extendable(self) -> bool:
        """Calendar inputs can be computed past the file's last row (regular dates)."""
        return self.step is not None and self.time is not None

    def reach(self) -> int | None:
        """Steps past the series' end a forecast can take with these inputs (None = any):
        the future rows K with a known-ahead column from the file; any with only calendar
        inputs on regular dates; at most 1 with an input known only up to now (its next
        value is unknown)."""
        from_file = any(s.kind == "future" and s.encoding != CALENDAR for s in self.specs)
        calendar = any(s.encoding == CALENDAR for s in self.specs)
        limit = self.n_future if from_file or (calendar and not self.extendable) else None
        if self.has_past:
            return 1 if limit is None else min(1, limit)
        return limit


def config_fields(inputs: Inputs | None) -> dict[str, object]:
    """DataConfig's inputs, future_inputs and calendar fields for these inputs."""
    specs = inputs.specs if inputs is not None else ()
    cols = {k: tuple(dict.fromkeys(s.column for s in specs if s.kind == k and
                                   s.encoding != CALENDAR)) for k in KINDS}  # fmt: skip
    return {"inputs": cols["past"], "future_inputs": cols["future"],
            "calendar": any(s.encoding == CALENDAR for s in specs)}  # fmt: skip


# --------------------------------------------------------------------------- planning


def plan_inputs(
    frame: pd.DataFrame,
    past: Sequence[str] = (),
    future: Sequence[str] = (),
    calendar: bool = False,
    taken: Sequence[str | None] = (),
    time: pd.DatetimeIndex | None = None,
) -> tuple[InputSpec, ...]:
    """The model inputs of the ticked columns, in order: past columns, future columns, then
    calendar features. `taken`: the value and date columns (not inputs). `time`: the series'
    timestamps, to choose calendar features. InputError (one sentence) on a bad choice."""
    specs: list[InputSpec] = []
    seen: set[str] = set()
    for kind, cols in (("past", past), ("future", future)):
        for col in cols:
            if col in seen:
                raise InputError(
                    f"Column {col!r} is ticked twice: make it known ahead or known only up to "
                    "now, not both."
                )
            seen.add(col)
            specs += _column_specs(frame, col, kind, [t for t in taken if t])
    if calendar:
        specs += calendar_specs(time)
    if len(specs) > LIMITS.inputs:
        raise InputError(
            f"The chosen inputs make {len(specs)} model inputs (a text column counts once per "
            f"value), over the limit of {LIMITS.inputs}: choose fewer columns."
        )
    return tuple(specs)


def _column_specs(frame: pd.DataFrame, col: str, kind: str, taken: list[str]) -> list[InputSpec]:
    if col not in frame.columns:
        names = ", ".join(repr(str(c)) for c in list(frame.columns)[:10])
        raise InputError(f"There is no column named {col!r}: choose inputs among {names}.")
    if col in taken:
        raise InputError(
            f"Column {col!r} is already the {'values' if col == taken[0] else 'date column'}: "
            "it cannot also be an input."
        )
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        if s.isna().all():
            raise InputError(f"Input {col!r} has no values: leave it out.")
        return [InputSpec(col, kind, col)]
    if pd.api.types.is_datetime64_any_dtype(s):
        raise InputError(f"Column {col!r} holds dates, not an input: leave it out.")
    text = _text(s)
    levels = sorted(set(text[text != ""]))
    if not levels:
        raise InputError(f"Input {col!r} has no values: leave it out.")
    if set(levels) <= _BOOLEANS.keys() and len({_BOOLEANS[v] for v in levels}) <= 2:
        return [InputSpec(col, kind, col, "bool")]
    if len(levels) > LIMITS.levels:
        raise InputError(
            f"Column {col!r} is text with {len(levels):,} different values, over the "
            f"{LIMITS.levels} a text input can have (each value becomes its own 0/1 input): "
            "leave it out, or group its values into fewer in the file."
        )
    original = {v: str(x).strip() for x in s.dropna().unique() for v in [str(x).strip().lower()]}
    return [
        InputSpec(f"{col}={original.get(v, v)}", kind, col, "onehot", original.get(v, v))
        for v in levels
    ]


def _text(s: pd.Series) -> pd.Series:
    """Lower-case stripped text [rows], "" where missing."""
    t = s.astype(str).str.strip().str.lower()
    return t.where(~(s.isna() | t.isin(_NA)), "")


def describe_column(frame: pd.DataFrame, col: str) -> str:
    """How a column would enter as an input: "number", "yes/no", "text, 4 values (one-hot)"."""
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return "number"
    text = _text(s)
    levels = set(text[text != ""])
    if levels and levels <= _BOOLEANS.keys():
        return "yes/no"
    return f"text, {len(levels)} values" + (" (one-hot)" if len(levels) <= LIMITS.levels else "")


@dataclass(frozen=True)
class ColumnSummary:
    """One line on a column that could be an input."""

    column: str
    kind: str  # "number", "yes/no", "text, 4 values (one-hot)"
    missing: float  # share of the rows beside the values where it is missing, 0..1
    correlation: float | None  # with the values on the training part (numbers and yes/no)
    ahead: bool  # it has values in rows after the values' last one: offered as known ahead


def summarize(
    frame: pd.DataFrame, value: str, columns: Sequence[str], train_share: float
) -> list[ColumnSummary]:
    """A summary per column, rows in file order: the training part is the first
    `train_share` of the rows up to the values' last one."""
    y = frame[value].to_numpy(dtype=np.float64, na_value=np.nan)
    known = np.flatnonzero(np.isfinite(y))
    last = int(known[-1]) if known.size else len(y) - 1
    n_train = max(2, int(train_share * (last + 1)))
    out = []
    for col in columns:
        kind = describe_column(frame, col)
        spec = InputSpec(col, "past", col, "number" if kind == "number" else "bool")
        v = encode(frame, [spec])[:, 0] if kind in ("number", "yes/no") else None
        present = frame[col].notna().to_numpy().copy()
        if not pd.api.types.is_numeric_dtype(frame[col]):
            present &= _text(frame[col]).to_numpy() != ""
        corr = None
        if v is not None:
            a, b = y[:n_train], v[:n_train]
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.sum() > 2 and np.std(a[ok]) > 0 and np.std(b[ok]) > 0:
                corr = float(np.corrcoef(a[ok], b[ok])[0, 1])
        out.append(ColumnSummary(col, kind, float(1 - present[: last + 1].mean()), corr,
                                 bool(present[last + 1 :].any())))  # fmt: skip
    return out


# --------------------------------------------------------------------------- encoding


def encode(frame: pd.DataFrame, specs: Sequence[InputSpec]) -> np.ndarray:
    """The non-calendar inputs' values row by row: [rows, F'] float64, NaN where missing
    (F' = the specs that are not calendar inputs, in order)."""
    cols = []
    for spec in specs:
        if spec.encoding == CALENDAR:
            continue
        if spec.column not in frame.columns:
            raise InputError(
                f"The file has no column {spec.column!r}, which the model reads as an input: "
                "use a file with the columns it was trained on."
            )
        s = frame[spec.column]
        if spec.encoding == "number":
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                raise InputError(
                    f"Input {spec.column!r} is not a column of numbers in this file: use a file "
                    "with the columns the model was trained on."
                )
            cols.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
            continue
        text = _text(s)
        if spec.encoding == "bool":
            v = text.map(_BOOLEANS).to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = (text == spec.level.lower()).to_numpy(dtype=np.float64)
            v[(text == "").to_numpy()] = np.nan
        cols.append(v)
    n = len(frame)
    out = np.column_stack(cols) if cols else np.zeros((n, 0))
    return np.where(np.isinf(out), np.nan, out)


# --------------------------------------------------------------------------- calendar

_CAL_FEATURES = {  # feature -> (name, period, value of a timestamp)
    "hour": ("hour of day", 24.0, lambda t: t.hour + t.minute / 60.0),
    "weekday": ("day of week", 7.0, lambda t: t.day_of_week + t.hour / 24.0),
    "yearday": ("day of year", 365.25, lambda t: t.day_of_year - 1 + t.hour / 24.0),
}


def calendar_specs(time: pd.DatetimeIndex | None) -> list[InputSpec]:
    """Sin/cos pairs that fit the dates' step: hourly and finer: hour of day, day of week and
    day of year; daily: day of week and day of year; weekly to quarterly: day of year."""
    if time is None or len(time) < 2:
        raise InputError(
            "Calendar inputs need a date column: choose one, or leave the calendar inputs off."
        )
    step = pd.Series(time).diff().median()
    if step < _DAY:
        feats = ["hour", "weekday", "yearday"]
    elif step < 7 * _DAY:
        feats = ["weekday", "yearday"]
    elif step < 360 * _DAY:
        feats = ["yearday"]
    else:
        raise InputError(
            "The dates are a year or more apart, so every calendar input would be constant: "
            "leave the calendar inputs off."
        )
    return [
        InputSpec(f"{_CAL_FEATURES[f][0]} ({fn})", "future", CALENDAR, CALENDAR, f"{f}_{fn}")
        for f in feats
        for fn in ("sin", "cos")
    ]


def calendar_values(time: pd.DatetimeIndex, specs: Sequence[InputSpec]) -> np.ndarray:
    """[len(time), C] the calendar inputs among `specs` at each timestamp."""
    cols = []
    for spec in specs:
        if spec.encoding != CALENDAR:
            continue
        feat, fn = spec.level.rsplit("_", 1)
        _, period, of = _CAL_FEATURES[feat]
        angle = 2 * np.pi * np.asarray(of(time), dtype=np.float64) / period
        cols.append(np.sin(angle) if fn == "sin" else np.cos(angle))
    return np.column_stack(cols) if cols else np.zeros((len(time), 0))


def regular_step(time: pd.DatetimeIndex | None) -> pd.Timedelta | None:
    """The step between timestamps when it is always the same (hourly, daily, ...), else None.

    Months, quarters and years count as regular (their lengths vary by a few days)."""
    if time is None or len(time) < 2:
        return None
    d = pd.Series(time).diff().dropna()
    if (d == d.iloc[0]).all():
        return d.iloc[0]
    days = d.dt.total_seconds() / 86400
    for lo, hi, nominal, _ in CALENDAR_STEPS:
        if days.between(lo, hi).all():
            return pd.Timedelta(days=nominal)
    return None


def extend_time(time: pd.DatetimeIndex, step: pd.Timedelta, n: int) -> pd.DatetimeIndex:
    """n timestamps after the last of `time`, `step` apart (by months for monthly steps)."""
    last = time[-1]
    days = step / _DAY
    if 28 <= days <= 366:
        months = {30: 1, 91: 3, 365: 12}.get(round(days), 1)
        return pd.DatetimeIndex([last + pd.DateOffset(months=months * (k + 1)) for k in range(n)])
    return pd.DatetimeIndex(last + step * np.arange(1, n + 1))


# --------------------------------------------------------------------------- model side


def scale(
    inputs: Inputs, train_end: int, kind: str, scalers: Sequence | None = None
) -> tuple[np.ndarray, tuple]:
    """Each input scaled by a scaler fitted on its training rows (< train_end) only:
    ([N + K, F] float64, F scalers). InputError naming an input that is missing or constant
    throughout the training part."""

    if scalers is None:
        fitted = []
        for j, spec in enumerate(inputs.specs):
            seen = inputs.observed[:train_end, j]
            v = inputs.values[:train_end, j]
            if not seen.any():
                raise InputError(
                    f"Input {spec.name!r} is missing throughout the training part: leave it out, "
                    "or fill it in the file."
                )
            if np.nanmax(v) == np.nanmin(v):
                raise InputError(
                    f"Input {spec.name!r} is constant ({np.nanmin(v):.6g}) throughout the "
                    "training part, so the model cannot learn from it: leave it out."
                )
            fitted.append(Scaler.fit(v, kind))
        scalers = tuple(fitted)
    out = np.column_stack([sc.transform(inputs.values[:, j]) for j, sc in enumerate(scalers)])
    return out.reshape(len(inputs.values), len(scalers)), tuple(scalers)


def feature_rows(specs: Sequence[InputSpec], scaled: np.ndarray, lag: int) -> np.ndarray:
    """The inputs as the model reads them: row k beside target row k (series position
    p = k + d): a past input's value at p, a future input's at p + 1.

    scaled [N + K, F] -> [N + K - d, F] float32 (NaN where unknown: the last row's future
    inputs without a future row, past inputs in the future rows)."""
    n, f = scaled.shape
    out = np.full((n - lag, f), np.nan, dtype=np.float32)
    for j, spec in enumerate(specs):
        if spec.kind == "past":
            out[:, j] = scaled[lag:, j]
        else:
            out[:-1, j] = scaled[lag + 1 :, j]
    return out
