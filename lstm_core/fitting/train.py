"""Mini-batch training that knows nothing of any UI.

`fit` reports through a callback (minGPT's pattern): it receives a `Progress` a few times
inside each epoch and once at its end, and returns True to stop training. Stopping keeps
the weights trained so far. A loss that turns NaN/inf stops training and restores the last
good weights; early stopping restores the best ones.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import torch
from torch import nn
from torch.optim.adam import adam as functional_adam

from lstm_core.config import TrainConfig
from lstm_core.runtime.jobs import RunStatus
from lstm_core.runtime.perf import malloc_tuned, release_memory, tune_malloc
from lstm_core.runtime.threads import ThreadPolicy
from lstm_core.series.windows import Dataset

EVAL_BATCH = 8192  # most windows per forward pass when evaluating (no gradients)
EVAL_CELLS = 1 << 23  # ...and at most this many window x step x hidden-unit outputs per pass
REPORTS_PER_EPOCH = 20  # in-epoch progress reports, at most


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch."""

    epoch: int  # 1-based, counting across continued runs
    train_loss: float  # mean MSE over the epoch's training batches (scaled units)
    val_loss: float  # MSE on the validation windows after the epoch
    seconds: float  # wall time of the epoch, validation included

    def to_dict(self) -> dict[str, float]:
        return {
            "epoch": self.epoch,
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "seconds": self.seconds,
        }


class HistoryView(Sequence[EpochRecord]):
    """The first `n` records of a history that is only ever appended to: what a progress
    report hands out, in O(1) (a copy at each report made a run quadratic in its epochs).
    Later epochs appended to the list do not show in it, as with a copy."""

    __slots__ = ("_n", "_records")

    def __init__(self, records: list[EpochRecord], n: int | None = None) -> None:
        self._records = records
        self._n = len(records) if n is None else n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> EpochRecord: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[EpochRecord, ...]: ...
    def __getitem__(self, i: int | slice) -> EpochRecord | tuple[EpochRecord, ...]:
        if isinstance(i, slice):
            return tuple(self._records[k] for k in range(self._n)[i])
        return self._records[range(self._n)[i]]  # IndexError past the snapshot's end

    def __iter__(self) -> Iterator[EpochRecord]:
        return (self._records[k] for k in range(self._n))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"HistoryView({list(self)!r})"


@dataclass(frozen=True)
class Progress:
    """What the callback is told."""

    kind: str  # "batch" (inside an epoch) or "epoch" (an epoch just ended)
    epoch: int  # current epoch, 1-based, counting across continued runs
    first_epoch: int  # first epoch of this call to fit
    last_epoch: int  # last epoch this call will run unless stopped
    batch: int  # batches done in this epoch
    n_batches: int  # batches per epoch
    loss: float  # latest batch loss ("batch") or the epoch's train loss ("epoch")
    elapsed: float  # seconds since this call to fit started
    history: Sequence[EpochRecord]  # all finished epochs, earlier runs included (a snapshot)

    @property
    def fraction(self) -> float:
        """Share of this call's work done, 0..1."""
        total = (self.last_epoch - self.first_epoch + 1) * self.n_batches
        done = (self.epoch - self.first_epoch) * self.n_batches + self.batch
        return min(1.0, done / max(1, total))

    @property
    def eta(self) -> float:
        """Estimated seconds left in this call; NaN until it can be trusted (`timed`)."""
        f = self.fraction
        return self.elapsed * (1 - f) / f if f > 0 and self.timed else float("nan")

    @property
    def timed(self) -> bool:
        """Whether enough has run to estimate the rest: two epochs of this call, or 10 s
        and 2 % of it (the first batches pay for warm-up: an estimate from them read ~45 s
        for a run that ended 3 s later)."""
        return self.epochs_done >= 2 or (self.elapsed >= 10 and self.fraction >= 0.02)

    @property
    def epochs_done(self) -> float:
        """Epochs of this call done, the running one in part."""
        return self.epoch - self.first_epoch + self.batch / max(1, self.n_batches)

    @property
    def seconds_per_epoch(self) -> float:
        """This call's seconds per epoch so far (NaN until `timed`)."""
        done = self.epochs_done
        return self.elapsed / done if done > 0 and self.timed else float("nan")


Callback = Callable[[Progress], bool | None]


@dataclass
class FitResult:
    """How a call to `fit` ended."""

    history: list[EpochRecord]  # every epoch so far, earlier runs included
    status: RunStatus  # COMPLETED, EARLY_STOPPED, STOPPED (callback), DIVERGED; the Train
    #                    page also records FAILED (the data or settings could not train). A
    #                    StrEnum: equal to "completed" etc.; a plain string given is converted
    message: str  # one sentence for the user
    best_epoch: int | None = None  # epoch with the lowest validation loss
    device: str = "cpu"  # where it ran
    seconds: float = 0.0  # wall time of this call
    epochs_run: int = 0  # epochs finished in this call
    stopped_at: int | None = None  # the epoch `fit` was stopped in by its callback (Stop),
    #                                after it or during it; None when it was not

    def __post_init__(self) -> None:
        self.status = RunStatus(self.status)  # ValueError for a status that does not exist


def resolve_device(name: str) -> torch.device:
    """ "auto" -> CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but no GPU is available: use device 'auto' or 'cpu'.")
    return torch.device(name)


class Adam:
    """torch.optim.Adam's update, computed by torch's own functional `torch.optim.adam.adam`
    with the arguments the class passes it (same numbers, tests/test_train.py checks it
    step by step), without the Optimizer class: its constructor, `zero_grad` and `step` go
    through torch._dynamo's disable wrappers, which import torch._dynamo on first use: 1.9 s
    of a fresh CLI process that never compiles (benchmarks/README.md, section 7)."""

    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, self.betas, self.eps = float(lr), (float(betas[0]), float(betas[1])), eps
        self.state: dict[torch.Tensor, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        with_grad = [p for p in self.params if p.grad is not None]
        if not with_grad:
            return
        states = []
        for p in with_grad:
            st = self.state.get(p)
            if st is None:  # as Adam._init_group: a float32 step on the CPU, zeroed moments
                st = self.state[p] = (
                    torch.tensor(0.0, dtype=_scalar_dtype()),
                    torch.zeros_like(p, memory_format=torch.preserve_format),
                    torch.zeros_like(p, memory_format=torch.preserve_format),
                )
            states.append(st)
        steps, avgs, sqs = (list(t) for t in zip(*states, strict=True))
        functional_adam(
            with_grad, [p.grad for p in with_grad], avgs, sqs, [], steps,
            foreach=None, capturable=False, differentiable=False, fused=None,
            grad_scale=None, found_inf=None, decoupled_weight_decay=False,
            has_complex=any(torch.is_complex(p) for p in with_grad), amsgrad=False,
            beta1=self.betas[0], beta2=self.betas[1], lr=self.lr, weight_decay=0.0,
            eps=self.eps, maximize=False,
        )  # fmt: skip


def _scalar_dtype() -> torch.dtype:
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def optimizer(params, lr: float) -> Adam:
    """The optimizer fit uses (tests swap in torch.optim.Adam to compare)."""
    return Adam(params, lr=lr)


def eval_rows(model: nn.Module, steps: int) -> int:
    """Windows per evaluation pass: up to EVAL_BATCH, fewer for long windows or wide layers.

    Smaller passes bound the [rows, steps, hidden] output the recurrent layer materialises:
    at look_back 100 and hidden 128, passes of 8192 windows took ~2 GiB and were slower
    than passes of ~650 (benchmarks/README.md).
    """
    hidden = int(getattr(getattr(model, "rnn", model), "hidden_size", 1) or 1)
    return max(1, min(EVAL_BATCH, EVAL_CELLS // max(1, steps * hidden)))


@torch.no_grad()
def mse(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error of model(X [n, L]) against y [n], in batches."""
    if len(X) == 0:
        return float("nan")
    rows = eval_rows(model, X.shape[1] if X.dim() > 1 else 1)
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    for a in range(0, len(X), rows):
        d = model(X[a : a + rows]) - y[a : a + rows]
        total += (d.double() ** 2).sum()
    return float(total) / len(X)


def fit(
    model: nn.Module,
    data: Dataset,
    cfg: TrainConfig,
    callback: Callback | None = None,
    history: list[EpochRecord] | None = None,
) -> FitResult:
    """Train `model` on `data`'s training windows for cfg.epochs more epochs.

    Pass the previous `history` to continue a run: epochs are numbered on from it and the
    shuffling continues its seeded sequence. `history` is appended to in place, so a caller
    interrupted mid-training (e.g. by a UI rerun) still holds every finished epoch. With
    cfg.restore_best the model ends with the weights of its lowest validation loss so far
    (earlier runs included), however the call ends: completed, stopped, diverged or cut off
    by an exception from the callback. The model is left on the CPU afterwards.
    """
    tune_malloc()  # once per process: keep freed batch buffers (see lstm_core/runtime/perf.py)
    best = _Best()
    try:
        with (
            ThreadPolicy() as policy
        ):  # threads for the cores free now (lstm_core/runtime/threads.py)
            return _fit(model, data, cfg, callback, history, best, policy)
    finally:  # also when a callback raises (a UI rerun): best weights, CPU, training peak back
        if cfg.restore_best:
            best.restore(model)
        model.to("cpu").eval()
        if malloc_tuned():
            release_memory()  # ~20 ms


@dataclass
class _Best:
    """The lowest validation loss seen and the weights that gave it."""

    loss: float = math.inf
    epoch: int | None = None
    weights: dict | None = None
    restored: bool = False  # whether the model was set back to these weights

    def offer(self, loss: float, epoch: int | None, weights: dict) -> bool:
        if loss < self.loss:
            self.loss, self.epoch, self.weights = loss, epoch, weights
            return True
        return False

    def restore(self, model: nn.Module) -> None:
        if self.weights is not None and not self.restored:
            model.load_state_dict(self.weights)
            self.restored = True


def _start_best(
    model: nn.Module, history: list[EpochRecord], Xva: torch.Tensor, yva: torch.Tensor
) -> _Best:
    """When continuing: the weights the model has now compete too (after a run that kept its
    best, they are those of the history's lowest validation loss)."""
    best = _Best()
    if history:
        v0 = mse(model, Xva, yva)
        low = min(history, key=lambda r: r.val_loss)
        same = math.isclose(v0, low.val_loss, rel_tol=1e-6, abs_tol=1e-12)
        best.offer(v0, low.epoch if same else history[-1].epoch, copy.deepcopy(model.state_dict()))
    return best


def _fit(
    model: nn.Module,
    data: Dataset,
    cfg: TrainConfig,
    callback: Callback | None,
    history: list[EpochRecord] | None,
    best: _Best,
    policy: ThreadPolicy | None = None,
) -> FitResult:
    device = resolve_device(cfg.device)
    model.to(device)
    history = history if history is not None else []
    first = len(history) + 1
    last = first + cfg.epochs - 1
    Xtr, ytr = data.part("train", device)  # views of the series: batches are gathered
    Xva, yva = data.part("val", device)
    n = len(Xtr)
    bs = min(cfg.batch_size, n)
    n_batches = math.ceil(n / bs)
    report_every = max(1, n_batches // REPORTS_PER_EPOCH)
    opt = optimizer(model.parameters(), cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + first)
    loss_fn = nn.MSELoss()
    good = copy.deepcopy(model.state_dict())  # last weights with a finite loss
    start = _start_best(model, history, Xva, yva)
    best.offer(start.loss, start.epoch, start.weights or good)
    t0 = time.perf_counter()
    status, message, since_best = RunStatus.COMPLETED, "", 0
    stopped_at: int | None = None

    def report(kind: str, epoch: int, batch: int, loss: float) -> bool:
        if callback is None:
            return False
        p = Progress(kind, epoch, first, last, batch, n_batches, loss,
                     time.perf_counter() - t0, HistoryView(history))  # fmt: skip
        return bool(callback(p))

    for epoch in range(first, last + 1):
        te = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen).to(device)
        total = torch.zeros((), device=device)
        stop = False
        for b in range(n_batches):
            idx = perm[b * bs : (b + 1) * bs]
            opt.zero_grad()
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            loss.backward()
            if cfg.clip_norm > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
            opt.step()
            total += loss.detach() * len(idx)
            if (b + 1) % report_every == 0 and b + 1 < n_batches:
                if policy is not None:
                    policy.update()  # others started or stopped working (every RECHECK_S)
                lv = float(loss.detach())
                if not math.isfinite(lv):
                    break
                if report("batch", epoch, b + 1, lv):
                    stop = True
                    break
        model.eval()
        if stop:  # stopped mid-epoch: record nothing for a partial epoch (no validation pass)
            status, stopped_at = RunStatus.STOPPED, epoch
            message = f"Training stopped by request during epoch {epoch}."
            break
        if policy is not None:
            policy.update()  # others started or stopped working: fewer or more threads
        train_loss = float(total) / n
        val_loss = mse(model, Xva, yva)
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
            model.load_state_dict(good)
            status = RunStatus.DIVERGED
            message = (
                f"Training stopped at epoch {epoch}: the loss became NaN or infinite, so the "
                "learning rate is probably too high — try a smaller learning rate."
            )
            break
        good = copy.deepcopy(model.state_dict())
        history.append(EpochRecord(epoch, train_loss, val_loss, time.perf_counter() - te))
        since_best = 0 if best.offer(val_loss, epoch, good) else since_best + 1
        if report("epoch", epoch, n_batches, train_loss):
            status, stopped_at = RunStatus.STOPPED, epoch
            message = f"Training stopped by request after epoch {epoch}."
            break
        if cfg.patience and since_best >= cfg.patience:
            status = RunStatus.EARLY_STOPPED
            message = f"Early stopping: no better validation loss for {cfg.patience} epochs."
            break
    if status is RunStatus.COMPLETED:
        message = f"Trained {last - first + 1} epochs."
    if status is RunStatus.DIVERGED and not (cfg.restore_best and best.epoch is not None):
        message += " The last good weights were kept."
    if cfg.restore_best and best.epoch is not None:
        best.restore(model)
        message += f" {kept_message(best.epoch)}"
    elif status is RunStatus.EARLY_STOPPED:  # early stopping always returns to its best epoch
        best.restore(model)
        message += f" The best weights (epoch {best.epoch}) were restored."
    model.to("cpu").eval()
    return FitResult(
        history=history,
        status=status,
        message=message,
        best_epoch=best.epoch,
        device=str(device),
        seconds=time.perf_counter() - t0,
        epochs_run=len(history) - first + 1,
        stopped_at=stopped_at,
    )


def kept_message(epoch: int) -> str:
    """The sentence that names the epoch whose weights the model ends with."""
    return f"The weights of epoch {epoch}, the lowest validation loss, were kept."
