"""Clamping an input: hold one input beside the series at a value in every window.

The gate clamp (lstm_core.inside.intervene.Clamp) holds a gate inside the network; an input clamp
holds what the network reads. `InputClamp` names an input (a model input such as "cbwd=NW",
or a file column such as "cbwd", which holds all of its one-hot inputs together) and what to
hold it at, from a step of each window on:

  a number   in the input's original units (scaled by its training scaler)
  "mean"     its mean over the training part
  "shuffle"  its values taken from another window (the windows permuted, seeded): what the
             model does when the input no longer goes with the target (permutation importance)
  "row:K"    its values in window K at the same steps ("a normal day instead of a holiday")

`apply_input_clamps` rewrites copies of the windows; the gate-clamp code then runs them
unchanged, so an input clamp and a gate clamp go through one code path (intervene).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lstm_core.series.windows import Dataset

SHUFFLE_SEED = 0  # the permutation of "shuffle" (the same every run)


class InputClampError(ValueError):
    """An input clamp the model cannot take; str(e) is one sentence saying what is allowed."""


@dataclass(frozen=True)
class InputClamp:
    """Hold input `name` at `value` at steps from_step <= t < until_step of every window."""

    name: str  # a model input ("TEMP", "cbwd=NW") or a file column ("cbwd": all its inputs)
    value: float | str  # a number (original units), "mean", "shuffle" or "row:K"
    from_step: int = 0
    until_step: int | None = None  # None: to the end of the window

    def describe(self) -> str:
        """e.g. "input 'TEMP' held at its training mean from step 0 on"."""
        v = self.value
        what = {"mean": "at its training mean", "shuffle": "shuffled across windows"}.get(
            str(v), f"at the values of window {str(v)[4:]}" if str(v).startswith("row:") else ""
        )
        what = what or f"at {float(v):g}"
        when = f"from step {self.from_step} on"
        if self.until_step is not None:
            when = f"at steps {self.from_step}..{self.until_step - 1}"
        return f"input {self.name!r} held {what} {when}"

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.name, "value": self.value, "from_step": self.from_step,
                "until_step": self.until_step}  # fmt: skip


def input_channels(data: Dataset, name: str) -> list[int]:
    """The channels of X (1 + j for model input j) that `name` holds: a model input's one,
    or every input of a file column. InputClampError naming the inputs otherwise."""
    if data.inputs is None:
        raise InputClampError(
            "This model reads no inputs beside the series: clamp a gate instead, or train "
            "with inputs."
        )
    specs = data.inputs.specs
    hit = [1 + j for j, s in enumerate(specs) if s.name == name]
    hit = hit or [1 + j for j, s in enumerate(specs) if s.column == name]
    if not hit:
        names = ", ".join(
            repr(n) for n in dict.fromkeys([*data.inputs.columns(), *data.inputs.names])
        )
        raise InputClampError(f"The model has no input {name!r}: choose one of {names}.")
    return hit


def _steps(clamp: InputClamp, steps: int) -> tuple[int, int]:
    start, stop = clamp.from_step, clamp.until_step
    if not (isinstance(start, int) and 0 <= start < steps):
        raise InputClampError(
            f"A clamp starts at a step from 0 to {steps - 1} (the window has {steps} steps), "
            f"got {start!r}: choose one of those."
        )
    stop = steps if stop is None else stop
    if not (isinstance(stop, int) and start < stop <= steps):
        raise InputClampError(
            f"A clamp from step {start} must end after it and at step {steps} at the latest, "
            f"got until_step {clamp.until_step!r}."
        )
    return start, stop


def _held(data: Dataset, clamp: InputClamp, cols: list[int], x: torch.Tensor) -> torch.Tensor:
    """The values the clamped channels take: [n, L, k] (or broadcastable to it)."""
    v = clamp.value
    if v == "shuffle":
        perm = np.random.default_rng(SHUFFLE_SEED).permutation(len(x))
        return x[torch.from_numpy(perm)][..., cols]
    if isinstance(v, str) and v.startswith("row:"):
        try:
            k = int(v[4:])
        except ValueError:
            k = -1
        if not 0 <= k < len(data.X):
            raise InputClampError(
                f"There is no window {v[4:]!r}: choose a window from 0 to {len(data.X) - 1}."
            )
        return data.X[k][..., cols].to(x.dtype)  # [L, k]
    scalers = [data.input_scalers[c - 1] for c in cols]
    if v == "mean":
        train = data.inputs.values[: data.split.train_end]
        raw = [float(np.mean(train[:, c - 1])) for c in cols]
    else:
        try:
            raw = [float(v)] * len(cols)
        except (TypeError, ValueError):
            raw = [math.nan]
        if not all(math.isfinite(r) for r in raw):
            raise InputClampError(
                f"An input is held at a finite number, 'mean', 'shuffle' or 'row:K' (another "
                f"window's values), got {v!r}."
            )
    scaled = [float(sc.transform(np.array([r]))[0]) for sc, r in zip(scalers, raw, strict=True)]
    return x.new_tensor(scaled)  # [k]


def apply_input_clamps(
    data: Dataset, x: torch.Tensor, clamps: Sequence[InputClamp]
) -> torch.Tensor:
    """Windows x [n, L, 1 + F] of `data` with the clamped inputs held: a new tensor (x is a
    view of the series and stays as it is)."""
    if not clamps:
        return x
    out = x.clone()
    for clamp in clamps:
        cols = input_channels(data, clamp.name)
        a, b = _steps(clamp, x.shape[1])
        held = _held(data, clamp, cols, x)
        if held.dim() == 3:  # shuffle: [n, L, k]
            held = held[:, a:b]
        elif held.dim() == 2:  # another window's values: [L, k]
            held = held[a:b]
        for i, c in enumerate(cols):
            out[:, a:b, c] = held[..., i]
    return out
