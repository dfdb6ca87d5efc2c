"""The cell maths shared by everything that reads inside a model (gates, intervene, memory,
ablation, gatesummary, explain): which recurrent stack a model has, its cell, one layer's
weights, the input as a batch, and a layer number checked against the model.

PyTorch packs gate weights along the first axis: LSTM [4H, in] as i | f | g | o,
GRU [3H, in] as r | z | n, RNN [H, in].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "CELL_OF",
    "InterventionError",
    "as_batch",
    "cell_name",
    "check_layer",
    "layer_params",
    "recurrent",
    "whole_number",
]

#: The cell name of each supported PyTorch recurrent module.
CELL_OF: dict[type, str] = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}


class InterventionError(ValueError):
    """A clamp, pin or layer the model cannot take; str(e) is one sentence saying what is
    allowed. (lstm_core.inside.intervene, memory and ablation raise it; intervene re-exports it.)"""


def recurrent(model: nn.Module) -> nn.RNNBase:
    """The recurrent stack of a Forecaster (its `.rnn`) or the module itself.

    Raises ValueError (one sentence) for anything but a one-directional nn.LSTM / nn.GRU /
    nn.RNN (an LSTM with proj_size > 0 included).
    """
    rnn = getattr(model, "rnn", model)
    if not isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN)):
        raise ValueError(
            "model must be a Forecaster or an nn.LSTM / nn.GRU / nn.RNN, "
            f"got {type(model).__name__}."
        )
    if rnn.bidirectional:
        raise ValueError("bidirectional recurrent layers are not supported.")
    if getattr(rnn, "proj_size", 0):
        raise ValueError("LSTMs with proj_size > 0 are not supported.")
    return rnn


def cell_name(rnn: nn.RNNBase) -> str:
    """ "lstm", "gru" or "rnn" for a recurrent stack (see `recurrent`)."""
    for cls, name in CELL_OF.items():
        if isinstance(rnn, cls):
            return name
    raise ValueError(f"unsupported recurrent module {type(rnn).__name__}.")  # pragma: no cover


def as_batch(x: torch.Tensor | np.ndarray, input_size: int | None = None) -> torch.Tensor:
    """x as a [B, T, C] tensor: [T] becomes [1, T, 1], [B, T] becomes [B, T, 1], [B, T, C]
    is kept. With `input_size`, C must equal it (the model's rnn.input_size).

    Raises ValueError (one sentence) on any other shape, or a C that is not input_size.
    """
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    shape = tuple(t.shape)
    if t.dim() == 1:
        t = t.view(1, -1, 1)  # [T] -> [1, T, 1]
    elif t.dim() == 2:
        t = t.unsqueeze(-1)  # [B, T] -> [B, T, 1]
    elif t.dim() != 3 or t.shape[-1] == 0:
        raise ValueError(
            "x must have shape [T] (one run), [B, T] (a batch of windows) or [B, T, C] "
            f"(windows with C >= 1 values per step), got {list(shape)}."
        )
    if t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"x must hold at least one timestep, got shape {list(shape)}.")
    channels = t.shape[-1]
    if input_size is not None and channels != input_size:
        raise ValueError(
            f"x has {channels} channel{'s' if channels != 1 else ''} per step but the model "
            f"reads input_size={input_size}; pass [B, T, {input_size}]."
        )
    if not (
        t.is_floating_point() or t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64)
    ):
        raise ValueError(f"x must hold numbers, got dtype {t.dtype}.")
    return t


def layer_params(
    rnn: nn.RNNBase, k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """(W_ih [G·H, in], W_hh [G·H, H], b_ih [G·H], b_hh [G·H]) of layer k, G gates stacked
    as above (biases None when the module has none); the module's own tensors, not copies."""
    w_ih = getattr(rnn, f"weight_ih_l{k}")
    w_hh = getattr(rnn, f"weight_hh_l{k}")
    if rnn.bias:
        return w_ih, w_hh, getattr(rnn, f"bias_ih_l{k}"), getattr(rnn, f"bias_hh_l{k}")
    return w_ih, w_hh, None, None


def whole_number(v: Any) -> bool:
    """An int or numpy integer, not a bool: what a layer or unit number may be."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_layer(layer: Any, n_layers: int) -> int:
    """`layer` as an int when the model has it (0 .. n_layers - 1), else InterventionError."""
    if whole_number(layer) and 0 <= layer < n_layers:
        return int(layer)
    if n_layers == 1:
        raise InterventionError(f"The model has one layer, layer 0, got {layer!r}: choose 0.")
    raise InterventionError(
        f"The model has layers 0 to {n_layers - 1}, got {layer!r}: choose one of those."
    )
