"""Shared fixtures: small real and synthetic series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture
def sine() -> np.ndarray:
    """[200] a clean sine with period 20 plus a little noise, seeded."""
    t = np.arange(200)
    return np.sin(2 * np.pi * t / 20) + 0.05 * np.random.default_rng(0).standard_normal(200)


@pytest.fixture
def air_csv() -> Path:
    return DATA / "air_passengers.csv"


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """Tiny tensors everywhere: one intra-op thread is faster and immune to OpenMP stalls
    on a busy 2-core machine (tests assert results, never speed)."""
    from lstm_core.runtime import threads

    before = torch.get_num_threads()
    threads.pin(1)  # also for fit's thread policy (lstm_core/runtime/threads.py)
    yield
    threads.pin(0)
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def no_training_left_behind():
    """A test that fails mid-training must not leave its job's thread training into the next
    test (or into interpreter exit)."""
    yield
    from lstm_core.runtime import jobs

    for job in jobs.unfinished():
        job.stop()
        job.join(30)
