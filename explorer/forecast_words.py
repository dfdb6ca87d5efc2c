"""The Forecast page's sentences that are built from numbers (pure: tested without Streamlit)."""

from __future__ import annotations

from lstm_core.evaluation.backtest import Intervals


def interval_caption(iv: Intervals, coverage: str, n_val: int) -> str:
    """How the backtest's bands were made, and what they held (`n_val`: the validation
    part's targets, of which a long part's calibration reads an evenly spaced sample)."""
    few = " (few validation points: the widest band is approximate)" if any(iv.capped) else ""
    floor = (
        "; the validation errors were lower than the model's errors on the end of its "
        "training part, so they were raised to those (the validation part chose the epoch and "
        "the transform, so its errors are optimistic)"
        if iv.floored
        else ""
    )
    of = f"{iv.n_cal:,} evenly spaced of the {n_val:,}" if iv.n_cal < n_val else f"the {iv.n_cal:,}"
    return (
        f"Prediction intervals are split-conformal, per step, from {of} validation "
        f"targets{few}{floor}; each origin also learns from the test targets known before it. "
        f"On the test part {coverage}."
    )


def future_caption(horizon: int) -> str:
    """How the forecast past the end was made, and its bands (one step: bars, not shading)."""
    how = "calibrated on every validation and test target, the validation errors raised to the "
    how += "training errors where lower"
    if horizon == 1:
        return (
            "One step past the end; the dots above and below it end its 80% and 95% "
            f"intervals ({how})."
        )
    return (
        "Recursive: errors compound with each step, so far-ahead values are the least reliable; "
        f"the shaded 80% and 95% intervals widen with them ({how})."
    )
