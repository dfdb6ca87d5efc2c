"""The fitted classic references (lstm_core.evaluation.references) run forward: their
predictions with the fitted parameters fixed, nothing refitted, the test part never fitted.

  one_step   the prediction of every target from all the values before it: values [N],
             targets [n] -> [n]; the state (level, trend, season, ARIMA filter) is updated
             with the actual values
  paths      H-step forecasts from the values before each origin: t0 [n] -> [n, H] (None
             past a deadline)

ETS and ARIMA run statsforecast's `forward` (its filter with the fitted parameters) over the
series; ETS's H-step paths start from the state at each origin, ARIMA's run its difference
equation on from the filter's one-step errors (the library's Kalman forecast once the filter
has converged, checked in the tests). Theta's `forward` would refit its trend line and redo
its seasonal decomposition (a centred moving average that reads ahead) on the new values,
test part included; here the series is divided by the seasonal indices fitted on the
training part (or has them subtracted), run through the fitted Theta recursion (its first
state and trend line as fitted), and given its season back.

`ref` is a fitted lstm_core.evaluation.references.Reference (read for its name, start,
model, seasonal indices and how they apply); typed Any, as that module imports this one.

Shapes: N points, n targets or origins, H steps, m season.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np


def _theta_indices(ref: Any, n: int) -> np.ndarray:
    """The fitted seasonal indices at positions ref.start .. ref.start + n - 1: [n]."""
    m = len(ref.seasonal)
    n_fit = ref.model.model_["n"]
    return ref.seasonal[(np.arange(n) - n_fit) % m]


def _theta_forward(ref: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
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


def _reseason(ref: Any, z: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
    if idx is None:
        return z
    return z * idx if ref.multiplicative else z + idx


def one_step(ref: Any, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
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


def y_ds(y: np.ndarray, ref: Any, idx: np.ndarray | None) -> np.ndarray:
    """y without its fitted season (Theta)."""
    if idx is None:
        return y
    return y / idx if ref.multiplicative else y - idx


def paths(
    ref: Any, values: np.ndarray, t0: np.ndarray, horizon: int, deadline: float
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


def arima_paths(ref: Any, y: np.ndarray, rel: np.ndarray, horizon: int) -> np.ndarray:
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


def _ets_states(ref: Any, y: np.ndarray) -> np.ndarray:
    """The fitted ETS model's states over y [len(y) + 1, k]: row j after the first j values."""
    from statsforecast.ets import forward_ets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forward_ets(ref.model.model_, y)["states"]
