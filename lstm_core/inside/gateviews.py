"""What the Gates page's views compute from a model and its data (issue 22): the values the
model saw over a span, one window's trace and prediction, a clamped window with the test
part's error before and after, and one continuous run's summary. No drawing here: the page
and its helpers (explorer/) draw what these return.

`model` is a ModelBundle (its `model`, `transform` and `column`) with its Dataset `data`;
points are positions in the series, window w reads points w + lag .. target_index[w] - 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_core.evaluation.forecast import predict_scaled
from lstm_core.inside.gates import GateTrace, trace_gates
from lstm_core.inside.gatesummary import RunSummary, summarise_run
from lstm_core.inside.inputclamp import InputClamp, apply_input_clamps
from lstm_core.inside.intervene import Clamp, Intervention, check_clamps, intervene, run_clamped
from lstm_core.series.windows import Dataset

__all__ = ["ClampedWindow", "check_clamp", "clamped_window", "model_view", "span_run",
           "window_run"]  # fmt: skip


def model_view(bundle: Any, data: Dataset, a: int, b: int) -> tuple[np.ndarray, str]:
    """What the model saw at series points [a, b) (a >= the transform's lag) and its label:
    the values themselves for "none", else the transformed, scaled inputs ("Δ x, scaled")."""
    tf, d = bundle.transform, data.lag
    if tf.kind == "none":
        return data.values[a:b], bundle.column
    return data.scaled[a - d : b - d], f"{tf.label(bundle.column)}, scaled"


def _level(data: Dataset, w: int, y: Any) -> float:
    """The model's output for window w ([1] model units) in original units."""
    return float(data.to_levels(y, data.target_index[w : w + 1])[0])


def window_run(bundle: Any, data: Dataset, w: int) -> tuple[GateTrace, float]:
    """Window w's trace (every gate and state, [1, L, H] each) and its prediction."""
    x = data.X[w : w + 1]  # [1, L] or [1, L, 1 + F]
    return trace_gates(bundle.model, x), _level(data, w, predict_scaled(bundle.model, x))


@dataclass(frozen=True)
class ClampedWindow:
    """Window w run with a clamp held, and the test part before and after it."""

    trace: GateTrace  # the clamped window's gates and states, as window_run's
    pred: float  # its prediction, original units
    run: Intervention  # the test part's one-step predictions before and after


def clamped_window(bundle: Any, data: Dataset, w: int, clamp: Clamp | InputClamp) -> ClampedWindow:
    """Window w and the test part run with a gate's or an input's clamp held."""
    gates, held = ([], [clamp]) if isinstance(clamp, InputClamp) else ([clamp], [])
    x = apply_input_clamps(data, data.X[w : w + 1], held)  # [1, L, C]
    run = run_clamped(bundle.model, x, gates, keep=True)
    test = intervene(bundle, data, [clamp], "test")
    return ClampedWindow(run.trace(), _level(data, w, run.y), test)


def check_clamp(bundle: Any, data: Dataset, clamp: Clamp) -> None:
    """Raises InterventionError (one sentence) when the model cannot take `clamp` in its
    windows; runs nothing."""
    check_clamps(bundle.model, [clamp], data.split.look_back)


def span_run(
    bundle: Any,
    data: Dataset,
    span: tuple[int, int],
    max_cols: int,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Points [start, end) traced from a zero state, chunk by chunk, binned to at most
    `max_cols` columns (gatesummary.summarise_run); progress(done, total) after each chunk."""
    start, end = span
    d = data.lag  # scaled[k] is the model's input at point k + d
    run = data.matrix[start - d : end - d]  # [T] or [T, 1 + F]
    return summarise_run(bundle.model, run, max_cols, progress=progress)
