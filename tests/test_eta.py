"""Time estimates: none from the first batches, and one for the whole of an "auto" run."""

from __future__ import annotations

import math

import pytest

from explorer.session import trials_eta
from explorer.training import Trial
from lstm_core.fitting.train import Progress


def progress(kind: str, epoch: int, batch: int, elapsed: float, first=1, last=10, n=100):
    return Progress(kind, epoch, first, last, batch, n, 0.1, elapsed, ())


def test_no_estimate_from_the_first_batches():
    early = progress("batch", 1, 5, 0.3)
    assert math.isnan(early.eta) and math.isnan(early.seconds_per_epoch)
    assert math.isnan(progress("epoch", 1, 100, 2.0).eta)  # one epoch: warm-up included
    timed = progress("epoch", 3, 100, 6.0)
    assert timed.eta == pytest.approx(6.0 * 0.7 / 0.3)
    assert timed.seconds_per_epoch == pytest.approx(2.0)
    slow = progress("batch", 1, 3, 12.0, n=10)  # 10 s and 3 % of the call: long epochs
    assert slow.eta == pytest.approx(12.0 * 0.97 / 0.03)


def test_auto_trials_estimate_the_whole_run():
    # candidate 1 of 3, 4 trial epochs, 2 done in 4 s; the winner then trains 100 - 4 more
    t = Trial("none", 0, 3, progress("epoch", 2, 100, 4.0, first=1, last=4))
    assert trials_eta(t, 100) == pytest.approx(2.0 * (2 + 2 * 4 + 96))
    assert math.isnan(trials_eta(Trial("none", 0, 3, progress("batch", 1, 1, 0.1)), 100))
