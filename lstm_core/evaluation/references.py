"""Classic references beside the LSTM: AutoETS, AutoTheta and AutoARIMA (Nixtla's
statsforecast), fitted on the training and validation parts and scored the way the model is.

  fit_references   fit each on the last `fit_points` points before the test part, with the
                   season the engine detected (a season too long for a method falls back as
                   the library documents, and `form` says what was fitted); each fit is
                   bounded in time and says so when it gives up; the test part is never read
  References       the fitted ones of a series and split; their one_step predictions and
                   H-step paths, cached, come from lstm_core.evaluation.reference_forecasts
                   (the fitted parameters fixed: the state is updated with the actual values,
                   nothing is refitted)
  warm_up          Theta's numba code compiled once per machine, off any visitor's request

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

from lstm_core.evaluation.reference_forecasts import one_step, paths

os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")  # Theta's numba code: compiled once per machine
os.environ.setdefault("NIXTLA_NUMBA_RELEASE_GIL", "1")  # the pages run while it computes

NAMES = ("AutoETS", "AutoTheta", "AutoARIMA")
NOT_FITTED = "not fitted: "  # how a form (References.forms) of one that could not be fitted starts
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
            return f"{self.name}: {NOT_FITTED}{self.note}"
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
                    else f"{NOT_FITTED}{r.note}") for k, r in self.items.items()}  # fmt: skip


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
        return "the training and validation parts are constant, so there is nothing to fit"
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
    form = arima_string(model.model_, padding=False).strip() + _same_as_baseline(model.model_)
    params = {k: float(v) for k, v in model.model_["coef"].items()}
    params["arma"] = list(model.model_["arma"])
    return Reference("AutoARIMA", form, note, params, model=model, season=m)


def _same_as_baseline(mod: dict) -> str:
    """ ", the naive forecast ..." when the fitted ARIMA is a baseline itself (no AR or MA
    term, no constant: (0,1,0) repeats the last value, (0,0,0)(0,1,0)[m] the last season's):
    its lines lie on the baseline's, and the page says why one line seems missing."""
    p, q, sp, sq, _, d, sd = (int(k) for k in mod["arma"])  # statsforecast's arma order
    if p or q or sp or sq or len(mod["coef"]):
        return ""
    if (d, sd) == (1, 0):
        return ", which is the naive forecast (its line lies on the naive baseline's)"
    if (d, sd) == (0, 1):
        return ", which is the seasonal naive forecast (its line lies on that baseline's)"
    return ""


FITTERS: dict[str, Callable[[np.ndarray, int, ReferenceConfig], Reference]] = {
    "AutoETS": _fit_ets,
    "AutoTheta": _fit_theta,
    "AutoARIMA": _fit_arima,
}


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
