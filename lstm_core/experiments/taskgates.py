"""Caught in the act: what a trained LSTM does with its gates on the adding problem, and
what clamping them does to its answers (lstm_core.experiments.tasks has the task).

The story the gates should tell: the input gate opens at the two marked steps and stays
nearly shut elsewhere; the forget gate stays near 1 between the marks, so the first value
is carried to the second. Two clamps test it, each scored as a test MSE:

  forget gate = 0 for every unit from the step after the first mark up to and including
    the second mark (first + 1 <= t <= second): the cell state is wiped before the second
    value is added, so the first value is lost (the window always holds at least one step);
  input gate = 0 for every unit at the second mark: the second value never gets in, so the
    answer is roughly the first value alone (plus a constant: the correlations of the
    clamped answers with each marked value say which one is left).

The marks differ per sequence, and a Clamp holds one step range for a whole batch. Rather
than run the test set in groups that share their marks (up to 1,000 groups of one sequence
at T = 100) or use a fixed-mark evaluation set (a different set of sequences), each
per-sequence window is built from one Clamp per step (Clamp(0, name, "all", value, t, t + 1),
checked by intervene.check_clamps) whose Pin is narrowed to the sequences whose window holds
step t: a [B, H] mask, which intervene's Pin takes as it is. One batched pass of
intervene.run_pinned then runs the whole test set; tests/test_tasks.py checks that it gives
the same answers as running each group of sequences that share their marks with run_clamped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import torch
from torch import nn

from lstm_core.experiments.tasks import AddingBatch, score_predictions
from lstm_core.inside.intervene import Clamp, Pin, check_clamps, run_clamped, run_pinned

GATE_CELLS = 1 << 22  # most sequence × step × unit values per pass that keeps the gates


def window_pins(
    model: nn.Module, name: str, value: float, start: torch.Tensor, stop: torch.Tensor, steps: int
) -> list[Pin]:
    """`name` of every unit of layer 0 held at `value` at start[b] <= t < stop[b] (start,
    stop [B] int), a different window for each sequence b of a batch of `steps` steps."""
    pins = []
    for t in range(int(start.min()), int(stop.max())):
        rows = (start <= t) & (t < stop)  # [B]
        if rows.any():
            (pin,) = check_clamps(model, [Clamp(0, name, "all", value, t, t + 1)], steps)
            pins.append(replace(pin, mask=pin.mask & rows.to(pin.mask.device)[:, None]))
    return pins  # each Pin's mask [B, H]


def clamp_windows(
    model: nn.Module,
    batch: AddingBatch,
    name: str,
    value: float,
    start: torch.Tensor,
    stop: torch.Tensor,
) -> np.ndarray:
    """The model's answers [B] with `name` held at `value` at start[b] <= t < stop[b]."""
    pins = window_pins(model, name, value, start, stop, batch.length)
    return run_pinned(model, batch.x, pins).y


def forget_between_marks(model: nn.Module, batch: AddingBatch) -> np.ndarray:
    """Answers [B] with f = 0 for all units at first + 1 <= t <= second."""
    first, second = batch.marks.unbind(1)  # [B] each
    return clamp_windows(model, batch, "f", 0.0, first + 1, second + 1)


def input_at_second_mark(model: nn.Module, batch: AddingBatch) -> np.ndarray:
    """Answers [B] with i = 0 for all units at the second mark."""
    second = batch.marks[:, 1]  # [B]
    return clamp_windows(model, batch, "i", 0.0, second, second + 1)


@dataclass(frozen=True)
class GateMeans:
    """Gate values of each unit of layer 0, averaged over a set's sequences and steps."""

    input_at_marks: np.ndarray  # [H] i at the two marked steps
    input_elsewhere: np.ndarray  # [H] i at every other step
    forget_between_marks: np.ndarray  # [H] f at first + 1 <= t <= second
    forget_elsewhere: np.ndarray  # [H] f at every other step
    distance: float  # mean steps from the first mark to the second

    @property
    def memory_unit(self) -> int:
        """The unit that best lets a marked value in and keeps it to the second mark: the
        most (i at the marks - i elsewhere) × f between the marks ** the mean distance (the
        share of what entered its cell still there, were f that mean at every step)."""
        kept = self.forget_between_marks**self.distance  # [H]
        return int(np.argmax((self.input_at_marks - self.input_elsewhere) * kept))

    def summary(self) -> dict[str, float | int]:
        """Means over all units, and the memory unit's own values."""
        u = self.memory_unit
        return {
            "input_gate_at_marks": float(self.input_at_marks.mean()),
            "input_gate_elsewhere": float(self.input_elsewhere.mean()),
            "forget_gate_between_marks": float(self.forget_between_marks.mean()),
            "forget_gate_elsewhere": float(self.forget_elsewhere.mean()),
            "memory_unit": u,
            "memory_unit_input_at_marks": float(self.input_at_marks[u]),
            "memory_unit_input_elsewhere": float(self.input_elsewhere[u]),
            "memory_unit_forget_between_marks": float(self.forget_between_marks[u]),
        }


def step_masks(batch: AddingBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """([B, T] True at the two marks, [B, T] True at first + 1 <= t <= second)."""
    t = torch.arange(batch.length)[None, :]  # [1, T]
    first, second = batch.marks[:, :1], batch.marks[:, 1:]  # [B, 1] each
    marked = batch.x[..., 1] > 0.5  # [B, T]
    return marked, (t > first) & (t <= second)


def gate_means(model: nn.Module, batch: AddingBatch) -> tuple[GateMeans, np.ndarray]:
    """The gate means and the unclamped answers [B], through intervene.run_clamped (keep)
    in passes of at most GATE_CELLS values per kept array."""
    hidden = model.rnn.hidden_size
    rows = max(1, GATE_CELLS // (batch.length * hidden))
    marked, between = step_masks(batch)
    sums = np.zeros((4, hidden))  # i at marks, i elsewhere, f between, f elsewhere
    counts = np.zeros((4, 1))
    answers = []
    for a in range(0, len(batch), rows):
        run = run_clamped(model, batch.x[a : a + rows], keep=True)
        i, f = run.layers[0]["i"], run.layers[0]["f"]  # [b, T, H] each
        m, w = marked[a : a + rows].numpy(), between[a : a + rows].numpy()  # [b, T] each
        for k, (g, sel) in enumerate([(i, m), (i, ~m), (f, w), (f, ~w)]):
            sums[k] += g[sel].sum(0, dtype=np.float64)  # [n, H] -> [H]
            counts[k] += sel.sum()
        answers.append(run.y)
    distance = float((batch.marks[:, 1] - batch.marks[:, 0]).double().mean())
    return GateMeans(*(sums / np.maximum(counts, 1)), distance), np.concatenate(answers)


@dataclass(frozen=True)
class CaughtInTheAct:
    """A trained LSTM's gates on the test set, and its answers under two clamps: their test
    MSE and how they follow each marked value (a correlation near 1 with one value and
    near 0 with the other: the answer is that value alone, plus a constant)."""

    gates: GateMeans
    unclamped_mse: float  # no clamp (through intervene's run, equal to the model's own)
    clamp_forget_between_marks_mse: float  # f = 0 from the first mark + 1 to the second
    clamp_input_at_second_mark_mse: float  # i = 0 at the second mark
    clamp_forget_corr_first: float  # corr(answer with f = 0 between, first value)
    clamp_forget_corr_second: float  # corr(answer with f = 0 between, second value)
    clamp_input_corr_first: float  # corr(answer with i = 0 at the second mark, first value)
    clamp_input_corr_second: float  # corr(answer with i = 0 at the second mark, second value)

    def to_dict(self) -> dict[str, float | int]:
        scores = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "gates"}
        return {**self.gates.summary(), **scores}


CAUGHT_KEYS: tuple[str, ...] = (
    "input_gate_at_marks",
    "input_gate_elsewhere",
    "forget_gate_between_marks",
    "forget_gate_elsewhere",
    "memory_unit",
    "memory_unit_input_at_marks",
    "memory_unit_input_elsewhere",
    "memory_unit_forget_between_marks",
    *(f.name for f in fields(CaughtInTheAct) if f.name != "gates"),
)  # CaughtInTheAct.to_dict()'s keys


def caught_in_the_act(model: nn.Module, batch: AddingBatch) -> CaughtInTheAct:
    """Gate means and clamped answers of a trained one-layer LSTM on `batch`."""
    if getattr(getattr(model, "rnn", None), "mode", None) != "LSTM":
        raise ValueError("Caught in the act needs an LSTM: its input and forget gates.")
    gates, plain = gate_means(model, batch)
    wiped = forget_between_marks(model, batch)  # [B]
    shut = input_at_second_mark(model, batch)  # [B]
    v = batch.x[..., 0].gather(1, batch.marks).double().numpy()  # [B, 2] the marked values
    return CaughtInTheAct(
        gates=gates,
        unclamped_mse=_mse(plain, batch),
        clamp_forget_between_marks_mse=_mse(wiped, batch),
        clamp_input_at_second_mark_mse=_mse(shut, batch),
        clamp_forget_corr_first=_corr(wiped, v[:, 0]),
        clamp_forget_corr_second=_corr(wiped, v[:, 1]),
        clamp_input_corr_first=_corr(shut, v[:, 0]),
        clamp_input_corr_second=_corr(shut, v[:, 1]),
    )


def _mse(pred: np.ndarray, batch: AddingBatch) -> float:
    return score_predictions(torch.from_numpy(pred), batch).mse


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; NaN when either side is constant."""
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a**2).sum() * (b**2).sum()))
    return float((a * b).sum()) / den if den > 0 else float("nan")
