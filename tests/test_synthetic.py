"""lstm_core.series.synthetic generators and lstm_core.series.datasets built-ins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstm_core.series.datasets import BUILTINS, builtin_info, load_builtin
from lstm_core.series.synthetic import (
    echo_series,
    echo_spikes,
    random_walk,
    sine_series,
    temperature_series,
    trend_series,
)

# --------------------------------------------------------------------------- sine


def test_sine_shape_and_exact_values_without_noise():
    x = sine_series(n=48, period=24.0, noise=0.0, trend=0.5)
    t = np.arange(48)
    assert x.shape == (48,) and x.dtype == np.float64
    np.testing.assert_allclose(x, np.sin(2 * np.pi * t / 24) + 0.5 * t, atol=1e-12)


def test_sine_is_seeded():
    assert np.array_equal(sine_series(seed=3), sine_series(seed=3))
    assert not np.array_equal(sine_series(seed=3), sine_series(seed=4))
    noise = sine_series(n=4000, noise=0.1) - sine_series(n=4000, noise=0.0)
    assert abs(noise.std() - 0.1) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 5}, "n must be a whole number of at least 10 and at most 5000000, got 5."),
        ({"n": 10.0}, "n must be a whole number of at least 10 and at most 5000000, got 10.0."),
        ({"period": 1.0}, "period must be a finite number at least 2.0, got 1.0."),
        ({"noise": -0.1}, "noise must be a finite number at least 0.0, got -0.1."),
        ({"trend": float("nan")}, "trend must be a finite number above -inf, got nan."),
        ({"seed": -1}, "seed must be a whole number of at least 0, got -1."),
    ],
)
def test_sine_validates(kwargs, message):
    with pytest.raises(ValueError) as info:
        sine_series(**kwargs)
    assert str(info.value) == message


# --------------------------------------------------------------------------- echo


def test_echo_without_noise_repeats_every_spike_exactly():
    n, lag = 1000, 15
    x = echo_series(n=n, lag=lag, noise=0.0, seed=1)
    spikes = np.flatnonzero(echo_spikes(n=n, lag=lag, seed=1))
    assert len(spikes) > 20
    assert np.all((x[spikes] >= 0.5) & (x[spikes] <= 1.0))
    inside = spikes[spikes < n - lag]
    assert np.array_equal(x[inside + lag], x[inside])
    echoes = np.zeros(n, dtype=bool)
    echoes[inside + lag] = True
    rest = ~(echo_spikes(n=n, lag=lag, seed=1) | echoes)
    assert np.all(x[rest] == 0.0)  # no spike ever lands on an echo


def test_echo_with_noise_is_within_noise():
    n, lag, noise = 2000, 30, 0.05
    x = echo_series(n=n, lag=lag, noise=noise, seed=7)
    spikes = np.flatnonzero(echo_spikes(n=n, lag=lag, seed=7))
    inside = spikes[spikes < n - lag]
    assert np.all(np.abs(x[inside + lag] - x[inside]) < 10 * noise)

    def corr(k: int) -> float:
        return float(np.corrcoef(x[k:], x[:-k])[0, 1])

    assert corr(lag) > 0.3  # the lag-`lag` autocorrelation stands out from nearby lags
    assert max(abs(corr(k)) for k in (lag - 3, lag - 1, lag + 1, lag + 3)) < 0.15


def test_echo_is_seeded():
    assert np.array_equal(echo_series(seed=5), echo_series(seed=5))
    assert not np.array_equal(echo_series(seed=5), echo_series(seed=6))
    assert echo_series().shape == (1000,) and echo_series().dtype == np.float64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lag": 0}, "lag must be a whole number of at least 1 and at most 49, got 0."),
        ({"lag": 50}, "lag must be a whole number of at least 1 and at most 49, got 50."),
        ({"spike_prob": 0.0}, "spike_prob must be a finite number above 0.0, got 0.0."),
        ({"spike_prob": 0.7}, "spike_prob must be at most 0.5, got 0.7."),
        ({"noise": -1}, "noise must be a finite number at least 0.0, got -1."),
    ],
)
def test_echo_validates(kwargs, message):
    with pytest.raises(ValueError) as info:
        echo_series(n=50, **kwargs)
    assert str(info.value) == message


# --------------------------------------------------------------------------- temperature


def test_temperature_is_daily_with_an_annual_cycle():
    dates, temp = temperature_series()
    assert isinstance(dates, pd.DatetimeIndex)
    assert (len(dates), temp.shape, temp.dtype) == (730, (730,), np.float64)
    assert dates[0] == pd.Timestamp("2020-01-01") and (np.diff(dates) == pd.Timedelta("1D")).all()
    assert abs(temp.mean() - 12.0) < 1.5
    july, january = temp[dates.month == 7].mean(), temp[dates.month == 1].mean()
    assert july - january > 15


def test_temperature_is_seeded_and_validated():
    assert np.array_equal(temperature_series(seed=2)[1], temperature_series(seed=2)[1])
    assert not np.array_equal(temperature_series(seed=2)[1], temperature_series(seed=3)[1])
    with pytest.raises(ValueError, match=r"^n_days must be a whole number of at least 10"):
        temperature_series(n_days=3)


# --------------------------------------------------------------------------- built-ins


@pytest.mark.parametrize(
    ("key", "length", "name"),
    [("air_passengers", 144, "passengers"), ("sunspots", 309, "sunspots"), ("nile", 100, "flow")],
)
def test_real_builtins_load_with_time(key, length, name):
    s = load_builtin(key)
    assert (len(s.values), s.name) == (length, name)
    assert np.isfinite(s.values).all() and s.values.dtype == np.float64
    assert isinstance(s.time, pd.DatetimeIndex) and len(s.time) == length
    assert s.time.is_monotonic_increasing and s.notes == ()


@pytest.mark.parametrize(
    ("key", "length", "has_time"),
    [("sine", 400, False), ("echo", 1000, False), ("temperature", 730, True)],
)
def test_synthetic_builtins_load(key, length, has_time):
    s = load_builtin(key)
    assert len(s.values) == length and np.isfinite(s.values).all()
    assert (s.time is not None) == has_time


def test_builtin_params_reach_the_generator():
    assert len(load_builtin("sine", n=50, seed=1).values) == 50
    assert np.array_equal(load_builtin("echo", lag=5, seed=2).values, echo_series(lag=5, seed=2))
    assert len(load_builtin("temperature", n_days=100).time) == 100


def test_builtin_errors():
    with pytest.raises(ValueError) as info:
        load_builtin("stocks")
    assert str(info.value) == (
        "Unknown built-in series 'stocks': choose one of air_passengers, sunspots, nile, sine, "
        "trend, echo, temperature."
    )
    with pytest.raises(ValueError) as info:
        load_builtin("sine", lag=3)
    allowed = "use n, period, noise, trend, seed."
    assert str(info.value) == f"Unknown parameter for 'sine' in ['lag']: {allowed}"
    with pytest.raises(ValueError) as info:
        load_builtin("nile", n=10)
    assert str(info.value) == "'nile' is a fixed data set and takes no parameters."


def test_builtin_registry():
    assert [b.key for b in BUILTINS] == [
        "air_passengers", "sunspots", "nile", "sine", "trend", "echo", "temperature"
    ]  # fmt: skip
    assert builtin_info("air_passengers").season == 12
    assert builtin_info("sunspots").season == 11
    assert builtin_info("nile").season is None
    assert builtin_info("air_passengers").title == "Airline passengers (monthly, 1949–1960)"
    for b in BUILTINS:
        assert ("Synthetic" in b.description) == (b.key in {"sine", "trend", "echo", "temperature"})


def test_lengths_are_capped():
    import pytest

    from lstm_core.series import synthetic

    with pytest.raises(ValueError, match="n must be a whole number of at least 10 and at most"):
        synthetic.sine_series(n=synthetic.MAX_POINTS + 1)
    with pytest.raises(ValueError, match="at most 5000000"):
        synthetic.echo_series(n=10**9)


def test_trend_series_grows_out_of_its_training_range():
    v = trend_series(seed=1)
    assert v.shape == (240,) and np.array_equal(v, trend_series(seed=1))
    t = np.arange(240)
    resid = v - (100 + t + 15 * np.sin(2 * np.pi * t / 12))
    assert abs(resid.std() - 4) < 0.6 and abs(resid.mean()) < 0.8  # the noise as documented
    assert v[-36:].mean() > v[:168].max()  # the test part lies above everything trained on
    with pytest.raises(ValueError, match="season must be a whole number of at least 2"):
        trend_series(season=1)


def test_random_walk_steps_are_standard_normal():
    v = random_walk(n=20_000, seed=3)
    d = np.diff(v)
    assert abs(d.mean()) < 0.03 and abs(d.std() - 1) < 0.03 and v[0] != 100.0
