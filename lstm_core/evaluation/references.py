"""Classic references beside the LSTM: AutoETS, AutoTheta and AutoARIMA (Nixtla's
statsforecast), fitted on the training and validation parts and scored the way the model is.

  fit_references   fit each on the last `fit_points` points before the test part, with the
                   season the engine detected (a season too long for a method falls back as
                   the library documents, and `form` says what was fitted); each fit is
                   bounded in time and says so when it gives up; the test part is never read
  one_step         the prediction of every target from all the values before it, with the
                   fitted parameters fixed: the state (level, trend, season, ARIMA filter)
                   is updated with the actual values, nothing is refitted
  paths            H-step forecasts from the backtest's origins, also without refitting

Fitted parameters stay fixed: ETS and ARIMA run statsforecast's `forward` (its filter with
the fitted parameters) over the series; ETS's H-step paths start from the state at each
origin, ARIMA's run its difference equation on from the filter's one-step errors (the
library's Kalman forecast once the filter has converged, checked in the tests). Theta's
`forward` would refit its trend line and redo its seasonal decomposition (a centred moving
average that reads ahead) on the new values, test part included; here the series is
divided by the seasonal indices fitted on the training part (or has them subtracted), run
through the fitted Theta recursion (its first state and trend line as fitted), and given
its season back.

Shapes: N points, n targets, H steps, m season.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")  # Theta's numba code: compiled once per machine
os.environ.setdefault("NIXTLA_NUMBA_RELEASE_GIL", "1")  # the pages run while it computes

NAMES = ("AutoETS", "AutoTheta", "AutoARIMA")
_WARM = threading.Event()  # set once Theta's numba code is compiled (or loaded) in this process
_WARMING = threading.Lock()  # held while warm_up_in_background starts its one process


@dataclass(frozen=True)
class ReferenceConfig:
    """Bounds on the references' cost."""

    fit_points: int = 2000  # fit on at most this many points (the last before the test part)
    ets_max_season: int = 24  # statsforecast's ETS has no seasonal component above this
    arima_max_season: int = 24  # AutoARIMA with a longer season takes minutes: non-seasonal
    min_points: int = 12  # fewer points before the test part: no reference is fitted
    fit_seconds: float = 60.0  # a fit still running after this is given up (per reference)
    path_seconds: float = 10.0  # H-step paths still running after this are given up


@dataclass
class Reference:
    """One fitted reference (or why it is not)."""

    name: str  # "AutoETS", "AutoTheta" or "AutoARIMA"
    form: str = ""  # what was fitted, e.g. "ETS(M,A,M), season 12"; "" when not fitted
    note: str = ""  # why it is not fitted, or how its season fell back; "" otherwise
    params: dict[str, Any] = field(default_factory=dict)  # the fitted parameters
    seconds: float = 0.0  # time the fit took
    model: Any = field(default=None, repr=False)  # the fitted statsforecast model
    start: int = 0  # position of the first fitted point in the series
    season: int = 1  # the season it was fitted with (1: none)
    seasonal: np.ndarray | None = field(default=None, repr=False)  # Theta: [m] indices
    #   for positions start + n_fit + j (j mod m), or None without a decomposition
    multiplicative: bool = True  # Theta: how the indices apply

    @property
    def fitted(self) -> bool:
        return self.model is not None

    def describe(self) -> str:
        """One line: the form fitted, or why not."""
        if not self.fitted:
            return f"{self.name}: not fitted: {self.note}"
        note = f" ({self.note})" if self.note else ""
        return f"{self.name}: {self.form}{note}, fitted in {self.seconds:.1f} s"


@dataclass
class References:
    """The references of one series and split."""

    items: dict[str, Reference]  # name -> Reference, in NAMES order
    fit_end: int  # points before the test part (training and validation), all they may see
    season: int | None  # the season the engine detected on the training part
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # (what, values'
    #   sum, targets or origins, H) -> predictions: a page's reruns compute them once

    @property
    def fitted(self) -> dict[str, Reference]:
        return {k: r for k, r in self.items.items() if r.fitted}

    def one_step(self, values: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """Each fitted reference's prediction of the values at positions `targets` [n]
        (all >= fit_end) from every value before each: name -> [n]."""
        key = ("one", float(np.sum(values)), _digest(targets), 1)
        if key not in self._cache:
            self._cache[key] = {k: one_step(r, values, targets) for k, r in self.fitted.items()}
        return self._cache[key]

    def paths(
        self, values: np.ndarray, t0: np.ndarray, horizon: int, seconds: float | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        """H-step paths from the origins whose first targets are at t0 [n]: (name -> [n, H],
        name -> why a reference has none: it gave up after `seconds`)."""
        seconds = ReferenceConfig().path_seconds if seconds is None else seconds
        key = ("paths", float(np.sum(values)), _digest(t0), horizon)
        if key not in self._cache:
            self._cache[key] = self._paths(values, t0, horizon, seconds)
        return self._cache[key]

    def _paths(
        self, values: np.ndarray, t0: np.ndarray, horizon: int, seconds: float
    ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        out, notes = {}, {}
        for k, r in self.fitted.items():
            p = paths(r, values, np.asarray(t0), horizon, time.monotonic() + seconds)
            if p is None:
                notes[k] = f"its {horizon}-step paths gave up after {seconds:g} s"
            else:
                out[k] = p
        return out, notes

    def notes(self) -> list[str]:
        return [r.describe() for r in self.items.values()]

    def forms(self) -> dict[str, str]:
        """name -> the form fitted (and how its season fell back), or "not fitted: why"."""
        return {k: (f"{r.form}{f' ({r.note})' if r.note else ''}" if r.fitted
                    else f"not fitted: {r.note}") for k, r in self.items.items()}  # fmt: skip


def _digest(positions: np.ndarray) -> tuple[int, int, int, int]:
    """A cache key of an increasing array of positions."""
    p = np.asarray(positions)
    return (len(p), int(p[0]), int(p[-1]), int(p.sum())) if len(p) else (0, 0, 0, 0)


# --------------------------------------------------------------------------- fitting


def fit_references(
    values: np.ndarray,
    fit_end: int,
    season: int | None,
    cfg: ReferenceConfig = ReferenceConfig(),
    names: tuple[str, ...] = NAMES,
) -> References:
    """Fit each reference on values[:fit_end] (at most its last cfg.fit_points)."""
    v = np.asarray(values, dtype=np.float64)
    start = max(0, fit_end - cfg.fit_points)
    y = v[start:fit_end]
    why = _unfit_reason(y, fit_end, cfg)
    items = {}
    for name in names:
        if why:
            items[name] = Reference(name, note=why)
        else:
            items[name] = _bounded_fit(name, y, start, season or 1, cfg)
    return References(items, fit_end, season)


def _unfit_reason(y: np.ndarray, fit_end: int, cfg: ReferenceConfig) -> str:
    """Why no reference can be fitted on y, or ""."""
    if len(y) < cfg.min_points:
        return (f"the training and validation parts hold {len(y)} points; a reference needs "
                f"at least {cfg.min_points}")  # fmt: skip
    if not np.all(np.isfinite(y)):
        return "the training and validation parts hold missing or infinite values"
    if np.ptp(y) == 0:
        return "the training and validation parts are constant: there is nothing to fit"
    return ""


def _bounded_fit(name: str, y: np.ndarray, start: int, m: int, cfg: ReferenceConfig) -> Reference:
    """FITTERS[name] in a worker thread, waited for at most cfg.fit_seconds."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                box["ref"] = FITTERS[name](y, m, cfg)
        except Exception as e:  # the library's own reason, in its words
            box["error"] = str(e) or type(e).__name__

    t0 = time.monotonic()
    worker = threading.Thread(target=work, name=f"fit-{name}", daemon=True)
    worker.start()
    worker.join(cfg.fit_seconds)
    took = time.monotonic() - t0
    if worker.is_alive():
        return Reference(name, note=f"gave up after {cfg.fit_seconds:g} s", seconds=took)
    if "error" in box:
        return Reference(name, note=f"the fit failed: {box['error']}", seconds=took)
    ref = box["ref"]
    ref.start, ref.seconds = start, took
    return ref


def _fallback(name: str, m: int, limit: int) -> tuple[int, str]:
    """The season a method is fitted with and the note saying it fell back."""
    if m > limit:
        return 1, f"season {m} is longer than its limit of {limit}: fitted without a season"
    return m, ""


def _fit_ets(y: np.ndarray, m: int, cfg: ReferenceConfig) -> Reference:
    from statsforecast.models import AutoETS

    m, note = _fallback("AutoETS", m, cfg.ets_max_season)
    model = AutoETS(season_length=m).fit(y)
    e, t, s, d = model.model_["components"][:4]
    form = f"ETS({e},{t}{'d' if d != 'N' else ''},{s})" + (f", season {m}" if m > 1 else "")
    par = np.asarray(model.model_["par"], dtype=np.float64)
    params = {"components": model.model_["components"], "par": par.tolist()}
    return Reference("AutoETS", form, note, params, model=model, season=m)


def _fit_theta(y: np.ndarray, m: int, cfg: ReferenceConfig) -> Reference:
    from statsforecast.models import AutoTheta

    model = AutoTheta(season_length=m).fit(y)
    mod = model.model_
    par = {k: float(v) for k, v in mod["par"].items()}
    seasonal, mult, form = None, True, f"Theta ({mod['modeltype']})"
    if mod.get("decompose"):
        seasonal = np.asarray(mod["seas_forecast"]["mean"], dtype=np.float64)  # [m]
        mult = mod["decomposition_type"] == "multiplicative"
        form += f", {mod['decomposition_type']} season {m}"
    elif m > 1:
        form += f", no season (the library's test found none at {m})"
    _WARM.set()
    params = {"modeltype": mod["modeltype"], **par,
              "seasonal": [] if seasonal is None else seasonal.tolist()}  # fmt: skip
    return Reference("AutoTheta", form, "", params, model=model, season=m,
                     seasonal=seasonal, multiplicative=mult)  # fmt: skip


def _fit_arima(y: np.ndarray, m: int, cfg: ReferenceConfig) -> Reference:
    from statsforecast.arima import arima_string
    from statsforecast.models import AutoARIMA

    m, note = _fallback("AutoARIMA", m, cfg.arima_max_season)
    # R's auto.arima approximates the likelihood in the search on long or seasonal series
    approx = len(y) > 150 or m > 12
    model = AutoARIMA(season_length=m, approximation=approx).fit(y)
    form = arima_string(model.model_, padding=False).strip()
    params = {k: float(v) for k, v in model.model_["coef"].items()}
    params["arma"] = list(model.model_["arma"])
    return Reference("AutoARIMA", form, note, params, model=model, season=m)


FITTERS: dict[str, Callable[[np.ndarray, int, ReferenceConfig], Reference]] = {
    "AutoETS": _fit_ets,
    "AutoTheta": _fit_theta,
    "AutoARIMA": _fit_arima,
}


# --------------------------------------------------------------------------- forecasting


def _theta_indices(ref: Reference, n: int) -> np.ndarray:
    """The fitted seasonal indices at positions ref.start .. ref.start + n - 1: [n]."""
    m = len(ref.seasonal)
    n_fit = ref.model.model_["n"]
    return ref.seasonal[(np.arange(n) - n_fit) % m]


def _theta_forward(ref: Reference, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The fitted Theta model run over y (from ref.start) without refitting: (its states
    [len(y), 5] over the deseasonalised y, the indices [len(y)] or None)."""
    idx = None
    if ref.seasonal is not None:
        idx = _theta_indices(ref, len(y))
    return theta_states(ref.model.model_, y_ds(y, ref, idx)), idx


DYNAMIC = ("DSTM", "DOTM")  # Theta models whose trend line is updated with each value


def theta_states(mod: dict, y: np.ndarray) -> np.ndarray:
    """statsforecast's Theta recursion (theta.thetaupdate) over y with the fitted parameters
    and the fitted first state: [len(y), 5] rows (level, mean y, A, B, μ), μ[i] the forecast
    of y[i]. Its own `forward` would refit the trend line A + B·t of the non-dynamic models
    on the new values (test part included); here it stays as fitted."""
    alpha, theta = mod["par"]["alpha"], mod["par"]["theta"]
    dynamic = mod["modeltype"] in DYNAMIC
    s = np.zeros((len(y), 5))
    s[0] = mod["states"][0]
    for i in range(1, len(y)):
        s[i] = theta_step(s[i - 1], i, alpha, theta, dynamic, y[i])
    return s


def theta_step(
    prev: np.ndarray, i: int, alpha: float, theta: float, dynamic: bool, y: float | None
) -> np.ndarray:
    """State i from state i - 1 [5] and the value y[i] (None: the forecast μ stands in)."""
    level, meany, a, b, _ = prev
    mu = level + (1 - 1 / theta) * (a * (1 - alpha) ** i + b * (1 - (1 - alpha) ** (i + 1)) / alpha)
    v = mu if y is None else y
    new_mean = (i * meany + v) / (i + 1)
    if dynamic:
        b = ((i - 1) * b + 6 * (v - meany) / (i + 1)) / (i + 2)
        a = new_mean - b * (i + 2) / 2
    return np.array([alpha * v + (1 - alpha) * level, new_mean, a, b, mu])


def theta_path(mod: dict, states: np.ndarray, j: int, horizon: int) -> np.ndarray:
    """Theta's H-step forecast once j values are known (states[j - 1] the last): [H]."""
    alpha, theta = mod["par"]["alpha"], mod["par"]["theta"]
    dynamic = mod["modeltype"] in DYNAMIC
    prev, out = states[j - 1], np.empty(horizon)
    for k in range(horizon):
        prev = theta_step(prev, j + k, alpha, theta, dynamic, None)
        out[k] = prev[4]
    return out


def _reseason(ref: Reference, z: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
    if idx is None:
        return z
    return z * idx if ref.multiplicative else z + idx


def one_step(ref: Reference, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The reference's prediction of values[t] from values[:t], for t in targets [n]: [n]."""
    last = int(np.max(targets)) + 1
    y = np.asarray(values[ref.start : last], dtype=np.float64)
    if ref.name == "AutoTheta":
        states, idx = _theta_forward(ref, y)
        fitted = _reseason(ref, states[:, 4], idx)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = ref.model.forward(y=y, h=1, fitted=True)["fitted"]
    return np.asarray(fitted, dtype=np.float64)[np.asarray(targets) - ref.start]


def y_ds(y: np.ndarray, ref: Reference, idx: np.ndarray | None) -> np.ndarray:
    """y without its fitted season (Theta)."""
    if idx is None:
        return y
    return y / idx if ref.multiplicative else y - idx


def paths(
    ref: Reference, values: np.ndarray, t0: np.ndarray, horizon: int, deadline: float
) -> np.ndarray | None:
    """H-step forecasts from values[:t] for each t in t0 [n]: [n, H], or None past the
    deadline (time.monotonic())."""
    last = int(np.max(t0))
    y = np.asarray(values[ref.start : last], dtype=np.float64)
    out = np.full((len(t0), horizon), np.nan)
    rel = np.asarray(t0) - ref.start  # [n] points known at each origin
    if ref.name == "AutoETS":
        from statsforecast.ets import pegelsfcast_C

        states = _ets_states(ref, y)
        for i, j in enumerate(rel):
            out[i] = pegelsfcast_C(horizon, {**ref.model.model_, "states": states[j : j + 1]})
            if time.monotonic() > deadline:
                return None
        return out
    if ref.name == "AutoTheta":
        states, _ = _theta_forward(ref, y)
        mod = ref.model.model_
        for i, j in enumerate(rel):
            idx = None
            if ref.seasonal is not None:
                idx = ref.seasonal[(j + np.arange(horizon) - mod["n"]) % len(ref.seasonal)]
            out[i] = _reseason(ref, theta_path(mod, states, int(j), horizon), idx)
            if time.monotonic() > deadline:
                return None
        return out
    return arima_paths(ref, y, rel, horizon)


def arima_polys(mod: dict) -> tuple[np.ndarray, np.ndarray]:
    """The fitted ARIMA as one difference equation: (a [k], b [l]) with
    z_t = a_1 z_{t-1} + ... + a_k z_{t-k} + e_t + b_1 e_{t-1} + ... + b_l e_{t-l}, where
    z is the series less its intercept and drift: φ(B)Φ(B^m)(1-B)^d(1-B^m)^D and
    θ(B)Θ(B^m) multiplied out (statsforecast's arma = (p, q, P, Q, m, d, D))."""
    p, q, sp, sq, m, d, sd = mod["arma"]
    c = mod["coef"]

    def poly(prefix: str, n: int, sign: float, step: int) -> np.ndarray:
        out = np.zeros(n * step + 1)
        out[0] = 1.0
        for i in range(1, n + 1):
            out[i * step] = sign * c[f"{prefix}{i}"]
        return out

    ar = np.polynomial.polynomial.polymul(poly("ar", p, -1, 1), poly("sar", sp, -1, max(m, 1)))
    for _ in range(d):
        ar = np.polynomial.polynomial.polymul(ar, [1.0, -1.0])
    for _ in range(sd):
        seasonal = np.zeros(m + 1)
        seasonal[0], seasonal[m] = 1.0, -1.0
        ar = np.polynomial.polynomial.polymul(ar, seasonal)
    ma = np.polynomial.polynomial.polymul(poly("ma", q, 1, 1), poly("sma", sq, 1, max(m, 1)))
    return -np.asarray(ar)[1:], np.asarray(ma)[1:]


def arima_regression(mod: dict, n: int) -> np.ndarray:
    """The intercept and drift of the fitted ARIMA at positions 1..n of the fitted series'
    counting: [n] (zeros without them)."""
    c = mod["coef"]
    t = np.arange(1, n + 1, dtype=np.float64)
    return c.get("intercept", 0.0) + c.get("drift", c.get("ex_1", 0.0)) * t


def arima_paths(ref: Reference, y: np.ndarray, rel: np.ndarray, horizon: int) -> np.ndarray:
    """ARIMA's H-step forecasts once rel[i] values of y are known, for every origin at once:
    [n, H]. The one-step errors e come from one run of the fitted model's filter over y (its
    `forward`, parameters fixed); then the difference equation (arima_polys) runs forward
    with the future errors at zero. Far from the series' start this is the Kalman forecast
    the library gives (its filter has converged); re-running the filter to every origin
    would cost O(N) per origin."""
    mod = ref.model.model_
    a, b = arima_polys(mod)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = np.asarray(ref.model.forward(y=y, h=1, fitted=True)["fitted"], np.float64)
    reg = arima_regression(mod, len(y) + horizon)
    z = np.concatenate([y - reg[: len(y)], np.zeros(horizon)])  # [len(y) + H]
    e = np.concatenate([y - fitted, np.zeros(horizon)])
    k, lq = len(a), len(b)
    back = max(k, lq, 1)
    rows = rel[:, None] + np.arange(-back, horizon)  # [n, back + H] positions of each path
    zp = np.where(rows >= 0, z[rows.clip(0)], 0.0)
    ep = np.where((rows >= 0) & (rows < rel[:, None]), e[rows.clip(0)], 0.0)  # future: 0
    for s in range(back, back + horizon):
        zp[:, s] = zp[:, s - k : s][:, ::-1] @ a if k else 0.0
        if lq:
            zp[:, s] += ep[:, s - lq : s][:, ::-1] @ b
    return zp[:, back:] + reg[rows[:, back:]]


def _ets_states(ref: Reference, y: np.ndarray) -> np.ndarray:
    """The fitted ETS model's states over y [len(y) + 1, k]: row j after the first j values."""
    from statsforecast.ets import forward_ets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forward_ets(ref.model.model_, y)["states"]


def for_dataset(data: Any, cfg: ReferenceConfig = ReferenceConfig()) -> References:
    """The references of a lstm_core.series.windows.Dataset: fitted on its training and validation
    points, with the season detected on its training part (as
    lstm_core.evaluation.forecast.evaluate)."""
    from lstm_core.metrics import detect_season

    sp = data.split
    season = detect_season(data.values[: sp.train_end])
    return fit_references(data.values, sp.val_end, season, cfg)


def warm_up() -> float:
    """Fit each reference once on a tiny series (Theta's numba code compiles on first use,
    ~15-20 s per machine, then loads from numba's cache): seconds taken."""
    t0 = time.monotonic()
    y = 10 + np.sin(np.arange(48) * np.pi / 6) + np.arange(48) * 0.1
    fit_references(y, 48, 12)
    return time.monotonic() - t0


def is_warm() -> bool:
    """Whether Theta's numba code is ready: fitted in this process already, or compiled into
    numba's cache by the warm-up process."""
    return _WARM.is_set() or (bool(_WARMER) and _WARMER[0].poll() == 0)


_WARMER: list[subprocess.Popen] = []  # this server's warm-up process, once started


def warm_up_in_background() -> None:
    """Run warm_up in a separate low-priority process, once per server process (the app calls
    it at start, off any visitor's request): it compiles Theta's numba code into numba's
    cache on disk without holding this process's GIL or memory, and the fits here then load
    it. Later calls do nothing."""
    with _WARMING:
        if _WARMER:
            return
        root = str(Path(__file__).resolve().parent.parent.parent)
        code = (
            "import os; os.nice(10); from lstm_core.evaluation.references import warm_up; warm_up()"
        )
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        quiet = subprocess.DEVNULL
        cmd = [sys.executable, "-c", code]
        _WARMER.append(subprocess.Popen(cmd, cwd=root, env=env, stdout=quiet, stderr=quiet))
