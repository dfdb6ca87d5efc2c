"""Which input drives which gate, and how far back each input moves the forecast.

Three views of a model that reads inputs beside the series, each checkable:

  gate_weights   the first layer's input weights W_ih [G·H, 1 + F] read by gate: the weight
                 of each input into each gate and unit, and per gate the mean |w| over units.
                 The inputs are scaled (lstm_core.series.inputs.scale), so the numbers compare.
  attribute      integrated gradients (Sundararajan et al. 2017, by Captum) of the prediction
                 with respect to every input at every step of a window, against a baseline
                 window of the training means (scaled); completeness is checked: the
                 attributions of a window sum to prediction − baseline prediction.
  importance     the test RMSE with one input held at its training mean, and shuffled across
                 windows, through the same code path as every intervention (intervene).

Attributions are of the model's scaled inputs (model units of the output): they rank and
locate, they are not in the series' units. Lag k of an input known only up to now is its
value k steps before the target; a known-ahead input's last step is read at the target's own
time (lag 0), so its lags run 0..L-1.

Shapes: B windows, L look-back steps, C = 1 + F channels (the target first), G gates, H units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstm_core.inside.cells import cell_name, recurrent
from lstm_core.inside.gatestats import GATE_LABELS
from lstm_core.inside.inputclamp import InputClamp
from lstm_core.inside.intervene import intervene
from lstm_core.metrics import decimals
from lstm_core.runtime.threads import ThreadPolicy
from lstm_core.series.windows import Dataset

IG_STEPS = 32  # points of the path integral (Gauss-Legendre)
IG_CELLS = 400_000  # sequences × steps × units per backward pass: larger batches thrash the
#                    cache (one window of look-back 168 and 64 units per pass was 1.9× faster
#                    than 128; small models gain from batching up to about this size)
SAME_RMSE = 0.001  # importance: a change of the test RMSE this small (relative) counts as none
MAX_WINDOWS = 200  # a longer test part is sampled at this many evenly spaced windows (IG
#                   of 500 windows of look-back 168, 64 units, took 15 s on one core)
_WEIGHT_GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n"), "rnn": ("h",)}


def channel_names(data: Dataset, target: str) -> list[str]:
    """[C] what each channel of the windows is: the target's label, then the inputs."""
    return [target, *(data.inputs.names if data.inputs is not None else [])]


# --------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class GateWeights:
    """The first layer's input weights, by gate."""

    gates: tuple[str, ...]  # [G] in PyTorch's packing order (LSTM i, f, g, o; GRU r, z, n)
    names: tuple[str, ...]  # [C] the channels: the target, then the inputs
    w: np.ndarray  # [G, H, C] weight of channel c into unit u of gate g

    @property
    def summary(self) -> np.ndarray:
        """[G, C] mean |w| over units."""
        return np.abs(self.w).mean(axis=1)

    def to_dict(self) -> dict[str, dict[str, float]]:
        """{gate: {channel: mean |w|}}."""
        s = self.summary
        return {g: {n: float(s[i, j]) for j, n in enumerate(self.names)}
                for i, g in enumerate(self.gates)}  # fmt: skip

    def strongest(self, k: int = 3, units: int = 2) -> list[str]:
        """Sentences for the k strongest (gate, input) links among the inputs beside the
        target: "TEMP mostly drives the input gate i (units 3 and 11)"."""
        s = self.summary[:, 1:]  # the inputs only
        if s.size == 0:
            return []
        order = np.argsort(s, axis=None)[::-1][:k]
        out = []
        for flat in order:
            g, c = np.unravel_index(flat, s.shape)
            top = np.argsort(np.abs(self.w[g, :, c + 1]))[::-1][:units]
            listed = " and ".join(str(int(u)) for u in sorted(top))
            word = "unit" if len(top) == 1 else "units"
            label = GATE_LABELS.get(self.gates[g], self.gates[g])
            out.append(f"{self.names[c + 1]} mostly drives the {label} ({word} {listed}).")
        return out


def gate_weights(model: nn.Module, names: list[str]) -> GateWeights:
    """W_ih of layer 0 [G·H, C] as [G, H, C], gates in PyTorch's packing order."""
    rnn = recurrent(model)
    gates = _WEIGHT_GATES[cell_name(rnn)]
    w = rnn.weight_ih_l0.detach().float().cpu().numpy()  # [G·H, C]
    if w.shape[1] != len(names):
        raise ValueError(f"{len(names)} channel names for a model that reads {w.shape[1]}.")
    h = rnn.hidden_size
    return GateWeights(gates, tuple(names), w.reshape(len(gates), h, w.shape[1]))


# --------------------------------------------------------------------------- attribution


@dataclass(frozen=True)
class Attribution:
    """Integrated gradients of the prediction of some windows."""

    values: np.ndarray  # [B, L, C] attribution of each channel at each step (model units)
    predictions: np.ndarray  # [B] the model's outputs (model units)
    baseline_prediction: float  # its output on the baseline window
    delta: np.ndarray  # [B] sum of attributions − (prediction − baseline prediction)

    @property
    def completeness_error(self) -> float:
        """mean |delta| / mean |prediction − baseline prediction| (0 = exact)."""
        gap = np.abs(self.predictions - self.baseline_prediction).mean()
        return float(np.abs(self.delta).mean() / gap) if gap > 0 else 0.0


def baseline_window(data: Dataset) -> torch.Tensor:
    """[L, C] every channel at its mean over the training windows (scaled)."""
    x, _ = data.part("train")
    mean = x.reshape(-1, x.shape[-1]) if x.dim() == 3 else x.reshape(-1, 1)
    return mean.mean(0).expand(data.split.look_back, -1).contiguous()


def attribute(model: nn.Module, x: torch.Tensor, baseline: torch.Tensor) -> Attribution:
    """Integrated gradients of model(x) for windows x [B, L, C] (or [B, L]) against the
    baseline window [L, C], IG_STEPS Gauss-Legendre points, cuDNN off (its RNN backward
    needs training mode on a GPU)."""
    from captum.attr import IntegratedGradients  # ~0.4 s to import: only where used

    model.eval()
    dev = next(model.parameters()).device
    xb = (x if x.dim() == 3 else x.unsqueeze(-1)).to(dev, torch.float32)
    base = baseline.to(dev, torch.float32).reshape(1, *xb.shape[1:])
    ig = IntegratedGradients(model)
    rows = max(1, IG_CELLS // (IG_STEPS * xb.shape[1] * recurrent(model).hidden_size))
    parts, deltas = [], []
    # a run like a training: the threads the cores free of other work allow (two spinning
    # threads beside busy processes took up to 8.5 s for a window that takes 0.03 s on one)
    with ThreadPolicy(), torch.backends.cudnn.flags(enabled=False):
        for a in range(0, len(xb), rows):
            chunk = xb[a : a + rows]
            attr, delta = ig.attribute(
                chunk, baselines=base.expand_as(chunk), n_steps=IG_STEPS,
                method="gausslegendre", return_convergence_delta=True,
            )  # fmt: skip
            parts.append(attr.detach().cpu())
            deltas.append(delta.detach().cpu())
    with torch.no_grad():
        pred = model(xb).float().cpu().numpy()
        base_pred = float(model(base).float().cpu()[0])
    values = torch.cat(parts).numpy() if parts else np.zeros((0, *xb.shape[1:]), np.float32)
    delta = torch.cat(deltas).numpy() if deltas else np.zeros(0)
    return Attribution(values, pred, base_pred, delta)


@dataclass(frozen=True)
class LagProfile:
    """Mean |attribution| by input and lag over a set of windows."""

    names: tuple[str, ...]  # [C]
    lags: np.ndarray  # [C, L] the lag of each step for each channel (L - s, or L - s - 1)
    mean_abs: np.ndarray  # [C, L] mean |IG| by lag (column k: the k-th smallest lag)
    completeness_error: float
    windows: int

    def peak_lag(self, name: str) -> int:
        c = self.names.index(name)
        return int(self.lags[c, int(np.argmax(self.mean_abs[c]))])

    def to_dict(self) -> dict[str, list[float]]:
        """{channel: [mean |IG| at its lags, smallest lag first]}."""
        return {n: self.mean_abs[c].tolist() for c, n in enumerate(self.names)}


def lags_of(data: Dataset) -> np.ndarray:
    """[C, L] the lag of step s for each channel: L - s; a known-ahead input's L - s - 1."""
    look_back = data.split.look_back
    kinds = ["past"] + ([s.kind for s in data.inputs.specs] if data.inputs is not None else [])
    base = look_back - np.arange(look_back)
    return np.stack([base - (k == "future") for k in kinds])


def lag_profile(model: nn.Module, data: Dataset, target: str, part: str = "test") -> LagProfile:
    """Integrated gradients over the windows of `part` (at most MAX_WINDOWS, evenly spaced),
    as mean |IG| by channel and lag, smallest lag first."""
    x, _ = data.part(part)
    pick = np.unique(np.linspace(0, len(x) - 1, min(len(x), MAX_WINDOWS)).round().astype(int))
    att = attribute(model, x[torch.from_numpy(pick)], baseline_window(data))
    mean = np.abs(att.values).mean(axis=0).T  # [C, L] by step
    lags = lags_of(data)
    return LagProfile(tuple(channel_names(data, target)), lags[:, ::-1].copy(),
                      mean[:, ::-1].copy(), att.completeness_error, len(pick))  # fmt: skip


# --------------------------------------------------------------------------- importance


@dataclass(frozen=True)
class Importance:
    """Test RMSE with each input column held at its training mean, and shuffled."""

    rmse: float  # the model's own test RMSE
    held_at_mean: dict[str, float]  # column -> test RMSE
    shuffled: dict[str, float]  # column -> test RMSE

    def ranked(self) -> list[str]:
        """One line per column, the most important first, every number with the same
        decimals: "TEMP: 4.10 → 9.80 held at its mean (shuffled: 9.50)"."""
        order = sorted(self.held_at_mean, key=self.held_at_mean.get, reverse=True)
        d = decimals([self.rmse, *self.held_at_mean.values(), *self.shuffled.values()])
        return [
            f"{c}: {self.rmse:.{d}f} → {self.held_at_mean[c]:.{d}f} held at its mean "
            f"(shuffled: {self.shuffled[c]:.{d}f})"
            for c in order
        ]

    def notes(self) -> list[str]:
        """Sentences for what the ranking alone hides: inputs whose removal lowers the error
        (they do not help on this part), and inputs on which the two measures disagree."""
        lower = [c for c, v in self.held_at_mean.items() if _change(self.rmse, v) < 0]
        split = [c for c in self.held_at_mean
                 if _change(self.rmse, self.held_at_mean[c]) * _change(self.rmse, self.shuffled[c])
                 < 0]  # fmt: skip
        out = []
        if lower:
            them = "it" if len(lower) == 1 else "them"
            out.append(f"Holding {_names(lower)} at its mean lowers the test error: on this test "
                       f"part the model does better without {them}.")  # fmt: skip
        if split:
            both = _names(split, "and")
            out.append(f"For {both} the two measures point different ways (one raises the "
                       "error, the other lowers it): the effect is small, and another test part "
                       "could reverse it.")  # fmt: skip
        return out

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {c: {"held_at_mean": self.held_at_mean[c], "shuffled": self.shuffled[c]}
                for c in self.held_at_mean}  # fmt: skip


def _change(before: float, after: float) -> int:
    """+1 / -1 when `after` is more than SAME_RMSE (relative) above / below `before`, else 0."""
    if abs(after - before) <= SAME_RMSE * abs(before):
        return 0
    return 1 if after > before else -1


def _names(names: list[str], conj: str = "or") -> str:
    """ "A", "A or B", "A, B or C" (or "and")."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conj} {names[-1]}"


def importance(model: nn.Module, data: Dataset, part: str = "test") -> Importance:
    """Per file column of the inputs (one-hot ones together): the RMSE of `part` with the
    column held at its training mean from step 0, and shuffled across windows."""
    cols = data.inputs.columns() if data.inputs is not None else []
    mean, shuffled, base = {}, {}, float("nan")
    with ThreadPolicy():
        for c in cols:
            held = intervene(model, data, [InputClamp(c, "mean")], part)
            mean[c], base = held.rmse_after, held.rmse_before
            shuffled[c] = intervene(model, data, [InputClamp(c, "shuffle")], part).rmse_after
    return Importance(base, mean, shuffled)
