"""Gates: look inside every gate of the trained model, one window or the whole series at once.

Reads (explorer.state): bundle, dataset, series (its timestamps, when it matches the data).

Widget keys (st.session_state; kept across page switches with persist_state="session"):
  gates_layer   int         layer shown (multi-layer models only)
  gates_view    str         "One window" or "Whole series"
  gates_window  int         window index 0..W-1 (default: the last test window)
  gates_unit    int         unit of the line chart and the equations
  gates_t       int         timestep of the equations (default: the last one)
  gates_span    (int, int)  points [start, end) of the series in the whole-series view
  gates_dl_npz, gates_dl_csv  the download buttons
  gates_clamp_gate, gates_clamp_all, gates_clamp_units, gates_clamp_value, gates_clamp_from
                the clamp experiment's gate, "all units", units, value and first step
  gates_clamp_apply, gates_clamp_undo  run the clamp / remove it
  gates_ablation_state, gates_ablation_run, gates_ablation_go_<rank>  the ablation table's
                state (h or c), its button, and the buttons that open a top unit
  gates_memory_run  the memory horizon's button
  A model with inputs beside the series (explorer/gates_inputs.py) adds: gates_iclamp_input,
  gates_iclamp_value, gates_iclamp_from (the input clamp's input, value and first step),
  gates_iclamp_apply, gates_iclamp_undo, and the caches gates_inputs (input weights, the
  window's attributions) and gates_input_clamp (the applied input clamp and its run).
Experiment state (explorer.state, documented there): gates_clamp (the applied clamp, kept
only for the model it was applied to), caches gates_experiment, gates_ablation, gates_memory,
all keyed on state.model_stamp (weights, epochs and data checksums, not object ids).
Caches (st.session_state, not widgets; recomputed only when their key changes):
  gates_trace   {"key", "trace", "pred", "figs"}  the shown window's GateTrace, prediction
                and heatmap figure per layer
  gates_whole   {"key", "layers", "saturation", "units", "names", "x", "values", "k", "figs"}
                the whole-series view: bin means per layer and the tables (the span is
                traced chunk by chunk, so its full trace is never held)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import partial

import numpy as np
import streamlit as st

from explorer import equations as eq
from explorer import experiment_figures as ef
from explorer import gate_figures as gf
from explorer import gates_inputs as gi
from explorer import state, ui
from explorer.input_figures import window_inputs_figure
from lstm_core.ablation import ablation
from lstm_core.forecast import predict_scaled
from lstm_core.gates import GATE_NAMES, explain_step, trace_gates
from lstm_core.gatestats import GATE_LABELS
from lstm_core.gatesummary import summarise_run
from lstm_core.gradflow import input_gradient_by_lag
from lstm_core.inputclamp import InputClamp, apply_input_clamps
from lstm_core.intervene import Clamp, InterventionError, intervene, run_clamped, value_range
from lstm_core.memory import echo_check, forget_time_constants, lookback_advice
from lstm_core.metrics import autocorrelation, detect_season

VIEWS = ("One window", "Whole series")
# The longest whole-series span, in gate values (steps × units × layers × gates): ~3 s of
# tracing on 2 CPU cores. Memory is no limit: the span is traced chunk by chunk.
MAX_TRACE_VALUES = 150_000_000
DEFAULT_SPAN = 20_000  # points the whole-series view shows at first
TOP_UNITS = 3  # the ablation table links this many units to their drill-down
MEMORY_WINDOWS = 2_000  # the memory horizon reads at most this many test windows
PLOTLY = {"displaylogo": False}
PERSIST = {"persist_state": "session"}


def model_key(bundle, dataset) -> tuple:
    """Changes when the model's weights, its training (epochs) or its data change: a content
    stamp, never id() (a new object may reuse a freed one's id)."""
    return state.model_stamp(bundle, dataset)


def choose(key: str, ok, default) -> str:
    """A widget's key, its remembered value kept only if it still fits (new model or data).

    The value is set here, never through the widget's `value` argument, so that another page
    (Forecast sets gates_window) can choose it without a Streamlit warning.
    """
    if key not in st.session_state or not ok(st.session_state[key]):
        st.session_state[key] = default
    return key


def figure(cached: dict, layer: int, build):
    """The heatmap figure of `layer` for a cache entry, built once (the entry's key covers
    everything the figure shows)."""
    figs = cached.setdefault("figs", {})
    if layer not in figs:
        figs[layer] = build()
    return figs[layer]


def no_model() -> None:
    ui.no_model(
        "There is no trained model yet: train one, then come back to look inside its gates."
    )
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.page_link("pages/data.py", label="Choose the data", icon=":material/table_chart:")


def pick_layer(n_layers: int) -> int:
    if n_layers == 1:
        return 0
    key = choose("gates_layer", lambda v: v in range(n_layers), 0)
    label = {0: "layer 0 (reads the series)", n_layers - 1: f"layer {n_layers - 1} (predicts)"}
    return st.selectbox(
        "Layer", range(n_layers), format_func=lambda k: label.get(k, f"layer {k}"), key=key,
        **PERSIST,
    )  # fmt: skip


def pick_unit(hid: int, where=st) -> int:
    key = choose("gates_unit", lambda v: v in range(hid), 0)
    return where.number_input("Unit", 0, hid - 1, key=key, **PERSIST)


def saturation_table(table, what: str) -> None:
    with st.expander(f"Saturation at a glance: how often each gate is nearly shut or open {what}"):
        pct = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
        bars = {c: st.column_config.ProgressColumn(f"share {c}", **pct) for c in ("low", "high")}
        st.dataframe(table, hide_index=True, column_config=bars)


# --------------------------------------------------------------------------- one window


def window_trace(bundle, dataset, w: int) -> dict:
    """The trace and prediction of window w, from the cache when nothing changed."""
    key = (*model_key(bundle, dataset), w)
    cached = st.session_state.get("gates_trace")
    if cached is None or cached["key"] != key:
        x = dataset.X[w : w + 1]
        out = predict_scaled(bundle.model, x)  # [1] model units -> original units
        pred = float(dataset.to_levels(out, dataset.target_index[w : w + 1])[0])
        cached = {"key": key, "trace": trace_gates(bundle.model, x), "pred": pred}
        st.session_state["gates_trace"] = cached
    return cached


def model_view(bundle, dataset, a: int, b: int) -> tuple[np.ndarray, str]:
    """What the model saw at series points [a, b) (a >= the transform's lag) and its label:
    the values themselves for "none", else the transformed, scaled inputs ("Δ x, scaled")."""
    tf, d = bundle.transform, dataset.lag
    if tf.kind == "none":
        return dataset.values[a:b], bundle.column
    return dataset.scaled[a - d : b - d], f"{tf.label(bundle.column)}, scaled"


def window_summary(dataset, w: int, pred: float) -> None:
    target = float(dataset.values[dataset.target_index[w]])
    cols = st.columns(4)
    cols[0].metric("Window belongs to", gf.window_part(dataset.split, w))
    cols[1].metric("Target", f"{target:.4g}")
    cols[2].metric("Prediction", f"{pred:.4g}")
    cols[3].metric("Error", f"{pred - target:+.3g}")


def dates(dataset, a: int, b: int) -> str:
    time = getattr(state.get("series"), "time", None)
    return gf.date_range(time, len(dataset.values), a, b)


@st.fragment
def unit_and_step(model, trace, layer: int) -> None:
    """Pick a unit and a timestep: the unit's lines and the equations with real numbers."""
    left, right = st.columns(2)
    unit = pick_unit(trace.hidden_size, left)
    last = trace.steps - 1
    t_key = choose("gates_t", lambda v: v in range(trace.steps), last)
    t = right.slider("Timestep", 0, last, key=t_key, **PERSIST)
    gates = gf.window_layers(trace.layers)[layer]
    st.plotly_chart(gf.unit_figure(gates, trace.names, unit, mark=t), config=PLOTLY)
    st.subheader(f"Timestep {t}, unit {unit}: the equations with the model's numbers")
    step = explain_step(model, trace, layer, t, unit)
    for tex, sentence in eq.step_equations(step):
        st.latex(tex)
        st.caption(sentence)
    if not step["ok"]:
        st.warning(
            "The recomputed state differs from the traced one by more than 10⁻⁴ of its size."
        )


def window_inputs(bundle, values: np.ndarray) -> None:
    """The inputs beside the target over the window [L, F], one row each, named."""
    names = [s.name for s in bundle.inputs]
    title = "Inputs beside the series in this window (scaled, as the model read them)"
    st.plotly_chart(window_inputs_figure(values, names, title=title), config=PLOTLY,
                    key="gates_window_inputs")  # fmt: skip
    if any(s.kind == "future" for s in bundle.inputs):
        st.caption(
            "Known-ahead inputs are read one step early: at timestep t the model reads their "
            "value at the next point, the one it predicts at the window's last step."
        )


def downloads(trace, w: int, sees: str, x_names: list[str] | None = None) -> None:
    """The window's gates as the CLI's .npz and as a tidy CSV, built only when clicked."""
    layers = gf.window_layers(trace.layers)
    x = trace.x[0] if trace.inputs is None else trace.inputs[0]  # [T] or [T, 1 + F]
    files = (
        ("npz", "this window's gates (.npz)", partial(gf.gates_npz, x, layers, sees, x_names)),
        ("csv", "a tidy table (.csv)", partial(gf.gates_csv, layers)),
    )
    for col, (ext, label, make) in zip(st.columns(2), files, strict=True):
        col.download_button(
            f"Download {label}", make, file_name=f"gates_window_{w}.{ext}",
            mime="text/csv" if ext == "csv" else "application/octet-stream",
            on_click="ignore", key=f"gates_dl_{ext}",
        )  # fmt: skip


def one_window(bundle, dataset, layer: int) -> None:
    n_windows = dataset.split.n_windows
    key = choose("gates_window", lambda v: v in range(n_windows), n_windows - 1)
    w = int(st.slider("Window", 0, n_windows - 1, key=key, **PERSIST))
    cached = window_trace(bundle, dataset, w)
    trace = cached["trace"]
    window_summary(dataset, w, cached["pred"])
    gates = gf.window_layers(trace.layers)[layer]
    first, t = w + dataset.lag, int(dataset.target_index[w])  # first input point, target point
    inputs, label = model_view(bundle, dataset, first, t)
    target = float(model_view(bundle, dataset, t, t + 1)[0][0])
    fig = figure(cached, layer, lambda: gf.window_figure(
        gates, trace.names, inputs, target, first, label, dates(dataset, first, t - 1), w,
    ))  # fmt: skip
    st.plotly_chart(fig, config=PLOTLY, key="gates_heatmaps")
    stamp = model_key(bundle, dataset)
    if trace.inputs is not None:
        window_inputs(bundle, trace.inputs[0, :, 1:])
        gi.window_attribution(bundle, dataset, w, stamp)
        gi.input_weights(bundle, dataset, stamp)
    saturation_table(gf.saturation(gates, trace.names), "in this window")
    unit_and_step(bundle.model, trace, layer)
    sees = f"{bundle.transform.label(bundle.column)}, scaled"  # trace.x: scaled
    names = [bundle.transform.label(bundle.column), *(s.name for s in bundle.inputs)]
    downloads(trace, w, sees, names if bundle.inputs else None)
    shown = (fig, inputs, target, first, label)
    experiment(bundle, dataset, layer, w, shown)
    if bundle.inputs:
        input_experiment(bundle, dataset, layer, w, shown)


# --------------------------------------------------------------------------- clamp a gate


# prefix of the widget keys: (state key of the applied clamp, caches dropped with it, the
# apply and undo buttons' labels, the caption while none is applied)
EXPERIMENTS = {
    "gates_clamp": ("gates_clamp", ("gates_experiment",), "Clamp and run", "Undo the clamp",
                    "No clamp applied: the model runs as trained."),
    "gates_iclamp": ("gates_input_clamp", (), "Clamp the input and run", "Undo the input clamp",
                     "No input clamp applied: the model reads its inputs as they are."),
}  # fmt: skip


def applied(prefix: str, stamp: tuple) -> dict | None:
    """The clamp applied to this model and data ({"stamp", "clamp", ...}), or None (dropped
    once they change)."""
    key, drops = EXPERIMENTS[prefix][:2]
    held = state.get(key)
    if held is not None and held["stamp"] != stamp:
        state.drop(key, *drops)
        held = None
    return held


def apply_or_undo(prefix: str, wanted, stamp: tuple, check) -> dict | None:
    """The buttons <prefix>_apply (check(wanted), then keep it; one st.error sentence when
    check raises InterventionError) and <prefix>_undo; the applied clamp's record or None."""
    key, drops, apply, undo, none = EXPERIMENTS[prefix]
    left, right = st.columns([1, 3])
    if left.button(apply, type="primary", key=f"{prefix}_apply"):
        try:
            check(wanted)
        except InterventionError as e:
            st.error(str(e))
        else:
            state.put(key, {"stamp": stamp, "clamp": wanted})
    held = applied(prefix, stamp)
    right.button(undo, key=f"{prefix}_undo", on_click=state.drop, args=(key, *drops),
                 disabled=held is None)  # fmt: skip
    if held is None:
        st.caption(none)
    return held


def clamp_value(cell: str, name: str, nonlinearity: str, where) -> float:
    """The value widget: a slider over the gate's range, a number box when it is unbounded."""
    lo, hi, why = value_range(cell, name, nonlinearity)
    default = min(max(0.0, lo), hi)
    key = choose("gates_clamp_value", lambda v: isinstance(v, float) and lo <= v <= hi, default)
    label = f"Value ({why}: {lo:g} to {hi:g})" if np.isfinite(hi) else f"Value ({why})"
    if np.isfinite(lo) and np.isfinite(hi):
        return where.slider(label, lo, hi, step=0.05, key=key, **PERSIST)
    return where.number_input(label, min_value=lo if np.isfinite(lo) else None, step=0.1,
                              key=key, **PERSIST)  # fmt: skip


def clamp_widgets(bundle, layer: int, steps: int) -> Clamp:
    """Gate, units, value and first step, as the Clamp they describe (not yet checked)."""
    cfg, rnn = bundle.model_config, bundle.model.rnn
    names = GATE_NAMES[cfg.cell]
    c1, c2, c3, c4 = st.columns(4)
    g_key = choose("gates_clamp_gate", lambda v: v in names, names[1 if cfg.cell == "lstm" else 0])
    name = c1.selectbox("Gate or state", names, format_func=GATE_LABELS.get, key=g_key, **PERSIST)
    hid = cfg.hidden_size
    every = c2.checkbox("All units", key=choose("gates_clamp_all", lambda v: isinstance(v, bool),
                                                True), **PERSIST)  # fmt: skip
    u_key = choose("gates_clamp_units", lambda v: all(u in range(hid) for u in v), [0])
    units = () if every else c2.multiselect("Units", range(hid), key=u_key, **PERSIST)
    value = clamp_value(cfg.cell, name, getattr(rnn, "nonlinearity", "tanh"), c3)
    f_key = choose("gates_clamp_from", lambda v: v in range(steps), 0)
    start = c4.slider("From step", 0, steps - 1, key=f_key, **PERSIST) if steps > 1 else 0
    return Clamp(layer, name, "all" if every else tuple(units), float(value), int(start))


def clamped_window(bundle, dataset, w: int, clamp: Clamp | InputClamp, stamp: tuple,
                   cache: tuple[MutableMapping, str] | None = None) -> dict:  # fmt: skip
    """Window w and the test part run with a gate's or an input's clamp, cached in
    cache = (holder, name) (default: the session's gates_experiment) until any changes."""
    holder, name = cache or (st.session_state, "gates_experiment")
    key = (stamp, w, clamp)
    cached = holder.get(name)
    if cached is None or cached["key"] != key:
        gates, held = ([], [clamp]) if isinstance(clamp, InputClamp) else ([clamp], [])
        x = apply_input_clamps(dataset, dataset.X[w : w + 1], held)  # [1, L, C]
        run = run_clamped(bundle.model, x, gates, keep=True)
        pred = float(dataset.to_levels(run.y, dataset.target_index[w : w + 1])[0])
        test = intervene(bundle, dataset, [clamp], "test")
        cached = {"key": key, "trace": run.trace(), "pred": pred, "run": test}
        holder[name] = cached
    return cached


def experiment(bundle, dataset, layer: int, w: int, shown: tuple) -> None:
    """Pick a gate, units, a value and a step; run the model with it held; undo.

    shown: (the window's heatmap figure, its inputs [L], target, first point, input label).
    """
    st.subheader("Experiment: clamp a gate")
    st.caption(
        "Hold a gate or state at a value of your choice and run the model again: the window's "
        "gates and prediction, and the test part's error, before and after. A σ gate at 0 is "
        "shut, at 1 wide open."
    )
    stamp = state.model_stamp(bundle, dataset)
    wanted = clamp_widgets(bundle, layer, dataset.split.look_back)
    part = "val" if dataset.split.n_val else "test"
    held = apply_or_undo(
        "gates_clamp", wanted, stamp, lambda c: intervene(bundle, dataset, [c], part)
    )
    if held is not None:
        clamp_results(bundle, dataset, (layer, w, held["clamp"], stamp), shown)


def input_experiment(bundle, dataset, layer: int, w: int, shown: tuple) -> None:
    """Hold an input beside the series (explorer/gates_inputs.py draws the widgets); the same
    buttons and results as the gate clamp, its run cached with the applied clamp."""
    stamp = state.model_stamp(bundle, dataset)
    wanted = gi.input_clamp_widgets(dataset, dataset.split.look_back)
    held = apply_or_undo("gates_iclamp", wanted, stamp, partial(gi.check_input_clamp, dataset, w))
    if held is not None:
        clamp_results(bundle, dataset, (layer, w, held["clamp"], stamp), shown, (held, "run"))


def side_by_side(before, after, titles: tuple[str, str], prefix: str) -> None:
    """Two figures before | after on one colour range, keys <prefix>_before, <prefix>_after."""
    pair = ef.side_by_side(before, after, titles)
    for col, fig, when in zip(st.columns(2), pair, ("before", "after"), strict=True):
        col.plotly_chart(fig, config=PLOTLY, key=f"{prefix}_{when}")


def clamped_inputs(bundle, after, clamp: InputClamp, prefix: str) -> None:
    """An input clamp's window inputs before | after (the trace's channels 1..F)."""
    before = st.session_state["gates_trace"]["trace"]
    names = [s.name for s in bundle.inputs]
    figs = [window_inputs_figure(t.inputs[0, :, 1:], names) for t in (before, after)]
    side_by_side(*figs, ("Inputs before", f"Inputs after: {clamp.describe()}"), prefix)


def clamp_results(bundle, dataset, where: tuple, shown: tuple, cache=None) -> None:
    """The clamp's effect: the sentence, the numbers, heatmaps before | after, the test part.

    where: (layer, window, clamp, stamp), the clamp a gate's (keys gates_clamp_*) or an
    input's (keys gates_iclamp_*); shown: as for `experiment`; cache: see clamped_window."""
    layer, w, clamp, stamp = where
    before_fig, inputs, target, first, label = shown
    res = clamped_window(bundle, dataset, w, clamp, stamp, cache)
    prefix = "gates_iclamp" if isinstance(clamp, InputClamp) else "gates_clamp"
    run, before = res["run"], st.session_state["gates_trace"]["pred"]
    st.info(ui.md_escape(run.summary()))
    cols = st.columns(4)
    cols[0].metric("Prediction before", f"{before:.4g}")
    cols[1].metric("Prediction after", f"{res['pred']:.4g}", f"{res['pred'] - before:+.3g}",
                   delta_color="off")  # fmt: skip
    cols[2].metric("Test RMSE before", f"{run.rmse_before:.4g}")
    cols[3].metric("Test RMSE after", f"{run.rmse_after:.4g}",
                   f"{run.rmse_after - run.rmse_before:+.3g}", delta_color="inverse")  # fmt: skip
    after = res["trace"]
    fig = figure(res, layer, lambda: gf.window_figure(
        gf.window_layers(after.layers)[layer], after.names, inputs, target, first, label,
    ))  # fmt: skip
    if isinstance(clamp, InputClamp):
        clamped_inputs(bundle, after, clamp, f"{prefix}_inputs")
    side_by_side(before_fig, fig, ("Before", f"After: {clamp.describe()}"), prefix)
    st.plotly_chart(ef.before_after_figure(
        run.before, run.after, run.targets, title="The test part's one-step predictions",
        x_label="test window", y_label=bundle.column,
    ), config=PLOTLY, key=f"{prefix}_test")  # fmt: skip


# --------------------------------------------------------------------------- whole series


def whole_series(bundle, dataset, start: int, end: int, n_cols: int) -> dict:
    """Trace points [start, end) from a zero state, chunk by chunk, keeping only what the
    view shows (bin means, saturation counts, unit correlations)."""
    key = (*model_key(bundle, dataset), start, end, n_cols)
    cached = st.session_state.get("gates_whole")
    if cached is None or cached["key"] != key:
        st.session_state.pop("gates_whole", None)  # free the old one first
        text = f"Tracing the gates over {end - start:,} points…"
        bar = st.progress(0.0, text)
        try:
            d = dataset.lag  # scaled[k] is the model's input at point k + d
            summary = summarise_run(
                bundle.model, dataset.matrix[start - d : end - d], n_cols,  # [T] or [T, 1 + F]
                progress=lambda done, total: bar.progress(done / total, text),
            )  # fmt: skip
        finally:
            bar.empty()
        inputs, label = model_view(bundle, dataset, start, end)
        cached = {"key": key, "label": label, **gf.span_summary(summary, inputs, start)}
        st.session_state["gates_whole"] = cached
    return cached


@st.fragment
def unit_lines(gates: dict, names, x: np.ndarray) -> None:
    """Pick a unit: its gates and states over the span (same bins as the heatmaps)."""
    unit = pick_unit(gates[names[-1]].shape[1])
    st.plotly_chart(gf.unit_figure(gates, names, unit, x, time_label="point"), config=PLOTLY)


def whole_view(bundle, dataset, layer: int) -> None:
    n, cfg = dataset.lag + dataset.n_readable, bundle.model_config  # points the model can read
    per_step = cfg.hidden_size * cfg.num_layers * len(GATE_NAMES[cfg.cell])
    longest = max(2, MAX_TRACE_VALUES // per_step)
    first = (max(0, n - min(longest, DEFAULT_SPAN)), n)

    lag = dataset.lag  # the model sees nothing before this point

    def fits(v) -> bool:
        return isinstance(v, tuple | list) and len(v) == 2 and lag <= v[0] < v[1] <= n

    key = choose("gates_span", fits, (max(lag, first[0]), n))
    start, end = st.slider("Points of the series", lag, n, key=key, **PERSIST)
    if end - start > longest:
        start = end - longest
        st.info(f"Showing the last {longest:,} points of the span: the most traced for one view.")
    if end - start < 2:
        st.warning("Choose a span of at least two points.")
        return
    n_cols = gf.max_cols_for(cfg.hidden_size, len(GATE_NAMES[cfg.cell]))  # one layer's rows
    res = whole_series(bundle, dataset, start, end, n_cols)
    note = gf.downsample_note(res["k"])
    fig = figure(res, layer, lambda: gf.span_figure(
        res["layers"][layer], res["names"], res["x"], res["values"], res["k"], (start, end),
        dataset.split, res["label"], dates(dataset, start, end - 1),
    ))  # fmt: skip
    st.plotly_chart(fig, config=PLOTLY, key="gates_whole_heatmaps")
    st.caption(
        "One continuous run from a zero state at the first point of the span."
        + (f" The heatmaps are {note}; hovering shows bin means." if note else "")
    )
    unit_lines(res["layers"][layer], res["names"], res["x"])
    saturation_table(res["saturation"][layer], "over the span")
    units_table(res["units"][layer])


def units_table(table) -> None:
    """Per unit: correlation with the input and the next value, and gate saturation."""
    with st.expander("Units at a glance: which unit tracks the input, which the next value"):
        st.caption(
            "Correlations of each unit's h over the span (strongest first) and how often its "
            "gates are nearly shut (< 0.1) or open (> 0.9). A forget gate mostly above 0.9 "
            "carries its cell state forward: that unit remembers."
        )
        st.dataframe(table, hide_index=True, key="gates_units")


# --------------------------------------------------------------------------- which units matter


def look_at(unit: int) -> None:
    """An ablation button: open the unit's drill-down (one-window view, its lines), and
    draw its lines where the button is (the Unit box is far above)."""
    st.session_state["gates_unit"] = unit
    st.session_state["gates_view"] = VIEWS[0]
    st.session_state["gates_ablation_unit"] = unit


def looked_at(bundle, dataset, layer: int) -> None:
    """The unit a 'Look at unit' button chose: its gates and states in the current window,
    drawn right under the buttons."""
    unit = st.session_state.get("gates_ablation_unit")
    if unit is None or unit >= bundle.model_config.hidden_size:
        return
    n_windows = dataset.split.n_windows
    w = st.session_state.get("gates_window", n_windows - 1)
    w = int(w) if 0 <= int(w) < n_windows else n_windows - 1
    trace = window_trace(bundle, dataset, w)["trace"]
    gates = gf.window_layers(trace.layers)[layer]
    st.plotly_chart(gf.unit_figure(gates, trace.names, unit), config=PLOTLY,
                    key="gates_ablation_unit_lines")  # fmt: skip
    st.caption(f"Unit {unit} in window {w}, layer {layer}: its gates and states at every step. "
               "The Unit box at the top of the page shows it too.")  # fmt: skip


def which_units_matter(bundle, dataset, layer: int, stamp: tuple) -> None:
    with st.expander("Which units matter: zero each unit and watch the test error grow"):
        st.caption(
            "Each unit's state is set to 0 at every step of every test window, one unit at a "
            "time; the units are ranked by how much the test RMSE (original units) grows."
        )
        what = "h"
        if bundle.model_config.cell == "lstm":
            what = st.radio("Zero the", ("h", "c"), format_func=GATE_LABELS.get, horizontal=True,
                            key="gates_ablation_state")  # fmt: skip
        key = (stamp, layer, what)
        if st.button("Rank the units", key="gates_ablation_run"):
            try:
                found = ablation(bundle, dataset, "test", what, layer)
            except InterventionError as e:
                st.error(str(e))
                return
            state.put("gates_ablation", {"key": key, "ablation": found})
        cached = state.get("gates_ablation")
        if cached is None or cached["key"] != key:
            return
        ranked = cached["ablation"]
        st.dataframe(ef.ablation_frame(ranked.to_dicts()), hide_index=True,
                     key="gates_ablation_table")  # fmt: skip
        top = ranked.ranking()[:TOP_UNITS]
        for col, (k, unit) in zip(st.columns(len(top)), enumerate(top, 1), strict=True):
            col.button(f"Look at unit {unit} (rank {k})", key=f"gates_ablation_go_{k}",
                       on_click=look_at, args=(unit,))  # fmt: skip
        looked_at(bundle, dataset, layer)


# --------------------------------------------------------------------------- memory horizon


def measure_memory(bundle, dataset, layer: int) -> dict:
    """τ per unit, the series' autocorrelation, the gradient by lag, the advice, the echo.

    Reads at most MEMORY_WINDOWS evenly spaced test windows. Raises InterventionError for a
    plain RNN (no forget gate, no τ)."""
    x, _ = dataset.part("test")
    x = x[np.unique(np.linspace(0, len(x) - 1, min(len(x), MEMORY_WINDOWS)).astype(int))]
    tau = forget_time_constants(bundle, x, layer)
    grad = input_gradient_by_lag(bundle.model, x)
    look_back = dataset.split.look_back
    season = detect_season(dataset.values)
    advice = lookback_advice(tau, look_back, season, grad, len(dataset.values))
    longest = max(2 * look_back, 2 * (season or 0), advice.look_back + look_back // 2, 24)
    acf = autocorrelation(dataset.scaled, max(1, min(len(dataset.scaled) - 1, longest)))
    return {"tau": tau, "acf": acf, "grad": grad, "advice": advice,
            "echo": echo_check(bundle, dataset)}  # fmt: skip


def memory_horizon(bundle, dataset, layer: int, stamp: tuple) -> None:
    with st.expander("Memory horizon: how many steps each unit remembers"):
        st.caption(
            "A unit's time constant τ = −1 / ln(mean forget gate) is the number of steps after "
            "which its cell keeps 1/e (37%) of what it held, with the input gate shut. Beside "
            "it: how far back the series correlates with itself, and how much the prediction "
            "moves with an input k steps back."
        )
        key = (stamp, layer)
        if st.button("Measure the memory", key="gates_memory_run"):
            try:
                found = measure_memory(bundle, dataset, layer)
            except InterventionError as e:
                st.info(str(e))
                return
            state.put("gates_memory", {"key": key, **found})
        got = state.get("gates_memory")
        if got is None or got["key"] != key:
            return
        advice = got["advice"]
        fig = ef.memory_figure(got["tau"], got["acf"], got["grad"], dataset.split.look_back,
                               advice.look_back)  # fmt: skip
        st.plotly_chart(fig, config=PLOTLY, key="gates_memory_chart")
        st.info(advice.reason)
        if got["echo"].warning:
            st.warning(got["echo"].warning)
        else:
            st.caption(f"The predictions do not merely repeat the last input (they sit "
                       f"{got['echo'].share:.0%} of the way onto the naive forecast).")  # fmt: skip


# --------------------------------------------------------------------------- the page


def gates_page(bundle, dataset) -> None:
    cfg = bundle.model_config
    st.caption(
        f"{cfg.cell.upper()}, {cfg.num_layers} layer(s) of {cfg.hidden_size} units, windows of "
        f"{dataset.split.look_back} points. Colours are fixed: gates σ from 0 to 1, tanh values "
        "from −1 to 1 (white = 0), the cell state c symmetric around 0."
    )
    if bundle.transform.kind != "none":
        st.caption(
            f"The model sees {ui.md_escape(bundle.transform.label(bundle.column))}, scaled: "
            f"{ui.md_escape(bundle.transform.describe())}. The input row and the gates are of "
            "that; the target, prediction and error are in original units."
        )
    left, right = st.columns([1, 2])
    with left:
        layer = pick_layer(cfg.num_layers)
    with right:
        key = choose("gates_view", lambda v: v in VIEWS, VIEWS[0])
        view = st.radio("View", VIEWS, horizontal=True, key=key, **PERSIST)
    if view == VIEWS[0]:
        one_window(bundle, dataset, layer)
    else:
        whole_view(bundle, dataset, layer)
    stamp = state.model_stamp(bundle, dataset)
    which_units_matter(bundle, dataset, layer, stamp)
    memory_horizon(bundle, dataset, layer, stamp)


ui.setup()
st.title("Inside the gates")
ui.model_provenance()
bundle, dataset = state.get("bundle"), state.get("dataset")
if bundle is None:
    no_model()
elif dataset is None or dataset.split.look_back != bundle.data_config.look_back:
    st.warning("Load the data this model was trained on to trace its gates.")
    st.page_link("pages/data.py", label="Choose the data", icon=":material/table_chart:")
else:
    gates_page(bundle, dataset)
ui.finish()
