"""Multi-step forecasts judged honestly: rolling-origin backtests and conformal intervals.

A path is a recursive H-step forecast: the model predicts the next value from its window,
the prediction is appended to the window, and so on, H times; the transformed predictions
are then integrated back to levels (lstm_core.series.transforms). No refit, no peeking: a path
from origin window w uses only the points before that window's target.

  backtest   paths from every test origin whose H targets all lie in the test part, with
             the error at each step next to the naive, seasonal-naive and mean baselines
  intervals  split-conformal bands per horizon step: the scores |y - ŷ| (|log y - log ŷ|
             for logdiff, so that bands scale with the level) of the targets reached at that
             step; no retraining and no distribution assumed. The validation scores are
             first raised, where they are lower, to the model's errors on the end of the
             training part (the validation part is short and chose the epoch and the
             transform: its errors are optimistic). Calibrated on every target known
             when the forecast is made: in the backtest, the validation targets plus
             the test targets that precede each origin (online: the band of a later origin
             learns from the misses of earlier ones, and never from a target after its own
             origin); past the end of the series, every validation and test target

Shapes: n origins, H steps, L look-back, d = the transform's lag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import torch
from torch import nn

from lstm_core.metrics import detect_season, rmse
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset, Scaler

LEVELS: tuple[float, ...] = (0.8, 0.95)  # nominal coverage of the prediction intervals
PATH_ROWS = 4096  # origins per batch when rolling paths forward
TAIL = 3  # the in-sample floor looks at this many validation lengths of training targets
MAX_ORIGINS = 500  # a longer part is sampled at this many evenly spaced origins / targets
#                   (500 × H points per step and band: the CLI's backtest on 50k points
#                   took 4.4 s at 2,000, longer than an epoch of training)


@torch.no_grad()
def roll(
    model: nn.Module,
    windows: torch.Tensor,
    horizon: int,
    next_inputs: torch.Tensor | None = None,
) -> np.ndarray:
    """Recursive forecasts in model units: windows [n, L] -> [n, H] float32.

    With inputs, windows [n, L, 1 + F] and next_inputs [n, H - 1, F]: the inputs of the
    step appended after step k's prediction (their recorded or known-ahead values).
    Sequential in H (step k needs step k - 1), vectorised over the n origins.
    """
    model.eval()
    dev = next(model.parameters()).device
    out = np.empty((len(windows), horizon), dtype=np.float32)
    for a in range(0, len(windows), PATH_ROWS):
        w = windows[a : a + PATH_ROWS].to(dev)  # [b, L] or [b, L, 1 + F]
        nxt = None if next_inputs is None else next_inputs[a : a + PATH_ROWS].to(dev)
        for k in range(horizon):
            y = model(w)  # [b, L(, 1 + F)] -> [b]
            out[a : a + len(w), k] = y.cpu().numpy()
            if k == horizon - 1:
                break
            if w.dim() == 2:
                w = torch.cat([w[:, 1:], y[:, None]], dim=1)  # drop the oldest, append ŷ
            else:  # append [ŷ, the next step's inputs]: [b, 1, 1 + F]
                row = torch.cat([y[:, None], nxt[:, k]], dim=1)[:, None, :]
                w = torch.cat([w[:, 1:], row], dim=1)
    return out


def next_inputs(data: Dataset, origins: np.ndarray, horizon: int) -> torch.Tensor | None:
    """The inputs appended at steps 2..H of the paths from `origins` [n]: [n, H - 1, F]
    (window w + k's last row; NaN past what the data holds), or None without inputs."""
    if data.features is None:
        return None
    rows = origins[:, None] + data.split.look_back - 1 + np.arange(1, horizon)  # [n, H - 1]
    feats = data.features
    out = np.full((*rows.shape, feats.shape[1]), np.nan, dtype=np.float32)
    inside = rows < len(feats)
    out[inside] = feats[rows[inside]]
    return torch.from_numpy(out)


def to_levels(
    z_scaled: np.ndarray, past: np.ndarray, transform: Transform, scaler: Scaler
) -> np.ndarray:
    """Paths in model units [n, H] and the last d known levels past [n, d] -> levels [n, H]."""
    return transform.integrate(scaler.inverse(z_scaled), past)


def paths(model: nn.Module, data: Dataset, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Level paths [n, H] from origin windows `origins` [n] (indices into data.X): step k of
    the path from w forecasts the target of window w + k."""
    origins = np.asarray(origins, dtype=np.int64)
    z = roll(model, data.X[torch.from_numpy(origins)], horizon, next_inputs(data, origins, horizon))
    t0 = data.target_index[origins]  # [n] position of each path's first target
    past = data.values[t0[:, None] - data.lag + np.arange(data.lag)]  # [n, d]
    return to_levels(z, past, data.transform, data.scaler)


def future_path(model: nn.Module, data: Dataset, horizon: int) -> np.ndarray:
    """The forecast past the end of the series: [H] levels. With inputs, H at most
    `input_reach(data)` (the known-ahead inputs' future rows, calendar inputs extended)."""
    matrix = data.matrix
    window = torch.from_numpy(np.ascontiguousarray(matrix[-data.split.look_back :]))
    nxt = None
    if data.features is not None:
        feats = future_features(data, horizon)  # [n - d + K', F]
        last = len(matrix) - 1
        window[-1, 1:] = torch.from_numpy(feats[last])
        nxt = torch.from_numpy(feats[last + 1 : last + horizon])[None]  # [1, H - 1, F]
    past = data.values[len(data.values) - data.lag :][None]  # [1, d]
    z = roll(model, window[None], horizon, nxt)
    return to_levels(z, past, data.transform, data.scaler)[0]


def input_reach(data: Dataset) -> int | None:
    """Steps past the end a forecast can take with the data's inputs (None: any)."""
    return None if data.inputs is None else data.inputs.reach()


def future_features(data: Dataset, horizon: int) -> np.ndarray:
    """The data's feature rows reaching `horizon` steps past the end: calendar inputs are
    computed for timestamps past the file's (other inputs NaN there); [N - d + max(K, H), F]
    float32."""
    from lstm_core.series import inputs as tools

    inp = data.inputs
    if inp.extendable and inp.n_future < horizon and "calendar" in inp.columns():
        n = horizon - inp.n_future  # other columns' values stay NaN there
        more = np.full((n, len(inp.specs)), np.nan)  # [n, F]
        cal = [j for j, sp in enumerate(inp.specs) if sp.encoding == "calendar"]
        more[:, cal] = tools.calendar_values(tools.extend_time(inp.time, inp.step, n), inp.specs)
        values = np.vstack([inp.values, more])  # [N + K + n, F]
        scaled = np.column_stack(
            [sc.transform(values[:, j]) for j, sc in enumerate(data.input_scalers)]
        )
        return tools.feature_rows(inp.specs, scaled, data.lag)
    return data.features


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Intervals:
    """Split-conformal half-widths per horizon step."""

    levels: tuple[float, ...]  # nominal coverages, e.g. (0.8, 0.95)
    q: np.ndarray  # [len(levels), H], or [len(levels), n, H] with one row per backtest
    #                origin; half-widths (log units when `log`)
    log: bool  # True: bands are ŷ·exp(±q) (logdiff), else ŷ ± q
    n_cal: int  # scores behind each step's quantile (in a backtest: the validation ones,
    #             before the test targets known at each origin join them)
    capped: tuple[bool, ...]  # per level: too few scores for the finite-sample rank (widened)
    raised_by: np.ndarray | None = field(default=None, compare=False)  # [len(levels), H]
    #      factors (>= 1; inf: lifted from 0) that raised the validation scores to the
    #      in-sample errors (raise_to)

    @property
    def floored(self) -> bool:
        """Whether the in-sample floor widened any band."""
        return self.raised_by is not None and bool(np.any(self.raised_by > 1.0))

    def limits(self, pred: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """(level, lower, upper) per level around predictions `pred` [..., H]."""
        pred = np.asarray(pred, dtype=np.float64)
        h = pred.shape[-1]
        out = []
        for level, q in zip(self.levels, self.q[..., :h], strict=True):
            if self.log:
                out.append((level, pred * np.exp(-q), pred * np.exp(q)))
            else:
                out.append((level, pred - q, pred + q))
        return out

    def bands(self, pred: np.ndarray) -> dict[str, np.ndarray]:
        """{"lower_80": [..., H], "upper_80": ..., "lower_95": ..., "upper_95": ...}."""
        out = {}
        for level, lo, hi in self.limits(pred):
            tag = f"{round(100 * level)}"
            out[f"lower_{tag}"], out[f"upper_{tag}"] = lo, hi
        return out


def conformal_quantile(scores: np.ndarray, level: float) -> tuple[float, bool]:
    """The ⌈(n+1)·level⌉-th smallest score (split conformal); when n is too small for that
    rank, the largest score widened (`widen`) and flagged."""
    q, capped = conformal_quantiles(np.sort(np.asarray(scores, dtype=np.float64))[None], level)
    return float(q[0]), bool(capped[0])


def widen(n: np.ndarray | int, level: float) -> np.ndarray:
    """Factor from the largest of n scores to the `level` quantile when ⌈(n+1)·level⌉ > n:
    the largest estimates the n/(n+1) quantile, and a half-normal |error| tail scales it to
    `level` (95 % from 12 scores: × 1.35). The exact rank would need an infinite band."""
    z = NormalDist().inv_cdf
    n = np.asarray(n)
    return np.vectorize(lambda m: z((1 + level) / 2) / z((1 + m / (m + 1)) / 2))(n)


def conformal_quantiles(ranked: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """conformal_quantile of each row of `ranked` [r, m]: sorted scores, +inf where a row has
    fewer than m -> (q [r], capped [r]); nan for a row without scores."""
    n = np.isfinite(ranked).sum(axis=1)  # [r]
    if ranked.shape[1] == 0:
        return np.full(len(ranked), np.nan), np.ones(len(ranked), dtype=bool)
    k = np.ceil((n + 1) * level).astype(np.int64)
    capped = k > n
    q = np.take_along_axis(ranked, (np.minimum(k, n) - 1).clip(0)[:, None], axis=1)[:, 0]
    if capped.any():
        q = np.where(capped, q * widen(np.maximum(n, 1), level), q)
    return np.where(n > 0, q, np.nan), capped


def spaced(a: int, b: int, most: int = MAX_ORIGINS) -> np.ndarray:
    """The integers in [a, b), or `most` of them evenly spaced (first and last kept)."""
    if b - a <= most:
        return np.arange(a, b)
    return np.unique(np.linspace(a, b - 1, most).round().astype(np.int64))


def _scores(y: np.ndarray, p: np.ndarray, log: bool) -> np.ndarray:
    if log:
        return np.abs(np.log(y) - np.log(np.maximum(p, 1e-300)))
    return np.abs(y - p)


def scores_at(model: nn.Module, data: Dataset, horizon: int, targets: np.ndarray) -> np.ndarray:
    """The scores of steps 1..H at the target windows `targets` [m]: [H, m]. Step k
    forecasts each target from the origin k windows before it (nan for a target without
    one, near the start)."""
    origins = np.unique((targets[:, None] - np.arange(horizon)).clip(0))  # every path needed
    p = paths(model, data, origins, horizon)  # [len(origins), H]
    y = data.values[data.target_index[targets]]  # [m]
    out = np.full((horizon, len(targets)), np.nan)
    for k in range(horizon):
        ok = targets - k >= 0  # targets reached at step k
        hit = p[np.searchsorted(origins, targets[ok] - k), k]
        out[k, ok] = _scores(y[ok], hit, data.transform.log)
    return out


def _finite(rows: np.ndarray) -> list[np.ndarray]:
    """[H, m] with nan -> H arrays of the finite scores."""
    return [r[np.isfinite(r)] for r in rows]


def step_scores(
    model: nn.Module, data: Dataset, horizon: int, part: str = "val"
) -> tuple[list[np.ndarray], int]:
    """The scores of steps 1..H on the targets of `part` ("val" or "test"): ([H] arrays,
    targets used). A long part is sampled at MAX_ORIGINS evenly spaced targets."""
    s = data.split.windows(part)
    targets = spaced(s.start, s.stop)  # [m]
    return _finite(scores_at(model, data, horizon, targets)), len(targets)


def in_sample_quantiles(
    model: nn.Module, data: Dataset, horizon: int, levels: tuple[float, ...]
) -> np.ndarray:
    """The level-quantiles of the model's errors on the last TAIL validation lengths of
    training targets, per step: [len(levels), H] (nan for a step with fewer than 3). The
    tail is read through at most MAX_ORIGINS paths."""
    sp = data.split
    a = max(0, sp.n_train - TAIL * sp.n_val)  # the tail's targets are windows [a, n_train)
    origins = spaced(max(0, a - horizon + 1), sp.n_train)  # [m] every path reaching it
    p = paths(model, data, origins, horizon)  # [m, H]
    out = np.full((len(levels), horizon), np.nan)
    for k in range(horizon):
        inside = (origins + k >= a) & (origins + k < sp.n_train)
        y = data.values[data.target_index[origins[inside] + k]]
        s = _scores(y, p[inside, k], data.transform.log)
        if len(s) >= 3:
            out[:, k] = np.quantile(s, levels)
    return out


def raise_to(scores: np.ndarray, floor: float, level: float) -> tuple[np.ndarray, float]:
    """Validation scores raised so that their conformal quantile at `level` is at least
    `floor` (the in-sample one): scaled by floor / that quantile, or, where it is 0, lifted
    to `floor`. -> (scores, factor: 1 when untouched, inf when lifted).

    Why: the validation part is short and chose the epoch and the transform, so its errors
    are optimistic; errors on data the model has not fitted are rarely below those on data
    it has. Measured on 9 series × 4 cut points × 3 seeds (benchmarks/README §6): the 80 %
    band's coverage 68 → 79 %, the 95 % band's 85 → 93 %, with a better interval score."""
    if len(scores) < 3 or not np.isfinite(floor):
        return scores, 1.0
    q, _ = conformal_quantile(scores, level)
    if q >= floor:
        return scores, 1.0
    if q > 0:
        return scores * (floor / q), floor / q
    return np.maximum(scores, floor), np.inf


def raised(
    val: list[np.ndarray], floor: np.ndarray, levels: tuple[float, ...]
) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """raise_to for each level and step: val [H arrays], floor [len(levels), H] ->
    ([len(levels)][H] arrays, factors [len(levels), H])."""
    rows, factor = [], np.ones(floor.shape)
    for j, level in enumerate(levels):
        row = []
        for k, s in enumerate(val):
            r, factor[j, k] = raise_to(s, floor[j, k], level)
            row.append(r)
        rows.append(row)
    return rows, factor


def start_scores(
    model: nn.Module, data: Dataset, horizon: int, levels: tuple[float, ...] = LEVELS
) -> tuple[list[list[np.ndarray]], np.ndarray, int]:
    """The validation scores of steps 1..H raised to the in-sample floor for each level:
    ([len(levels)][H] arrays, the factors [len(levels), H], validation targets used)."""
    val, n_val = step_scores(model, data, horizon, "val")
    rows, factor = raised(val, in_sample_quantiles(model, data, horizon, levels), levels)
    return rows, factor, n_val


def calibrate(
    model: nn.Module,
    data: Dataset,
    horizon: int,
    levels: tuple[float, ...] = LEVELS,
    part: str = "test",
) -> Intervals:
    """Conformal half-widths for steps 1..H from the validation scores (raised to the
    in-sample floor) and, with part="test" (the default, as a forecast past the end may),
    the test targets' (one sample of at most MAX_ORIGINS targets over both parts); "val"
    leaves the test part unread. `levels` ascending."""
    sp = data.split
    end = sp.n_train + sp.n_val if part == "val" else sp.n_windows
    targets = spaced(sp.n_train, end)  # [m]
    s = scores_at(model, data, horizon, targets)  # [H, m]
    is_val = targets < sp.n_train + sp.n_val
    floor = in_sample_quantiles(model, data, horizon, levels)
    rows, factor = raised(_finite(s[:, is_val]), floor, levels)
    test = _finite(s[:, ~is_val])
    q = np.full((len(levels), horizon), np.nan)
    capped = [False] * len(levels)
    for j, level in enumerate(levels):
        for k in range(horizon):
            q[j, k], cap = conformal_quantile(np.concatenate([rows[j][k], test[k]]), level)
            capped[j] |= cap
    q = np.fmax.accumulate(q, axis=0)  # a higher level never gets a narrower band
    return Intervals(tuple(levels), q, data.transform.log, len(targets), tuple(capped), factor)


def online(
    start: list[list[np.ndarray]],
    origins: np.ndarray,
    truth: np.ndarray,
    pred: np.ndarray,
    log: bool,
    levels: tuple[float, ...] = LEVELS,
) -> tuple[np.ndarray, tuple[bool, ...]]:
    """Half-widths for each backtest origin [len(levels), n, H]: at origin o, step k of
    level j is calibrated on the starting scores `start`[j][k] plus the test scores at step
    k of the earlier origins whose target (o' + k) precedes o's first target, i.e. every
    target known at o and nothing after it. Also: per level, whether any quantile was
    widened."""
    n, horizon = pred.shape
    test = _scores(truth, pred, log)  # [n, H]
    q = np.full((len(levels), n, horizon), np.nan)
    capped = [False] * len(levels)
    for k in range(horizon):
        known = np.searchsorted(origins + k, origins, side="left")  # [n] origins before
        later = np.arange(n)[None, :] >= known[:, None]  # [n, n] not yet known at row's origin
        joined = np.where(later, np.inf, test[None, :, k])
        for j, level in enumerate(levels):
            s = start[j][k]
            ranked = np.sort(np.hstack([np.broadcast_to(s, (n, len(s))), joined]), 1)
            q[j, :, k], cap = conformal_quantiles(ranked, level)
            capped[j] |= bool(cap.any())
    return np.fmax.accumulate(q, axis=0), tuple(capped)  # levels ascending: never crossing


# --------------------------------------------------------------------------- backtest


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
        return Intervals(LEVELS, q, data.transform.log, n_cal, capped, factor)

    return Backtest(
        horizon=horizon,
        origins=origins,
        predictions=pred,
        truth=truth,
        baselines=baseline_paths(data.values, t0, horizon, sp.train_end, season),
        calibrate=intervals,
    )
