"""Interventions: run a trained model with some gates or states held at a chosen value.

The lecture says what each gate is for ("the forget gate decides what to keep"); a clamp
makes that an experiment. `run_clamped` steps each recurrent layer through time with the
model's own weights, vectorised over windows (one [B, in] @ [in, nH] and one [B, H] @ [H, nH]
product per step), and after each activation overwrites the clamped units:

  LSTM  i, f, g, o right after their activations (before c_t = f ⊙ c_{t-1} + i ⊙ g),
        c after that update (h_t = o ⊙ tanh(c_t) reads the clamped c), h last;
  GRU   r, z, n after their activations, h after h_t = (1 - z) ⊙ n + z ⊙ h_{t-1};
  RNN   h after its activation.

A clamped c or h is also the state carried to the next step and, for h, the input of the
layer above (and of the read-out, at the last step). With no clamp the run equals
`nn.LSTM` / `nn.GRU` / `nn.RNN` and the Forecaster to float32 rounding (about 1e-7).

`intervene` runs a part of a dataset before and after, in original units, with its RMSE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from lstm_core.inside.cells import (
    InterventionError,
    as_batch,
    cell_name,
    check_layer,
    layer_params,
    recurrent,
    whole_number,
)
from lstm_core.inside.gates import GATE_NAMES, GateTrace
from lstm_core.inside.gatestats import GATE_LABELS, SIGMOID
from lstm_core.inside.inputclamp import InputClamp, apply_input_clamps
from lstm_core.metrics import count, rmse
from lstm_core.series.windows import Dataset

__all__ = [
    "Clamp",
    "ClampedRun",
    "Intervention",
    "InterventionError",
    "Pin",
    "check_clamps",
    "intervene",
    "run_clamped",
    "run_pinned",
]

Units = tuple[int, ...] | Literal["all"]

_CELL_WORDS = {"lstm": "An LSTM", "gru": "A GRU", "rnn": "A plain RNN"}
_H_WHY = {"lstm": "it is o·tanh(c)", "gru": "it mixes n with the previous h", "rnn": "it is a tanh"}


@dataclass(frozen=True)
class Clamp:
    """Hold `name` of `units` in `layer` at `value` for steps from_step <= t < until_step.

    name:  LSTM "i", "f", "g", "o", "c", "h"; GRU "r", "z", "n", "h"; RNN "h".
    units: unit indices (a list is kept as a tuple) or "all".
    until_step: None = to the end of the window.
    """

    layer: int
    name: str
    units: Units
    value: float
    from_step: int = 0
    until_step: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.units, str):  # numpy ints become ints (JSON); others stay
            units = tuple(int(u) if whole_number(u) else u for u in self.units)  # for the check
            object.__setattr__(self, "units", units)

    def to_dict(self) -> dict[str, Any]:
        units = self.units if self.units == "all" else list(self.units)
        return {
            "layer": self.layer,
            "gate": self.name,
            "units": units,
            "value": float(self.value),
            "from_step": self.from_step,
            "until_step": self.until_step,
        }

    def describe(self) -> str:
        """e.g. "forget gate f of units 0, 3 in layer 0 held at 0 from step 2 on"."""
        who = "every unit" if self.units == "all" else _units_phrase(self.units)
        when = f"from step {self.from_step} on"
        if self.until_step is not None:
            when = f"at steps {self.from_step}..{self.until_step - 1}"
        label = GATE_LABELS.get(self.name, self.name)
        return f"{label} of {who} in layer {self.layer} held at {self.value:g} {when}"


def _units_phrase(units: Sequence[int]) -> str:
    word = "unit" if len(units) == 1 else "units"
    return f"{word} {', '.join(str(u) for u in units)}"


@dataclass(frozen=True)
class Pin:
    """A clamp ready to apply: where mask is True, `name` is set to value at start <= t < stop.

    mask: [H] (the same units in every window) or [B, H] (per window: ablation runs several
    units at once on copies of the windows), bool, on the model's device.
    """

    layer: int
    name: str
    mask: torch.Tensor
    value: float
    start: int
    stop: int

    def apply(self, name: str, t: int, v: torch.Tensor) -> torch.Tensor:
        """v [B, H] with the pinned units overwritten when this pin holds `name` at step t."""
        if name != self.name or not self.start <= t < self.stop:
            return v
        return torch.where(self.mask, v.new_tensor(self.value), v)


# --------------------------------------------------------------------------- validation


def _check_name(name: Any, cell: str) -> str:
    names = GATE_NAMES[cell]
    if name in names:
        return name
    if cell == "rnn":
        raise InterventionError(f"A plain RNN layer can clamp only h, got {name!r}: choose h.")
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    raise InterventionError(
        f"{_CELL_WORDS[cell]} layer can clamp {listed}, got {name!r}: choose one of those."
    )


def value_range(cell: str, name: str, nonlinearity: str = "tanh") -> tuple[float, float, str]:
    """(low, high, why) of the values `name` can take in this cell; c: (-inf, inf)."""
    if name in SIGMOID:
        return 0.0, 1.0, "it is a sigmoid"
    if name in ("g", "n"):
        return -1.0, 1.0, "it is a tanh"
    if name == "h" and cell == "rnn" and nonlinearity == "relu":
        return 0.0, math.inf, "it is a ReLU"
    if name == "h":
        return -1.0, 1.0, _H_WHY[cell]
    return -math.inf, math.inf, "it is unbounded"


def _check_value(value: Any, cell: str, name: str, nonlinearity: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        raise InterventionError(f"The {GATE_LABELS[name]} needs a finite number, got {value!r}.")
    lo, hi, why = value_range(cell, name, nonlinearity)
    if not lo <= v <= hi:
        span = f"from {lo:g} to {hi:g}" if math.isfinite(hi) else f"of {lo:g} or more"
        raise InterventionError(
            f"The {GATE_LABELS[name]} takes values {span} ({why}), got {v:g}: "
            "choose a value in that range."
        )
    return v


def _check_units(units: Any, hidden: int, layer: int) -> tuple[int, ...] | None:
    """The units as a tuple, or None for "all"."""
    if isinstance(units, str):
        if units == "all":
            return None
        raise InterventionError(f"Units must be 'all' or a list of unit numbers, got {units!r}.")
    units = tuple(units)
    if not units:
        raise InterventionError("Choose at least one unit to clamp, or 'all'.")
    bad = [u for u in units if not (whole_number(u) and 0 <= u < hidden)]
    if bad:
        got = ", ".join(repr(u) for u in bad)
        raise InterventionError(
            f"Layer {layer} has units 0 to {hidden - 1}, got {got}: choose units in that range."
        )
    return tuple(int(u) for u in units)


def _check_steps(clamp: Clamp, steps: int) -> tuple[int, int]:
    start, stop = clamp.from_step, clamp.until_step
    if not (whole_number(start) and 0 <= start < steps):
        raise InterventionError(
            f"A clamp starts at a step from 0 to {steps - 1} (the window has {steps} steps), "
            f"got {start!r}: choose one of those."
        )
    if stop is None:
        return int(start), steps
    if not (whole_number(stop) and start < stop <= steps):
        raise InterventionError(
            f"A clamp from step {start} must end after it and at step {steps} at the latest "
            f"(the window's length), got until_step {stop!r}."
        )
    return int(start), int(stop)


def check_clamps(model: nn.Module, clamps: Sequence[Clamp], steps: int) -> list[Pin]:
    """Each clamp checked against the model and a window of `steps`, as a Pin.

    Raises InterventionError (one sentence) for a layer, name, unit, value or step the
    model does not have or a gate cannot take.
    """
    rnn = recurrent(model)
    cell = cell_name(rnn)
    nonlin = getattr(rnn, "nonlinearity", "tanh")
    dev = rnn.weight_ih_l0.device
    pins = []
    for c in clamps:
        layer = check_layer(c.layer, rnn.num_layers)
        name = _check_name(c.name, cell)
        units = _check_units(c.units, rnn.hidden_size, layer)
        value = _check_value(c.value, cell, name, nonlin)
        start, stop = _check_steps(c, steps)
        mask = torch.zeros(rnn.hidden_size, dtype=torch.bool, device=dev)
        mask[list(units) if units is not None else slice(None)] = True
        pins.append(Pin(layer, name, mask, value, start, stop))
    return pins


# --------------------------------------------------------------------------- stepping


def _pinned(pins: Sequence[Pin], name: str, t: int, v: torch.Tensor) -> torch.Tensor:
    for p in pins:
        v = p.apply(name, t, v)
    return v


def _step_inputs(inp: torch.Tensor, w_ih: torch.Tensor, *biases: torch.Tensor | None):
    """W_ih x_t + biases at every step in one matmul: inp [B, T, in] -> [T, B, nH] (each
    step's [B, nH] contiguous)."""
    xs = inp.transpose(0, 1) @ w_ih.T
    for b in biases:
        if b is not None:
            xs += b
    return xs


def _lstm_layer(
    inp: torch.Tensor, params: tuple, pins: Sequence[Pin], keep: bool
) -> tuple[torch.Tensor, dict[str, list]]:
    """inp [B, T, in] -> (h [B, T, H], {name: T × [B, H]} when keep)."""
    w_ih, w_hh, b_ih, b_hh = params
    xs = _step_inputs(inp, w_ih, b_ih, b_hh)  # [T, B, 4H]: i | f | g | o
    w_hh_t, hid = w_hh.T, w_hh.shape[1]
    h = c = inp.new_zeros(inp.shape[0], hid)  # [B, H]
    seen: dict[str, list] = {n: [] for n in GATE_NAMES["lstm"]} if keep else {}
    out = []
    for t in range(len(xs)):
        a = torch.addmm(xs[t], h, w_hh_t)  # [B, 4H]
        a[:, : 2 * hid].sigmoid_()
        a[:, 2 * hid : 3 * hid].tanh_()
        a[:, 3 * hid :].sigmoid_()
        i, f, g, o = (_pinned(pins, n, t, v) for n, v in zip("ifgo", a.chunk(4, 1), strict=True))
        c = _pinned(pins, "c", t, f * c + i * g)
        h = _pinned(pins, "h", t, o * c.tanh())
        out.append(h)
        if keep:
            for name, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
                seen[name].append(v)
    return torch.stack(out, 1), seen


def _gru_layer(
    inp: torch.Tensor, params: tuple, pins: Sequence[Pin], keep: bool
) -> tuple[torch.Tensor, dict[str, list]]:
    """inp [B, T, in] -> (h [B, T, H], {name: T × [B, H]} when keep)."""
    w_ih, w_hh, b_ih, b_hh = params
    xs = _step_inputs(inp, w_ih, b_ih)  # [T, B, 3H]: r | z | n
    b_h = w_hh.new_zeros(w_hh.shape[0]) if b_hh is None else b_hh  # kept apart: r ⊙ (W h + b)
    w_hh_t = w_hh.T
    h = inp.new_zeros(inp.shape[0], w_hh.shape[1])
    seen: dict[str, list] = {n: [] for n in GATE_NAMES["gru"]} if keep else {}
    out = []
    for t in range(len(xs)):
        xr, xz, xn = xs[t].chunk(3, 1)
        hr, hz, hn = torch.addmm(b_h, h, w_hh_t).chunk(3, 1)
        r = _pinned(pins, "r", t, (xr + hr).sigmoid_())
        z = _pinned(pins, "z", t, (xz + hz).sigmoid_())
        n = _pinned(pins, "n", t, (xn + r * hn).tanh_())
        h = _pinned(pins, "h", t, torch.lerp(n, h, z))  # (1 - z) ⊙ n + z ⊙ h_{t-1}
        out.append(h)
        if keep:
            for name, v in zip("rznh", (r, z, n, h), strict=True):
                seen[name].append(v)
    return torch.stack(out, 1), seen


def _rnn_layer(
    inp: torch.Tensor, params: tuple, pins: Sequence[Pin], keep: bool, act
) -> tuple[torch.Tensor, dict[str, list]]:
    """inp [B, T, in] -> (h [B, T, H], {"h": T × [B, H]} when keep)."""
    w_ih, w_hh, b_ih, b_hh = params
    xs = _step_inputs(inp, w_ih, b_ih, b_hh)  # [T, B, H]
    w_hh_t = w_hh.T
    h = inp.new_zeros(inp.shape[0], w_hh.shape[1])
    out = []
    for t in range(len(xs)):
        h = _pinned(pins, "h", t, act(torch.addmm(xs[t], h, w_hh_t)))
        out.append(h)
    return torch.stack(out, 1), ({"h": out} if keep else {})


def run_layers(
    rnn: nn.RNNBase,
    inp: torch.Tensor,
    pins: Sequence[Pin],
    first: int = 0,
    stop: int | None = None,
    keep: bool = False,
) -> tuple[torch.Tensor, list[dict[str, np.ndarray]]]:
    """Layers first <= k < stop (None: to the top) of `rnn` on inp [B, T, in], the input of
    layer `first`, with pins. Call under torch.no_grad.

    Returns (the last run layer's h [B, T, H], per run layer {name: [B, T, H] float32} when
    keep).
    """
    cell = cell_name(rnn)
    act = torch.relu if getattr(rnn, "nonlinearity", "tanh") == "relu" else torch.tanh
    layers = []
    for k in range(first, rnn.num_layers if stop is None else stop):
        mine = [p for p in pins if p.layer == k]
        params = layer_params(rnn, k)
        if cell == "lstm":
            inp, seen = _lstm_layer(inp, params, mine, keep)
        elif cell == "gru":
            inp, seen = _gru_layer(inp, params, mine, keep)
        else:
            inp, seen = _rnn_layer(inp, params, mine, keep, act)
        if keep:
            layers.append({n: torch.stack(v, 1).float().cpu().numpy() for n, v in seen.items()})
    return inp, layers


@dataclass(frozen=True)
class ClampedRun:
    """What a clamped run gives: y [B] model outputs (model units, float32); with keep, one
    dict per layer name -> [B, T, H] float32 (GateTrace's layout)."""

    cell: str
    x: np.ndarray  # [B, T] the target (channel 0 of the input)
    y: np.ndarray  # [B]
    layers: list[dict[str, np.ndarray]] = field(default_factory=list)
    inputs: np.ndarray | None = None  # [B, T, C] the whole input when C > 1, else None

    def trace(self) -> GateTrace:
        """The kept gates as a GateTrace (the Gates page's figures take it)."""
        if not self.layers:
            raise ValueError("run_clamped(..., keep=True) keeps the gates; this run did not.")
        return GateTrace(cell=self.cell, x=self.x, layers=self.layers, inputs=self.inputs)


def run_pinned(
    model: nn.Module, x: torch.Tensor, pins: Sequence[Pin], keep: bool = False
) -> ClampedRun:
    """A Forecaster on windows x ([B, T], or [B, T, C] with C its input_size) with checked
    pins (see `check_clamps`)."""
    rnn = recurrent(model)
    w = rnn.weight_ih_l0
    xb = as_batch(x, rnn.input_size)  # [B, T, C]
    with torch.no_grad():
        inp = xb.to(device=w.device, dtype=w.dtype)  # [B, T, C]
        top, layers = run_layers(rnn, inp, pins, keep=keep)
        y = model.head(top[:, -1]).squeeze(-1)  # [B, H] -> [B]
    inputs = xb.float().cpu().numpy() if xb.shape[-1] > 1 else None
    x0 = xb[..., 0].float().cpu().numpy()  # [B, T]
    return ClampedRun(cell_name(rnn), x0, y.float().cpu().numpy(), layers, inputs)


def run_clamped(
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    clamps: Sequence[Clamp] = (),
    keep: bool = False,
) -> ClampedRun:
    """A Forecaster's outputs on windows x with `clamps` held: x [T], [B, T], or [B, T, C]
    with C the model's input_size (1 + F: the target, then the F inputs beside it).

    One batched pass over all windows, a Python loop over timesteps only. With keep, every
    gate and state of every layer is kept ([B, T, H] each, as `trace_gates` gives them).
    Raises InterventionError (one sentence) for a clamp the model cannot take, ValueError
    for a shape x cannot take.
    """
    if not hasattr(model, "head"):
        raise ValueError("run_clamped needs a Forecaster (recurrent layers and a read-out).")
    xb = as_batch(x, recurrent(model).input_size)  # [B, T, C]
    pins = check_clamps(model, clamps, xb.shape[1])
    return run_pinned(model, xb, pins, keep)


# --------------------------------------------------------------------------- on a dataset


@dataclass(frozen=True)
class Intervention:
    """A part of a dataset forecast one step ahead before and after clamping, original units."""

    clamps: tuple[Clamp | InputClamp, ...]
    part: str
    targets: np.ndarray  # [n] the true values
    before: np.ndarray  # [n] predictions without clamps
    after: np.ndarray  # [n] predictions with them
    rmse_before: float
    rmse_after: float
    raw_after: np.ndarray = field(default=None, repr=False, compare=False)  # [n] the model's
    #                             outputs with the clamps (scaled, before the inverse transform)

    def summary(self) -> str:
        """One sentence: what was clamped and what it did to the error."""
        what = "; ".join(f"the {c.describe()}" for c in self.clamps) or "nothing clamped"
        change = (
            f" ({100 * (self.rmse_after / self.rmse_before - 1):+.0f}%)"
            if self.rmse_before > 0
            else ""
        )
        return (
            f"With {what}, the RMSE over {count(len(self.targets), self.part + ' window')} goes "
            f"from {self.rmse_before:.4g} to {self.rmse_after:.4g}{change}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "clamps": [c.to_dict() for c in self.clamps],
            "part": self.part,
            "targets": self.targets.tolist(),
            "predictions_before": self.before.tolist(),
            "predictions_after": self.after.tolist(),
            "rmse_before": self.rmse_before,
            "rmse_after": self.rmse_after,
        }


def intervene(
    model: Any, data: Dataset, clamps: Sequence[Clamp | InputClamp], part: str = "test"
) -> Intervention:
    """One-step predictions of `part` ("train", "val" or "test") with and without `clamps`
    (gates held inside the network, inputs held in the windows: lstm_core.inside.inputclamp), in
    original units, and their RMSE. `model`: a Forecaster or a ModelBundle."""
    model = getattr(model, "model", model)
    x, _ = data.part(part)  # [n, L], or [n, L, 1 + F] with inputs beside the series
    if len(x) == 0:
        raise InterventionError(f"The {part} part has no windows to run.")
    held = [c for c in clamps if isinstance(c, InputClamp)]
    pins = check_clamps(model, [c for c in clamps if not isinstance(c, InputClamp)], x.shape[1])
    before = data.part_levels(part, run_pinned(model, x, []).y)
    raw = run_pinned(model, apply_input_clamps(data, x, held), pins).y  # [n], one pass
    after = data.part_levels(part, raw)
    y = data.part_targets(part)
    return Intervention(tuple(clamps), part, y, before, after, rmse(y, before), rmse(y, after),
                        raw)  # fmt: skip
