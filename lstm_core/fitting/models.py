"""The forecaster: a recurrent stack (LSTM, GRU or vanilla RNN) and a linear head.

The recurrent layer is kept as PyTorch's own module under the name `rnn`, so a saved
state_dict uses PyTorch's parameter names (`rnn.weight_ih_l0`, `rnn.bias_hh_l0`, ...).
PyTorch packs LSTM gates in the order i, f, g, o and GRU gates in the order r, z, n.
"""

from __future__ import annotations

import torch
from torch import nn

from lstm_core.config import ModelConfig

_CELLS: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class Forecaster(nn.Module):
    """Maps a window of scaled values to the next scaled value.

    forward: x [B, T] or [B, T, 1 + F] -> y_hat [B]; channel 0 is the target, then the F
    inputs beside it (cfg.n_inputs)
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.rnn = _CELLS[cfg.cell](
            input_size=1 + cfg.n_inputs,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            batch_first=True,
        )
        self.head = nn.Linear(cfg.hidden_size, 1)
        if cfg.cell == "lstm" and cfg.forget_bias_one:
            open_forget_gates(self.rnn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(-1)  # [B, T] -> [B, T, 1]
        out, _ = self.rnn(x)  # [B, T, H]
        return self.head(out[:, -1, :]).squeeze(-1)  # [B, H] -> [B]


def open_forget_gates(lstm: nn.LSTM, value: float = 1.0) -> None:
    """Set every layer's forget-gate bias so that b_ih + b_hh = value (gates start near σ(1)).

    With PyTorch's default (bias ≈ 0, gate ≈ 0.5) the cell state halves each step and an
    LSTM forgets a spike within a few steps; a bias of 1 carries it forward (Jozefowicz 2015).
    """
    h = lstm.hidden_size
    with torch.no_grad():
        for k in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{k}")[h : 2 * h].fill_(value)  # [4H]: i | f | g | o
            getattr(lstm, f"bias_hh_l{k}")[h : 2 * h].fill_(0.0)


def build_model(cfg: ModelConfig, seed: int | None = None) -> Forecaster:
    """A fresh forecaster; with a seed its initial weights are reproducible."""
    if seed is None:
        return Forecaster(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Forecaster(cfg)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
