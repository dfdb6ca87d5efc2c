"""Gradient flow: how much the prediction still feels an input k steps back.

The lecture's first claim, measured: in a plain RNN ∂ŷ/∂x_{t−k} shrinks fast with the lag k
(vanishing gradient); the LSTM's cell state keeps it alive. Both functions use autograd on
the model's own weights; tests check them against finite differences.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lstm_core.fitting.models import Forecaster


def input_gradient_by_lag(model: Forecaster, X: torch.Tensor) -> np.ndarray:
    """Mean |∂ŷ/∂x_{t−k}| over windows, for lag k = 0 (the last input) .. L−1 (the first).

    X [B, L] scaled windows, or [B, L, 1 + F] with inputs beside the series (the gradient is
    then taken with respect to channel 0, the target) -> [L] float64, indexed by lag.
    """
    model.eval()
    x = X.detach().clone().float().requires_grad_(True)
    with torch.enable_grad():
        y = model(x)  # [B]; each ŷ_b depends only on its own window
        (g,) = torch.autograd.grad(y.sum(), x)  # [B, L] or [B, L, C]
    if g.dim() == 3:
        g = g[..., 0]  # [B, L]: the target channel
    return g.abs().mean(0).flip(0).double().numpy()


def _cells(rnn: nn.RNNBase) -> list[nn.Module]:
    """One torch cell per layer, holding a copy of that layer's weights."""
    kind = {nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell, nn.RNN: nn.RNNCell}[type(rnn)]
    out = []
    for k in range(rnn.num_layers):
        inp = rnn.input_size if k == 0 else rnn.hidden_size
        cell = kind(inp, rnn.hidden_size, dtype=rnn.weight_ih_l0.dtype)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(rnn, f"{name}_l{k}"))
        out.append(cell)
    return out


def hidden_gradient_norms(model: Forecaster, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Norm of ∂loss/∂h_t of the last layer at each timestep t, during one training step.

    The loss is the batch MSE. The window is unrolled step by step (windows are short), so
    the gradient reaching every h_t through the recurrence is visible.
    X [B, L] (or [B, L, 1 + F] with inputs beside the series), y [B] -> [L] float64,
    indexed by timestep (t = L−1 is the last).
    """
    rnn, head = model.rnn, model.head
    cells = _cells(rnn)
    lstm = isinstance(rnn, nn.LSTM)
    if X.dim() == 2:
        X = X.unsqueeze(-1)  # [B, L] -> [B, L, 1]
    B, L = X.shape[:2]
    H = rnn.hidden_size
    state = [(X.new_zeros(B, H), X.new_zeros(B, H)) if lstm else X.new_zeros(B, H) for _ in cells]
    top: list[torch.Tensor] = []
    with torch.enable_grad():
        for t in range(L):  # a short window: the unrolled loop is the point here
            inp = X[:, t]  # [B, C]
            for k, cell in enumerate(cells):
                state[k] = cell(inp, state[k])
                inp = state[k][0] if lstm else state[k]
            top.append(inp)
        loss = ((head(top[-1]).squeeze(-1) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, top)  # no side effect on the model's .grad
    return np.array([float(g.norm()) for g in grads])
