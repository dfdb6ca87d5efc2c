"""Memory horizon: how many steps each unit remembers, what look-back that suggests, and
whether the model only echoes the last value.

With its input gate shut, an LSTM cell keeps c_t = f ⊙ c_{t-1}: after k steps of a forget
gate f it holds f^k of what it had. Its time constant, the k at which that is 1/e, is

    τ = −1 / ln f      (f = 1: τ = ∞, never forgets; f = 0: τ = 0, forgets at once)

taken here at the unit's mean f over the windows and steps given. A GRU's update gate z
plays the same part (h_t = z ⊙ h_{t-1} + (1 − z) ⊙ n), so its τ uses z. A plain RNN has
no gate and no τ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lstm_core.evaluation.forecast import ECHO_WARN, predict_scaled
from lstm_core.inside.cells import InterventionError, as_batch, cell_name, check_layer, recurrent
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gradflow import input_gradient_by_lag
from lstm_core.metrics import autocorrelation, detect_season, echo_share
from lstm_core.runtime.limits import APP_LIMITS
from lstm_core.series.windows import Dataset

__all__ = [
    "EchoCheck",
    "LookBackAdvice",
    "MemoryHorizon",
    "echo_check",
    "echo_warning",
    "forget_time_constants",
    "lookback_advice",
    "mean_gate",
    "measure_memory",
    "time_constant",
]

#: The gate whose mean gives τ, per cell.
MEMORY_GATE = {"lstm": "f", "gru": "z"}
TRACE_ELEMENTS = 1 << 20  # at most this many [B·T·H] values per traced chunk of windows
REACH = 3  # after REACH·τ steps a cell keeps e^-3 ≈ 5% of what it held
GRAD_FAR = 0.1  # the oldest input's share of the largest gradient that says "still used"


def time_constant(mean_f: np.ndarray) -> np.ndarray:
    """τ = −1 / ln(mean f) per unit: [H] in [0, 1] -> [H] float64 (1 -> inf, 0 -> 0)."""
    m = np.clip(np.asarray(mean_f, dtype=np.float64), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        log = np.log(m)  # -inf at 0, 0 at 1
    tau = np.full(m.shape, np.inf)
    np.divide(-1.0, log, out=tau, where=log < 0)  # -1 / -inf = 0 where m == 0
    return tau


def mean_gate(model: Any, x: torch.Tensor | np.ndarray, layer: int, name: str) -> np.ndarray:
    """Mean of gate `name` of `layer` over every window and step of x -> [H] float64.

    x: [B, T], or [B, T, C] with C the model's input_size (the target, then the inputs
    beside it). Traced by `trace_gates` in chunks of windows, so memory stays bounded on
    long parts.
    """
    model = getattr(model, "model", model)
    rnn = recurrent(model)
    xb = as_batch(x, rnn.input_size)  # [B, T, C]
    bsz, steps = xb.shape[:2]
    hid = rnn.hidden_size
    chunk = max(1, TRACE_ELEMENTS // (steps * hid))
    total = np.zeros(hid)
    for a in range(0, bsz, chunk):
        gate = trace_gates(model, xb[a : a + chunk]).layers[layer][name]  # [b, T, H]
        total += gate.sum(axis=(0, 1), dtype=np.float64)
    return total / (bsz * steps)


def forget_time_constants(
    model: Any, data: Dataset | torch.Tensor | np.ndarray, layer: int = 0, part: str | None = None
) -> np.ndarray:
    """Each unit's memory time constant τ = −1 / ln(mean f) in steps: [H] float64.

    model: a Forecaster or a ModelBundle (LSTM: forget gate f; GRU: update gate z).
    data:  a Dataset (the windows of `part`, or all of them when part is None) or windows
           x [B, T] (or [B, T, 1 + F] with inputs beside the series) in model units.
    Raises InterventionError (one sentence) for a plain RNN or a layer it does not have.
    """
    model = getattr(model, "model", model)
    rnn = recurrent(model)
    cell = cell_name(rnn)
    if cell not in MEMORY_GATE:
        raise InterventionError(
            "A plain RNN has no forget gate, so its units have no time constant: train an "
            "LSTM or a GRU to see one."
        )
    layer = check_layer(layer, rnn.num_layers)
    return time_constant(mean_gate(model, _windows_of(data, part), layer, MEMORY_GATE[cell]))


def _windows_of(data: Dataset | torch.Tensor | np.ndarray, part: str | None):
    """The windows [B, T] (or [B, T, 1 + F]) of a Dataset's part (None: all), or data itself."""
    if not isinstance(data, Dataset):
        return data
    return data.X if part is None else data.part(part)[0]


# --------------------------------------------------------------------------- look-back


@dataclass(frozen=True)
class LookBackAdvice:
    """A look-back and why, in sentences."""

    look_back: int  # the suggestion (may equal the current one)
    reason: str
    memory: float  # REACH·τ90 in steps (inf when a tenth of the units never forget)


def _memory_sentences(tau: np.ndarray) -> tuple[float, list[str]]:
    """(REACH·τ90, sentences) with τ90 the τ that at least 90% of the units stay within."""
    q = float(np.quantile(tau, 0.9, method="higher"))
    if not math.isfinite(q):
        never = int(np.isinf(tau).sum())
        return math.inf, [
            f"{never} of {len(tau)} units never forget (their mean forget gate is 1), so "
            "memory sets no limit on the look-back."
        ]
    reach = math.ceil(REACH * q)
    return reach, [
        f"90% of the units have a memory time constant τ of at most {q:.3g} steps: after "
        f"{reach} steps ({REACH}τ) they keep under 5% of what their cell held."
    ]


def lookback_advice(
    tau: np.ndarray,
    look_back: int,
    season: int | None = None,
    grad_by_lag: np.ndarray | None = None,
    n_points: int | None = None,
) -> LookBackAdvice:
    """A look-back that covers what the model can use, and the reason in sentences.

    tau:         [H] time constants (`forget_time_constants`).
    season:      the series' seasonal period (metrics.detect_season), if any.
    grad_by_lag: [L] mean |∂ŷ/∂x| by lag, 0 = last input (gradflow.input_gradient_by_lag;
                 x is the target channel when there are inputs beside the series).
    n_points:    the series' length; the suggestion is capped at a quarter of it.

    The need is the largest of: REACH·τ90 (what the units still hold after 3τ), one season,
    and twice the look-back when the oldest input's gradient is still at least GRAD_FAR of
    the largest. Longer than the look-back: suggest it; half the look-back or less: suggest
    the shorter window; otherwise keep the look-back.
    """
    tau = np.asarray(tau, dtype=np.float64)
    if tau.size == 0:
        raise ValueError("tau must hold at least one unit's time constant.")
    memory, why = _memory_sentences(tau)
    need = [look_back if math.isinf(memory) else max(1, int(memory))]
    if season and season > 1:
        need.append(season)
        if look_back < season:
            why.append(
                f"The look-back ({look_back}) is shorter than the season ({season}): no window "
                "sees the value one season earlier."
            )
    if math.isfinite(memory) and memory > look_back:
        why.append(
            f"The look-back ({look_back}) is shorter than that memory ({int(memory)} steps): "
            "the units could use a longer window."
        )
    if grad_by_lag is not None and len(grad_by_lag) > 1 and np.max(grad_by_lag) > 0:
        share = float(grad_by_lag[-1] / np.max(grad_by_lag))
        if share >= GRAD_FAR:
            need.append(2 * look_back)
            why.append(
                f"The forecast still leans on the oldest input of the window (its gradient is "
                f"{share:.0%} of the largest): the window may cut off history the model uses."
            )
    best = max(need)
    if look_back // 2 < best <= look_back:
        best = look_back
    if n_points is not None and best > max(1, n_points // 4):
        best = max(1, n_points // 4)
        why.append(f"The suggestion is capped at {best}, a quarter of the series, so that "
                   "enough windows remain to train on.")  # fmt: skip
    if best == look_back:
        why.append(f"Keep the look-back at {look_back}.")
    elif best > look_back:
        why.append(f"Suggested look-back: {best} (now {look_back}).")
    else:
        why.append(
            f"Suggested look-back: {best} (now {look_back}): the units use half the window "
            "or less, and a shorter one trains faster."
        )
    return LookBackAdvice(best, " ".join(why), memory)


# --------------------------------------------------------------------------- naive echo


@dataclass(frozen=True)
class EchoCheck:
    """How far the predictions sit onto the naive forecast (0..1, NaN when the truth equals
    it), and a warning sentence when that is above ECHO_WARN."""

    share: float
    warning: str | None


def echo_warning(share: float) -> str | None:
    """The warning sentence for an echo share (metrics.echo_share), or None below ECHO_WARN."""
    if not share > ECHO_WARN:  # NaN: no warning
        return None
    return (
        f"The model's predictions follow the last input almost one to one (they sit "
        f"{100 * share:.0f}% of the way onto the naive forecast): it behaves like the naive "
        "forecast, so its gates tell little about the series."
    )


def echo_check(model: Any, data: Dataset, part: str = "test") -> EchoCheck:
    """Does the model only repeat the last value on `part`? `model`: Forecaster or bundle."""
    model = getattr(model, "model", model)
    x, _ = data.part(part)
    pred = data.part_levels(part, predict_scaled(model, x))
    idx = data.target_index[data.split.windows(part)]
    share = echo_share(pred, data.values[idx - 1], data.part_targets(part))
    return EchoCheck(share, echo_warning(share))


# --------------------------------------------------------------------------- all of it


@dataclass(frozen=True)
class MemoryHorizon:
    """What the Gates page's memory horizon shows of one layer."""

    tau: np.ndarray  # [H] each unit's time constant in steps
    acf: np.ndarray  # [K + 1] the scaled series' autocorrelation at lags 0..K
    grad: np.ndarray  # [L] mean |∂ŷ/∂x| by lag, 0 = the last input
    advice: LookBackAdvice
    echo: EchoCheck


def measure_memory(
    model: Any, data: Dataset, layer: int = 0, windows: int = APP_LIMITS.memory_windows
) -> MemoryHorizon:
    """τ per unit, the series' autocorrelation, the gradient by lag, the look-back advice and
    the echo check, read from at most `windows` evenly spaced test windows.

    `model`: Forecaster or bundle. Raises InterventionError for a plain RNN (no forget gate,
    no τ)."""
    x, _ = data.part("test")  # [n, L] or [n, L, 1 + F]
    x = x[np.unique(np.linspace(0, len(x) - 1, min(len(x), windows)).astype(int))]
    tau = forget_time_constants(model, x, layer)
    grad = input_gradient_by_lag(getattr(model, "model", model), x)
    look_back = data.split.look_back
    season = detect_season(data.values)
    advice = lookback_advice(tau, look_back, season, grad, len(data.values))
    longest = max(2 * look_back, 2 * (season or 0), advice.look_back + look_back // 2, 24)
    acf = autocorrelation(data.scaled, max(1, min(len(data.scaled) - 1, longest)))
    return MemoryHorizon(tau, acf, grad, advice, echo_check(model, data))
