"""A visitor's model and training job, in one place: pages call these, never write the model
keys themselves.

  start(request)    Train / Continue / the Learn page's example: a lstm_core.runtime.jobs.Job that
                    trains in its own thread (explorer/training.py), waiting for a
                    server-wide slot first; refused, with one sentence, when the request's
                    admit() says it cannot run or while this visitor's job is active. The
                    Compare page's requests (explorer/compare_jobs.py) start the same way:
                    their work is a TaskWork (`kind` "task") whose result sync puts under
                    its own key, never the session's model
  sync()            every full page run (ui.setup): the job's newest model copy becomes the
                    session's model (everything derived from the older one is dropped), and
                    a finished job's outcome becomes `fit_result`
  stop()            Stop / Cancel, from any page
  replace_model()   an imported model: the job (if any) is abandoned, the old model archived
  abandon()         the data changed: the job stops and is forgotten
  archive_run()     the current model's loss history kept for the Train page's overlay
  model_label()     a run's short label ("LSTM h32 l1 lr0.01 #2")
  bundle_label()    a trained model's label, with the learning rate it was trained with
  invalidate_model(reason)  the data changed: the job stops, the model goes, one info line
  model_provenance()  under a page's title: where the model came from, a mismatch warning
  no_model(text)    a page's line without a model (or: one is training now)
  series_fingerprint(series)  the active series' fingerprint, hashed once per series
  status_panel()    the sidebar's live line while a job is queued or running

Keys (explorer.state): job (the Job), job_seen (revision of the copy adopted last),
job_lock (a per-session lock around starting one), task_outcome (how a Compare job ended).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import streamlit as st

from explorer import state
from explorer.escape import md_escape
from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.fitting import sizing
from lstm_core.runtime.jobs import Job, RunStatus, Slots, server_slots

if TYPE_CHECKING:  # torch-heavy: imported where a job starts (the home page stays light)
    from explorer.compare_jobs import TaskWork
    from explorer.training import TrainRequest, TrainWork
    from lstm_core.fitting.train import FitResult

STATUS_EVERY_S = 2.0  # the sidebar line redraws this often while a job is active
BUSY = "A training is already running for you: stop it first, or wait for it to finish."


def job() -> Job | None:
    """This visitor's job, while it is queued, running or not yet adopted."""
    return state.get("job")


def active() -> bool:
    j = job()
    return j is not None and j.active


def visitor_alive() -> Callable[[], bool]:
    """Whether this visitor's browser is still connected (always True outside a server,
    e.g. under AppTest): a job whose visitor left stops after lstm_core.runtime.jobs.GRACE_S."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not Runtime.exists():
            return lambda: True
        runtime, sid = Runtime.instance(), ctx.session_id
        return lambda: runtime.is_active_session(sid)
    except (ImportError, RuntimeError):
        return lambda: True


def _lock() -> threading.Lock:
    lock = state.get("job_lock")
    if lock is None:
        lock = threading.Lock()
        state.put("job_lock", lock)
    return lock


def start(request: TrainRequest | Any, slots: Slots | None = None) -> str | None:
    """Start a job for this visitor: a TrainRequest's training, or a Compare request's work
    (`request.work()`). Admission is here, once for every page: the sentence why not when
    the request cannot run (`request.admit()`: the data or the app's limits) or a job of
    this visitor is active (BUSY); None when it started."""
    from explorer.training import TrainWork
    from lstm_core.runtime.limits import APP_LIMITS

    refused = request.admit() if hasattr(request, "admit") else None
    if refused:
        return refused
    with _lock():
        sync()  # a job that ended since this page was drawn is taken over first
        if active():
            return BUSY
        task = hasattr(request, "work")
        if task:
            state.drop("task_outcome")
        elif not request.reference:
            state.drop("fit_result")
        work = request.work() if task else TrainWork(request)
        j = Job(work, slots or server_slots(), alive=visitor_alive(),
                max_seconds=APP_LIMITS.train_minutes * 60)  # fmt: skip
        state.put("job", j)
        state.put("job_seen", 0)
        j.start()
    return None


def stop() -> None:
    """Stop (or cancel, while queued) this visitor's job; on_click of every Stop button."""
    j = job()
    if j is not None:
        j.stop()


def abandon() -> None:
    """Stop the job and forget it (its model will not come back)."""
    stop()
    state.drop("job", "job_seen")


def replace_model(bundle, dataset, note: str) -> None:
    """A model from elsewhere (an import) becomes the session's: any job is abandoned,
    the old model kept for the loss overlay."""
    abandon()
    archive_run()
    state.set_model(bundle, dataset, note)


def archive_run() -> None:
    """Keep the current model's history for the loss overlay before another replaces it."""
    bundle = state.get("bundle")
    if bundle is None or not bundle.history:
        return
    runs = list(state.get("runs") or [])
    label = bundle_label(bundle, len(runs) + 1)
    runs.append({"label": label, "history": list(bundle.history)})
    state.put("runs", runs)


def model_label(
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    number: int | None = None,
    n_train: int | None = None,
) -> str:
    """A short run label, e.g. "LSTM h32 l1 lr0.005 #2". With `n_train` (the split's planned
    training windows) the learning rate is the one fit() used there (sizing.effective: the
    long-series rule raises it, as the model's provenance says), else the one set."""
    lr = train_cfg.lr if n_train is None else sizing.effective(train_cfg, n_train).lr
    label = f"{model_cfg.cell.upper()} h{model_cfg.hidden_size} l{model_cfg.num_layers} "
    label += f"lr{lr:g}"
    return f"{label} #{number}" if number is not None else label


def bundle_label(bundle: Any, number: int | None = None) -> str:
    """A trained model's label (the sidebar, the loss overlay) with the learning rate it was
    trained with on its own split (lstm_core.fitting.bundle's provenance reads the same)."""
    return model_label(bundle.model_config, bundle.train_config, number,
                       bundle.split.n_train_planned)  # fmt: skip


def sync() -> None:
    """Adopt the job's newest model copy and, once it ended, its outcome."""
    j = job()
    if j is None:
        return
    done = not j.active  # read first: a finished job published its final copy before
    if is_task(j):
        if done:
            adopt_task(j)
        return
    work: TrainWork = j.work
    if work.request.reference:  # never the session's model: only its scores are kept
        if done:
            failed = j.message if work.scores is None else ""
            state.put("reference", {"key": work.request.reference, "scores": work.scores,
                                    "message": failed})  # fmt: skip
            state.drop("job", "job_seen")
        return
    pub, seen = work.published, state.get("job_seen") or 0
    if pub is not None and pub.revision > seen:
        if seen == 0 and work.fresh:
            archive_run()  # the previous model's curve stays for the overlay
        state.set_model(pub.bundle, pub.dataset, work.request.note)
        state.put("snapshots", list(pub.snapshots))
        state.put("job_seen", pub.revision)
    if done:
        after = getattr(work, "after", None)  # the classic references fitted after training
        if after is not None and after.result is not None:
            state.put("classic_refs", after.result)
        state.put("fit_result", outcome(j))
        state.drop("job", "job_seen")


def trains_the_model(j: Job | None) -> bool:
    """A training of the session's own model (Train, Continue, Learn's example): not a
    Compare or references task, nor the Forecast page's run without the inputs."""
    return j is not None and not is_task(j) and not j.work.request.reference


def is_task(j: Job | None) -> bool:
    """A Compare job (explorer/compare_jobs.py), not a training of the session's model."""
    return j is not None and getattr(j.work, "kind", "train") == "task"


def adopt_task(j: Job) -> None:
    """A Compare job that ended: what it finished goes under its key, and how it ended
    under task_outcome ({"key", "status", "message"}) for the page to say."""
    work: TaskWork = j.work
    if work.result is not None:
        state.put(work.key, work.result)
    message = j.message
    if j.stop_reason:  # the time cap: the job's own sentence speaks of Train's Continue
        message = (f"{message} It ran for {j.max_seconds / 60:g} minutes, the longest one job "
                   "may run on this shared server.")  # fmt: skip
    state.put("task_outcome", {"key": work.key, "status": str(j.status), "message": message})
    state.drop("job", "job_seen")


def outcome(j: Job) -> FitResult:
    """The finished job as the Train page shows it."""
    from lstm_core.fitting.train import FitResult

    bundle = state.get("bundle") if j.work.published is not None else None
    history = bundle.history if bundle is not None else []
    message = j.message
    fits_words = getattr(j.result, "stopped_at", None) is not None  # fit's Stop, not auto's
    if j.status == RunStatus.STOPPED and bundle is not None and fits_words:
        message = stopped_message(bundle)
    if j.stop_reason:
        message = f"{message} {j.stop_reason}"
    best = best_epoch(bundle) if bundle is not None else None
    return FitResult(history, str(j.status), message, best_epoch=best)


def best_epoch(bundle) -> int | None:
    """The epoch whose weights the model holds: its lowest validation loss (None when it
    keeps its last weights or has no history)."""
    if not bundle.history or not bundle.train_config.restore_best:
        return None
    return min(bundle.history, key=lambda r: r.val_loss).epoch


def stopped_message(bundle) -> str:
    best = best_epoch(bundle)
    kept = (
        f"the weights of epoch {best}, the lowest validation loss, are kept."
        if best is not None
        else "the weights trained so far are kept."
    )
    return f"Stopped at epoch {len(bundle.history)} — {kept}"


@contextmanager
def training_slot(where, slots: Slots | None = None) -> Iterator[None]:
    """For trainings that run in the page's own script (the Compare page): wait for a
    server-wide slot first, saying the place in line in `where` (an st.empty). Any click
    ends the wait: the rerun it asks for stops this script at its next st.* call."""
    slots = slots or server_slots()
    holder, said = object(), {"at": 0.0}

    def waiting() -> bool:
        now = time.monotonic()
        if now - said["at"] >= STATUS_EVERY_S:  # also the point where a click cancels
            said["at"] = now
            place = slots.place(holder)
            if place is not None and (place > 1 or slots.counts()[0] >= slots.limit):
                where.caption(_waiting_line(slots, place))
        return False

    slots.enter(holder, waiting)  # `waiting` never cancels: a click raises out of it instead
    try:
        where.empty()  # a click now stops this run here: the slot still goes back
        yield
    finally:
        slots.leave(holder)


# --------------------------------------------------------------------------- the model's state


def invalidate_model(reason: str) -> bool:
    """Drop the model (bundle, dataset, result); True and an info line if there was one."""

    had = state.get("bundle") is not None or job() is not None
    abandon()  # a job training on the old data stops
    archive_run()
    state.forget_model()
    if had:
        st.info(f"{reason} The model was cleared: train again on the Train page.")
    return had


def model_provenance() -> None:
    """Under a page's title: where the current model came from, and a warning when it was
    not trained on the current series (an imported model used anyway)."""
    bundle, series = state.get("bundle"), state.get("series")
    if bundle is None:
        return
    st.caption(md_escape(bundle.provenance()))
    problem = None
    if series is not None:
        problem = bundle.mismatch(series.values, series.name, series_fingerprint(series))
    if problem:
        st.warning(md_escape(problem))


def series_fingerprint(series: Any) -> str:
    """lstm_core.fitting.bundle.fingerprint of the active series, hashed once per series object
    (kept with the object itself, so a new series is never taken for the old one)."""
    from lstm_core.fitting.bundle import fingerprint

    kept = state.get("series_fp")
    if kept is None or kept[0] is not series:
        kept = (series, fingerprint(series.values))
        state.put("series_fp", kept)
    return kept[1]


def no_model(text: str) -> None:
    """A page's line when there is no model yet: `text`, or, while this visitor's training
    job runs, that the model is on its way."""

    if active() and not is_task(job()):  # a Compare job makes none
        st.info(
            "A model is training now (its progress is in the sidebar): it appears here when "
            "the training ends, or at your next click once its first epochs are done."
        )
    else:
        st.info(text)


# --------------------------------------------------------------------------- live status


def describe(j: Job) -> tuple[str, float | None]:
    """One line on where the job is, and the share done (None while queued)."""
    if j.status == RunStatus.QUEUED:
        return _waiting_line(j.slots, j.place()), None
    if is_task(j):
        return j.work.describe()
    work: TrainWork = j.work
    after = getattr(work, "after", None)  # the classic references, after the training
    if after is not None and after.result is None:
        return after.describe()
    p = j.progress
    t = work.trial  # read once: the worker clears it when the trials end
    if t is not None:
        done = (t.index + t.progress.fraction) / t.count
        left = trials_eta(t, work.request.train_cfg.epochs)
        eta = f" · ~{left:.0f}s left in all" if left == left else ""
        return (f"Choosing what the model sees: trying {t.kind} ({t.index + 1} of {t.count}), "
                f"epoch {t.progress.epoch}/{t.progress.last_epoch}{eta}", done)  # fmt: skip
    if p is None:
        return "Starting…", 0.0
    loss = f" · loss {p.history[-1].train_loss:.4g}" if p.history else ""
    eta = f" · ~{p.eta:.0f}s left" if p.eta == p.eta else ""
    what = "Training without the inputs" if work.request.reference else "Training"
    return f"{what}: epoch {p.epoch}/{p.last_epoch}{loss}{eta}", p.fraction


def trials_eta(t, epochs: int) -> float:
    """Seconds left of a whole "auto" run from inside its trials (NaN until timed): this
    trial's rest, the candidates still to try, and the winner's remaining epochs, all at
    this trial's seconds per epoch."""
    p = t.progress
    per_epoch = p.seconds_per_epoch
    trial = p.last_epoch - p.first_epoch + 1
    later = (t.count - t.index - 1) * trial + max(0, epochs - trial)
    return per_epoch * (p.last_epoch - p.epoch + 1 - p.batch / max(1, p.n_batches) + later)


def _waiting_line(slots: Slots, place: int | None) -> str:
    """The line of a training waiting for a slot (a job's, or the Compare page's)."""
    where = f"{_ordinal(place)} in line" if place else "about to start"
    running, _ = slots.counts()
    return (f"Waiting for a free training slot: {where} ({running} of {slots.limit} running "
            "on this server).")  # fmt: skip


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@st.fragment(run_every=STATUS_EVERY_S)
def _status_line() -> None:
    j = job()
    if j is None:
        return
    if not j.active:
        st.rerun()  # the whole page adopts the outcome
    text, done = describe(j)
    if done is None:
        st.caption(text)
    else:
        st.progress(min(1.0, done), text=text)
    label = "Cancel" if j.status == RunStatus.QUEUED else "Stop training"
    st.button(label, key="job_stop_sidebar", on_click=stop, disabled=j.stop_asked)


def status_panel() -> None:
    """In the sidebar (every page but Train, whose own panel says more): the job's live line
    with Stop while it is queued or running, and a rerun that takes over its outcome once it
    ended (also when it ended while this page was being drawn)."""
    if job() is not None:
        with st.sidebar:
            _status_line()
