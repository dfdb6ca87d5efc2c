"""Honest evaluation: errors in original units, next to the baselines a forecaster must beat.

Baselines for a target at position t of the series:
  naive           values[t - 1]            (repeat the last value)
  seasonal_naive  values[t - season]       (repeat the value one season ago)
  mean            mean of the training part
"""

from __future__ import annotations

import math

import numpy as np


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(p) - np.asarray(y)) ** 2)))


def mae(y: np.ndarray, p: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(p) - np.asarray(y))))


def smape(y: np.ndarray, p: np.ndarray) -> float:
    """Symmetric mean absolute percentage error, 0..200 (%); 0/0 terms count as 0."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    den = np.abs(y) + np.abs(p)
    ratio = np.divide(2 * np.abs(p - y), den, out=np.zeros_like(den), where=den > 0)
    return float(100 * np.mean(ratio))


def mase(y: np.ndarray, p: np.ndarray, train: np.ndarray, season: int = 1) -> float:
    """Mean absolute scaled error: MAE over the in-sample MAE of the (seasonal) naive forecast.

    Below 1: better than the naive forecast on the training part. NaN if that MAE is 0.
    """
    train = np.asarray(train, dtype=np.float64)
    m = season if len(train) > season else 1
    if len(train) <= m:
        return float("nan")
    scale = float(np.mean(np.abs(train[m:] - train[:-m])))
    return mae(y, p) / scale if scale > 0 else float("nan")


def scores(y: np.ndarray, p: np.ndarray, train: np.ndarray, season: int = 1) -> dict[str, float]:
    """All four errors of predictions p [n] against truth y [n]."""
    return {
        "rmse": rmse(y, p),
        "mae": mae(y, p),
        "smape": smape(y, p),
        "mase": mase(y, p, train, season),
    }


def detect_season(values: np.ndarray, max_lag: int | None = None) -> int | None:
    """The seasonal period of a series from its autocorrelation, or None if there is none.

    Uses the first differences (so a trend does not dominate) and returns the lag in
    2..max_lag with the highest autocorrelation if it is a local peak above 0.3.
    """
    v = np.diff(np.asarray(values, dtype=np.float64))
    n = len(v)
    max_lag = min(max_lag or n // 3, n // 2)
    if max_lag < 2:
        return None
    acf = autocorrelation(v, max_lag + 1)
    if not np.isfinite(acf[0]):
        return None
    lags = np.arange(2, max_lag + 1)
    peaks = lags[(acf[lags] > acf[lags - 1]) & (acf[lags] >= acf[lags + 1]) & (acf[lags] > 0.3)]
    if len(peaks) == 0:
        return None
    return int(peaks[np.argmax(acf[peaks])])


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation of values [n] at lags 0..max_lag (< n) -> [max_lag + 1] float64,
    by FFT in O(n log n); all NaN for a constant series."""
    v = np.asarray(values, dtype=np.float64)
    v = v - v.mean()
    denom = float(v @ v)
    if denom == 0:
        return np.full(max_lag + 1, np.nan)
    f = np.fft.rfft(v, 2 * len(v))
    return np.fft.irfft(f * np.conj(f))[: max_lag + 1] / denom


def baselines(
    values: np.ndarray, target_index: np.ndarray, train_end: int, season: int | None
) -> dict[str, np.ndarray]:
    """Baseline predictions for the targets at `target_index` [n] (each >= 1).

    `train_end`: number of leading points in the training part (for the mean).
    Seasonal naive is NaN for a target less than one season into the series (a look-back
    shorter than the season puts the first windows' targets there) and left out when there
    is no season or no target is that far in.
    """
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(target_index)
    out = {"naive": v[t - 1]}
    if season and season > 1 and len(t) and t.max() >= season:
        reach = t >= season
        out["seasonal_naive"] = np.where(reach, v[np.where(reach, t - season, 0)], np.nan)
    out["mean"] = np.full(len(t), v[:train_end].mean())
    return out


BASELINE_NAMES = {  # how tables and charts label the baselines (their keys stay the JSON's)
    "naive": "naive (last value)",
    "seasonal_naive": "seasonal naive",
    "mean": "mean of train",
}
ABOUT_SAME = 5  # % either way within which a verdict calls two RMSEs about as good
MIN_TEST_POINTS = 20  # fewer test points (one step, or reached by the backtest's paths) are
#                       too few to judge a model


def verdict(table: dict[str, dict[str, float]], points: int | None = None) -> str:
    """One sentence on whether the model learned more than its baselines (one-step RMSE on
    `points` test points)."""
    rivals = {k: v["rmse"] for k, v in table.items() if k != "model"}
    where = "one step ahead" + ("" if points is None else f" at {count(points, 'test point')}")
    return rmse_verdict(table["model"]["rmse"], rivals, where, points)


def decimals(values: object, significant: int = 4) -> int:
    """Decimals that give the largest |value| among `values` `significant` digits, for a
    table whose numbers share one format (25.22 beside 18.72, not 25.2182 beside 18.718)."""
    v = np.abs(np.asarray(values, dtype=np.float64).ravel())
    top = float(np.max(v[np.isfinite(v)], initial=0.0))
    digits = 1 + math.floor(math.log10(top)) if top > 0 else 1
    return max(0, significant - digits)


def count(n: int, noun: str) -> str:
    """ "1 test point", "6,568 test points", "2 entries": a number with its noun, plural when
    not 1 (a consonant + y takes -ies)."""
    if n == 1:
        return f"{n:,} {noun}"
    consonant_y = len(noun) > 1 and noun[-1] == "y" and noun[-2] not in "aeiou"
    return f"{n:,} {noun[:-1]}ies" if consonant_y else f"{n:,} {noun}s"


def backtest_verdict(
    model: float, rivals: dict[str, float], horizon: int, origins: int, points: int | None = None
) -> str:
    """One sentence on the H-step backtest: the model's RMSE averaged over the steps against
    each baseline's. `points`: the test points its paths reach (Backtest.n_targets; the
    origins when not given), judged against MIN_TEST_POINTS: 11 origins of 10 steps reach
    20 points."""
    where = (
        f"over forecasts 1–{horizon} steps ahead from {count(origins, 'test origin')}"
        if horizon > 1
        else f"over one-step forecasts at {count(origins, 'test point')}"
    )
    return rmse_verdict(model, rivals, where, origins if points is None else points)


def rmse_verdict(
    model: float, rivals: dict[str, float], where: str, points: int | None = None
) -> str:
    """The model's RMSE against the best of `rivals` {name: RMSE}, `where` saying on what,
    in words that say which way it goes ("12% lower", "4% higher"); with fewer than
    MIN_TEST_POINTS `points`, that the test part is too small to judge."""
    best_name = min(rivals, key=rivals.get)
    best, label = rivals[best_name], best_name.replace("_", " ")
    if best == 0:
        return f"The {label} baseline is exact {where}; nothing to beat."
    gain = 100 * (best - model) / best
    side = "lower" if gain > 0 else "higher"
    than = (f"its RMSE is {abs(gain):.0f}% {side} than the {label} baseline's {where}"
            if round(abs(gain)) else f"its RMSE equals the {label} baseline's {where}")  # fmt: skip
    if points is not None and points < MIN_TEST_POINTS:
        return (
            f"The test part is too small to judge the model: {than}, but "
            f"{count(points, 'test point')} {'says' if points == 1 else 'say'} little (at "
            f"least {MIN_TEST_POINTS} are "
            "needed): use a longer series, a smaller look-back or a larger test share."
        )
    if gain > ABOUT_SAME:
        return f"The model beats the best baseline ({label}): {than}."
    if gain > -ABOUT_SAME:
        return (
            f"The model is about as good as the {label} baseline: {than}; it has learned "
            "little beyond it."
        )
    return f"The model is worse than the {label} baseline: {than}."


def reference_verdict(
    model: float, refs: dict[str, float], where: str = "", points: int | None = None
) -> str:
    """One sentence on the model against the best of the classic references {name: RMSE}
    (lstm_core.evaluation.references), or "" without any. `where` says which RMSE ("one
    step ahead", "over forecasts 1–10 steps ahead"), as the baselines' sentence does. The
    percentage and the band are the baselines' (rmse_verdict): the model's RMSE against the
    reference's, within ±ABOUT_SAME % "about as good". With fewer than MIN_TEST_POINTS
    `points` it gives the numbers without a judgement."""
    if not refs:
        return ""
    best = min(refs, key=refs.get)
    r, on = refs[best], f" {where}" if where else ""
    if r == 0:
        return f"Of the references, {best} is exact{on}; nothing to beat."
    gain = 100 * (r - model) / r  # > 0: the model's RMSE is lower
    than = (f"the model's RMSE is {abs(gain):.0f}% {'lower' if gain > 0 else 'higher'} than "
            f"{best}'s" if round(abs(gain)) else f"the model's RMSE equals {best}'s")  # fmt: skip
    numbers = f"({model:#.4g} against {r:#.4g})"  # 4 digits: 5.970, not 5.97
    if points is not None and points < MIN_TEST_POINTS:
        return f"On as few test points, the best classic reference{on} is {best}: {than} {numbers}."
    if gain > ABOUT_SAME:
        return f"It also beats every classic reference{on}: {than}, the best {numbers}."
    if reference_beats(model, r):
        return (f"{best} is better here{on}: {than} {numbers}; a classic method beats the "
                "model on this series.")  # fmt: skip
    return (f"The best classic reference, {best}, is about as good as the model{on}: "
            f"{than} {numbers}.")  # fmt: skip


def reference_beats(model: float, r: float) -> bool:
    """Whether a reference of RMSE `r` beats the model (reference_verdict's last case)."""
    return r > 0 and 100 * (r - model) / r <= -ABOUT_SAME


SHORT_WINDOWS = 500  # fewer training windows than this: a short series for classic_win_note


def classic_win_note(
    model: float, refs: dict[str, float], n_train: int, n_weights: int, points: int
) -> str:
    """Why a classic reference {name: one-step RMSE on `points` test points} can beat the
    model on a short series (fewer than SHORT_WINDOWS training windows), or "" when none
    beats it, the series is long or the test part is too small to judge (MIN_TEST_POINTS,
    as the verdict): the model fits `n_weights` from `n_train` windows, the reference a
    handful."""
    if not refs or n_train >= SHORT_WINDOWS or points < MIN_TEST_POINTS:
        return ""
    best = min(refs, key=refs.get)
    if not reference_beats(model, refs[best]):  # as reference_verdict says
        return ""
    return (
        f"Why {best} can win here one step ahead: the model fitted "
        f"{count(n_weights, 'weight')} from {count(n_train, 'training window')}, {best} a "
        "handful of parameters; on a series this short that usually decides it, and an LSTM "
        "earns its cost on longer series."
    )


def echo_share(pred: np.ndarray, naive: np.ndarray, y: np.ndarray) -> float:
    """How close predictions are to just repeating the last value, 0..1 (1 = pure echo).

    1 - RMSE(pred, naive) / RMSE(y, naive): near 1 means the model's forecast sits on the
    naive forecast, far closer to it than the truth is.
    """
    spread = rmse(y, naive)
    if spread == 0:
        return float("nan")
    return float(max(0.0, 1.0 - rmse(pred, naive) / spread))
