"""RNN vs GRU vs LSTM on the same series, split and seed, at a comparable size."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from lstm_core.config import CELLS, DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.forecast import Evaluation, evaluate
from lstm_core.fitting import sizing
from lstm_core.fitting.models import Forecaster, build_model, count_parameters
from lstm_core.fitting.train import FitResult, Progress, fit
from lstm_core.inside.gradflow import hidden_gradient_norms, input_gradient_by_lag
from lstm_core.series import transforms
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset, make_dataset, plan_split

GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}  # weight blocks per unit: i,f,g,o | r,z,n | h


def param_count(cell: str, hidden: int, layers: int = 1, n_inputs: int = 0) -> int:
    """Parameters of a Forecaster without building it: the first layer reads 1 + n_inputs
    values per step (the series and the inputs beside it, ModelConfig.n_inputs)."""
    g = GATE_BLOCKS[cell]
    first = g * hidden * (1 + n_inputs + hidden + 2)
    rest = (layers - 1) * g * hidden * (hidden + hidden + 2)
    return first + rest + hidden + 1


def matched_hidden(cell: str, target: int, layers: int = 1) -> int:
    """The hidden size (1-512) whose parameter count is closest to `target`."""
    sizes = np.arange(1, 513)
    counts = np.array([param_count(cell, int(h), layers) for h in sizes])
    return int(sizes[np.argmin(np.abs(counts - target))])


@dataclass
class CellResult:
    """One cell's run in a comparison."""

    cell: str
    model: Forecaster
    fit: FitResult
    evaluation: Evaluation
    params: int  # trainable parameters
    seconds_per_epoch: float  # median wall time of an epoch
    grad_init: np.ndarray  # [L] mean |∂ŷ/∂x_{t−k}| by lag, at initialisation
    grad_trained: np.ndarray  # [L] the same after training
    hidden_init: np.ndarray  # [L] ‖∂loss/∂h_t‖ per timestep of a training step, at init
    hidden_trained: np.ndarray  # [L] the same after training


def compare_cells(
    values: np.ndarray,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    cells: tuple[str, ...] = CELLS,
    match_params: bool = True,
    callback: Callable[[str, Progress], bool | None] | None = None,
    transform: Transform | None = None,
) -> list[CellResult]:
    """Train each cell in turn on the same windows with the same seed.

    With `match_params`, GRU and RNN get the hidden size whose parameter count is closest
    to the LSTM's at `model_cfg.hidden_size`. The callback gets (cell, progress) and may
    return True to stop the current cell. The cells see `transform` when given (chosen once
    for all of them, e.g. by "auto" with the LSTM), else data_cfg.transform, where "auto"
    means the values themselves (trials per cell would change the comparison).
    """
    tf = transform if transform is not None else compare_transform(values, data_cfg)
    data = make_dataset(values, data_cfg, transform=tf)
    target = param_count("lstm", model_cfg.hidden_size, model_cfg.num_layers)
    results = []
    for cell in cells:
        hidden = model_cfg.hidden_size
        if match_params and cell != "lstm":
            hidden = matched_hidden(cell, target, model_cfg.num_layers)
        cfg = replace(model_cfg, cell=cell, hidden_size=hidden)
        results.append(_one(cell, cfg, data, train_cfg, callback))
    return results


def compare_transform(values: np.ndarray, data_cfg: DataConfig) -> Transform:
    """The transform the cells are compared on: data_cfg's, or "none" for "auto"."""
    if data_cfg.transform == "auto":
        return Transform()
    train_end = plan_split(len(values), data_cfg).train_end
    return transforms.resolve(data_cfg.transform, values, train_end)


def _probe(data: Dataset, n: int = 256) -> torch.Tensor:
    """Up to n validation windows [n, L] for the gradient-by-lag curve."""
    X, _ = data.part("val")
    return X[:n]


def _batch(data: Dataset, n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n training windows and targets: one training step's batch."""
    X, y = data.part("train")
    return X[:n], y[:n]


def _one(cell, cfg, data, train_cfg, callback) -> CellResult:
    model = build_model(cfg, seed=train_cfg.seed)
    probe = _probe(data)
    g0 = input_gradient_by_lag(model, probe)
    h0 = hidden_gradient_norms(model, *_batch(data))
    cb = (lambda p: callback(cell, p)) if callback else None
    t0 = time.perf_counter()
    run_cfg = sizing.effective(train_cfg, data.split.n_train_planned)  # short or long: as Train
    res = fit(model, data, run_cfg, callback=cb)
    secs = [r.seconds for r in res.history] or [time.perf_counter() - t0]
    return CellResult(
        cell=cell,
        model=model,
        fit=res,
        evaluation=evaluate(model, data),
        params=count_parameters(model),
        seconds_per_epoch=float(np.median(secs)),
        grad_init=g0,
        grad_trained=input_gradient_by_lag(model, probe),
        hidden_init=h0,
        hidden_trained=hidden_gradient_norms(model, *_batch(data)),
    )


@dataclass(frozen=True)
class Spread:
    """One cell's test RMSE over several seeds (original units)."""

    cell: str
    rmses: tuple[float, ...]  # one per seed, in the seeds' order

    @property
    def mean(self) -> float:
        return float(np.mean(self.rmses))

    @property
    def low(self) -> float:
        return float(np.min(self.rmses))

    @property
    def high(self) -> float:
        return float(np.max(self.rmses))


def spreads(runs: list[list[CellResult]]) -> list[Spread]:
    """Per cell (in the runs' order), its test RMSE in each seed's run: runs [seed][cell]."""
    cells = [r.cell for r in runs[0]]
    return [
        Spread(c, tuple(float(run[k].evaluation.table["model"]["rmse"]) for run in runs))
        for k, c in enumerate(cells)
    ]


def seed_verdict(found: list[Spread], names: dict[str, str]) -> str:
    """What the seeds show, in one or two sentences: which cell is better than which in
    every seed (its highest test RMSE below the other's lowest), and that the rest is within
    the seeds' noise (their ranges overlap)."""
    n = len(found[0].rmses)
    if n < 2:
        return "One seed only: run at least two to see whether the differences are noise."
    ranked = sorted(found, key=lambda s: s.mean)
    apart = [
        (a, b) for i, a in enumerate(ranked) for b in ranked[i + 1 :] if a.high < b.low
    ]  # a beat b in every seed
    if not apart:
        return (
            f"The cells' test RMSEs overlap across the {n} seeds: their differences "
            "here are within the seeds' noise, so this run does not show one cell better "
            "than another on this series."
        )
    said = "; ".join(
        f"{names[a.cell]}'s test RMSE was below {names[b.cell]}'s in all {n} (its highest, "
        f"{a.high:#.4g}, is below {names[b.cell]}'s lowest, {b.low:#.4g})"
        for a, b in apart
    )
    rest = len(found) * (len(found) - 1) // 2 - len(apart)
    tail = (
        f" The other {'pair overlaps' if rest == 1 else 'pairs overlap'}: within the seeds' noise."
        if rest
        else ""
    )
    return f"Over {n} seeds: {said}.{tail}"


@dataclass(frozen=True)
class MemoryPoint:
    """One (cell, lag) cell of the memory-task grid."""

    cell: str
    lag: int  # K: how far back the echoed spike is
    val_mse: float  # the trained model's validation MSE (scaled units)
    mean_mse: float  # the training-mean baseline's validation MSE: "learned nothing"

    @property
    def ratio(self) -> float:
        """val_mse / mean_mse: 1 = learned nothing, lower = remembers the spike."""
        return self.val_mse / self.mean_mse if self.mean_mse > 0 else float("nan")

    @property
    def learned(self) -> bool:
        """At least 15% below the mean baseline."""
        return self.ratio < 0.85


def memory_sweep(
    lags: list[int],
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    cells: tuple[str, ...] = CELLS,
    n: int = 1000,
    noise: float = 0.05,
    spike_prob: float = 0.05,
    extra_look_back: int = 5,
    callback: Callable[[str, int, Progress], bool | None] | None = None,
) -> list[MemoryPoint]:
    """Train each cell on an echo series for each lag K; look_back = K + extra_look_back.

    Finds the K at which each cell stops learning: the echo of a spike K steps back is the
    only predictable part of the series, so a cell that cannot carry it scores like the mean.
    """
    from lstm_core.series.synthetic import echo_series

    out = []
    for lag in lags:
        values = echo_series(n=n, lag=lag, spike_prob=spike_prob, noise=noise, seed=train_cfg.seed)
        data = make_dataset(values, DataConfig(look_back=lag + extra_look_back))
        _, ytr = data.part("train")
        _, yva = data.part("val")
        mean_mse = float(((yva - ytr.mean()) ** 2).mean())
        for cell in cells:
            model = build_model(replace(model_cfg, cell=cell), seed=train_cfg.seed)
            cb = (lambda p, c=cell, k=lag: callback(c, k, p)) if callback else None
            res = fit(model, data, train_cfg, callback=cb)
            val = res.history[-1].val_loss if res.history else float("nan")
            if train_cfg.patience and res.history:
                val = min(r.val_loss for r in res.history)
            out.append(MemoryPoint(cell, lag, val, mean_mse))
    return out
