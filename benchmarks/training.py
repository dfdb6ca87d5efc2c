"""Training throughput: the project's trainer against a bare PyTorch loop and the lecture's
full-batch loop, on the same model, windows, seed, batch size and epochs, in one process.

* trainer:    lstm_core.fitting.train.fit with an app-like progress callback (AppLikeCallback).
* bare loop:  pre-built tensors, randperm index batches, Adam, MSELoss, the same gradient
              clipping as the trainer's config, a validation pass after every epoch in passes
              of as many windows as fit's (eval_rows). It seeds its shuffling as fit does, so
              both sides see the same batches in the same order and end at the same
              validation loss (checked: `same_work_val_rel_diff`).
* full batch: the lecture's loop, the whole training set per Adam step (no clipping) and a
              validation pass after each; timed until it reaches the trainer's final
              validation loss, or stopped after `full_batch_steps` steps or a time budget.

`val_pass` times one validation pass in fit's passes against passes of EVAL_BATCH (8192)
windows, fit's former setting.

Trainer and bare runs alternate (T B B T T B ...) so that drift on a shared machine hits
both sides alike; the ratio is taken per adjacent pair, then its median is reported.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from benchmarks.common import SEED, AppLikeCallback, BenchConfig, sine_series
from benchmarks.stats import summarize
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model
from lstm_core.fitting.train import EVAL_BATCH, eval_rows, fit
from lstm_core.series.windows import Dataset, make_dataset

# Peak memory of one full-batch step, in bytes per (window x step x hidden unit): measured
# ~17 on config B (7.5 GB for 35k windows x 50 steps x 64 units); used to skip runs that
# would not fit.
FULL_BATCH_BYTES_PER_CELL = 18


def setup(cfg: BenchConfig) -> tuple[Dataset, ModelConfig, TrainConfig]:
    data = make_dataset(sine_series(cfg.n_points), DataConfig(look_back=cfg.look_back))
    mcfg = ModelConfig(hidden_size=cfg.hidden)
    tcfg = TrainConfig(epochs=cfg.epochs, batch_size=cfg.batch, seed=SEED, device="cpu")
    return data, mcfg, tcfg


def run_trainer(data: Dataset, mcfg: ModelConfig, tcfg: TrainConfig) -> dict:
    model = build_model(mcfg, seed=tcfg.seed)
    cb = AppLikeCallback()
    t0 = time.perf_counter()
    res = fit(model, data, tcfg, callback=cb)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "val_loss": res.history[-1].val_loss, "callbacks": cb.calls}


@torch.no_grad()
def _val_loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor, rows: int = 0) -> float:
    """Validation MSE in passes of `rows` windows (default: as many as fit's evaluation)."""
    rows = rows or eval_rows(model, X.shape[1])
    total = 0.0
    for a in range(0, len(X), rows):
        total += float(((model(X[a : a + rows]) - y[a : a + rows]) ** 2).sum())
    return total / len(X)


def bench_val_pass(data: Dataset, mcfg: ModelConfig, repeats: int = 3) -> dict:
    """One validation pass in fit's passes (eval_rows) vs passes of EVAL_BATCH windows."""
    model = build_model(mcfg, seed=SEED).eval()
    Xva, yva = data.part("val")
    rows = eval_rows(model, Xva.shape[1])
    new, old = [], []
    for r in range(repeats):
        for side in ("new", "old") if r % 2 == 0 else ("old", "new"):
            t0 = time.perf_counter()
            _val_loss(model, Xva, yva, rows if side == "new" else EVAL_BATCH)
            (new if side == "new" else old).append(time.perf_counter() - t0)
    cells = Xva.shape[1] * mcfg.hidden_size * 4 / 2**20  # MiB of LSTM output per window
    return {
        "rows": rows,
        "old_rows": EVAL_BATCH,
        "seconds": summarize(new).to_dict(),
        "old_seconds": summarize(old).to_dict(),
        "old_over_new": summarize([o / n for o, n in zip(old, new, strict=True)]).to_dict(),
        "output_mib_per_pass": min(rows, len(Xva)) * cells,
        "old_output_mib_per_pass": min(EVAL_BATCH, len(Xva)) * cells,
    }


def run_bare(data: Dataset, mcfg: ModelConfig, tcfg: TrainConfig) -> dict:
    model = build_model(mcfg, seed=tcfg.seed)
    Xtr, ytr = data.part("train")
    Xva, yva = data.part("val")
    n = len(Xtr)
    bs = min(tcfg.batch_size, n)
    opt = torch.optim.Adam(model.parameters(), lr=tcfg.lr)
    loss_fn = nn.MSELoss()
    gen = torch.Generator().manual_seed(tcfg.seed * 1_000_003 + 1)  # fit's shuffle seed
    t0 = time.perf_counter()
    val = math.nan
    for _ in range(tcfg.epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        running = 0.0
        for a in range(0, n, bs):
            idx = perm[a : a + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            loss.backward()
            if tcfg.clip_norm > 0:
                nn.utils.clip_grad_norm_(model.parameters(), tcfg.clip_norm)
            opt.step()
            running += loss.item() * len(idx)
        model.eval()
        val = _val_loss(model, Xva, yva)
    return {"seconds": time.perf_counter() - t0, "val_loss": val, "train_loss": running / n}


def full_batch_bytes(data: Dataset, hidden: int) -> int:
    return FULL_BATCH_BYTES_PER_CELL * data.split.n_train * data.split.look_back * hidden


def run_full_batch(
    data: Dataset,
    mcfg: ModelConfig,
    tcfg: TrainConfig,
    target: float,
    max_steps: int,
    budget_s: float,
) -> dict:
    """The lecture's loop until val loss <= target, max_steps steps or budget_s seconds."""
    model = build_model(mcfg, seed=tcfg.seed)
    Xtr, ytr = data.part("train")
    Xva, yva = data.part("val")
    opt = torch.optim.Adam(model.parameters(), lr=tcfg.lr)
    loss_fn = nn.MSELoss()
    t0 = time.perf_counter()
    best, steps, reached_at = math.inf, 0, None
    while steps < max_steps:
        model.train()
        opt.zero_grad()
        loss = loss_fn(model(Xtr), ytr)
        loss.backward()
        opt.step()
        model.eval()
        val = _val_loss(model, Xva, yva)
        steps += 1
        best = min(best, val)
        if val <= target:
            reached_at = time.perf_counter() - t0
            break
        if time.perf_counter() - t0 > budget_s:
            break
    seconds = time.perf_counter() - t0
    return {
        "reached": reached_at is not None,
        "seconds_to_target": reached_at,
        "steps": steps,
        "seconds": seconds,
        "seconds_per_step": seconds / max(1, steps),
        "best_val_loss": best,
        "target_val_loss": target,
    }


def bench_training(
    cfg: BenchConfig,
    repeats: int | None = None,
    full_batch: bool = True,
    full_batch_budget: float = 3.0,
    full_batch_max_gb: float = 10.0,
    log=lambda s: None,
) -> dict:
    """Trainer vs bare loop (paired, alternating), then the full-batch loop, for one config."""
    data, mcfg, tcfg = setup(cfg)
    reps = repeats or cfg.repeats
    n_train = data.split.n_train
    trainer, bare = [], []
    for r in range(reps):
        order = ("trainer", "bare") if r % 2 == 0 else ("bare", "trainer")
        for side in order:
            if side == "trainer":
                trainer.append(run_trainer(data, mcfg, tcfg))
            else:
                bare.append(run_bare(data, mcfg, tcfg))
            log(
                f"  {cfg.name} run {r + 1}/{reps} {side}: "
                f"{(trainer if side == 'trainer' else bare)[-1]['seconds']:.2f}s"
            )
    t_s = [x["seconds"] for x in trainer]
    b_s = [x["seconds"] for x in bare]
    ratios = [t / b for t, b in zip(t_s, b_s, strict=True)]
    t_val, b_val = trainer[-1]["val_loss"], bare[-1]["val_loss"]
    windows = n_train * tcfg.epochs
    out: dict = {
        "config": cfg.to_dict(),
        "n_train_windows": n_train,
        "n_batches_per_epoch": math.ceil(n_train / min(cfg.batch, n_train)),
        "epochs": tcfg.epochs,
        "repeats": reps,
        "trainer_seconds": summarize(t_s).to_dict(),
        "bare_seconds": summarize(b_s).to_dict(),
        "trainer_windows_per_s": windows / summarize(t_s).median,
        "bare_windows_per_s": windows / summarize(b_s).median,
        "trainer_over_bare": summarize(ratios).to_dict(),
        "callbacks_per_run": trainer[-1]["callbacks"],
        "trainer_val_loss": t_val,
        "bare_val_loss": b_val,
        "same_work_val_rel_diff": abs(t_val - b_val) / max(abs(b_val), 1e-30),
    }
    out["val_pass"] = bench_val_pass(data, mcfg)
    if full_batch:
        need = full_batch_bytes(data, cfg.hidden)
        if need > full_batch_max_gb * 2**30:
            out["full_batch"] = {
                "skipped": f"one full-batch step would need about {need / 2**30:.0f} GiB "
                f"(limit {full_batch_max_gb:g} GiB: --full-batch-max-gb)"
            }
        else:
            budget = max(full_batch_budget * summarize(t_s).median, cfg.full_batch_min_s)
            fb = run_full_batch(data, mcfg, tcfg, t_val, cfg.full_batch_steps, budget)
            fb["budget_s"] = budget
            if fb["reached"]:
                fb["full_batch_over_trainer"] = fb["seconds_to_target"] / summarize(t_s).median
            out["full_batch"] = fb
            log(
                f"  {cfg.name} full batch: {fb['steps']} steps, {fb['seconds']:.1f}s, "
                f"reached={fb['reached']}"
            )
    return out
