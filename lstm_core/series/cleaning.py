"""One value column of a Table cleaned into a `Series` of finite values [N].

`clean_column`: ±inf treated as missing or refused, rows without a valid date dropped, rows
sorted by time, a few duplicate timestamps averaged (many refused), gaps interpolated (by time
with dates, by position without) or their rows dropped; `MIN_VALUES` at least must be left.
`clean_with_inputs`: the same for the values and the inputs beside them [N + K, F] together
(lstm_core.series.inputs), the same rows kept; the K rows after the last value that carry
every known-ahead input are kept as the inputs' future. Every step leaves one note
(`Series.notes`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lstm_core.metrics import count
from lstm_core.series.dates import CALENDAR_STEPS
from lstm_core.series.errors import DataError
from lstm_core.series.reading import Table

if TYPE_CHECKING:  # imported where used: the values alone need nothing of it
    from lstm_core.series.inputs import Inputs, InputSpec

MIN_VALUES = 2  # a series needs at least this many values
DUPLICATE_SHARE = 0.1  # more rows sharing a timestamp than this share is refused, not averaged
# A filled run of at least this many missing values in a row is described (its length and
# dates): interpolation draws it as a straight line, which over 5 steps or more visibly
# flattens what the series did there (a day's cycle, a season) and the model trains on it;
# one to four missing values in a row only bend the line a little and are just counted.
LONG_RUN = 5


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
    # cells missing in the inputs' file columns beside the kept values (one per column and
    # row; calendar inputs have none): filled, or their rows dropped, as the notes say
    n_input_missing: int = 0

    @property
    def n_model_inputs(self) -> int:
        """F: the inputs beside the values a model trained on this series reads at each step
        (after one-hot; lstm_core.fitting.pipeline sets ModelConfig.n_inputs the same way)."""
        return 0 if self.inputs is None else len(self.inputs.specs)


FLAT_TOLERANCE = 1e-12  # a spread below this share of the largest |value| is no spread


def flat_warning(series: Series) -> str:
    """One sentence when every value of the series is the same (its spread within rounding):
    a constant has nothing to learn, the baselines forecast it exactly, and a trained model's
    error is its own small offset (its output never exactly the constant); "" otherwise."""
    v = series.values  # [N]
    if float(np.ptp(v)) > FLAT_TOLERANCE * max(1.0, float(np.abs(v).max())):
        return ""
    return (
        f"Every value of {series.name!r} is {v[0]:.6g}: there is nothing to learn. The "
        "baselines forecast it exactly, and any error of the model is its own small offset, "
        "not something it learned. Choose a column whose values change."
    )


def clean_column(
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
            f"Column {name!r} contains {count(n_inf, 'infinite value')}: remove them or "
            "treat them as missing."
        )
    if n_inf:
        values[np.isinf(values)] = np.nan
        notes.append(f"{count(n_inf, 'infinite value')} treated as missing.")
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
        notes.append(f"{count(n_bad, 'row')} without a valid date dropped.")
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
        notes.append(f"{count(n_dup, 'duplicate timestamp')} averaged.")
    gap = missing_steps(pd.DatetimeIndex(s.index))
    if gap:
        notes.append(
            f"{count(gap[0], gap[1])} missing between the dates (not filled): the values on "
            "either side of a gap are read as neighbours, so a season slips there."
        )
    return s, n_bad, n_dup


_STEP_NAMES = (  # days: shortest, longest, noun
    (1 / 24, 1 / 24, "hour"),
    (1, 1, "day"),
    (7, 7, "week"),
    *((lo, hi, noun) for lo, hi, _, noun in CALENDAR_STEPS),
)


def missing_steps(time: pd.DatetimeIndex) -> tuple[int, str] | None:
    """(how many, the step's noun) for the time steps absent between sorted unique dates [M]:
    gaps over 1.5 median steps, each counting round(gap / step) - 1; a daily series without
    a Saturday or Sunday counts business days. None without a gap or a clear step."""
    found = _step(time)
    if found is None:
        return None
    step, noun, d = found
    if noun == "business day":
        n = len(pd.bdate_range(time[0], time[-1])) - len(time)
    else:
        gaps = d[d > 1.5 * step]
        n = int(np.round(gaps / step).sum()) - len(gaps)
    return (n, noun) if n > 0 else None


def _step(time: pd.DatetimeIndex) -> tuple[float, str, np.ndarray] | None:
    """(median step in seconds, its noun, the steps [M - 1] in seconds) of sorted unique
    dates [M]: "hour", "day", "business day" (daily without a Saturday or Sunday), "week",
    "month", "quarter", "year", else "time step". None under 3 dates or without a step."""
    if len(time) < 3:
        return None
    d = pd.Series(time).diff().dt.total_seconds().to_numpy()[1:]  # [M - 1] seconds
    step = float(np.median(d))
    if step <= 0:
        return None
    days = round(step / 86_400, 6)
    noun = next(
        (n for lo, hi, n in _STEP_NAMES if round(lo, 6) <= days <= round(hi, 6)), "time step"
    )
    if noun == "day" and not (time.day_of_week >= 5).any():
        noun = "business day"
    return step, noun, d


def _longest_run(s: pd.Series, by_time: bool) -> str | None:
    """One sentence on the longest run of missing values [N] between two values (the ones
    interpolation fills), in the series' own step, when it is LONG_RUN or more: its length,
    first and last missing dates (rows without dates), and how many other runs are that
    long. Vectorised: the runs' starts and ends from the mask's edges."""
    miss = s.isna().to_numpy()
    edges = np.diff(np.concatenate([[0], miss.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # [R], end exclusive
    inside = (starts > 0) & (ends < len(miss))  # the edges are not interpolated
    starts, ends = starts[inside], ends[inside]
    lengths = ends - starts
    if not len(lengths) or lengths.max() < LONG_RUN:
        return None
    k = int(np.argmax(lengths))  # the first of the longest
    a, b = int(starts[k]), int(ends[k]) - 1
    time = pd.DatetimeIndex(s.index) if by_time else None
    found = _step(time) if time is not None else None
    noun = found[1] if found is not None else "value"
    if time is not None:
        fmt = "%Y-%m-%d"
        if (time != time.normalize()).any():
            fmt += " %H:%M:%S" if (time.second != 0).any() else " %H:%M"
        where = f"{time[a].strftime(fmt)} to {time[b].strftime(fmt)}"
    else:
        where = f"rows {a + 1:,} to {b + 1:,}"
    n_more = int(np.count_nonzero(lengths >= LONG_RUN)) - 1
    more = (
        f", as {'is' if n_more == 1 else 'are'} {count(n_more, 'other run')} of "
        f"{count(LONG_RUN, noun)} or more"
        if n_more
        else ""
    )
    return (
        f"The longest run of them, {count(int(lengths[k]), noun)} in a row ({where}), is "
        f"filled with a straight line{more}."
    )


def _fill_gaps(
    s: pd.Series, missing: str, by_time: bool, notes: list[str]
) -> tuple[pd.Series, int, int]:
    """(series without NaN, n filled, n dropped): interpolate inside gaps or drop rows."""
    n_nan = int(s.isna().sum())
    if not n_nan:
        return s, 0, 0
    if missing == "drop":
        notes.append(f"{count(n_nan, 'row')} with missing values dropped.")
        return s.dropna(), 0, n_nan
    filled = s.interpolate(method="time" if by_time else "linear", limit_area="inside")
    n_left = int(filled.isna().sum())
    if n_nan - n_left:
        how = "time" if by_time else "linear"
        notes.append(f"{count(n_nan - n_left, 'missing value')} filled by {how} interpolation.")
        run = _longest_run(s, by_time)
        if run:
            notes.append(run)
    if n_left:
        notes.append(
            f"{count(n_left, 'row')} with missing values at the start or end dropped "
            "(nothing to interpolate from)."
        )
    return filled.dropna(), n_nan - n_left, n_left


def clean_with_inputs(
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
        return clean_column(table.frame[name], name, date, dates, missing, inf)  # its sentence
    notes: list[str] = []
    n_inf = int(np.count_nonzero(np.isinf(y)))
    if n_inf:
        y[np.isinf(y)] = np.nan
        notes.append(f"{count(n_inf, 'infinite value')} treated as missing.")
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
    last = int(np.flatnonzero(y.notna().to_numpy())[-1])
    history, tail = frame.iloc[: last + 1], frame.iloc[last + 1 :]
    future = _future_rows(tail, coded, notes)
    filled, n_filled, n_gap = _fill_gaps(history[0], missing, dates is not None, notes)
    n_after = len(tail) - len(future)  # blank rows after the last value, not the future
    if n_after:
        notes.append(
            f"{count(n_after, 'row')} without a value after the last one dropped (nothing to "
            "interpolate from)."
        )
    n_gap += n_after
    n_missing = int(history[0].isna().sum()) + n_after  # the future's rows are not missing
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
    n_in = history.attrs["n_missing"]
    return replace(series, inputs=inputs, notes=series.notes + inputs.notes, n_input_missing=n_in)


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
            f"The known-ahead inputs' future ends after {count(k, 'row')}: a row after the "
            "last value misses one of them."
        )
    return tail.iloc[:k]


def _fill_inputs(
    frame: pd.DataFrame, coded: list[InputSpec], missing: str, by_time: bool, notes: list[str]
) -> tuple[pd.DataFrame, int]:
    """Gaps in each input column of frame [N, 1 + F'] filled (or their rows dropped), one
    note per column; the observed mask [N, F'], the notes and the cells missing (one per file
    column and row) go in frame.attrs."""
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
        f"Input {col!r}: {count(n, 'missing value')} {how[col]}."
        for col, n in missing_in.items()
        if n
    ]
    frame.attrs = {"observed": observed, "notes": col_notes, "n_missing": sum(missing_in.values())}
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
            f"Column {name!r} has only {count(values.size, 'usable value')}: a series needs "
            f"at least {MIN_VALUES}."
        )
    time = pd.DatetimeIndex(s.index, name=date) if date is not None else None
    return Series(values, name, time, n_missing, n_filled, n_dropped, n_dup, tuple(notes))
