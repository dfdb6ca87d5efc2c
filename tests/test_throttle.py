"""The Train page's redraw throttle, on a fake clock."""

from __future__ import annotations

import pytest

from explorer.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_cheap_redraws_follow_the_interval():
    clock = Clock()
    th = Throttle(interval=0.5, share=0.1, clock=clock)
    drawn = []
    for step in range(20):  # a callback every 0.125 s (exact in binary), free redraws
        clock.t = 100.0 + 0.125 * step
        if th.ready():
            with th.draw():
                drawn.append(step)
    assert drawn == [0, 4, 8, 12, 16]


def test_expensive_redraws_stay_within_their_share_of_the_time():
    clock = Clock()
    th = Throttle(interval=0.2, share=0.1, clock=clock)
    drawn = 0
    for _ in range(1000):  # 1000 epochs of 0.1 s; each redraw costs 0.05 s
        clock.t += 0.1
        if th.ready():
            with th.draw():
                clock.t += 0.05
                drawn += 1
    elapsed = clock.t - 100.0
    assert th.spent == pytest.approx(0.05 * drawn)
    assert th.spent <= 0.1 * elapsed + 0.05  # within the share, give or take one redraw
    assert drawn > 150  # and still redrawing regularly (about every 0.5 s)


def test_a_redraw_cut_short_still_counts():
    clock = Clock()
    th = Throttle(interval=0.2, share=0.5, clock=clock)
    with pytest.raises(RuntimeError), th.draw():
        clock.t += 0.3
        raise RuntimeError("a rerun stopped the script")
    assert th.spent == pytest.approx(0.3) and th.last == pytest.approx(100.3)
    assert not th.ready()  # 0.3 s drawn in 0.3 s: over the share
