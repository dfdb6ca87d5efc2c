"""Which units matter: each unit of a layer zeroed in turn, ranked by how much the error grows.

Zeroing unit u's h (or, in an LSTM, its cell state c, which zeroes h = o ⊙ tanh(c) too)
at every step of every window of a part removes what that unit passes on: to itself and
the other units of its layer through W_hh, to the layer above, and to the read-out. The
RMSE of the part's one-step predictions (original units) before and after says how much
the forecast leans on it.

Runs are batched twice over: over windows, and over units, by stacking G copies of the
windows ([G·B, T, C]) whose copy g zeroes unit u_g (a per-row mask), as many copies as fit in
ABLATION_ELEMENTS per state tensor. Layers below the ablated one run once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lstm_core.inside.cells import InterventionError, as_batch, cell_name, check_layer, recurrent
from lstm_core.inside.intervene import Pin, run_layers
from lstm_core.metrics import rmse
from lstm_core.series.windows import Dataset

__all__ = ["Ablation", "UnitEffect", "ablation"]

ABLATION_ELEMENTS = 1 << 21  # at most this many values in one [G·B, H] state per pass


@dataclass(frozen=True)
class UnitEffect:
    """One unit zeroed: the part's RMSE then, and its growth over the unablated RMSE."""

    unit: int
    rmse: float  # original units, with the unit zeroed
    increase: float  # rmse - the RMSE before (negative: the forecast gets better without it)


@dataclass(frozen=True)
class Ablation:
    """Every unit of one layer zeroed in turn over a part, ranked by `increase`."""

    layer: int
    state: str  # "h" or "c"
    part: str
    rmse_before: float
    rows: tuple[UnitEffect, ...]  # largest increase first; ties by unit number

    def ranking(self) -> list[int]:
        """Units, most important first."""
        return [r.unit for r in self.rows]

    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per unit (rank from 1) for a table: rank, unit, rmse_before, rmse_after,
        increase and increase_pct (% of rmse_before; None when that is 0)."""
        base = self.rmse_before
        return [
            {
                "rank": k + 1,
                "unit": r.unit,
                "rmse_before": base,
                "rmse_after": r.rmse,
                "increase": r.increase,
                "increase_pct": 100 * r.increase / base if base > 0 else None,
            }
            for k, r in enumerate(self.rows)
        ]


def _check_state(state: str, cell: str) -> str:
    if state == "h" or (state == "c" and cell == "lstm"):
        return state
    if state == "c":
        raise InterventionError(f"Only an LSTM has a cell state c; this model is a {cell.upper()}"
                                ": ablate h instead.")  # fmt: skip
    raise InterventionError(f"Ablation zeroes the hidden state h or the cell state c, got "
                            f"{state!r}: choose h or c.")  # fmt: skip


def _group_pin(layer: int, state: str, units: range, x: torch.Tensor, hidden: int) -> Pin:
    """A pin over len(units) stacked copies of the windows x [B, T, in] at every step: copy g
    zeroes unit units[g] (mask [G·B, H])."""
    bsz, steps = x.shape[:2]
    mask = torch.zeros(len(units), bsz, hidden, dtype=torch.bool, device=x.device)
    rows, cols = (torch.as_tensor(v, device=x.device) for v in (range(len(units)), units))
    mask[rows, :, cols] = True
    return Pin(layer, state, mask.view(-1, hidden), 0.0, 0, steps)


def ablation(
    model: Any, data: Dataset, part: str = "test", state: str = "h", layer: int | None = None
) -> Ablation:
    """Zero each unit's `state` ("h", or "c" for an LSTM) of `layer` (None: the top layer)
    over every step of the windows of `part`, and rank the units by how much the RMSE of the
    one-step predictions (original units) grows. `model`: a Forecaster or a ModelBundle.

    Raises InterventionError (one sentence) for a layer or state the model does not have.
    """
    model = getattr(model, "model", model)
    rnn = recurrent(model)
    state = _check_state(state, cell_name(rnn))
    layer = check_layer(rnn.num_layers - 1 if layer is None else layer, rnn.num_layers)
    x, _ = data.part(part)  # [B, T], or [B, T, 1 + F] with inputs beside the series
    if len(x) == 0:
        raise InterventionError(f"The {part} part has no windows to run.")
    idx = data.target_index[data.split.windows(part)]
    y = data.values[idx]
    bsz, hid = len(x), rnn.hidden_size
    w = rnn.weight_ih_l0
    with torch.no_grad():
        inp = as_batch(x, rnn.input_size).to(device=w.device, dtype=w.dtype)  # [B, T, C]
        inp = run_layers(rnn, inp, [], stop=layer)[0] if layer else inp  # layer's input
        top = run_layers(rnn, inp, [], first=layer)[0]
        before = rmse(y, data.to_levels(model.head(top[:, -1]).squeeze(-1).cpu().numpy(), idx))
        per_pass = max(1, ABLATION_ELEMENTS // (bsz * hid))
        rmses = []
        for a in range(0, hid, per_pass):
            units = range(a, min(hid, a + per_pass))
            pin = _group_pin(layer, state, units, inp, hid)
            rep = inp.repeat(len(units), 1, 1)  # [G·B, T, in]: copy g for units[g]
            out = model.head(run_layers(rnn, rep, [pin], first=layer)[0][:, -1]).squeeze(-1)
            levels = data.to_levels(out.cpu().numpy(), np.tile(idx, len(units)))  # [G·B]
            rmses += [rmse(y, p) for p in levels.reshape(len(units), bsz)]
    rows = sorted(
        (UnitEffect(u, r, r - before) for u, r in enumerate(rmses)),
        key=lambda e: (-e.increase, e.unit),
    )
    return Ablation(layer, state, part, before, tuple(rows))
