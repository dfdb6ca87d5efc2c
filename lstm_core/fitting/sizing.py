"""How the training settings follow the series' length: the short- and long-series rules.

A batch of 16 windows suits series of a few hundred windows (a few dozen steps an epoch).
On 30,000 windows it means 1,900 optimiser steps an epoch and a default run of six to ten
minutes; on the 50-135 training windows of a quarterly or monthly series it means 4 to 9
steps an epoch, and smaller, noisier steps forecast better there.

With `TrainConfig.scale_short` (the default), a series whose epoch would have fewer than
SHORT_STEPS steps trains with

  batch  = batch_size / 2^k, the smallest k that gives SHORT_STEPS steps, at least MIN_BATCH
  lr     = as asked

Measured over the development set (air passengers and four quarterly series, 4 cuts × 3
seeds; benchmarks/README.md, section 12): test RMSE / best classic reference 1.23 -> 1.14
one step and 1.26 -> 1.22 on the backtest, at about three times the training time (0.9 s
-> 2.6 s a run). Batch 4 beat batches 2 and 8 there; 300 epochs at batch 16 did not help.

With `TrainConfig.scale_long` (the default), a series with more than about 2,900 training
windows trains with

  batch  = batch_size × 2^k,  k = round(log2(n_train / LONG_FROM))  (about 128 steps an epoch)
  lr     = lr × √(2^k), at most LR_CAP (or the lr asked for, if higher)
  auto   = each candidate's trial at most TRIAL_CAP epochs

Measured as whole CLI runs on the 43,800-point Beijing series and 50,000 synthetic points
(benchmarks/README.md, section 11): 384 s -> 64 s and 587 s -> 57 s, at 1.00× and 0.88×
the test RMSE of the runs with batch 16. Series in between train exactly as asked.
"""

from __future__ import annotations

import math
from dataclasses import replace

from lstm_core.config import TrainConfig

LONG_FROM = 2_048  # training windows an epoch of batch 16 covers in 128 steps
LR_CAP = 4e-2  # the learning rate the rule grows to at most (Adam; measured stable)
TRIAL_CAP = 10  # epochs each of auto's candidates trains on a long series
SHORT_STEPS = 16  # optimiser steps an epoch below which a short series' batch halves
MIN_BATCH = 4  # the short-series rule halves the batch down to this, no further


def batch_factor(n_train: int) -> int:
    """2^k with k = round(log2(n_train / LONG_FROM)), at least 1: how much the batch grows."""
    if n_train <= LONG_FROM:
        return 1
    return 2 ** max(0, round(math.log2(n_train / LONG_FROM)))


def is_long(cfg: TrainConfig, n_train: int) -> bool:
    """Whether the rule changes anything for these settings and this many windows."""
    return cfg.scale_long and batch_factor(n_train) > 1


def used_batch(batch_size: int, n_train: int) -> int:
    """The batch fit() really steps with: never more than the windows there are."""
    return min(batch_size, max(1, n_train))


def short_batch(batch_size: int, n_train: int) -> int:
    """The batch halved until an epoch of `n_train` windows has SHORT_STEPS steps, but not
    below MIN_BATCH (a batch already at or below it stays), from the one fit() would use."""
    b = used_batch(batch_size, n_train)
    while b > MIN_BATCH and math.ceil(n_train / b) < SHORT_STEPS:
        b = max(MIN_BATCH, b // 2)
    return b


def is_short(cfg: TrainConfig, n_train: int) -> bool:
    """Whether the short-series rule changes the batch for these settings: never on a series
    the long-series rule takes (a batch so large that a long series has few steps is the
    user's choice, grown by that rule), and only when the batch really shrinks."""
    if not cfg.scale_short or is_long(cfg, n_train):
        return False
    return short_batch(cfg.batch_size, n_train) < used_batch(cfg.batch_size, n_train)


def effective(cfg: TrainConfig, n_train: int) -> TrainConfig:
    """The settings fit() receives for `n_train` training windows (cfg itself when neither
    rule applies)."""
    if is_short(cfg, n_train):
        return replace(cfg, batch_size=short_batch(cfg.batch_size, n_train), scale_short=False)
    if not is_long(cfg, n_train):
        return cfg
    f = batch_factor(n_train)
    lr = min(max(cfg.lr, LR_CAP), cfg.lr * math.sqrt(f))
    return replace(cfg, batch_size=cfg.batch_size * f, lr=lr, scale_long=False)


def trial_cap(cfg: TrainConfig, n_train: int, epochs: int) -> int:
    """Epochs for each of auto's trials: `epochs`, at most TRIAL_CAP on a long series."""
    return min(epochs, TRIAL_CAP) if is_long(cfg, n_train) else epochs


def describe(cfg: TrainConfig, n_train: int) -> str | None:
    """One sentence on what a rule does here (None when neither does anything).

    `n_train` is the count planned on the series' levels (Split.n_train_planned), so the
    sentence says so: a differenced model's split shows up to d + s fewer training windows
    (air passengers: 92 here, 80 after auto's seasonal difference), and so a step or more
    fewer an epoch."""
    if is_short(cfg, n_train):
        eff = effective(cfg, n_train)
        steps = math.ceil(n_train / eff.batch_size)
        return (
            f"A short series ({n_train:,} training windows before any differencing): batches "
            f"of {eff.batch_size} (up to {steps} steps an epoch rather than "
            f"{math.ceil(n_train / cfg.batch_size)})."
        )
    if not is_long(cfg, n_train):
        return None
    eff = effective(cfg, n_train)
    steps = math.ceil(n_train / eff.batch_size)
    return (
        f"A long series ({n_train:,} training windows before any differencing): batches of "
        f"{eff.batch_size:,} and learning rate {eff.lr:g} (up to {steps:,} steps an epoch), and "
        f"auto's trials at most "
        f"{TRIAL_CAP} epochs each."
    )
