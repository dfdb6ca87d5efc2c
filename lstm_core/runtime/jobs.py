"""Training jobs: a training runs in its own thread, outlives the page that started it, and
waits its turn for a server-wide training slot. Knows nothing of any UI.

  RunStatus      where a run stands (queued, running) or how it ended
  Slots          at most `limit` trainings at once in this process; the others wait in
                 first-come order, each can see its place and give it up
  server_slots() the one Slots of this process (the app's server): LSTM_EXPLORER_MAX_TRAININGS
                 or, by default, one training per usable core
  Job            one training: `work(job)` runs in a worker thread once a slot is free; the
                 work reports progress through `job.report(progress)`, which also tells it to
                 stop (Stop pressed, or the visitor gone for GRACE_S seconds)

The worker never touches the UI: it writes plain attributes (status, progress, result) that
the UI reads when it redraws. The cores are shared by lstm_core.runtime.threads: each running fit
counts itself, so K trainings on C cores take about C / K threads each.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from lstm_core.runtime.threads import usable_cores

ENV_LIMIT = "LSTM_EXPLORER_MAX_TRAININGS"  # N > 0: at most N trainings at once on this server
GRACE_S = 30.0  # a job whose visitor has been gone this long stops (a dropped connection that
#                 comes back sooner keeps it; a reload is a new visitor and cannot see it)
POLL_S = 0.1  # how often a waiting job looks at the queue and at its stop flag

log = logging.getLogger(__name__)


class RunStatus(StrEnum):
    """Where a training stands; the finished ones are also
    lstm_core.fitting.train.FitResult.status."""

    QUEUED = "queued"  # waiting for a free training slot
    RUNNING = "running"  # training now (trying transforms, then training on)
    COMPLETED = "completed"  # every epoch asked for ran
    EARLY_STOPPED = "early_stopped"  # patience ran out
    STOPPED = "stopped"  # Stop was pressed (or the visitor left)
    DIVERGED = "diverged"  # the loss became NaN or infinite
    FAILED = "failed"  # the data or settings could not train, or an error
    CANCELLED = "cancelled"  # stopped while still waiting in the queue

    @property
    def active(self) -> bool:
        """Queued or running: the job may still change the model."""
        return self in (RunStatus.QUEUED, RunStatus.RUNNING)


def default_limit() -> int:
    """Trainings at once: LSTM_EXPLORER_MAX_TRAININGS when set to N > 0, else one per core."""
    v = os.environ.get(ENV_LIMIT, "").strip()
    return int(v) if v.isdigit() and int(v) > 0 else usable_cores()


class Slots:
    """At most `limit` holders at once; the rest wait in first-come order."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self._cond = threading.Condition()
        self._queue: list[object] = []  # waiting, first come first
        self._holders: set[int] = set()  # id() of the holders: only while they hold a slot

    def enter(self, holder: object, cancelled: Callable[[], bool], poll: float = POLL_S) -> bool:
        """Wait for a slot (True) unless `cancelled()` turns true first (False, no slot).

        `cancelled` is the waiting visitor's (it may draw on their page, which waits on their
        browser): it is called outside the lock, so a slow one holds up nobody else's queue.
        """
        with self._cond:
            self._queue.append(holder)
        try:
            while not cancelled():
                with self._cond:
                    if self._queue[0] is holder and len(self._holders) < self.limit:
                        self._holders.add(id(holder))
                        return True
                    self._cond.wait(poll)
            return False
        finally:
            with self._cond:
                self._queue.remove(holder)
                self._cond.notify_all()

    def leave(self, holder: object) -> None:
        """Give the slot back (nothing if `holder` has none)."""
        with self._cond:
            self._holders.discard(id(holder))
            self._cond.notify_all()

    def place(self, holder: object) -> int | None:
        """1 for the first in line, 2 for the next, ...; None when not waiting."""
        with self._cond:
            for k, h in enumerate(self._queue):
                if h is holder:
                    return k + 1
            return None

    def counts(self) -> tuple[int, int]:
        """(running, waiting) now."""
        with self._cond:
            return len(self._holders), len(self._queue)


_server: Slots | None = None  # server-wide on purpose: the limit is shared by every visitor
_server_lock = threading.Lock()


def server_slots() -> Slots:
    """This process's training slots (created on first use with default_limit())."""
    global _server
    with _server_lock:
        if _server is None:
            _server = Slots(default_limit())
        return _server


_jobs: weakref.WeakSet[Job] = weakref.WeakSet()  # every job of this process not yet collected


def unfinished() -> list[Job]:
    """Jobs of this process still queued or running (e.g. to stop them all at shutdown)."""
    return [j for j in list(_jobs) if j.active]


class Job:
    """One training in a worker thread (daemon: a server shutting down does not wait).

    `work(job)` does the training and returns a FitResult-like object with `status` and
    `message`; it must call `job.report(progress)` often (the fit callback) and stop when
    that returns True. Attributes are written by the worker and read by anyone.
    """

    def __init__(
        self,
        work: Callable[[Job], Any],
        slots: Slots | None = None,
        alive: Callable[[], bool] | None = None,
        grace: float = GRACE_S,
        max_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.work = work
        self.clock = clock  # seconds, monotonic: the time limit and the grace period
        self.slots = slots or server_slots()
        self._alive = alive or (lambda: True)  # whether the visitor is still connected
        self.grace = grace
        self.max_seconds = max_seconds  # longest a training may run (None: no limit)
        self.stop_reason = ""  # why it was stopped, when not by Stop (one sentence)
        self._stop = threading.Event()
        self._gone_since: float | None = None
        self.status = RunStatus.QUEUED
        self.message = ""  # one sentence once finished
        self.result: Any = None  # what work returned
        self.progress: Any = None  # the latest progress reported (lstm_core.fitting.train.Progress)
        self.created = time.time()  # wall clock: when it was asked for
        self.started: float | None = None  # clock() when it got its slot
        self.finished: float | None = None  # clock() when it ended
        self._thread = threading.Thread(target=self._run, name="training-job", daemon=True)

    def start(self) -> Job:
        _jobs.add(self)
        self._thread.start()
        return self

    @property
    def active(self) -> bool:
        return self.status.active

    def place(self) -> int | None:
        """Place in the queue while waiting (1 = next), None once running or finished."""
        return self.slots.place(self) if self.status == RunStatus.QUEUED else None

    def stop(self) -> None:
        """Ask the job to stop: it leaves the queue, or training stops at its next report."""
        self._stop.set()

    @property
    def stop_asked(self) -> bool:
        return self._stop.is_set()

    def should_stop(self) -> bool:
        """Stop was asked, it ran for max_seconds, or the visitor has been gone for `grace`
        seconds."""
        if self._stop.is_set():
            return True
        ran = 0.0 if self.started is None else self.clock() - self.started
        if self.max_seconds and ran > self.max_seconds:
            minutes = self.max_seconds / 60
            self.stop_reason = (
                f"It ran for {minutes:g} minutes, the longest one training may run on this "
                "shared server: press Continue training to go on."
            )
            self._stop.set()
            return True
        if self._alive():
            self._gone_since = None
            return False
        now = self.clock()
        self._gone_since = self._gone_since if self._gone_since is not None else now
        if now - self._gone_since >= self.grace:
            self._stop.set()
            return True
        return False

    def report(self, progress: Any) -> bool:
        """The work's progress callback: keep the latest report; True means stop now."""
        self.progress = progress
        return self.should_stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            if not self.slots.enter(self, self.should_stop):
                self.message = "Cancelled while waiting for a free training slot."
                self.status = RunStatus.CANCELLED
                return
            self.started = self.clock()
            self.status = RunStatus.RUNNING
            try:
                self.result = self.work(self)
                self.message = str(getattr(self.result, "message", ""))
                self.status = RunStatus(getattr(self.result, "status", "completed"))
            except Exception as e:  # the work says the user's errors itself (a "failed" result)
                log.exception("training job failed")
                self.message = f"Training failed: {type(e).__name__}: {e}"
                self.status = RunStatus.FAILED
            finally:
                self.slots.leave(self)
        finally:
            self.finished = self.clock()
            if self.status.active:  # something beyond Exception ended the thread
                self.message = self.message or "Training ended unexpectedly."
                self.status = RunStatus.FAILED
