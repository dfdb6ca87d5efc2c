"""Memory tasks with a known answer: the adding problem (Hochreiter & Schmidhuber 1997,
experiment 4, in the form of Le, Jaitly & Hinton 2015).

Each sequence has T steps of two inputs: a value from U[0, 1] and a marker 0/1. Exactly
two steps are marked, one in the first half (steps 0 .. T//2 - 1) and one in the second
(T//2 .. T - 1); the target is the sum of the two marked values. Always answering 1 (the
mean) scores an MSE of Var(v1 + v2) = 1/6; a sequence counts as solved when
|error| < 0.04, and a run stops when 95 % of a fixed test set of 1,000 sequences is
solved, or when it has seen its budget of training sequences (fresh ones every batch).

The model is the app's Forecaster (a recurrent layer and a linear head on the last step)
reading [value, marker] at each step (ModelConfig(n_inputs=1): input size 2). GRU and RNN
get the hidden size whose parameter count is closest to the LSTM's (compare.py's count).
`caught_in_the_act` (lstm_core/experiments/taskgates.py) then shows what a trained LSTM does with
its
gates at the marks, and what clamping them does to the answer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lstm_core.config import CELLS, ConfigError, ModelConfig
from lstm_core.experiments.compare import GATE_BLOCKS, param_count
from lstm_core.fitting.models import Forecaster, build_model, count_parameters
from lstm_core.fitting.train import optimizer
from lstm_core.runtime.limits import LIMITS
from lstm_core.runtime.threads import ThreadPolicy

TASKS: tuple[str, ...] = ("adding",)
MIN_LENGTH, MAX_LENGTH = 10, 400  # T: sequence lengths the adding task takes
TEST_SIZE = 1_000  # sequences in the fixed test set
TEST_SEED = 1997  # the test set's own seed: the same test set for every training seed
TOLERANCE = 0.04  # |prediction - target| below this: the sequence is solved
MAX_BUDGET = 10_000_000  # most training sequences one run may ask for


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ConfigError(msg)


def _whole(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class AddingConfig:
    """One run of the adding problem."""

    length: int = 100  # T: steps per sequence (10-400)
    cell: str = "lstm"  # "lstm", "gru" or "rnn"
    hidden: int = 16  # LSTM units; GRU and RNN get the size closest to its parameter count
    match_params: bool = True  # False: every cell gets `hidden` units as they are
    budget: int = 320_000  # training sequences at most (fresh ones every batch)
    batch_size: int = 32  # sequences per Adam step
    lr: float = 1e-2  # Adam learning rate
    clip_norm: float = 1.0  # gradient-norm clipping (0 = off)
    check_every: int = 512  # training sequences between checks on the test set
    target_solved: float = 0.95  # stop once this share of the test set is solved
    seed: int = 0  # weights and training sequences
    test_seed: int = TEST_SEED  # the test set (fixed across training seeds)

    def __post_init__(self) -> None:
        lo, hi = MIN_LENGTH, MAX_LENGTH
        _check(
            _whole(self.length) and lo <= self.length <= hi,
            f"The adding task takes sequences of {lo} to {hi} steps, got {self.length!r}.",
        )
        _check(self.cell in CELLS, f"cell must be one of {CELLS}, got {self.cell!r}.")
        _check(
            _whole(self.hidden) and 1 <= self.hidden <= LIMITS.hidden,
            f"hidden must be a whole number from 1 to {LIMITS.hidden}, got {self.hidden!r}.",
        )
        _check(
            _whole(self.batch_size) and 1 <= self.batch_size <= 4096,
            f"batch_size must be a whole number from 1 to 4096, got {self.batch_size!r}.",
        )
        _check(
            _whole(self.budget) and self.batch_size <= self.budget <= MAX_BUDGET,
            f"The budget must be a whole number of sequences from {self.batch_size} (one "
            f"batch) to {MAX_BUDGET:,}, got {self.budget!r}.",
        )
        _check(0 < self.lr < math.inf, f"lr must be a positive number, got {self.lr!r}.")
        _check(self.clip_norm >= 0, f"clip_norm must be 0 (off) or more, got {self.clip_norm!r}.")
        _check(
            _whole(self.check_every) and self.check_every >= 1,
            f"check_every must be a whole number of sequences, got {self.check_every!r}.",
        )
        _check(
            0 < self.target_solved <= 1,
            f"target_solved must be a share above 0 and at most 1, got {self.target_solved!r}.",
        )

    @property
    def model_hidden(self) -> int:
        """The hidden size this run's cell gets."""
        if self.cell == "lstm" or not self.match_params:
            return self.hidden
        return matched_hidden(self.cell, adding_params("lstm", self.hidden))

    def model_config(self) -> ModelConfig:
        return ModelConfig(self.cell, self.model_hidden, n_inputs=1)


def adding_params(cell: str, hidden: int) -> int:
    """Parameters of a one-layer Forecaster reading 2 inputs per step (compare.param_count
    counts one input; the second adds one weight per gate block and unit)."""
    return param_count(cell, hidden) + GATE_BLOCKS[cell] * hidden


def matched_hidden(cell: str, target: int) -> int:
    """The hidden size (1 to the engine's limit) whose adding-task parameter count is
    closest to `target`."""
    sizes = np.arange(1, LIMITS.hidden + 1)
    counts = np.array([adding_params(cell, int(h)) for h in sizes])
    return int(sizes[np.argmin(np.abs(counts - target))])


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class AddingBatch:
    """Sequences of the adding problem."""

    x: torch.Tensor  # [B, T, 2] float32: value, marker
    y: torch.Tensor  # [B] float32: the sum of the two marked values
    marks: torch.Tensor  # [B, 2] int64: the first and the second marked step

    def __len__(self) -> int:
        return len(self.y)

    @property
    def length(self) -> int:
        return self.x.shape[1]


def adding_batch(n: int, length: int, gen: torch.Generator) -> AddingBatch:
    """n fresh sequences of `length` steps from `gen`, drawn all at once (no loop over steps)."""
    half = length // 2
    values = torch.rand(n, length, generator=gen)  # [B, T]
    first = torch.randint(0, half, (n,), generator=gen)  # [B] in the first half
    second = torch.randint(half, length, (n,), generator=gen)  # [B] in the second half
    marks = torch.stack([first, second], 1)  # [B, 2]
    marker = torch.zeros(n, length).scatter_(1, marks, 1.0)  # [B, T]
    y = values.gather(1, marks).sum(1)  # [B]
    return AddingBatch(torch.stack([values, marker], -1), y, marks)


def adding_test_set(length: int, seed: int = TEST_SEED, n: int = TEST_SIZE) -> AddingBatch:
    """The fixed test set: n sequences from their own seeded generator."""
    return adding_batch(n, length, torch.Generator().manual_seed(seed))


def baseline_mse(batch: AddingBatch) -> float:
    """MSE of always answering 1 (the mean of the target): about 1/6."""
    return float(((batch.y.double() - 1.0) ** 2).mean())


@dataclass(frozen=True)
class Score:
    """A model's answers on a set of sequences."""

    mse: float  # mean squared error
    solved: float  # share of sequences with |error| < TOLERANCE


def score_predictions(pred: torch.Tensor, batch: AddingBatch) -> Score:
    """pred [B] against batch.y [B]."""
    err = (torch.as_tensor(pred).double() - batch.y.double()).abs()  # [B]
    return Score(float((err**2).mean()), float((err < TOLERANCE).double().mean()))


@torch.no_grad()
def predict(model: nn.Module, batch: AddingBatch, rows: int = 1_000) -> torch.Tensor:
    """The model's answers [B], in passes of `rows` sequences."""
    was = model.training
    model.eval()
    out = torch.cat([model(batch.x[a : a + rows]) for a in range(0, len(batch), rows)])
    model.train(was)
    return out


def score(model: nn.Module, batch: AddingBatch) -> Score:
    return score_predictions(predict(model, batch), batch)


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TaskProgress:
    """What the callback is told at each check on the test set."""

    sequences_seen: int  # training sequences so far
    budget: int  # the run's budget of sequences
    loss: float  # mean training MSE of the batches since the last check
    test_mse: float  # MSE on the test set now
    solved: float  # share of the test set solved now
    elapsed: float  # seconds since the run started

    @property
    def fraction(self) -> float:
        """Share of the budget used, 0..1."""
        return min(1.0, self.sequences_seen / max(1, self.budget))

    def to_dict(self) -> dict[str, float]:
        return {
            "sequences_seen": self.sequences_seen,
            "loss": self.loss,
            "test_mse": self.test_mse,
            "solved": self.solved,
            "elapsed": self.elapsed,
        }


TaskCallback = Callable[[TaskProgress], bool | None]


@dataclass
class TaskRun:
    """How a run ended and the model it trained."""

    config: AddingConfig
    model: Forecaster
    status: str  # "solved", "budget" (ran out), "stopped" (callback), "diverged"
    sequences_seen: int  # training sequences seen
    seconds: float  # wall time of the training, checks included
    test_mse: float
    baseline_mse: float  # always answering 1, on the same test set
    solved: float  # share of the test set solved at the end
    history: list[TaskProgress] = field(default_factory=list)  # one per check

    @property
    def params(self) -> int:
        return count_parameters(self.model)

    @property
    def hidden(self) -> int:
        return self.model.cfg.hidden_size


def train_adding(
    cfg: AddingConfig, callback: TaskCallback | None = None, test: AddingBatch | None = None
) -> TaskRun:
    """Train a fresh model on the adding problem until cfg.target_solved of the test set is
    solved, cfg.budget sequences are seen, or the callback returns True (minGPT's pattern:
    it gets a TaskProgress at every check, every cfg.check_every sequences, and at the end).
    A loss that turns NaN/inf stops the run with the weights of the last check."""
    test = test if test is not None else adding_test_set(cfg.length, cfg.test_seed)
    model = build_model(cfg.model_config(), seed=cfg.seed)
    with ThreadPolicy() as policy:  # threads for the cores free now (lstm_core/runtime/threads.py)
        run = _train(model, cfg, test, callback, policy)
    model.eval()
    return run


def _train(model, cfg, test, callback, policy) -> TaskRun:
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = optimizer(model.parameters(), cfg.lr)
    base = baseline_mse(test)
    history: list[TaskProgress] = []
    seen, since, status = 0, 0, "budget"
    total = torch.zeros((), dtype=torch.float64)  # training loss × sequences since a check
    good = {k: v.clone() for k, v in model.state_dict().items()}
    t0 = time.perf_counter()
    model.train()
    while seen < cfg.budget:
        batch = adding_batch(min(cfg.batch_size, cfg.budget - seen), cfg.length, gen)
        loss = ((model(batch.x) - batch.y) ** 2).mean()  # [B, T, 2] -> [B]
        opt.zero_grad()
        loss.backward()
        if cfg.clip_norm > 0:
            nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
        opt.step()
        seen += len(batch)
        since += len(batch)
        total += loss.detach().double() * len(batch)
        if since < cfg.check_every and seen < cfg.budget:
            continue
        policy.update()  # others started or stopped working: fewer or more threads
        lv = float(total) / since
        if not math.isfinite(lv):
            model.load_state_dict(good)
            status = "diverged"
            break
        good = {k: v.clone() for k, v in model.state_dict().items()}
        s = score(model, test)
        p = TaskProgress(seen, cfg.budget, lv, s.mse, s.solved, time.perf_counter() - t0)
        history.append(p)
        since, total = 0, total.zero_()
        stop = bool(callback(p)) if callback is not None else False
        if s.solved >= cfg.target_solved:
            status = "solved"
            break
        if stop:
            status = "stopped"
            break
    seconds = time.perf_counter() - t0
    s = score(model, test)
    return TaskRun(cfg, model, status, seen, seconds, s.mse, base, s.solved, history)
