"""Seeded synthetic series for demos and tests; each generator is vectorised and deterministic.

* `sine_series`: a noisy sine wave with an optional linear trend.
* `echo_series`: random spikes that come back exactly `lag` steps later (a long-memory task).
* `temperature_series`: SYNTHETIC daily temperatures (annual cycle plus AR(1) weather noise).
* `trend_series`: a growing level with a season and noise (a trending series: levels
  leave the training range, so the model must learn changes, not levels).
* `random_walk`: cumulative Gaussian steps (nothing beats the naive forecast on it).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lstm_core.runtime.limits import LIMITS

SPIKE_LOW, SPIKE_HIGH = 0.5, 1.0  # echo_series spike heights are uniform in this range
MAX_POINTS = LIMITS.synthetic_points  # a link with n=1e9 must not eat memory


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    ok = ok and value >= low and (high is None or value <= high)
    upper = f" and at most {high}" if high is not None else ""
    _check(ok, f"{name} must be a whole number of at least {low}{upper}, got {value!r}.")


def _check_float(name: str, value: float, low: float, strict: bool = False) -> None:
    ok = isinstance(value, int | float | np.number) and math.isfinite(value)
    ok = ok and (value > low if strict else value >= low)
    cmp = "above" if strict else "at least"
    _check(ok, f"{name} must be a finite number {cmp} {low}, got {value!r}.")


def sine_series(
    n: int = 400, period: float = 24.0, noise: float = 0.1, trend: float = 0.0, seed: int = 0
) -> np.ndarray:
    """x[t] = sin(2π t / period) + trend · t + noise · ε[t], ε ~ N(0, 1); returns [n] float64."""
    _check_int("n", n, 10, MAX_POINTS)
    _check_float("period", period, 2.0)
    _check_float("noise", noise, 0.0)
    _check_float("trend", trend, -math.inf, strict=True)
    _check_int("seed", seed, 0)
    t = np.arange(n, dtype=np.float64)
    eps = np.random.default_rng(seed).standard_normal(n)
    return np.sin(2 * np.pi * t / period) + trend * t + noise * eps


def echo_spikes(
    n: int = 1000, lag: int = 15, spike_prob: float = 0.05, seed: int = 0
) -> np.ndarray:
    """Where `echo_series` (same n, lag, spike_prob, seed) has its spikes: bool [n]."""
    return _echo_parts(n, lag, spike_prob, seed)[0]


def echo_series(
    n: int = 1000, lag: int = 15, spike_prob: float = 0.05, noise: float = 0.05, seed: int = 0
) -> np.ndarray:
    """Spikes that echo `lag` steps later: a task that needs memory of `lag` steps; [n] float64.

    Exactly: draw raw[t] ~ Bernoulli(spike_prob) and h[t] ~ Uniform(0.5, 1.0). A spike sits
    at t when raw[t] and not raw[t - lag] (so no spike ever lands on an echo, and no echo on a
    spike). Then

        x[t] = noise · ε[t] + (h[t] if spike at t) + (h[t - lag] if spike at t - lag)

    with ε ~ N(0, 1): every spike at s < n - lag reappears with the same height at s + lag,
    so predicting x[t] needs the value `lag` steps back. `echo_spikes` gives the spike mask.
    """
    _check_float("noise", noise, 0.0)
    spikes, heights, rng = _echo_parts(n, lag, spike_prob, seed)
    x = noise * rng.standard_normal(n)
    pulse = np.where(spikes, heights, 0.0)
    x += pulse
    x[lag:] += pulse[:-lag]
    return x


def _echo_parts(
    n: int, lag: int, spike_prob: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """(spike mask [n] bool, heights [n], the generator for the noise that follows)."""
    _check_int("n", n, 10, MAX_POINTS)
    _check_int("lag", lag, 1, n - 1)
    _check_float("spike_prob", spike_prob, 0.0, strict=True)
    _check(spike_prob <= 0.5, f"spike_prob must be at most 0.5, got {spike_prob!r}.")
    _check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    raw = rng.random(n) < spike_prob
    heights = rng.uniform(SPIKE_LOW, SPIKE_HIGH, n)
    spikes = raw.copy()
    spikes[lag:] &= ~raw[:-lag]
    return spikes, heights, rng


def temperature_series(n_days: int = 730, seed: int = 0) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """SYNTHETIC daily mean temperature in °C (not real measurements): (dates [n], values [n]).

    Daily from 2020-01-01: 12 - 10 · cos(2π (day_of_year - 15) / 365.25) (coldest mid-January,
    warmest mid-July) plus AR(1) weather noise e[t] = 0.7 · e[t-1] + η[t], with stationary
    standard deviation 2.5 °C.
    """
    _check_int("n_days", n_days, 10, 100_000)
    _check_int("seed", seed, 0)
    dates = pd.date_range("2020-01-01", periods=n_days, freq="D", name="date")
    doy = dates.day_of_year.to_numpy(dtype=np.float64)
    annual = 12.0 - 10.0 * np.cos(2 * np.pi * (doy - 15.0) / 365.25)
    phi, sd = 0.7, 2.5
    eta = np.random.default_rng(seed).standard_normal(n_days) * sd * math.sqrt(1 - phi**2)
    eta[0] = eta[0] / math.sqrt(1 - phi**2)  # start in the stationary distribution
    from scipy.signal import lfilter  # here: scipy.signal takes ~1.5 s to import

    weather = lfilter([1.0], [1.0, -phi], eta)
    return dates, annual + weather


def trend_series(
    n: int = 240, slope: float = 1.0, season: int = 12, amplitude: float = 15.0, seed: int = 0
) -> np.ndarray:
    """x[t] = 100 + slope · t + amplitude · sin(2π t / season) + 4 ε[t], ε ~ N(0, 1);
    [n] float64 (e.g. monthly sales growing over 20 years)."""
    _check_int("n", n, 10, 100_000)
    _check_float("slope", slope, -math.inf, strict=True)
    _check_int("season", season, 2, n)
    _check_float("amplitude", amplitude, 0.0)
    _check_int("seed", seed, 0)
    t = np.arange(n, dtype=np.float64)
    noise = 4.0 * np.random.default_rng(seed).standard_normal(n)
    return 100.0 + slope * t + amplitude * np.sin(2 * np.pi * t / season) + noise


def random_walk(n: int = 500, seed: int = 0) -> np.ndarray:
    """x[t] = 100 + ε[1] + ... + ε[t], ε ~ N(0, 1): [n] float64."""
    _check_int("n", n, 10, MAX_POINTS)
    _check_int("seed", seed, 0)
    return 100.0 + np.cumsum(np.random.default_rng(seed).standard_normal(n))
