"""The thread policy: how many threads for how busy a machine, set in one place."""

import io
import os
import threading

import pytest
import torch

from lstm_core.runtime import threads
from lstm_core.runtime.threads import LoadMeter, choose, early_setup


@pytest.fixture
def unpinned(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)


def test_threads_follow_the_free_cores(unpinned):
    assert choose(2, 0.0) == 2  # quiet: both cores
    assert choose(2, 0.4) == 2  # a core counts as free when at least half idle
    assert choose(2, 1.0) == 1  # one core busy elsewhere: no partner to wait for
    assert choose(2, 2.0) == 1
    assert choose(8, 3.0) == 5
    assert choose(8, 0.0, trainings=3) == 2  # three trainings share the free cores
    assert choose(8, 0.0, trainings=5) == 1
    assert choose(2, None) is None  # unknown load: torch decides


def test_a_pinned_count_wins(monkeypatch):
    monkeypatch.setenv(threads.ENV, "3")
    assert choose(2, 2.0) == 3 and threads.pinned() == 3
    monkeypatch.setenv(threads.ENV, "0")
    assert threads.pinned() is None


def test_early_setup_spins_a_while_unless_the_user_chose(monkeypatch):
    for var in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        monkeypatch.delenv(var, raising=False)
    early_setup()
    assert os.environ["GOMP_SPINCOUNT"] == threads.SPINCOUNT
    monkeypatch.delenv("GOMP_SPINCOUNT")
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    early_setup()
    assert "GOMP_SPINCOUNT" not in os.environ


PROC_STAT = """cpu  9999 9999 9999 9999 9999 9999 9999 9999 0 0
cpu0 100 20 30 4000 50 6 7 8 9 10
cpu1 999 999 999 999 999 999 999 999 0 0
cpu2 200 0 100 5000 0 0 0 0 0 0
intr 12345 1 2 3
"""


def test_busy_seconds_read_the_usable_cores_busy_columns_of_proc_stat(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 2}, raising=False)
    monkeypatch.setattr(threads.os, "sysconf", lambda name: 100)
    monkeypatch.setattr(threads, "open", lambda *a, **k: io.StringIO(PROC_STAT), raising=False)
    # cpu0: user nice system + irq softirq steal = 171 ticks (idle and iowait are not busy);
    # cpu2: 300; cpu1 is not ours; at 100 ticks a second
    assert threads._busy_seconds() == (171 + 300) / 100
    monkeypatch.setattr(threads, "open", lambda *a, **k: io.StringIO("cpu0 1 x\n"))
    assert threads._busy_seconds() is None  # an unreadable line: the load is unknown


def test_the_meter_subtracts_this_process_own_time(monkeypatch):
    """Busy time of the cores minus this process's CPU time, per second of wall time."""
    clock = {"busy": 100.0, "own": 10.0, "wall": 1000.0}
    monkeypatch.setattr(threads, "_busy_seconds", lambda: clock["busy"])
    monkeypatch.setattr(threads, "_own_seconds", lambda: clock["own"])
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    meter = LoadMeter.start()
    clock.update(busy=106.0, own=13.0, wall=1002.0)  # 2 s: 6 core-s busy, 3 of them ours
    assert meter.others() == 1.5
    clock.update(busy=114.0, own=13.0, wall=1004.0)  # 8 core-s in 2 s, none ours: 4 cores
    assert meter.others() == 4.0
    clock.update(busy=150.0, own=13.0, wall=1005.0)  # more than the cores: capped
    assert meter.others() == 4.0


def test_the_policy_sets_threads_for_the_run_and_restores_them(unpinned, monkeypatch):
    monkeypatch.setattr(threads, "choose", lambda cores, others, trainings: 1 + trainings)
    torch.set_num_threads(1)
    with threads.ThreadPolicy() as outer:
        assert torch.get_num_threads() == 2 == outer.threads  # one training running
        with threads.ThreadPolicy() as nested:  # fit inside a CLI command: no second say
            assert nested.threads is None and torch.get_num_threads() == 2
        seen = []

        def other_visitor() -> None:
            with threads.ThreadPolicy() as p:
                seen.append((p.threads, threads._running))

        t = threading.Thread(target=other_visitor)
        t.start()
        t.join()
        assert seen == [(3, 2)]  # two trainings in this process now
    assert threads._running == 0 and torch.get_num_threads() == 1


def test_a_nested_run_follows_the_load_through_the_outer_context(unpinned, monkeypatch):
    """fit inside a CLI command: its rechecks re-decide in the command's context (the load
    changes during a long training), at most every RECHECK_S seconds."""
    now = [1000.0]
    monkeypatch.setattr(threads.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(threads.time, "sleep", lambda s: None)
    load = [0.0]
    monkeypatch.setattr(threads.LoadMeter, "others", lambda self: load[0])
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    with threads.ThreadPolicy() as outer:
        assert torch.get_num_threads() == 2
        with threads.ThreadPolicy() as nested:
            load[0] = 2.0  # two busy processes start
            assert nested.update() is None and torch.get_num_threads() == 2  # too soon
            now[0] += threads.RECHECK_S
            nested.update()
            assert torch.get_num_threads() == 1 == outer.threads
            load[0] = 0.0
            now[0] += threads.RECHECK_S
            nested.update()
            assert torch.get_num_threads() == 2 == outer.threads
    assert threads._local.policy is None
