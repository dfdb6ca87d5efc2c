"""Train: settings, a live loss chart and progress bar, Stop / Continue, earlier runs.

Train and Continue start this visitor's training job (explorer/session.py): it trains in
its own thread, so the visitor can read other pages meanwhile (each shows its live line
with Stop in the sidebar), and on a busy server it first waits for a free slot. This page
redraws the progress, the loss and the newest gate snapshot from the job twice a second.
With the Data page's transform on "auto", the job first tries each candidate transform
for a few epochs, keeps the one with the lowest validation RMSE and trains it on; the
outcome names the choice and scores.

Reads (explorer.state): model_cfg, train_cfg, bundle, dataset, fit_result, runs, snapshots,
model_note; writes model_cfg, train_cfg, and fit_result for a setting the data cannot take.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explorer import session, state, ui
from explorer.active import active_series
from explorer.derived import evaluation
from explorer.escape import md_escape
from explorer.figures import loss_figure
from explorer.gate_figures import gates_figure, saturation
from explorer.training import TrainRequest, continue_request
from explorer.widgets import int_input, remember
from lstm_core.config import CELLS, ConfigError, ModelConfig, TrainConfig
from lstm_core.experiments.compare import param_count
from lstm_core.fitting import sizing
from lstm_core.fitting.train import FitResult, resolve_device
from lstm_core.inside.gates import CELL_LABELS
from lstm_core.metrics import count
from lstm_core.runtime.limits import APP_LIMITS, LIMITS
from lstm_core.series.data import DataError
from lstm_core.series.inputs import config_fields
from lstm_core.series.windows import plan_split

LIVE_EVERY_S = 1.0  # the live chart and progress redraw this often while the job runs
CELL_NAMES = {**CELL_LABELS, "rnn": "RNN (vanilla tanh)"}  # the picker says which RNN
PATIENCE_HELP = "Stop after this many epochs without a better validation loss (best restored)."
LONG_HELP = (
    "Under 16 steps an epoch (a short series): the batch halves until an epoch has 16, down "
    "to 4. Over about 2,900 training windows: batches grow by powers of two to about 128 "
    "steps an epoch, the learning rate by the square root of that (at most 0.04), and auto's "
    "trials last at most 10 epochs. Untick to train exactly as set."
)


# --------------------------------------------------------------------------- settings


def model_settings(old: ModelConfig) -> ModelConfig | None:
    """Cell, size, layers and the forget-bias option."""
    c1, c2, c3 = st.columns(3)
    cell = c1.selectbox(
        "Cell", CELLS, format_func=CELL_NAMES.get, key=remember("train_cell", old.cell)
    )
    units = f"Hidden size × layers at most {APP_LIMITS.units:,} on this shared server."
    hidden = int_input(c2, "Hidden size", "train_hidden", old.hidden_size, 1, LIMITS.hidden,
                       help=units)  # fmt: skip
    layers = int_input(c3, "Layers", "train_layers", old.num_layers, 1, LIMITS.layers,
                       help=units)  # fmt: skip
    fbias = st.checkbox(
        "Start with forget gates open (bias 1)",
        disabled=cell != "lstm",
        key=remember("train_fbias", old.forget_bias_one),
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
    epochs = int_input(c[0], "Epochs", "train_epochs", old.epochs, 1, LIMITS.epochs)
    batch = int_input(c[1], "Batch size", "train_bs", old.batch_size, 1, 65_536)
    lr = c[2].number_input(
        "Learning rate", 1e-7, value=max(1e-7, float(old.lr)), step=1e-3, format="%g",
        key="train_lr",
    )  # fmt: skip
    patience = int_input(
        c[3], "Patience (0 = off)", "train_patience", old.patience, 0, 10_000, help=PATIENCE_HELP
    )
    seed = int_input(c[4], "Seed", "train_seed", old.seed, 0, 2**31 - 1)
    shown = old.scale_long or old.scale_short  # a file from before the short rule: ticked
    scale = st.checkbox("Scale the batch to the series' length",
                        key=remember("train_long", shown), help=LONG_HELP)  # fmt: skip
    # untouched, the settings' own flags stay (an opened file keeps how it was trained);
    # toggled, both rules follow the box
    flags = (old.scale_long, old.scale_short) if scale == shown else (scale, scale)
    try:
        return TrainConfig(epochs, batch, float(lr), patience, old.clip_norm, seed, old.device,
                           old.restore_best, *map(bool, flags))  # fmt: skip
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
        series = active_series()
        n = param_count(model_cfg.cell, model_cfg.hidden_size, model_cfg.num_layers,
                        0 if series is None else series.n_model_inputs)  # fmt: skip
        st.caption(
            f"{n:,} parameters · device: {resolve_device('auto')} · look-back "
            f"{ui.configs()[0].look_back} (set on the Data page)"
        )
    if train_cfg is not None:
        state.put("train_cfg", train_cfg)
        sizing_note(train_cfg)
    return model_cfg, train_cfg


def sizing_note(train_cfg: TrainConfig) -> None:
    """What the short- or long-series rule will change on the current series, if anything."""
    data_cfg, series = ui.configs()[0], active_series()
    if series is None:
        return
    try:
        n_train = plan_split(len(series.values), data_cfg).n_train
    except DataError:
        return  # the settings' own error is said where they are set
    note = sizing.describe(train_cfg, n_train)
    if note:
        st.caption(note)


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


def start_training(fresh: bool, model_cfg: ModelConfig, train_cfg: TrainConfig) -> None:
    """Train (a new model) or Continue (the current one) as this visitor's job: it trains in
    its own thread, outlives a page switch, and waits for a free slot on a busy server."""
    data_cfg, series = ui.configs()[0], active_series()
    data_cfg = replace(data_cfg, **config_fields(series.inputs))  # the series' own inputs
    bundle, dataset = state.get("bundle"), state.get("dataset")
    if fresh:
        held = state.get("classic_refs") or {}  # kept if the data and split are the same
        request = TrainRequest(series.values, series.name, data_cfg, model_cfg, train_cfg,
                               inputs=series.inputs, refs_key=held.get("key", ()))  # fmt: skip
    else:
        note = state.get("model_note") or "trained here"
        request = continue_request(bundle, dataset, series.values, train_cfg, note,
                                   state.get("snapshots") or ())  # fmt: skip
    refused = session.start(request)
    if refused == session.BUSY:
        st.warning(refused)
        return
    if refused:  # the data or the app's limits: said under the buttons, the model kept
        history = list(bundle.history) if bundle is not None and not fresh else []
        state.put("fit_result", FitResult(history, "failed", refused))
        return
    st.rerun()  # redraw with the buttons of a running job


@st.fragment(run_every=LIVE_EVERY_S)
def live_panel(log_y: bool, extra: list) -> None:
    """While the job runs: its progress, the loss so far and the newest gate snapshot,
    redrawn from what the job reports (nothing here trains)."""
    j = session.job()
    if j is None or not j.active:
        st.rerun()  # finished: the whole page shows the outcome
        return
    text, done = session.describe(j)
    st.progress(min(1.0, done or 0.0), text=text)
    p, work = j.progress, j.work
    if p is not None and p.history:  # while "auto" tries transforms: the candidate's loss
        st.plotly_chart(loss_figure(list(p.history), log_y, extra), key="train_live")
    st.subheader("Watch the gates learn")
    snaps = work.snapshots
    if snaps:
        snap = snaps[-1]
        title = f"Gates of the probe window after epoch {snap.epoch}"
        st.plotly_chart(gates_figure(snap.gates, snap.names, title=title), key="train_gates_live")


def show_outcome() -> None:
    """The last call's message and the test verdict."""
    result, bundle, dataset = (state.get(k) for k in ("fit_result", "bundle", "dataset"))
    if result is not None:
        show = {"diverged": st.error, "failed": st.error, "early_stopped": st.info,
                "stopped": st.warning, "cancelled": st.info}  # fmt: skip
        show.get(result.status, st.success)(result.message)
    if bundle is not None and dataset is not None and bundle.history:
        best = session.best_epoch(bundle)
        kept = next((r for r in bundle.history if r.epoch == best), bundle.history[-1])
        which = f"kept epoch {kept.epoch}" if best is not None else "last epoch"
        verdict = evaluation().verdict
        st.markdown(
            f"**{count(len(bundle.history), 'epoch')}** · {which}: train loss "
            f"{kept.train_loss:.4g} · validation loss {kept.val_loss:.4g}. {verdict}"
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
    st.caption(md_escape(text + "."))


def buttons(ready: bool, has_model: bool, running: bool) -> str | None:
    """Train / Continue / Stop; returns "train", "continue" or None (no click this run).
    While a job is queued or running only Stop is enabled (it works from every page too)."""
    b1, b2, b3 = st.columns(3)
    ready = ready and not running
    fresh = b1.button("Train", type="primary", disabled=not ready, key="train_btn")
    more = b2.button(
        "Continue training",
        key="continue_btn",
        disabled=not ready or not has_model or state.get("dataset") is None,
    )
    b3.button("Stop", key="stop_btn", on_click=session.stop, disabled=not running)
    return "train" if fresh else "continue" if more else None


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
    st.markdown(f"**How often each gate is nearly shut or fully open** (epoch {snap.epoch})")
    st.caption(
        "Share of the probe window's units × steps where the gate is low or high: σ gates "
        "below 0.1 or above 0.9, tanh values below −0.9 or above 0.9 (the last column gives "
        "each gate's low threshold)."
    )
    st.dataframe(saturation(snap.gates, snap.names), hide_index=True, key="train_snap_sat")


def loss_chart(chart: DeltaGenerator, log_y: bool, extra: list) -> None:
    """The finished loss chart of the current model (and any picked earlier runs)."""
    bundle = state.get("bundle")
    history = bundle.history if bundle is not None else []
    if history or extra:
        best = session.best_epoch(bundle) if bundle is not None else None
        chart.plotly_chart(loss_figure(history, log_y, extra, best), key="train_loss_chart")


# --------------------------------------------------------------------------- page

ui.setup()
st.title("Train")
series = active_series()
st.text(f"Series: {series.name} ({len(series.values):,} points)")
if series.inputs is not None:
    st.text("Inputs beside it: " + ", ".join(series.inputs.columns()))
model_cfg, train_cfg = settings()
bundle = state.get("bundle")
if (
    bundle is not None
    and model_cfg is not None
    and replace(model_cfg, n_inputs=bundle.model_config.n_inputs) != bundle.model_config
):
    st.caption(
        "The settings differ from the current model: Train starts a new model with "
        "them; Continue keeps training the current one."
    )

running = session.active()
clicked = buttons(model_cfg is not None and train_cfg is not None, bundle is not None, running)
if clicked:
    start_training(clicked == "train", model_cfg, train_cfg)
log_y = st.toggle("Log scale", key="train_log", persist_state="session")
extra = overlays()
job = session.job()
own = session.trains_the_model(job)
if own:  # running, or ended since this run began: the panel
    live_panel(log_y, extra)
else:
    chart = st.empty()
    loss_chart(chart, log_y, extra)
    show_outcome()
    st.subheader("Watch the gates learn")
    scrub_snapshots(st.empty())
ui.finish(job_status=not own)  # the panel above is this page's live status
