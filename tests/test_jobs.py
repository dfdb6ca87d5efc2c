"""Training jobs: the server-wide slots (limit, first-come order, places, cancelling) and a
job's life (its status, its stop, a visitor who left), then a real training as a job."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from explorer.training import TrainRequest, TrainWork, continue_request
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.runtime import jobs
from lstm_core.runtime.jobs import Job, RunStatus, Slots


def wait_until(cond, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Polls:
    """A job's `alive` callback that counts its calls. A queued job asks it at every look at
    the queue, so two more calls prove it looked again, and still waits: no sleep needed."""

    def __init__(self) -> None:
        self.n = 0
        self._cond = threading.Condition()

    def __call__(self) -> bool:
        with self._cond:
            self.n += 1
            self._cond.notify_all()
        return True

    def wait_more(self, k: int = 2, timeout: float = 30.0) -> None:
        with self._cond:
            target = self.n + k
            assert self._cond.wait_for(lambda: self.n >= target, timeout), "never asked"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Gate:
    """Work that holds its slot until released, then returns a FitResult-like object."""

    def __init__(self, status: str = "completed") -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.status = status

    def __call__(self, job: Job):
        self.entered.set()
        while not self.release.wait(0.01):
            if job.report(None):
                return SimpleNamespace(status="stopped", message="stopped by request")
        return SimpleNamespace(status=self.status, message=f"done: {self.status}")


def test_at_most_limit_run_and_the_rest_wait_first_come_first():
    slots = Slots(2)
    gates = [Gate() for _ in range(5)]
    polls = [Polls() for _ in range(5)]
    js = []
    for k, g in enumerate(gates):
        js.append(Job(g, slots, alive=polls[k]).start())
        if k < 2:  # arrival order is the order of start(): each is in before the next comes
            wait_until(g.entered.is_set)
        else:
            wait_until(lambda k=k: js[k].place() == k - 1)
    for p in polls[2:]:
        p.wait_more()  # each looked at the queue again, and waits on
    assert not any(g.entered.is_set() for g in gates[2:])
    assert slots.counts() == (2, 3)
    assert [j.place() for j in js] == [None, None, 1, 2, 3]
    assert [j.status for j in js] == ["running"] * 2 + ["queued"] * 3
    gates[1].release.set()  # one slot frees: the first in line, not a later one, gets it
    wait_until(lambda: gates[2].entered.is_set())
    for p in polls[3:]:
        p.wait_more()
    assert not gates[3].entered.is_set() and [j.place() for j in js[3:]] == [1, 2]
    for g in gates:
        g.release.set()
    assert all(j.join(10) for j in js)
    assert [j.status for j in js] == ["completed"] * 5
    assert js[0].message == "done: completed" and slots.counts() == (0, 0)


def test_a_queued_job_can_be_cancelled_and_a_running_one_stopped():
    slots = Slots(1)
    first, second = Gate(), Gate()
    a = Job(first, slots).start()
    wait_until(first.entered.is_set)
    b = Job(second, slots).start()
    wait_until(lambda: b.place() == 1)
    b.stop()
    assert b.join(10) and b.status == RunStatus.CANCELLED and not b.active
    assert b.message == "Cancelled while waiting for a free training slot."
    assert not second.entered.is_set()
    assert a.active and a.status.active
    a.stop()
    assert a.join(10) and a.status == RunStatus.STOPPED
    assert slots.counts() == (0, 0)


def test_a_job_whose_visitor_left_stops_after_the_grace_period():
    connected, clock, polls = {"yes": True}, FakeClock(), Polls()

    def alive() -> bool:
        polls()
        return connected["yes"]

    g = Gate()
    j = Job(g, Slots(1), alive=alive, grace=30.0, clock=clock).start()
    wait_until(g.entered.is_set)
    clock.now = 100.0
    polls.wait_more()
    assert j.active  # connected: goes on, however long it runs
    connected["yes"] = False
    polls.wait_more()  # gone since 100
    clock.now = 129.0
    polls.wait_more()
    assert j.active and not j.stop_asked  # gone for 29 s of a 30 s grace: a reconnect keeps it
    clock.now = 130.0
    assert j.join(10) and j.status == RunStatus.STOPPED and j.stop_asked


def test_a_work_that_fails_ends_failed_with_its_sentence(sine):
    def bug(job):
        raise ZeroDivisionError("division by zero")

    short = TrainRequest(sine[:14], "sine", DataConfig(look_back=12), ModelConfig(hidden_size=4),
                         TrainConfig(epochs=1))  # fmt: skip
    slots = Slots(1)
    a, b = Job(TrainWork(short), slots).start(), Job(bug, slots).start()
    assert a.join(30) and b.join(30)
    assert a.status == "failed" and a.message == (  # the user's data: their one sentence
        "The series has 14 points, but a look-back of 12 needs at least 15 (one window "
        "each for training, validation and test): use a smaller look-back or a longer "
        "series."
    )
    assert b.status == "failed"  # a bug: said as such, and the slot still comes back
    assert b.message == "Training failed: ZeroDivisionError: division by zero"
    assert slots.counts() == (0, 0)


def test_the_limit_comes_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv(jobs.ENV_LIMIT, "3")
    assert jobs.default_limit() == 3
    monkeypatch.setenv(jobs.ENV_LIMIT, "zero")
    assert jobs.default_limit() == jobs.usable_cores()


@pytest.fixture
def request_sine(sine) -> TrainRequest:
    data_cfg = DataConfig(look_back=10, transform="none")
    model_cfg, train_cfg = ModelConfig(hidden_size=4), TrainConfig(epochs=3, batch_size=32)
    return TrainRequest(sine, "sine", data_cfg, model_cfg, train_cfg)


def test_a_training_job_publishes_copies_and_ends_with_the_kept_weights(request_sine):
    j = Job(TrainWork(request_sine), Slots(1)).start()
    assert j.join(60) and j.status == "completed"
    work: TrainWork = j.work
    pub = work.published
    assert pub.final and pub.revision >= 2
    assert [r.epoch for r in pub.bundle.history] == [1, 2, 3]
    assert [s.epoch for s in pub.snapshots] == [0, 1, 2, 3]
    assert pub.bundle.fingerprint and pub.bundle.trained_at
    # a copy: training it more does not touch what the pages were given
    before = {k: v.clone() for k, v in pub.bundle.model.state_dict().items()}
    req = continue_request(pub.bundle, pub.dataset, request_sine.values, TrainConfig(epochs=2),
                           "trained here")  # fmt: skip
    k = Job(TrainWork(req), Slots(1)).start()
    assert k.join(60) and k.status == "completed"
    assert [r.epoch for r in k.work.published.bundle.history] == [1, 2, 3, 4, 5]
    for name, v in pub.bundle.model.state_dict().items():
        assert np.array_equal(v.numpy(), before[name].numpy()), name
    assert len(pub.bundle.history) == 3


def test_a_stopped_training_job_snapshots_its_stopping_epoch(request_sine):
    from dataclasses import replace

    req = replace(request_sine, train_cfg=TrainConfig(epochs=100_000, batch_size=8))
    j = Job(TrainWork(req), Slots(1)).start()
    wait_until(lambda: j.progress is not None and j.progress.epoch >= 3)
    j.stop()
    assert j.join(60) and j.status == "stopped"
    pub = j.work.published
    assert pub.snapshots[-1].epoch == len(pub.bundle.history) >= 2


# --------------------------------------------------------------------------- limits


def test_the_limits_live_in_one_place_and_the_upload_limit_matches_the_server():
    import tomllib

    from lstm_core.config import DataConfig as D
    from lstm_core.runtime.limits import APP_LIMITS, LIMITS, app_work_error

    from .conftest import ROOT

    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["maxUploadSize"] == APP_LIMITS.upload_mb
    with pytest.raises(
        ValueError, match=f"from 1 to {LIMITS.look_back}, got {LIMITS.look_back + 1}"
    ):
        D(look_back=LIMITS.look_back + 1)
    assert app_work_error(1_000_000, 50) is None
    assert app_work_error(1_000_000, 1000) == (
        "A look-back of 1,000 over 1,000,000 points is 1,000,000,000 timesteps per epoch, over "
        "this app's limit of 50,000,000 for one visitor: use a look-back of at most 50 here, a "
        "shorter series, or the command line (python -m lstm_core train), which has no such limit."
    )
    assert app_work_error(144, 12, 512, 3) == (
        "3 layers of 512 units is 1,536 units, over this app's limit of 1,024 for one visitor: "
        "use fewer units or layers here, or the command line (python -m lstm_core train)."
    )


def test_a_slot_taken_for_a_page_goes_back_when_the_page_is_interrupted():
    from explorer.session import training_slot

    class Where:  # a placeholder whose next st.* call meets a click: Streamlit raises there
        def caption(self, text: str) -> None:
            pass

        def empty(self) -> None:
            raise RuntimeError("a rerun was requested")

    slots = Slots(1)
    with pytest.raises(RuntimeError), training_slot(Where(), slots):
        pass
    assert slots.counts() == (0, 0)


def test_a_stop_before_auto_finished_one_epoch_ends_stopped_not_failed():
    t = np.arange(20_000)
    req = TrainRequest(np.sin(t / 5.0) + 2.0, "wave", DataConfig(look_back=10),
                       ModelConfig(hidden_size=4), TrainConfig(epochs=4, batch_size=8))  # fmt: skip
    j = Job(TrainWork(req), Slots(1))
    j.stop()  # asked before its first report: the first trial stops in its first epoch
    j.started = j.clock()
    result = j.work(j)
    assert result.status == "stopped"
    assert result.message == (
        "Training stopped by request while choosing the transform, after 0 epochs. "
        "Nothing was trained."
    )


def test_a_training_that_runs_too_long_stops_itself_and_says_why(request_sine):
    from dataclasses import replace

    req = replace(request_sine, train_cfg=TrainConfig(epochs=100_000, batch_size=8))
    clock = FakeClock()
    j = Job(TrainWork(req), Slots(1), max_seconds=0.5, clock=clock).start()
    wait_until(lambda: j.progress is not None and j.progress.epoch >= 2)
    assert j.active  # no time passes on its clock: it trains on
    clock.now = 0.6
    assert j.join(60) and j.status == "stopped"
    assert j.stop_reason == (
        "It ran for 0.00833333 minutes, the longest one training may run on this shared "
        "server: press Continue training to go on."
    )


def test_a_slow_cancelled_callback_holds_up_no_other_visitors_queue():
    """The waiting visitor's `cancelled()` may draw on their page (a slow browser): another
    thread's queue operations go on while it blocks."""
    slots = Slots(1)
    busy = object()
    assert slots.enter(busy, lambda: False)  # the one slot is taken: the next one waits
    inside, release = threading.Event(), threading.Event()

    def slow_page() -> bool:
        inside.set()
        release.wait(30)
        return True  # then the visitor cancels

    waiter = object()
    entered: list[bool] = []
    t = threading.Thread(target=lambda: entered.append(slots.enter(waiter, slow_page)))
    t.start()
    try:
        assert inside.wait(10)
        seen: list[object] = []
        done = threading.Event()

        def another_visitor() -> None:
            seen.extend([slots.place(waiter), slots.counts()])
            slots.leave(busy)
            done.set()

        threading.Thread(target=another_visitor, daemon=True).start()
        assert done.wait(10), "the queue was locked while a visitor's callback blocked"
        assert seen == [1, (1, 1)]
    finally:
        release.set()
        t.join(10)
    assert entered == [False] and slots.counts() == (0, 0)


def test_the_time_limit_reads_a_monotonic_clock_not_the_wall_clock(monkeypatch):
    g = Gate()
    j = Job(g, Slots(1), max_seconds=60.0).start()
    try:
        wait_until(g.entered.is_set)
        wall = time.time()
        monkeypatch.setattr(time, "time", lambda: wall + 3600.0)  # the server's clock is set
        assert not j.should_stop() and j.stop_reason == ""
    finally:
        monkeypatch.undo()
        g.release.set()
    assert j.join(10) and j.status == "completed"
