"""Settings as data: three small frozen dataclasses, one line per field.

Each checks its own values on construction and raises `ConfigError` with one sentence
that says what is wrong and what is allowed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from lstm_core.runtime.limits import LIMITS

Cell = Literal["lstm", "gru", "rnn"]
CELLS: tuple[str, ...] = ("lstm", "gru", "rnn")
SCALERS: tuple[str, ...] = ("minmax", "standard")
TRANSFORMS: tuple[str, ...] = ("auto", "none", "diff", "logdiff", "sdiff")  # see transforms.py


class ConfigError(ValueError):
    """A setting is out of range; the message says which and what is allowed."""


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ConfigError(msg)


@dataclass(frozen=True)
class DataConfig:
    """How a series becomes training windows."""

    look_back: int = 12  # timesteps in each input window; the model predicts the next value
    val_fraction: float = 0.15  # share of windows (by target time) kept for validation
    test_fraction: float = 0.15  # share of windows (the latest ones) kept for the final test
    scaler: str = "minmax"  # "minmax" (to [0, 1]) or "standard" (zero mean, unit variance)
    transform: str = "auto"  # what the model sees: auto (chosen on validation), none, diff,
    #                          logdiff or sdiff (seasonal difference);
    #                          lstm_core/series/transforms.py
    inputs: tuple[str, ...] = ()  # other columns fed beside the target, known only up to now
    #                               (read at step t, like a measured wind speed)
    future_inputs: tuple[str, ...] = ()  # other columns known ahead (a holiday flag, a
    #                               weather forecast): read at t + 1, the predicted step's time
    calendar: bool = False  # calendar inputs from the dates (sin/cos of hour, weekday, day of
    #                         year, as fits the step), known ahead; lstm_core/series/inputs.py

    def __post_init__(self) -> None:
        for name in ("inputs", "future_inputs"):  # lists from JSON and URLs become tuples
            v = getattr(self, name)
            _check(
                isinstance(v, list | tuple) and all(isinstance(c, str) for c in v),
                f"{name} must be a list of column names, got {v!r}.",
            )
            object.__setattr__(self, name, tuple(v))
        _check(
            isinstance(self.look_back, int) and 1 <= self.look_back <= LIMITS.look_back,
            f"look_back must be a whole number from 1 to {LIMITS.look_back}, "
            f"got {self.look_back!r}.",
        )
        for name in ("val_fraction", "test_fraction"):
            v = getattr(self, name)
            _check(0.0 < v < 0.9, f"{name} must be between 0 and 0.9, got {v!r}.")
        _check(
            self.val_fraction + self.test_fraction < 0.95,
            "val_fraction + test_fraction must leave some data for training (sum below 0.95).",
        )
        _check(self.scaler in SCALERS, f"scaler must be one of {SCALERS}, got {self.scaler!r}.")
        _check(
            self.transform in TRANSFORMS,
            f"transform must be one of {TRANSFORMS}, got {self.transform!r}.",
        )


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the forecaster: a recurrent layer stack plus a linear head on the last step."""

    cell: str = "lstm"  # recurrent cell: "lstm", "gru" or "rnn" (vanilla tanh RNN)
    hidden_size: int = 32  # units per recurrent layer (1-512)
    num_layers: int = 1  # stacked recurrent layers (1-3)
    forget_bias_one: bool = True  # LSTM only: start forget gates open (bias 1) so memory carries
    n_inputs: int = 0  # F: inputs beside the target at each step (input_size = 1 + F; set
    #                    from the data by pipeline.start_run, never chosen by hand)

    def __post_init__(self) -> None:
        _check(self.cell in CELLS, f"cell must be one of {CELLS}, got {self.cell!r}.")
        _check(
            isinstance(self.hidden_size, int) and 1 <= self.hidden_size <= LIMITS.hidden,
            f"hidden_size must be a whole number from 1 to {LIMITS.hidden}, "
            f"got {self.hidden_size!r}.",
        )
        _check(
            isinstance(self.num_layers, int) and 1 <= self.num_layers <= LIMITS.layers,
            f"num_layers must be 1, 2 or 3, got {self.num_layers!r}.",
        )
        _check(
            isinstance(self.n_inputs, int) and 0 <= self.n_inputs <= LIMITS.inputs,
            f"n_inputs must be a whole number from 0 to {LIMITS.inputs}, got {self.n_inputs!r}.",
        )


@dataclass(frozen=True)
class TrainConfig:
    """How the forecaster is fitted: mini-batch Adam on mean squared error."""

    epochs: int = 100  # passes over the training windows (small series need many)
    batch_size: int = 16  # windows per optimiser step
    lr: float = 1e-2  # Adam learning rate
    patience: int = 0  # stop after this many epochs without a better val loss (0 = off)
    clip_norm: float = 1.0  # clip the gradient norm to this value (0 = off)
    seed: int = 0  # seeds weights and shuffling: same settings give the same losses
    device: str = "auto"  # "auto" (CUDA when available), "cpu" or "cuda"
    restore_best: bool = True  # end with the weights of the epoch of lowest validation loss
    scale_long: bool = True  # long series: bigger batches and lr, shorter trials (sizing.py)
    scale_short: bool = True  # short series: smaller batches, 16 steps an epoch (sizing.py)

    def __post_init__(self) -> None:
        _check(
            isinstance(self.epochs, int) and 1 <= self.epochs <= LIMITS.epochs,
            f"epochs must be a whole number from 1 to {LIMITS.epochs}, got {self.epochs!r}.",
        )
        _check(
            isinstance(self.batch_size, int) and self.batch_size >= 1,
            f"batch_size must be a whole number of at least 1, got {self.batch_size!r}.",
        )
        _check(0.0 < self.lr < float("inf"), f"lr must be a positive number, got {self.lr!r}.")
        _check(self.patience >= 0, f"patience must be 0 (off) or more, got {self.patience!r}.")
        _check(self.clip_norm >= 0, f"clip_norm must be 0 (off) or more, got {self.clip_norm!r}.")
        _check(
            self.device in ("auto", "cpu", "cuda"),
            f"device must be 'auto', 'cpu' or 'cuda', got {self.device!r}.",
        )


def to_dict(cfg: Any) -> dict[str, Any]:
    """A config as a plain dict (for JSON, model files and URLs)."""
    return asdict(cfg)


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build `cls` from a dict, ignoring unknown keys (files from newer versions still load)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
