"""Multi-step forecasts judged honestly: rolling-origin backtests.

  backtest   paths (lstm_core.evaluation.paths) from every test origin whose H targets all
             lie in the test part, with the error at each step next to the naive,
             seasonal-naive and mean baselines, and each origin's conformal intervals
             (lstm_core.evaluation.intervals: validation, then online), computed when first
             read

Shapes: n origins, H steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from lstm_core.evaluation.intervals import LEVELS, Intervals, lower_floor, online, start_scores
from lstm_core.evaluation.paths import input_reach, paths, spaced
from lstm_core.metrics import detect_season, rmse
from lstm_core.series.windows import Dataset

__all__ = [  # Intervals, input_reach, spaced: the app imports them from here too
    "Backtest",
    "Intervals",
    "backtest",
    "baseline_paths",
    "check_horizon",
    "default_horizon",
    "input_reach",
    "spaced",
]


@dataclass
class Backtest:
    """Rolling-origin H-step errors on the test part, in original units."""

    horizon: int  # H
    origins: np.ndarray  # [n] origin windows (all H targets in the test part; at most
    #                      MAX_ORIGINS, evenly spaced, on a long test part)
    predictions: np.ndarray  # [n, H] model paths
    truth: np.ndarray  # [n, H]
    baselines: dict[str, np.ndarray]  # name -> [n, H] baseline paths
    calibrate: Callable[[], Intervals] = field(repr=False, compare=False)  # -> .intervals
    references: dict[str, np.ndarray] = field(default_factory=dict)  # name -> [n, H] paths
    #   of the classic references (lstm_core.evaluation.references), a group apart from the
    #   baselines
    _intervals: Intervals | None = field(default=None, repr=False, compare=False)

    @property
    def intervals(self) -> Intervals:
        """Each origin's own bands, q [len(levels), n, H] (online: validation, then the test
        targets known at that origin). Computed when first asked for: the calibration
        forecasts every validation target H ways, most of an evaluation's time on a long
        series, and a verdict does not need it."""
        if self._intervals is None:
            self._intervals = self.calibrate()
        return self._intervals

    @property
    def n_targets(self) -> int:
        """How many test points the paths score: origin o's H steps reach the targets of
        windows o .. o + H - 1, and neighbouring origins share most of them."""
        reached = self.origins[:, None] + np.arange(self.horizon)  # [n, H] window indices
        return int(np.unique(reached).size)

    def rmse_by_step(self, pred: np.ndarray | None = None) -> list[float]:
        p = self.predictions if pred is None else pred
        return [rmse(self.truth[:, k], p[:, k]) for k in range(self.horizon)]

    def mean_rmse(self, name: str = "model") -> float:
        """RMSE averaged over the H steps (the verdict's number)."""
        if name == "model":
            p = self.predictions
        else:
            p = self.baselines[name] if name in self.baselines else self.references[name]
        return float(np.mean(self.rmse_by_step(p)))

    def coverage(self, intervals: Intervals | None = None) -> dict[str, float]:
        """Share of test points (origin × step) inside each band (each origin's own; or
        those of other `intervals`, e.g. calibrated on validation alone)."""
        iv = intervals or self.intervals
        return {
            f"{level:g}": float(((self.truth >= lo) & (self.truth <= hi)).mean())
            for level, lo, hi in iv.limits(self.predictions)
        }

    def interval_score(self, intervals: Intervals | None = None) -> dict[str, float]:
        """Mean interval score per band, lower is better: width + 2/α × the distance of
        each test point outside it (Gneiting & Raftery), α = 1 - level."""
        iv = intervals or self.intervals
        out = {}
        for level, lo, hi in iv.limits(self.predictions):
            miss = np.maximum(lo - self.truth, 0) + np.maximum(self.truth - hi, 0)
            out[f"{level:g}"] = float(np.mean(hi - lo + 2 / (1 - level) * miss))
        return out

    def to_dict(self) -> dict:
        return {
            "horizon": self.horizon,
            "origins": len(self.origins),
            "rmse_by_step": self.rmse_by_step(),
            "baselines": {k: self.rmse_by_step(v) for k, v in self.baselines.items()},
            "references": {k: self.rmse_by_step(v) for k, v in self.references.items()},
            "coverage": self.coverage(),
        }


def baseline_paths(
    values: np.ndarray, t0: np.ndarray, horizon: int, train_end: int, season: int | None
) -> dict[str, np.ndarray]:
    """Baseline H-step paths from the origins whose first targets are at positions t0 [n]:
    naive repeats the last known value, seasonal naive the last known season, mean the
    training part's mean. Seasonal naive is left out without a season that fits."""
    v = np.asarray(values, dtype=np.float64)
    t0 = np.asarray(t0)
    steps = np.arange(horizon)
    out = {"naive": np.repeat(v[t0 - 1][:, None], horizon, axis=1)}
    if season and season > 1 and t0.min() >= season:
        back = season * (steps // season + 1)  # [H]: the same phase, one or more seasons back
        out["seasonal_naive"] = v[t0[:, None] + steps - back]
    out["mean"] = np.full((len(t0), horizon), v[:train_end].mean())
    return out


def default_horizon(data: Dataset, season: int | str | None = "auto") -> int:
    """One season (12 steps without one; "auto": detected on the training part), at most
    half the test part."""
    if season == "auto":
        season = detect_season(data.values[: data.split.train_end])
    return max(1, min(season or 12, data.split.n_test // 2))


def check_horizon(horizon: int, n_test: int) -> None:
    """ValueError, in one sentence, unless 1 <= horizon <= n_test."""
    if not 1 <= horizon <= n_test:
        raise ValueError(
            f"The backtest horizon must be from 1 to {n_test} (the test part's length), "
            f"got {horizon}: choose a shorter horizon or a larger test fraction."
        )


def backtest(model: nn.Module, data: Dataset, horizon: int, season: int | None) -> Backtest:
    """Paths from every test origin with all H targets in the test part, their baselines
    and the conformal intervals (validation, then online: each origin also learns from the
    test targets before it; computed when first read). The model must not change while the
    Backtest is in use (the app's models are copies that never train again)."""
    sp = data.split
    check_horizon(horizon, sp.n_test)
    origins = spaced(sp.n_train + sp.n_val, sp.n_windows - horizon + 1)
    t0 = data.target_index[origins]
    truth = data.values[t0[:, None] + np.arange(horizon)]
    pred = paths(model, data, origins, horizon)

    def intervals() -> Intervals:
        start, factor, n_cal = start_scores(model, data, horizon, LEVELS)
        q, capped = online(start, origins, truth, pred, data.transform.log)
        return Intervals(LEVELS, q, data.transform.log, n_cal, capped, factor, lower_floor(data))

    return Backtest(
        horizon=horizon,
        origins=origins,
        predictions=pred,
        truth=truth,
        baselines=baseline_paths(data.values, t0, horizon, sp.train_end, season),
        calibrate=intervals,
    )
