"""What a Train, Continue or Learn-page click does, as the work of a lstm_core.runtime.jobs.Job.
Pure (no Streamlit): it runs in the job's worker thread, and the pages read what it
publishes when they redraw (explorer/session.py adopts it into the visitor's session).

The work owns its model while it trains; the pages only ever get copies taken between two
optimiser steps (`Published`), so a page drawn mid-training shows one consistent model.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from explorer import watch
from lstm_core.config import ConfigError, DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.bundle import ModelBundle
from lstm_core.fitting.pipeline import (
    Choice,
    choose_transform,
    start_run,
    train_on,
    train_run,
    validate,
)
from lstm_core.fitting.train import FitResult, Progress
from lstm_core.runtime.jobs import Job
from lstm_core.runtime.limits import app_work_error
from lstm_core.series.data import DataError
from lstm_core.series.inputs import Inputs
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset

PUBLISH_S = 1.0  # at most one model copy for the pages per this many seconds of training


@dataclass(frozen=True)
class TrainRequest:
    """Everything a training needs, copied at the click (later widget changes don't reach it)."""

    values: np.ndarray  # [N] the series' values
    name: str  # the series' name (the value column)
    data_cfg: DataConfig  # look-back, split, transform ("auto" tries them)
    model_cfg: ModelConfig  # cell, size, layers
    train_cfg: TrainConfig  # epochs (of this call), batch, lr, patience, seed
    note: str = "trained here"  # where the model comes from, for the sidebar
    bundle: ModelBundle | None = None  # Continue: a copy of the model to train on
    dataset: Dataset | None = None  # ... and its dataset
    snapshots: tuple[watch.Snapshot, ...] = ()  # ... and its gate snapshots so far
    inputs: Inputs | None = None  # the series' inputs beside it (lstm_core.series.inputs), or None
    reference: tuple = ()  # non-empty: a reference run, never the session's model: the key
    #                        (reference_key) of the model it is trained beside, and its
    #                        test-part scores end in TrainWork.scores
    refs_key: tuple = ()  # the key (reference_jobs.references_key) of the classic references
    #                       the session holds: a fresh training on the same values and split
    #                       keeps them instead of fitting them again

    def admit(self) -> str | None:
        """Why this training cannot start, in one sentence (the series cannot take the
        settings, or it asks more of the shared server than one visitor may); None when it
        can. session.start asks every request this before it queues a job."""
        if self.bundle is None:  # Continue: the model's settings already trained on its data
            try:
                validate(self.values, self.data_cfg, self.inputs)
            except (DataError, ConfigError) as e:
                return str(e)
        n = len(self.dataset.values) if self.dataset is not None else len(self.values)
        m = self.model_cfg
        return app_work_error(n, self.data_cfg.look_back, m.hidden_size, m.num_layers)


@dataclass(frozen=True)
class Published:
    """A consistent copy of the model in training, for the pages."""

    revision: int  # 1, 2, ... in the order taken
    bundle: ModelBundle  # a copy (model on the CPU, eval mode, history copied)
    dataset: Dataset
    snapshots: tuple[watch.Snapshot, ...]  # the probe window's gates so far
    final: bool = False  # taken after training ended (the kept weights)


@dataclass(frozen=True)
class Trial:
    """Where "auto" is: trying candidate `index` (0-based) of `count`."""

    kind: str
    index: int
    count: int
    progress: Progress


@dataclass
class TrainWork:
    """Called by a Job in its thread; returns the FitResult."""

    request: TrainRequest
    published: Published | None = None  # the newest copy (replaced whole, never changed)
    trial: Trial | None = None  # set while "auto" tries transforms
    choice: Choice | None = None  # "auto"'s choice once made
    snapshots: list[watch.Snapshot] = field(default_factory=list)
    scores: dict | None = None  # a reference run's test-part table (lstm_core.evaluation.forecast)
    after: Any = None  # explorer.reference_jobs.ReferencesWork: the classic references fitted
    #                    after a fresh training, in this job (its result -> classic_refs)
    _last_publish: float = 0.0

    @property
    def fresh(self) -> bool:
        return self.request.bundle is None

    def __call__(self, job: Job) -> FitResult:
        try:
            return self._train(job)
        except (DataError, ConfigError) as e:  # the data or settings: the user's sentence
            return FitResult([], "failed", str(e))

    def _train(self, job: Job) -> FitResult:
        r = self.request
        if not self.fresh:
            bundle, data = r.bundle, r.dataset
            epochs = r.train_cfg.epochs
        elif r.data_cfg.transform == "auto":
            self.choice = choose_transform(r.values, r.name, r.data_cfg, r.model_cfg,
                                           r.train_cfg, self._trial_callback(job),
                                           inputs=r.inputs)  # fmt: skip
            self.trial = None
            bundle, data = self.choice.bundle, self.choice.data
            epochs = self.choice.remaining(r.train_cfg)
        else:
            bundle, data = start_run(r.values, r.name, r.data_cfg, r.model_cfg, r.train_cfg,
                                     inputs=r.inputs)  # fmt: skip
            epochs = r.train_cfg.epochs
        self._first_snapshots(bundle, data)
        self._publish(bundle, data)
        callback = self._callback(job, bundle, data, max(1, epochs))
        if self.choice is not None:
            result = train_on(self.choice, r.train_cfg, callback)
        else:
            result = train_run(bundle, data, r.train_cfg, callback=callback)
        self._publish(bundle, data, final=True)
        if r.reference and bundle.history:
            from lstm_core.evaluation.forecast import evaluate

            self.scores = evaluate(bundle.model, data).table  # in this thread, not the page's
        if self.fresh and not r.reference and bundle.history:
            from explorer.reference_jobs import fit_after_training, references_key

            if references_key(data) != r.refs_key:  # the same data: the session has them
                fit_after_training(self, data, job)
        return result

    # ----------------------------------------------------------------- inside the thread

    def _trial_callback(self, job: Job):
        def callback(tf: Transform, i: int, k: int, p: Progress) -> bool:
            self.trial = Trial(tf.kind, i, k, p)
            return job.report(p)

        return callback

    def _first_snapshots(self, bundle: ModelBundle, data: Dataset) -> None:
        """The probe window's gates now (and, after "auto", before the winner's trial)."""
        probe = self._probe(data)
        self.snapshots = list(self.request.snapshots)  # Continue: the earlier ones stay
        if self.fresh and self.choice is not None and bundle.history:
            self.snapshots.append(watch.take(self.choice.untrained().model, probe, 0))
        epoch = len(bundle.history)
        if not self.snapshots or self.snapshots[-1].epoch != epoch:
            self.snapshots = watch.keep(self.snapshots, watch.take(bundle.model, probe, epoch))

    @staticmethod
    def _probe(data: Dataset):
        return watch.probe_window(data.X, data.split.n_train, data.split.n_val)

    def _callback(self, job: Job, bundle: ModelBundle, data: Dataset, epochs: int):
        """The fit callback: progress to the job, a snapshot every few epochs and when
        stopping (so the last picture is of the stopping epoch), copies for the pages."""
        every = watch.snapshot_every(epochs)
        probe = self._probe(data)

        def callback(p: Progress) -> bool:
            stop = job.report(p)
            epoch = p.epoch if p.kind == "epoch" else p.epoch - 1  # epochs finished
            due = p.kind == "epoch" and (p.epoch % every == 0 or p.epoch == p.last_epoch)
            if (due or stop) and (not self.snapshots or self.snapshots[-1].epoch != epoch):
                snap = watch.take(bundle.model, probe, epoch)
                self.snapshots = watch.keep(self.snapshots, snap)
            if p.kind == "epoch" and time.monotonic() - self._last_publish >= PUBLISH_S:
                self._publish(bundle, data)
            return stop

        return callback

    def _publish(self, bundle: ModelBundle, data: Dataset, final: bool = False) -> None:
        """Hand the pages a copy of the model as it is now."""
        twin = own_copy(bundle)
        twin.model.to("cpu").eval()
        revision = self.published.revision + 1 if self.published else 1
        self.published = Published(revision, twin, data, tuple(self.snapshots), final)
        self._last_publish = time.monotonic()


def continue_request(
    bundle: ModelBundle,
    dataset: Dataset,
    values: np.ndarray,
    train_cfg: TrainConfig,
    note: str,
    snapshots: list[watch.Snapshot] | tuple = (),
) -> TrainRequest:
    """Continue training the session's model: the job trains a copy of it."""
    return TrainRequest(values, bundle.column, bundle.data_config, bundle.model_config,
                        train_cfg, note, own_copy(bundle), dataset, tuple(snapshots))  # fmt: skip


def reference_key(bundle: ModelBundle) -> tuple:
    """What a reference run without inputs is trained beside: the model's series and
    settings (its later epochs of Continue do not change it)."""
    return (bundle.fingerprint, bundle.n_points, bundle.data_config, bundle.model_config,
            bundle.train_config.seed, bundle.train_config.epochs)  # fmt: skip


def without_inputs_request(bundle: ModelBundle, values: np.ndarray) -> TrainRequest:
    """The same settings as `bundle`'s model without its inputs, as a reference run."""
    dcfg = replace(bundle.data_config, inputs=(), future_inputs=(), calendar=False)
    mcfg = replace(bundle.model_config, n_inputs=0)
    note = "the same settings without the inputs"
    return TrainRequest(values, bundle.column, dcfg, mcfg, bundle.train_config, note,
                        reference=reference_key(bundle))  # fmt: skip


def own_copy(bundle: ModelBundle) -> ModelBundle:
    """A bundle that shares nothing mutable with `bundle`: its own weights, history and
    scores (settings, scaler and split are frozen or never changed)."""
    return replace(bundle, model=copy.deepcopy(bundle.model), history=list(bundle.history),
                   transform_scores=dict(bundle.transform_scores))  # fmt: skip
