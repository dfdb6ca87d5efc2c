"""Redraws during training that cost a bounded share of its time. Pure: no Streamlit."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Throttle:
    """Say when a live redraw may happen: at least `interval` seconds after the last one,
    and only while the time spent drawing stays within `share` of the time since start.

    A 30 ms redraw with share 0.08 is allowed about every 0.4 s, whatever the epoch length,
    so drawing never costs more than ~8 % of training; cheap redraws run every `interval`.
    """

    def __init__(
        self,
        interval: float = 0.2,
        share: float = 0.08,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval, self.share, self.clock = interval, share, clock
        self.start = clock()
        self.last = -math.inf  # when the last redraw ended
        self.spent = 0.0  # seconds spent redrawing so far

    def ready(self) -> bool:
        now = self.clock()
        return now - self.last >= self.interval and self.spent <= self.share * (now - self.start)

    @contextmanager
    def draw(self) -> Iterator[None]:
        """Time one redraw (also when it raises: a Streamlit rerun stops it midway)."""
        t0 = self.clock()
        try:
            yield
        finally:
            self.last = self.clock()
            self.spent += self.last - t0
