"""How the training settings grow with the series: the long-series rule.

A batch of 16 windows suits the short series this tool was made for (a few hundred
windows, a few dozen steps an epoch). On 30,000 windows it means 1,900 optimiser steps an
epoch and a default run of six to ten minutes. With `TrainConfig.scale_long` (the default),
a series with more than about 2,900 training windows trains with

  batch  = batch_size × 2^k,  k = round(log2(n_train / LONG_FROM))  (about 128 steps an epoch)
  lr     = lr × √(2^k), at most LR_CAP (or the lr asked for, if higher)
  auto   = each candidate's trial at most TRIAL_CAP epochs

Measured as whole CLI runs on the 43,800-point Beijing series and 50,000 synthetic points
(benchmarks/README.md, section 11): 384 s -> 64 s and 587 s -> 57 s, at 1.00× and 0.88×
the test RMSE of the runs with batch 16. Shorter series train exactly as asked.
"""

from __future__ import annotations

import math
from dataclasses import replace

from lstm_core.config import TrainConfig

LONG_FROM = 2_048  # training windows an epoch of batch 16 covers in 128 steps
LR_CAP = 4e-2  # the learning rate the rule grows to at most (Adam; measured stable)
TRIAL_CAP = 10  # epochs each of auto's candidates trains on a long series


def batch_factor(n_train: int) -> int:
    """2^k with k = round(log2(n_train / LONG_FROM)), at least 1: how much the batch grows."""
    if n_train <= LONG_FROM:
        return 1
    return 2 ** max(0, round(math.log2(n_train / LONG_FROM)))


def is_long(cfg: TrainConfig, n_train: int) -> bool:
    """Whether the rule changes anything for these settings and this many windows."""
    return cfg.scale_long and batch_factor(n_train) > 1


def effective(cfg: TrainConfig, n_train: int) -> TrainConfig:
    """The settings fit() receives for `n_train` training windows (cfg itself if short)."""
    if not is_long(cfg, n_train):
        return cfg
    f = batch_factor(n_train)
    lr = min(max(cfg.lr, LR_CAP), cfg.lr * math.sqrt(f))
    return replace(cfg, batch_size=cfg.batch_size * f, lr=lr, scale_long=False)


def trial_cap(cfg: TrainConfig, n_train: int, epochs: int) -> int:
    """Epochs for each of auto's trials: `epochs`, at most TRIAL_CAP on a long series."""
    return min(epochs, TRIAL_CAP) if is_long(cfg, n_train) else epochs


def describe(cfg: TrainConfig, n_train: int) -> str | None:
    """One sentence on what the rule does here (None when it does nothing)."""
    if not is_long(cfg, n_train):
        return None
    eff = effective(cfg, n_train)
    steps = math.ceil(n_train / eff.batch_size)
    return (
        f"A long series ({n_train:,} training windows): batches of {eff.batch_size:,} and "
        f"learning rate {eff.lr:g} ({steps:,} steps an epoch), and auto's trials at most "
        f"{TRIAL_CAP} epochs each."
    )
