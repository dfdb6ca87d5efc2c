"""Train: settings, a live loss chart and progress bar, Stop / Continue, earlier runs.

With the Data page's transform on "auto", Train first tries each candidate transform for a
few epochs (progress bar only), keeps the one with the lowest validation RMSE and trains it
on for the remaining epochs with the live charts; the outcome names the choice and scores.

Reads/writes (explorer.state): model_cfg, train_cfg, bundle, dataset, fit_result, runs,
model_note. A click on any button while training reruns the script and interrupts it at
its next st.* call (inside the callback); the bundle is stored before training starts and
its history grows in place, so the rerun still has every finished epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explorer import state, ui, watch
from explorer.figures import loss_figure
from explorer.gate_figures import gates_figure, saturation
from explorer.throttle import Throttle
from lstm_core.compare import param_count
from lstm_core.config import CELLS, ConfigError, ModelConfig, TrainConfig
from lstm_core.data import DataError
from lstm_core.pipeline import Choice, choose_transform, start_run, train_on, train_run
from lstm_core.train import FitResult, Progress, resolve_device
from lstm_core.transforms import Transform

REDRAW_SECONDS = 0.2  # at most ~5 chart/progress redraws per second while training
REDRAW_SHARE = 0.03  # and chart redraws take at most ~3 % of the training time
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (vanilla tanh)"}
PATIENCE_HELP = "Stop after this many epochs without a better validation loss (best restored)."


# --------------------------------------------------------------------------- settings


def model_settings(old: ModelConfig) -> ModelConfig | None:
    """Cell, size, layers and the forget-bias option."""
    c1, c2, c3 = st.columns(3)
    cell = c1.selectbox(
        "Cell", CELLS, format_func=CELL_NAMES.get, key=ui.remember("train_cell", old.cell)
    )
    hidden = ui.int_input(c2, "Hidden size", "train_hidden", old.hidden_size, 1, 512)
    layers = ui.int_input(c3, "Layers", "train_layers", old.num_layers, 1, 3)
    fbias = st.checkbox(
        "Start with forget gates open (bias 1)",
        disabled=cell != "lstm",
        key=ui.remember("train_fbias", old.forget_bias_one),
        help="LSTM only: memory carries forward from the first epoch.",
    )
    try:
        return ModelConfig(cell, hidden, layers, bool(fbias))
    except ConfigError as e:
        st.error(str(e))
        return None


def train_settings(old: TrainConfig) -> TrainConfig | None:
    """Epochs, batch size, learning rate, patience and seed."""
    c = st.columns(5)
    epochs = ui.int_input(c[0], "Epochs", "train_epochs", old.epochs, 1, 100_000)
    batch = ui.int_input(c[1], "Batch size", "train_bs", old.batch_size, 1, 65_536)
    lr = c[2].number_input(
        "Learning rate", 1e-7, value=max(1e-7, float(old.lr)), step=1e-3, format="%g",
        key="train_lr",
    )  # fmt: skip
    patience = ui.int_input(
        c[3], "Patience (0 = off)", "train_patience", old.patience, 0, 10_000, help=PATIENCE_HELP
    )
    seed = ui.int_input(c[4], "Seed", "train_seed", old.seed, 0, 2**31 - 1)
    try:
        return TrainConfig(epochs, batch, float(lr), patience, old.clip_norm, seed, old.device)
    except ConfigError as e:
        st.error(str(e))
        return None


def settings() -> tuple[ModelConfig | None, TrainConfig | None]:
    """All settings; valid ones are stored (and go to the URL)."""
    _, old_m, old_t = ui.configs()
    with st.expander("Settings", expanded=state.get("bundle") is None):
        model_cfg = model_settings(old_m)
        train_cfg = train_settings(old_t)
    if model_cfg is not None:
        state.put("model_cfg", model_cfg)
        n = param_count(model_cfg.cell, model_cfg.hidden_size, model_cfg.num_layers)
        st.caption(
            f"{n:,} parameters · device: {resolve_device('auto')} · look-back "
            f"{ui.configs()[0].look_back} (set on the Data page)"
        )
    if train_cfg is not None:
        state.put("train_cfg", train_cfg)
    return model_cfg, train_cfg


# --------------------------------------------------------------------------- training


def overlays() -> list[tuple[str, list]]:
    """Earlier runs picked for the loss chart."""
    runs = state.get("runs") or []
    if not runs:
        return []
    labels = [r["label"] for r in runs]
    picked = st.multiselect(
        "Overlay earlier runs", labels, key="train_overlays", persist_state="session"
    )
    return [(r["label"], r["history"]) for r in runs if r["label"] in picked]


def snapshot(bundle, dataset, p: Progress, every: int) -> bool:
    """Every few epochs: the probe window's gates, kept for scrubbing. True when taken."""
    if p.epoch % every and p.epoch != p.last_epoch:
        return False
    probe = watch.probe_window(dataset.X, dataset.split.n_train, dataset.split.n_val)
    snap = watch.take(bundle.model, probe, p.epoch)
    state.put("snapshots", watch.keep(state.get("snapshots") or [], snap))
    return True


def draw_snapshot(live: DeltaGenerator) -> None:
    snap = state.get("snapshots")[-1]
    title = f"Gates of the probe window after epoch {snap.epoch}"
    live.plotly_chart(gates_figure(snap.gates, snap.names, title=title),
                      key=f"train_gates_live_{snap.epoch}")  # fmt: skip


def make_callback(
    running: FitResult,
    chart: DeltaGenerator,
    bar: DeltaGenerator,
    log_y: bool,
    extra: list,
    live: DeltaGenerator,
) -> Callable[[Progress], bool]:
    """The fit callback: heartbeat, gate snapshots, and redraws throttled to a small share
    of the training time; True (stop) once the stop flag is set."""
    bar_clock = Throttle(REDRAW_SECONDS, share=1.0)  # the bar is cheap: every 0.2 s
    charts = Throttle(REDRAW_SECONDS, REDRAW_SHARE)
    bundle, dataset = state.get("bundle"), state.get("dataset")
    every = watch.snapshot_every(bundle.train_config.epochs)
    pending = {"snapshot": False}  # a snapshot taken but not drawn yet

    def callback(p: Progress) -> bool:
        if p.kind == "epoch" and snapshot(bundle, dataset, p, every):
            pending["snapshot"] = True
        if bar_clock.ready():  # every 0.2 s: heartbeat, stop flag, progress bar
            with bar_clock.draw():
                running.extra["beat"] = time.monotonic()  # a newer run waits while we beat
                if ui.stop_requested():
                    return True
                eta = f" · ~{p.eta:.0f}s left" if math.isfinite(p.eta) else ""
                bar.progress(p.fraction, text=f"epoch {p.epoch}/{p.last_epoch}{eta}")
        if p.kind == "epoch" and charts.ready():
            with charts.draw():
                chart.plotly_chart(loss_figure(p.history, log_y, extra),
                                   key=f"train_live_{p.epoch}")  # fmt: skip
                if pending["snapshot"]:
                    draw_snapshot(live)
                    pending["snapshot"] = False
        return False

    return callback


def trial_callback(running: FitResult, bar: DeltaGenerator) -> Callable[..., bool]:
    """While "auto" tries the transforms: heartbeat, stop flag and the progress bar."""
    clock = Throttle(REDRAW_SECONDS, share=1.0)

    def callback(tf: Transform, i: int, k: int, p: Progress) -> bool:
        if not clock.ready():
            return False
        with clock.draw():
            running.extra["beat"] = time.monotonic()
            if ui.stop_requested():
                return True
            done = (i + p.fraction) / k
            text = f"Choosing what the model sees: trying {tf.kind} ({i + 1} of {k}), "
            bar.progress(done, text=f"{text}epoch {p.epoch}/{p.last_epoch}")
        return False

    return callback


def start_model(
    model_cfg: ModelConfig, train_cfg: TrainConfig, running: FitResult, bar: DeltaGenerator
) -> Choice | None:
    """A fresh model in the session: for "auto", the winner of the transform trials (its
    Choice is returned); otherwise untrained. DataError/ConfigError: shown, nothing stored."""
    data_cfg, series = ui.configs()[0], ui.active_series()
    ui.archive_run()  # the old model goes now: a cut-off trial must not leave it half-replaced
    running = state.get("fit_result")
    state.forget_model()
    state.put("fit_result", running)  # this run's heartbeat
    choice = None
    try:
        if data_cfg.transform == "auto":
            choice = choose_transform(series.values, series.name, data_cfg, model_cfg,
                                      train_cfg, trial_callback(running, bar))  # fmt: skip
            bundle, dataset = choice.bundle, choice.data
        else:
            bundle, dataset = start_run(series.values, series.name, data_cfg, model_cfg, train_cfg)
    except (DataError, ConfigError) as e:  # shown by show_outcome after the rerun
        state.put("fit_result", FitResult([], "failed", str(e)))
        raise
    running = state.get("fit_result")
    state.set_model(bundle, dataset, "trained here")
    state.put("fit_result", running)
    probe = watch.probe_window(dataset.X, dataset.split.n_train, dataset.split.n_val)
    snaps = [watch.take(bundle.model, probe, len(bundle.history))]
    if choice is not None and bundle.history:  # the winner before its trial, too
        snaps.insert(0, watch.take(choice.untrained().model, probe, 0))
    state.put("snapshots", snaps)
    return choice


def run_training(
    fresh: bool,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    chart: DeltaGenerator,
    bar: DeltaGenerator,
    log_y: bool,
    extra: list,
    live: DeltaGenerator,
) -> None:
    """Start a new model (fresh) or continue the current one, drawing as it goes."""
    running = FitResult([], ui.RUNNING, "", extra={"beat": time.monotonic()})
    state.put("fit_result", running)
    choice = None
    if fresh:
        try:
            choice = start_model(model_cfg, train_cfg, running, bar)
        except (DataError, ConfigError):
            st.rerun()  # redraw: the error under the buttons, Stop disabled again
    bundle, dataset = state.get("bundle"), state.get("dataset")
    rest = choice.remaining(train_cfg) if choice is not None else train_cfg.epochs
    # the callback spaces snapshots by this call's epochs
    bundle.train_config = replace(train_cfg, epochs=max(1, rest))
    running.history = bundle.history
    result = None
    try:
        callback = make_callback(running, chart, bar, log_y, extra, live)
        if choice is not None:
            result = train_on(choice, train_cfg, callback)
        else:
            result = train_run(bundle, dataset, train_cfg, callback=callback)
    finally:  # also when a click stops this run at its next st.* call
        bundle.train_config = train_cfg
        if result is None or result.status == "stopped":
            bundle.model.to("cpu").eval()
            result = result or FitResult(bundle.history, "stopped", "")
            result.message = stopped_message(bundle)
        state.put("fit_result", result)
    st.rerun()  # redraw the page from the stored state (buttons, chart, sidebar)


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


def settle_interrupted() -> None:
    """Record how far a training run got that ended without saying so; forget a stop click."""
    result, bundle = state.get("fit_result"), state.get("bundle")
    if result is not None and result.status == ui.RUNNING:
        if bundle is None:  # cut off while "auto" was still trying transforms
            state.drop("fit_result")
            st.warning("Training stopped while choosing the transform: press Train to start again.")
        else:
            bundle.model.to("cpu").eval()  # fit was cut off before it could do this
            state.put("fit_result", FitResult(bundle.history, "stopped", stopped_message(bundle)))
    ui.clear_stop()


def show_outcome() -> None:
    """The last call's message and the test verdict."""
    result, bundle, dataset = (state.get(k) for k in ("fit_result", "bundle", "dataset"))
    if result is not None:
        show = {"diverged": st.error, "failed": st.error, "early_stopped": st.info,
                "stopped": st.warning}  # fmt: skip
        show.get(result.status, st.success)(result.message)
    if bundle is not None and dataset is not None and bundle.history:
        best = best_epoch(bundle)
        kept = next((r for r in bundle.history if r.epoch == best), bundle.history[-1])
        which = f"kept epoch {kept.epoch}" if best is not None else "last epoch"
        verdict = ui.evaluation().verdict
        st.markdown(
            f"**{len(bundle.history)} epochs** · {which}: train loss {kept.train_loss:.4g} · "
            f"validation loss {kept.val_loss:.4g}. {verdict}"
        )
        transform_line(bundle)
        st.page_link("pages/gates.py", label="Look inside the gates", icon=":material/memory:")
        st.page_link("pages/forecast.py", label="See the forecasts", icon=":material/trending_up:")


def transform_line(bundle) -> None:
    """What the model sees, and for "auto" each candidate's validation RMSE (original units)."""
    tf = bundle.transform
    text = f"What the model sees: {tf.describe()}, scaled"
    scores = bundle.transform_scores
    if scores:
        ranked = sorted(scores.items(), key=lambda kv: kv[1])
        listed = " · ".join(f"{k} {v:.4g}" for k, v in ranked)
        text += f" — auto chose it by validation RMSE ({listed})"
    st.caption(ui.md_escape(text + "."))


def buttons(ready: bool, has_model: bool) -> str | None:
    """Train / Continue / Stop; returns "train", "continue" or None (no training this run)."""
    b1, b2, b3 = st.columns(3)
    fresh = b1.button("Train", type="primary", disabled=not ready, key="train_btn")
    more = b2.button(
        "Continue training",
        key="continue_btn",
        disabled=not ready or not has_model or state.get("dataset") is None,
    )
    clicked = "train" if fresh else "continue" if more else None
    b3.button("Stop", key="stop_btn", on_click=ui.request_stop, disabled=clicked is None)
    return clicked


def scrub_snapshots(live: DeltaGenerator) -> None:
    """After training: pick an epoch and see the probe window's gates as they were then."""
    snaps = state.get("snapshots") or []
    if not snaps:
        live.caption("The gates of one validation window appear here every few epochs.")
        return
    epochs = [s.epoch for s in snaps]
    picked = (
        st.select_slider("Epoch", epochs, value=epochs[-1], key="train_snap_epoch")
        if len(epochs) > 1
        else epochs[0]
    )
    snap = snaps[epochs.index(picked)]
    title = f"Gates of the probe window (first validation window) after epoch {snap.epoch}"
    live.plotly_chart(gates_figure(snap.gates, snap.names, title=title), key="train_gates")
    st.caption(
        "Slide through the epochs: watch the forget gate f organise itself (near 1 = carry "
        "the cell state forward) and the input gate i learn when to write."
    )
    st.dataframe(saturation(snap.gates, snap.names), hide_index=True, key="train_snap_sat")


def loss_chart(chart: DeltaGenerator, log_y: bool, extra: list) -> None:
    """The finished loss chart of the current model (and any picked earlier runs)."""
    bundle = state.get("bundle")
    history = bundle.history if bundle is not None else []
    if history or extra:
        best = best_epoch(bundle) if bundle is not None else None
        chart.plotly_chart(loss_figure(history, log_y, extra, best), key="train_loss_chart")


# --------------------------------------------------------------------------- page

ui.setup()
st.title("Train")
series = ui.active_series()
st.text(f"Series: {series.name} ({len(series.values):,} points)")
model_cfg, train_cfg = settings()
bundle = state.get("bundle")
if bundle is not None and model_cfg is not None and model_cfg != bundle.model_config:
    st.caption(
        "The settings differ from the current model: Train starts a new model with "
        "them; Continue keeps training the current one."
    )

training = buttons(model_cfg is not None and train_cfg is not None, bundle is not None)
log_y = st.toggle("Log scale", key="train_log", persist_state="session")
extra = overlays()
bar, chart = st.empty(), st.empty()
outcome = st.container()
st.subheader("Watch the gates learn")
live = st.empty()
if training:
    run_training(training == "train", model_cfg, train_cfg, chart, bar, log_y, extra, live)
else:
    settle_interrupted()
loss_chart(chart, log_y, extra)
with outcome:
    show_outcome()
scrub_snapshots(live)
ui.finish()
