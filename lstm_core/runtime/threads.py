"""The CPU thread policy, in one place: how torch's OpenMP threads wait, and how many there
are, decided from what the machine is doing.

Measured (benchmarks/README.md, "Threads"): on a quiet machine two threads that spin at
their barriers are fastest (sleeping costs ~60 % on small batches); when other processes
keep the cores busy, a spinning thread burns its time slice waiting for a partner that is
not running, and training collapses 8-27x, while one thread has no partner to wait for.
So the policy has two parts:

  early_setup()   before torch loads (the CLI's __main__, app.py, the benchmarks): threads
                  spin for a while before they sleep (a finite GOMP_SPINCOUNT: never forever,
                  so the idle threads of a server go to sleep), unless the user has set
                  OMP_WAIT_POLICY or GOMP_SPINCOUNT;
  ThreadPolicy    per run and again every few seconds while it runs (lstm_core.fitting.train.fit,
                  at its in-epoch reports and after each epoch; inside a CLI command, whose
                  own context holds the decision, fit's rechecks go to that context):
                  as many threads as there are cores free of other work, shared among the
                  trainings this process runs; one thread when fewer than two are free.

"Other work" is measured, not guessed: /proc/stat's busy time of the cores this process
may use, minus this process's own CPU time, over the last interval. Off Linux nothing is
measured and torch's own choice stands. LSTM_CORE_THREADS=N pins the count (0: policy).
This module never imports torch.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

SPINCOUNT = "2000000"  # GOMP_SPINCOUNT: spin ~50 ms (4e7 spins/s here), then sleep (measured)
SAMPLE_S = 0.05  # a fresh look at the load before a run, when the last one is stale
STALE_S = 5.0  # ... i.e. older than this (a CLI run reads the load since its imports began)
RECHECK_S = 2.0  # look again at most this often while training
ENV = "LSTM_CORE_THREADS"  # N > 0 pins the thread count (tests, like-for-like benchmarks)

_lock = threading.Lock()
_running = 0  # trainings this process runs now (the app runs one per visitor)
_local = threading.local()  # per thread: how deep in ThreadPolicy contexts (a CLI command
#                             wraps fit's own: the inner one changes nothing)


def early_setup() -> None:
    """Call before torch is imported: a finite spin before sleeping, unless set by the user."""
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = SPINCOUNT


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity; cgroup quotas are not read)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _busy_seconds() -> float | None:
    """Busy CPU seconds so far of the cores this process may use (/proc/stat), or None."""
    try:
        cpus = {f"cpu{c}" for c in os.sched_getaffinity(0)}
        hz = os.sysconf("SC_CLK_TCK")
        total = 0
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                name, *fields = line.split()
                if name in cpus:
                    v = [int(x) for x in fields[:8]]
                    total += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq ...
        return total / hz
    except (OSError, ValueError, AttributeError):
        return None


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


@dataclass
class LoadMeter:
    """How many cores other processes kept busy since the last reading."""

    busy: float | None
    own: float
    wall: float

    @classmethod
    def start(cls) -> LoadMeter:
        return cls(_busy_seconds(), _own_seconds(), time.monotonic())

    def others(self) -> float | None:
        """Cores busy with other work since the last call (0..cores); None off Linux."""
        busy, own, wall = _busy_seconds(), _own_seconds(), time.monotonic()
        if busy is None or self.busy is None or wall - self.wall <= 0:
            return None
        load = ((busy - self.busy) - (own - self.own)) / (wall - self.wall)
        self.busy, self.own, self.wall = busy, own, wall
        return min(float(usable_cores()), max(0.0, load))


_meter = LoadMeter.start()  # since this module loaded (before torch, in the CLI)


def pinned() -> int | None:
    """The thread count pinned by LSTM_CORE_THREADS, or None (the policy decides)."""
    v = os.environ.get(ENV, "0").strip()
    return int(v) if v.isdigit() and int(v) > 0 else None


def pin(n: int) -> None:
    """Fix torch's thread count for this process and the runs to come (0: policy again)."""
    os.environ[ENV] = str(max(0, int(n)))
    if n > 0:
        import torch

        torch.set_num_threads(int(n))


def choose(cores: int, others: float | None, trainings: int = 1) -> int | None:
    """Threads for one training: the cores free of other work, shared among `trainings`;
    1 when fewer than two are free; None (torch decides) when the load is unknown."""
    if pinned() is not None:
        return pinned()
    if others is None:
        return None
    free = cores - others
    share = int(free + 0.5) // max(1, trainings)  # a core counts as free when half idle
    return max(1, min(cores, share)) if share >= 2 else 1


class ThreadPolicy:
    """Used by fit: sets torch's thread count at the start and every RECHECK_S seconds,
    and restores the previous count at the end. Counts itself among running trainings."""

    def __init__(self) -> None:
        self.outer = True  # the outermost context of its thread (set on entry)
        self.parent: ThreadPolicy | None = None  # ... else that outermost context
        self.meter = _meter
        self.checked = 0.0
        self.before: int | None = None
        self.threads: int | None = None

    def __enter__(self) -> ThreadPolicy:
        global _running
        import torch

        _local.depth = getattr(_local, "depth", 0) + 1
        self.outer = _local.depth == 1
        if not self.outer:
            self.parent = _local.policy  # a run inside a run: the outer context decides
            return self
        _local.policy = self
        with _lock:
            _running += 1
        self.before = torch.get_num_threads()
        if pinned() is None:
            with _lock:
                fresh = time.monotonic() - _meter.wall > STALE_S
            self.meter = LoadMeter.start() if fresh else LoadMeter(_meter.busy, _meter.own,
                                                                   _meter.wall)  # fmt: skip
            if fresh:
                time.sleep(SAMPLE_S)  # a first look at what the other processes do
        self.update(force=True)
        return self

    def update(self, force: bool = False) -> int | None:
        """Re-decide the thread count if RECHECK_S passed (cheap otherwise); in a nested
        context, the outer one re-decides (a CLI command's fit still follows the load)."""
        if self.parent is not None:
            self.parent.update()
            return self.threads
        now = time.monotonic()
        if not self.outer or (not force and now - self.checked < RECHECK_S):
            return self.threads
        import torch

        self.checked = now
        n = choose(usable_cores(), self.meter.others(), _running)
        if n is not None and n != torch.get_num_threads():
            torch.set_num_threads(n)
        self.threads = n
        return n

    def __exit__(self, *exc: object) -> None:
        global _running, _meter
        import torch

        _local.depth -= 1
        if not self.outer:
            return
        _local.policy = None
        with _lock:
            _running -= 1
            _meter = LoadMeter(self.meter.busy, self.meter.own, self.meter.wall)
        if self.before is not None:
            torch.set_num_threads(self.before)
