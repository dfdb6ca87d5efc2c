"""The Compare page's work, as jobs like Train's (explorer/session.py starts them, and its
`sync` puts their results into the session). Pure (no Streamlit): each work runs in its
job's thread and publishes what it has so far in `result` (replaced whole, never changed),
which the page draws while it runs.

  CellsRequest  -> CellsWork   RNN, GRU and LSTM on the series, on a few seeds     -> compare
  EchoRequest   -> EchoWork    the echo series at several distances K              -> memory
  AddingRequest -> AddingWork  the adding problem at one T, then the LSTM's gates  -> adding
  SweepRequest  -> SweepWork   the adding problem over T, table filled as it runs  -> adding_sweep

A request's `reference` is non-empty, as for the Forecast page's reference run: the job
never trains the session's model (the Train page shows its own settings while it runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from lstm_core.config import CELLS, ConfigError, DataConfig, ModelConfig, TrainConfig
from lstm_core.experiments.tasks import TOLERANCE, AddingBatch, AddingConfig, TaskProgress
from lstm_core.inside.gates import CELL_LABELS
from lstm_core.runtime.jobs import Job
from lstm_core.runtime.limits import app_work_error
from lstm_core.series.data import DataError
from lstm_core.series.transforms import Transform

ADDING_LENGTHS = (25, 50, 100, 200)  # the sweep's sequence lengths T
CHECKS_PER_RUN = 40  # the adding curves' points: a check every budget / this (at most 512)


@dataclass(frozen=True)
class Outcome:
    """What a Job reads from a finished work: a RunStatus value and one sentence."""

    status: str  # "completed", "stopped" or "failed"
    message: str


class TaskWork:
    """The common part: the job's stop, the live line, the outcome."""

    key: ClassVar[str] = ""  # the session key (explorer/state.py) the result goes to
    kind: ClassVar[str] = "task"  # explorer/session.py: not a training of the session's model

    def __init__(self, request: Any) -> None:
        self.request = request
        self.result: Any = None  # what is done so far, for the page and then the session
        self.line = "Starting…"  # where the work is, in words
        self.fraction = 0.0  # share done, 0..1

    def __call__(self, job: Job) -> Outcome:
        try:
            self.run(job)
        except (DataError, ConfigError) as e:  # the data or settings: the user's sentence
            return Outcome("failed", str(e))
        if job.stop_asked:
            return Outcome("stopped", self.stopped())
        return Outcome("completed", self.completed())

    def describe(self) -> tuple[str, float]:
        return self.line, self.fraction

    def run(self, job: Job) -> None:
        raise NotImplementedError

    def completed(self) -> str:
        return "Done."

    def stopped(self) -> str:
        return "Stopped: what finished before is shown."


class _Request:
    reference: ClassVar[tuple] = ("compare",)

    def admit(self) -> str | None:
        """Why this run cannot start (session.start asks): the tasks' own settings are
        bounded by their widgets; the series' comparison checks the app's limits."""
        return None


# --------------------------------------------------------------------------- three cells


@dataclass(frozen=True)
class CellsRequest(_Request):
    """The three cells on the series, once per seed (the settings copied at the click)."""

    values: np.ndarray  # [N] the series
    name: str  # its value column
    data_cfg: DataConfig
    model_cfg: ModelConfig  # the LSTM's size; GRU and RNN matched to its parameter count
    train_cfg: TrainConfig  # epochs, lr, ...; its seed is replaced by each of `seeds`
    seeds: tuple[int, ...]
    match_params: bool = True
    transform: Transform | None = None  # None with "auto": chosen once in the job (LSTM)
    seen_note: str = ""  # where `transform` comes from, when given
    label: str = ""  # the series and look-back, for the page

    def admit(self) -> str | None:
        m = self.model_cfg
        return app_work_error(len(self.values), self.data_cfg.look_back, m.hidden_size,
                              m.num_layers)  # fmt: skip

    def work(self) -> CellsWork:
        return CellsWork(self)


class CellsWork(TaskWork):
    key = "compare"

    def __init__(self, request: CellsRequest) -> None:
        super().__init__(request)
        self.curves: dict[str, list] = {}  # the running seed's validation curves, live
        #                                    (replaced whole, never changed: pages read it)

    def run(self, job: Job) -> None:
        from lstm_core.experiments.compare import compare_cells

        r: CellsRequest = self.request
        tf, seen = self._transform(job)
        if tf is None:
            return
        runs: list = []
        for k, seed in enumerate(r.seeds):
            self.curves = {}

            def cb(cell, p, k=k, seed=seed):
                self.curves = {**self.curves, cell: list(p.history)}  # whole: read meanwhile
                done = k * len(CELLS) + CELLS.index(cell) + p.fraction
                self.fraction = done / (len(r.seeds) * len(CELLS))
                self.line = (f"Seed {seed} ({k + 1} of {len(r.seeds)}): training "
                             f"{CELL_LABELS[cell]}, epoch {p.epoch}/{p.last_epoch}")  # fmt: skip
                return job.report(p)

            cfg = replace(r.train_cfg, seed=seed)
            found = compare_cells(r.values, r.data_cfg, r.model_cfg, cfg,
                                  match_params=r.match_params, callback=cb,
                                  transform=tf)  # fmt: skip
            if job.stop_asked:
                break  # a seed cut short is not shown: its cells trained unequally long
            runs.append(found)
            self.result = {"results": runs[0], "runs": list(runs), "label": r.label,
                           "seen": seen, "seeds": tuple(r.seeds[: len(runs)])}  # fmt: skip

    def _transform(self, job: Job) -> tuple[Transform | None, str]:
        """What all three cells see: the request's, the data settings' or auto's choice."""
        from lstm_core.experiments.compare import compare_transform
        from lstm_core.fitting.pipeline import choose_transform

        r: CellsRequest = self.request
        if r.transform is not None:
            return r.transform, f"{r.transform.describe()}, {r.seen_note}"
        if r.data_cfg.transform != "auto":
            tf = compare_transform(r.values, r.data_cfg)
            return tf, f"{tf.describe()}, as set on the Data page"

        def trial(tf, i, n, p):
            self.line = (f"Choosing what the cells see: trying {tf.kind} with the LSTM "
                         f"({i + 1} of {n}), epoch {p.epoch}/{p.last_epoch}")  # fmt: skip
            return job.report(p)

        cfg = replace(r.train_cfg, seed=r.seeds[0])
        choice = choose_transform(r.values, r.name, r.data_cfg, r.model_cfg, cfg, trial)
        if choice.stopped:
            return None, ""
        tf = choice.transform
        return tf, f"{tf.describe()}, what auto picked with the LSTM, then used for all three"

    def completed(self) -> str:
        n = len(self.request.seeds)
        return f"Trained the three cells on {n} seed{'s' if n > 1 else ''}."

    def stopped(self) -> str:
        done = len(self.result["runs"]) if self.result else 0
        if not done:
            return "Stopped before the three cells of a first seed were trained: nothing to show."
        return f"Stopped after {done} of {len(self.request.seeds)} seeds: the results are theirs."


# --------------------------------------------------------------------------- echo series


@dataclass(frozen=True)
class EchoRequest(_Request):
    """The echo series' memory grid (lstm_core.experiments.compare.memory_sweep)."""

    lags: tuple[int, ...]
    model_cfg: ModelConfig
    train_cfg: TrainConfig
    noise: float = 0.05

    def work(self) -> EchoWork:
        return EchoWork(self)


class EchoWork(TaskWork):
    key = "memory"

    def run(self, job: Job) -> None:
        from lstm_core.experiments.compare import memory_sweep

        r: EchoRequest = self.request
        order = [(c, k) for k in r.lags for c in CELLS]  # memory_sweep's order
        cut = {"at": len(order)}  # the first run that a stop cut short

        def cb(cell, lag, p):
            at = order.index((cell, lag))
            self.fraction = (at + p.fraction) / len(order)
            self.line = f"{CELL_LABELS[cell]}, K = {lag}: epoch {p.epoch}/{p.last_epoch}"
            stop = job.report(p)
            if stop:
                cut["at"] = min(cut["at"], at)
            return stop

        points = memory_sweep(list(r.lags), r.model_cfg, r.train_cfg, noise=r.noise, callback=cb)
        self.result = points[: cut["at"]] or None

    def completed(self) -> str:
        return f"Trained the three cells at K = {', '.join(map(str, self.request.lags))}."


# --------------------------------------------------------------------------- adding problem


@dataclass(frozen=True)
class RunSummary:
    """One cell's adding run, without its model."""

    cell: str
    hidden: int
    params: int
    status: str  # "solved", "budget", "stopped", "diverged" (lstm_core.experiments.tasks.TaskRun)
    sequences_seen: int
    seconds: float
    solved: float  # share of the test set solved at the end
    test_mse: float


@dataclass(frozen=True)
class Example:
    """One test sequence as the trained LSTM reads it, and its answers under the clamps."""

    values: np.ndarray  # [T] the values
    marks: tuple[int, int]  # the two marked steps
    target: float  # their sum
    gates: dict[str, np.ndarray]  # "i", "f", "c" -> [H, T] (units × steps)
    answer: float  # the model's answer
    answer_forget_clamped: float  # with f = 0 between the marks
    answer_input_clamped: float  # with i = 0 at the second mark


@dataclass(frozen=True)
class AddingResult:
    """The adding problem at one T: curves, runs, and the LSTM caught in the act."""

    length: int
    budget: int
    baseline_mse: float  # always answering 1, on the test set
    baseline_solved: float  # the share of the test set that answer gets within TOLERANCE
    curves: dict[str, tuple[TaskProgress, ...]] = field(default_factory=dict)
    runs: dict[str, RunSummary] = field(default_factory=dict)
    act: Any = None  # lstm_core.experiments.taskgates.CaughtInTheAct of the LSTM, once it trained
    example: Example | None = None


@dataclass(frozen=True)
class AddingRequest(_Request):
    length: int = 100
    hidden: int = 16  # LSTM units; GRU and RNN matched to its parameter count
    budget: int = 320_000  # training sequences per cell at most
    seed: int = 0
    cells: tuple[str, ...] = CELLS

    def config(self, cell: str, length: int | None = None) -> AddingConfig:
        every = min(512, max(32, self.budget // CHECKS_PER_RUN))
        return AddingConfig(length=length or self.length, cell=cell, hidden=self.hidden,
                            budget=self.budget, check_every=every, seed=self.seed)  # fmt: skip

    def work(self) -> AddingWork:
        return AddingWork(self)


def baseline_solved(test: AddingBatch) -> float:
    """The share of the test set that always answering 1 counts as solved."""
    return float(((test.y.double() - 1.0).abs() < TOLERANCE).double().mean())


def summary(run: Any) -> RunSummary:
    return RunSummary(run.config.cell, run.hidden, run.params, run.status,
                      run.sequences_seen, run.seconds, run.solved, run.test_mse)  # fmt: skip


class AddingWork(TaskWork):
    key = "adding"

    def run(self, job: Job) -> None:
        from lstm_core.experiments.tasks import adding_test_set, baseline_mse, train_adding

        r: AddingRequest = self.request
        r.config("lstm")  # bad settings: one sentence before anything trains
        test = adding_test_set(r.length)
        res = AddingResult(r.length, r.budget, baseline_mse(test), baseline_solved(test))
        self.result = res
        lstm = None
        for k, cell in enumerate(r.cells):
            curve: list[TaskProgress] = []

            def cb(p, k=k, cell=cell, curve=curve):
                curve.append(p)
                self.result = replace(self.result, curves={**self.result.curves,
                                                           cell: tuple(curve)})  # fmt: skip
                self.fraction = (k + p.fraction) / len(r.cells)
                self.line = (f"Adding problem, T = {r.length}: {CELL_LABELS[cell]}, "
                             f"{p.sequences_seen:,} sequences, {p.solved:.0%} solved")  # fmt: skip
                return job.report(p)

            run = train_adding(r.config(cell), callback=cb, test=test)
            self.result = replace(self.result, runs={**self.result.runs, cell: summary(run)})
            if job.stop_asked:
                return
            if cell == "lstm":
                lstm = run.model
        if lstm is not None:
            self.line = "The LSTM caught in the act: its gates at the marks, and two clamps"
            self.result = replace(self.result, **caught(lstm, test))

    def completed(self) -> str:
        return f"Trained the three cells on the adding problem at T = {self.request.length}."

    def stopped(self) -> str:
        return ("Stopped: the curves end where each cell was; the LSTM's gates are shown "
                "after a whole run only.")  # fmt: skip


def example_index(test: AddingBatch) -> int:
    """A test sequence whose marks lie far apart (at least half its length, else the
    farthest): the one that shows a value carried across a long gap."""
    gap = (test.marks[:, 1] - test.marks[:, 0]).numpy()  # [B]
    far = np.flatnonzero(gap >= test.length // 2)
    return int(far[0]) if len(far) else int(np.argmax(gap))


def caught(model: Any, test: AddingBatch) -> dict[str, Any]:
    """The LSTM's gates on the test set with its clamps, and one sequence drawn whole."""
    from lstm_core.experiments.taskgates import (
        caught_in_the_act,
        forget_between_marks,
        input_at_second_mark,
    )
    from lstm_core.inside.intervene import run_clamped

    k = example_index(test)
    one = AddingBatch(test.x[k : k + 1], test.y[k : k + 1], test.marks[k : k + 1])
    run = run_clamped(model, one.x, keep=True)
    gates = {g: run.layers[0][g][0].T.copy() for g in ("i", "f", "c")}  # [T, H] -> [H, T]
    first, second = (int(m) for m in one.marks[0])
    example = Example(
        values=one.x[0, :, 0].numpy().copy(),
        marks=(first, second),
        target=float(one.y[0]),
        gates=gates,
        answer=float(run.y[0]),
        answer_forget_clamped=float(forget_between_marks(model, one)[0]),
        answer_input_clamped=float(input_at_second_mark(model, one)[0]),
    )
    return {"act": caught_in_the_act(model, test), "example": example}


# --------------------------------------------------------------------------- sweep over T


@dataclass(frozen=True)
class SweepResult:
    """Solved share per (cell, T), filled as the runs end."""

    lengths: tuple[int, ...]
    budget: int
    cells: dict[tuple[str, int], RunSummary] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepRequest(_Request):
    lengths: tuple[int, ...] = ADDING_LENGTHS
    hidden: int = 16
    budget: int = 320_000
    seed: int = 0

    def work(self) -> SweepWork:
        return SweepWork(self)


class SweepWork(TaskWork):
    key = "adding_sweep"

    def run(self, job: Job) -> None:
        from lstm_core.experiments.tasks import adding_test_set, train_adding

        r: SweepRequest = self.request
        one = AddingRequest(r.lengths[0], r.hidden, r.budget, r.seed)
        one.config("lstm")  # bad settings: one sentence before anything trains
        self.result = SweepResult(tuple(r.lengths), r.budget)
        total = len(r.lengths) * len(CELLS)
        for a, length in enumerate(r.lengths):
            test = adding_test_set(length)
            for b, cell in enumerate(CELLS):
                at = a * len(CELLS) + b

                def cb(p, at=at, cell=cell, length=length):
                    self.fraction = (at + p.fraction) / total
                    self.line = (f"Sweep over T: {CELL_LABELS[cell]} at T = {length} "
                                 f"({at + 1} of {total}), {p.solved:.0%} solved")  # fmt: skip
                    return job.report(p)

                run = train_adding(one.config(cell, length), callback=cb, test=test)
                if job.stop_asked:
                    return  # a run cut short is not a cell of the table
                cells = {**self.result.cells, (cell, length): summary(run)}
                self.result = replace(self.result, cells=cells)

    def completed(self) -> str:
        return "The sweep over T is complete."

    def stopped(self) -> str:
        return "Stopped: the table holds the runs that finished."
