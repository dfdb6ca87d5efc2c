"""What every benchmark shares: the configs, the synthetic series, an app-like callback."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class BenchConfig:
    """One training size."""

    name: str
    n_points: int
    look_back: int
    hidden: int
    batch: int
    epochs: int  # per run, the same on every side
    repeats: int  # runs per side (trainer and bare loop alternate)
    full_batch_steps: int  # most steps of the lecture's full-batch loop
    full_batch_min_s: float  # its time budget: at least this, or a multiple of the trainer's

    def to_dict(self) -> dict:
        return asdict(self)


CONFIGS: dict[str, BenchConfig] = {
    "Q": BenchConfig(
        "Q", 1_500, 10, 16, 64, epochs=1, repeats=3, full_batch_steps=200, full_batch_min_s=2
    ),
    "A": BenchConfig(
        "A", 5_000, 10, 50, 64, epochs=3, repeats=5, full_batch_steps=1000, full_batch_min_s=10
    ),
    "B": BenchConfig(
        "B", 50_000, 50, 64, 256, epochs=2, repeats=3, full_batch_steps=100, full_batch_min_s=10
    ),
    "C": BenchConfig(
        "C", 200_000, 100, 128, 512, epochs=1, repeats=1, full_batch_steps=20, full_batch_min_s=10
    ),
}

SEED = 0


def sine_series(n: int, seed: int = SEED) -> np.ndarray:
    """[n] float64: sin(2π t / 24) + 0.1 · noise, by lstm_core.series.synthetic when it is there."""
    try:
        from lstm_core.series.synthetic import sine_series as core_sine
    except ImportError:  # an older lstm_core: the same formula here
        t = np.arange(n, dtype=np.float64)
        return np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(seed).standard_normal(n)
    return np.asarray(core_sine(n, seed=seed), dtype=np.float64)


class AppLikeCallback:
    """A progress callback doing what the app's would: status text, progress, loss curve."""

    def __init__(self) -> None:
        self.calls = 0
        self.text = ""
        self.fraction = 0.0
        self.points: list[tuple[int, int, float]] = []
        self.curve: list[dict] = []
        self.last = time.perf_counter()

    def __call__(self, p) -> bool:
        self.calls += 1
        self.fraction = p.fraction
        eta = p.eta
        self.text = (
            f"epoch {p.epoch}/{p.last_epoch} · batch {p.batch}/{p.n_batches} · "
            f"loss {p.loss:.4g} · {p.elapsed:.1f}s elapsed"
            + (f", ~{eta:.0f}s left" if eta == eta else "")
        )
        self.points.append((p.epoch, p.batch, p.loss))
        if p.kind == "epoch":
            self.curve = [r.to_dict() for r in p.history]
        self.last = time.perf_counter()
        return False
