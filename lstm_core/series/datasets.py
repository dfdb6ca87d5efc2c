"""Built-in series: three small real data sets from `data/` and four synthetic generators."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lstm_core.series.data import Series, load_series, series_from_values
from lstm_core.series.synthetic import echo_series, sine_series, temperature_series, trend_series

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


@dataclass(frozen=True)
class BuiltIn:
    """One built-in series as shown in the app's picker."""

    key: str  # "air_passengers", "sunspots", "nile", "sine", "trend", "echo", "temperature"
    title: str  # short title for the picker
    description: str  # one or two sentences with the source; synthetic ones say "Synthetic"
    season: int | None  # known seasonal period in steps, or None


BUILTINS: tuple[BuiltIn, ...] = (
    BuiltIn(
        "air_passengers",
        "Airline passengers (monthly, 1949–1960)",
        "Monthly international airline passengers in thousands, 144 months. Source: Box & "
        "Jenkins (1976), Series G.",
        12,
    ),
    BuiltIn(
        "sunspots",
        "Sunspots (yearly, 1700–2008)",
        "Yearly mean sunspot number, 309 years, with the roughly 11-year solar cycle. Source: "
        "statsmodels' sunspots data set (public domain).",
        11,
    ),
    BuiltIn(
        "nile",
        "Nile river flow (yearly, 1871–1970)",
        "Annual flow of the Nile at Aswan in 10^8 m³, 100 years, with a drop around 1898. "
        "Source: Cobb (1978), as shipped by statsmodels (public domain).",
        None,
    ),
    BuiltIn(
        "sine",
        "Sine wave (synthetic)",
        "Synthetic: a noisy sine wave with period 24 steps, 400 points (seeded).",
        24,
    ),
    BuiltIn(
        "trend",
        "Growing sales with a season (synthetic)",
        "Synthetic: a level growing by 1 a step with a 12-step season and noise, 240 points "
        "(seeded); later values leave the training range, as real growth does.",
        12,
    ),
    BuiltIn(
        "echo",
        "Echo, long memory (synthetic)",
        "Synthetic: random spikes that reappear exactly 15 steps later, 1000 points; the "
        "model must remember each spike to predict its echo.",
        None,
    ),
    BuiltIn(
        "temperature",
        "Daily temperature (synthetic, 2 years)",
        "Synthetic daily temperatures in °C (not measurements): an annual cycle around 12 °C "
        "plus day-to-day weather noise, 730 days.",
        365,
    ),
)

_FILES = {
    "air_passengers": "air_passengers.csv",
    "sunspots": "sunspots_yearly.csv",
    "nile": "nile_flow.csv",
}
_GENERATORS: dict[str, Callable[..., object]] = {
    "sine": sine_series,
    "trend": trend_series,
    "echo": echo_series,
    "temperature": temperature_series,
}


def builtin_info(key: str) -> BuiltIn:
    """The BuiltIn with this key; ValueError listing the keys if there is none."""
    for item in BUILTINS:
        if item.key == key:
            return item
    keys = ", ".join(b.key for b in BUILTINS)
    raise ValueError(f"Unknown built-in series {key!r}: choose one of {keys}.")


def load_builtin(key: str, **params: object) -> Series:
    """Load a built-in series; synthetic ones take their generator's parameters (n, seed...)."""
    builtin_info(key)
    if key in _FILES:
        if params:
            raise ValueError(f"{key!r} is a fixed data set and takes no parameters.")
        return load_series(DATA_DIR / _FILES[key])
    generator = _GENERATORS[key]
    try:
        inspect.signature(generator).bind(**params)
    except TypeError:
        allowed = ", ".join(inspect.signature(generator).parameters)
        raise ValueError(
            f"Unknown parameter for {key!r} in {sorted(params)}: use {allowed}."
        ) from None
    if key == "temperature":
        dates, values = temperature_series(**params)  # type: ignore[arg-type]
        return series_from_values(values, name="temperature (°C)", time=dates)
    return series_from_values(generator(**params), name=key)
