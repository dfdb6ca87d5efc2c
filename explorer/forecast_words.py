"""The Forecast page's sentences that are built from numbers (pure: tested without Streamlit)."""

from __future__ import annotations

import math

from explorer.figures import ROW_NAMES
from lstm_core.evaluation.backtest import Backtest, Intervals
from lstm_core.evaluation.references import NOT_FITTED

SMALL_TEST = 100  # test parts with fewer targets than this get their size named
SLACK = 0.10  # a band is "too narrow" only if it misses its level by at least this much


def too_narrow(level: float, held: float, n_test: int) -> bool:
    """Whether a band holding `held` of the test points is clearly below its nominal `level`:
    by more than SLACK and more than two binomial standard errors on the test part's
    `n_test` targets (what chance allows so few points; origins × steps overlap, so the
    distinct targets are the honest count)."""
    se = math.sqrt(level * (1 - level) / max(n_test, 1))
    return level - held > max(SLACK, 2 * se)


def coverage_words(coverage: dict[str, float], n_test: int) -> str:
    """What each band held on the test part, and, when a band held clearly less than its
    level, that it was too narrow there (with the test part's size when it is small)."""
    held = [(float(k), v) for k, v in coverage.items()]
    text = " and ".join(f"the {k:.0%} band holds {v:.0%} of the test points" for k, v in held)
    narrow = [k for k, v in held if too_narrow(k, v, n_test)]
    if not narrow:
        return text
    which = "both bands were" if len(narrow) == 2 == len(held) else (
        " and ".join(f"the {k:.0%} band" for k in narrow) + (" were" if len(narrow) > 1 else " was")
    )  # fmt: skip
    size = f"only {n_test:,} test points, yet " if n_test < SMALL_TEST else ""
    return f"{text}: {which} too narrow here ({size}further below than chance explains)"


def interval_caption(iv: Intervals, coverage: str, n_val: int, cut: bool = False) -> str:
    """How the backtest's bands were made, and what they held (`n_val`: the validation
    part's targets, of which a long part's calibration reads an evenly spaced sample; `cut`:
    the floor raised some lower limits, Intervals.cuts)."""
    few = " (few validation points: the widest band is approximate)" if any(iv.capped) else ""
    floor = (
        "; the validation errors were lower than the model's errors on the end of its "
        "training part, so they were raised to those (the validation part chose the epoch and "
        "the transform, so its errors are optimistic)"
        if iv.floored
        else ""
    )
    of = f"{iv.n_cal:,} evenly spaced of the {n_val:,}" if iv.n_cal < n_val else f"the {iv.n_cal:,}"
    zero = " Lower limits are cut at 0: the series never went below it before its test part."
    return (
        f"Prediction intervals are split-conformal, per step, from {of} validation "
        f"targets{few}{floor}; each origin also learns from the test targets known before it. "
        f"On the test part {coverage}.{zero if cut else ''}"
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


def backtest_means(bt: Backtest) -> str:
    """The RMSE averaged over the H steps of the model, each baseline and each reference:
    the numbers the verdict compares ("" for H = 1: the one-step table has them)."""
    if bt.horizon == 1:
        return ""
    names = ["model", *bt.baselines, *(bt.references or {})]
    parts = " · ".join(f"{ROW_NAMES.get(k, k)} {bt.mean_rmse(k):#.4g}" for k in names)
    return f"RMSE averaged over the {bt.horizon} steps, the numbers the verdict compares: {parts}."


def origins_phrase(n: int) -> str:
    """ "From the one origin" / "From each of 12 origins" (the backtest caption's opening)."""
    return "From the one origin" if n == 1 else f"From each of {n:,} origins"


def forms_sentence(forms: dict[str, str]) -> str:
    """The references' fitted forms and, grouped by reason, those not fitted (forms: name ->
    form, or "not fitted: why", as References.forms gives them): one reason is said once."""
    fitted = [f"{k}: {v}" for k, v in forms.items() if not v.startswith(NOT_FITTED)]
    why: dict[str, list[str]] = {}
    for k, v in forms.items():
        if v.startswith(NOT_FITTED):
            why.setdefault(v[len(NOT_FITTED) :], []).append(k)
    parts = [f"Fitted: {'; '.join(fitted)}."] if fitted else []
    for reason, names in why.items():
        who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        parts.append(f"{who} {'was' if len(names) == 1 else 'were'} not fitted: {reason}.")
    return " ".join(parts)
