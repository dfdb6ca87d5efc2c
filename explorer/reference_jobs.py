"""The classic references' fits (lstm_core.evaluation.references) in this visitor's job: at the
end of every fresh training on new data or a new split (fit_after_training), or on request
from the Forecast page (a model opened from a file; explorer/session.py starts the job like
the Compare page's work). Its `sync` puts the result under `classic_refs`. Pure (no
Streamlit): the fits run in the job's thread, never in a page script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from lstm_core.evaluation import references as refs_mod
from lstm_core.evaluation.backtest import default_horizon, spaced
from lstm_core.fitting.bundle import fingerprint
from lstm_core.metrics import detect_season
from lstm_core.runtime.jobs import Job


@dataclass(frozen=True)
class Outcome:
    """What a Job reads from a finished work: a RunStatus value and one sentence."""

    status: str  # "completed" or "stopped"
    message: str


def references_key(dataset: Any) -> tuple:
    """What the references depend on: the values (their fingerprint: a sum would match a
    reordered series) and where the validation and test parts start."""
    sp = dataset.split
    return (len(dataset.values), fingerprint(dataset.values), sp.val_end, sp.train_end)


@dataclass(frozen=True)
class ReferencesRequest:
    """The fits of one series and split (copied at the request)."""

    values: np.ndarray  # [N] the series
    fit_end: int  # points before the test part: all the references may see
    season: int | None  # the season detected on the training part (as evaluate does)
    key: tuple  # references_key(dataset)
    t0: np.ndarray  # [n] first targets of the default backtest's origins
    horizon: int  # the default backtest's H: its paths are computed here too
    reference: ClassVar[tuple] = ("references",)  # never trains the session's model

    def work(self) -> ReferencesWork:
        return ReferencesWork(self)


def references_request(dataset: Any) -> ReferencesRequest:
    """The request for `dataset`'s references, with the Forecast page's default backtest."""
    sp = dataset.split
    horizon = default_horizon(dataset)
    origins = spaced(sp.n_train + sp.n_val, sp.n_windows - horizon + 1)
    season = detect_season(dataset.values[: sp.train_end])
    return ReferencesRequest(np.asarray(dataset.values, dtype=np.float64), sp.val_end, season,
                             references_key(dataset), dataset.target_index[origins],
                             horizon)  # fmt: skip


class ReferencesWork:
    """Fits AutoETS, AutoTheta and AutoARIMA one after another, saying which it is on."""

    key: ClassVar[str] = "classic_refs"  # the session key (explorer/state.py)
    kind: ClassVar[str] = "task"  # explorer/session.py: not a training of the session's model

    def __init__(self, request: ReferencesRequest) -> None:
        self.request = request
        self.result: dict | None = None  # {"key": references_key, "refs": References}
        self.line = "Fitting the classic references…"
        self.fraction = 0.0

    def describe(self) -> tuple[str, float]:
        return self.line, self.fraction

    def __call__(self, job: Job) -> Outcome:
        return self.run(lambda: job.stop_asked)

    def run(self, stopped: Callable[[], bool]) -> Outcome:
        r = self.request
        items = {}
        names = refs_mod.NAMES
        for k, name in enumerate(names):
            if stopped():
                return Outcome("stopped", "The classic references were stopped before the end.")
            warm = "" if name != "AutoTheta" or refs_mod.is_warm() else (
                " (its code compiles once on this server: up to ~20 s)")  # fmt: skip
            self.line = f"Fitting the classic references: {name} ({k + 1} of {len(names)}){warm}"
            self.fraction = k / (len(names) + 1)
            items.update(refs_mod.fit_references(r.values, r.fit_end, r.season,
                                                 names=(name,)).items)  # fmt: skip
        refs = refs_mod.References(items, r.fit_end, r.season)
        self.line, self.fraction = "Forecasting the test part with the references…", 0.75
        refs.one_step(r.values, np.arange(r.fit_end, len(r.values)))
        if len(r.t0):
            refs.paths(r.values, r.t0, r.horizon)  # cached for the page's default backtest
        self.result = {"key": r.key, "refs": refs}
        return Outcome("completed", "; ".join(refs.notes()) + ".")


def fit_after_training(work: Any, data: Any, job: Job) -> None:
    """At the end of a fresh training's job (explorer/training.py): the classic references
    of its dataset, as `work.after` (its line shows while they fit; explorer/session.py
    puts its result under classic_refs when the job ends). Stop skips what is left."""
    work.after = ReferencesWork(references_request(data))
    work.after.run(lambda: job.stop_asked)
