"""Gates: look inside every gate of the trained model, one window or the whole series at once.

Reads (explorer.state): bundle, dataset, series (its timestamps, when it matches the data).
What the views compute is the engine's (lstm_core.inside.gateviews,
lstm_core.inside.memory.measure_memory,
lstm_core.inside.ablation); the experiments are explorer/gates_clamp.py's, a model's inputs beside
the series explorer/gates_inputs.py's.

Widget keys (st.session_state; kept across page switches with persist_state="session"):
  gates_layer   int         layer shown (multi-layer models only)
  gates_view    str         "One window" or "Whole series"
  gates_window  int         window index 0..W-1 (default: the last test window)
  gates_unit    int         unit of the line chart and the equations
  gates_t       int         timestep of the equations (default: the last one)
  gates_span    (int, int)  points [start, end) of the series in the whole-series view
  gates_dl_npz, gates_dl_csv  the download buttons
  gates_ablation_state, gates_ablation_run, gates_ablation_go_<rank>  the ablation table's
                state (h or c), its button, and the buttons that open a top unit
  gates_memory_run  the memory horizon's button (explorer/gates_memory.py)
  The clamp experiments' widgets: explorer/gates_clamp.py, explorer/gates_inputs.py.
The window belongs to one model (state key gates_window_of, explorer/gates_window.py):
after a new training, an import or a data change the page opens at the default window
again, as on a first visit; the same model (also continued) keeps the user's window, and a
window the Forecast page wrote for the current model is kept.
Derived views (explorer/derived.py: {"key": ..., fields}, recomputed only when the key
changes, dropped with the model; documented in explorer/state.py):
  gates_trace   key (stamp, window): "trace", "pred", and the heatmap figure per layer
  gates_whole   key (stamp, start, end, columns): the whole-series view's bin means per layer
                and its tables (the span is traced chunk by chunk, its full trace never held)
  gates_ablation  key (stamp, layer, state): "ablation", filled by its button
  gates_memory  key (stamp, layer): "memory" (lstm_core.inside.memory.MemoryHorizon), by its button
                (explorer/gates_memory.py)
stamp: state.model_stamp (weights, epochs and data checksums, not object ids).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from explorer import equations as eq
from explorer import experiment_figures as ef
from explorer import gate_figures as gf
from explorer import gates_clamp as gc
from explorer import gates_inputs as gi
from explorer import gates_memory as gm
from explorer import gates_window as gw
from explorer import session, state, ui
from explorer.active import series_time
from explorer.derived import built, derived, on_click
from explorer.escape import md_escape
from explorer.input_figures import window_inputs_figure
from explorer.widgets import PERSIST, fitting, number_table
from lstm_core.inside.ablation import ablation
from lstm_core.inside.gates import CELL_LABELS, GATE_NAMES
from lstm_core.inside.gatestats import GATE_LABELS
from lstm_core.inside.gatestep import explain_step
from lstm_core.inside.gateviews import model_view, span_run, window_run
from lstm_core.metrics import count
from lstm_core.runtime.limits import longest_trace

VIEWS = ("One window", "Whole series")
DEFAULT_SPAN = 20_000  # points the whole-series view shows at first
TOP_UNITS = 3  # the ablation table links this many units to their drill-down
PLOTLY = {"displaylogo": False}


def no_model() -> None:
    session.no_model(
        "There is no trained model yet: train one, then come back to look inside its gates."
    )
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.page_link("pages/data.py", label="Choose the data", icon=":material/table_chart:")


def pick_layer(n_layers: int) -> int:
    if n_layers == 1:
        return 0
    key = fitting("gates_layer", lambda v: v in range(n_layers), 0)
    label = {0: "layer 0 (reads the series)", n_layers - 1: f"layer {n_layers - 1} (predicts)"}
    return st.selectbox(
        "Layer", range(n_layers), format_func=lambda k: label.get(k, f"layer {k}"), key=key,
        **PERSIST,
    )  # fmt: skip


def pick_unit(hid: int, where=st) -> int:
    key = fitting("gates_unit", lambda v: v in range(hid), 0)
    return where.number_input("Unit", 0, hid - 1, key=key, **PERSIST)


def saturation_table(table, what: str) -> None:
    with st.expander(f"Saturation at a glance: how often each gate is nearly shut or open {what}"):
        pct = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
        bars = {c: st.column_config.ProgressColumn(f"share {c}", **pct) for c in ("low", "high")}
        st.dataframe(table, hide_index=True, column_config=bars)


# --------------------------------------------------------------------------- one window


def window_trace(bundle, dataset, w: int) -> dict:
    """Window w's derived entry: its trace and prediction, computed once per model and window."""

    def compute() -> dict:
        trace, pred = window_run(bundle, dataset, w)
        return {"trace": trace, "pred": pred}

    return derived("gates_trace", (state.model_stamp(bundle, dataset), w), compute)


def window_summary(dataset, w: int, pred: float) -> None:
    target = float(dataset.values[dataset.target_index[w]])
    cols = st.columns(4)
    cols[0].metric("Window belongs to", gf.window_part(dataset.split, w))
    cols[1].metric("Target", f"{target:.4g}")
    cols[2].metric("Prediction", f"{pred:.4g}")
    cols[3].metric(
        "Error (truth − prediction)",  # the Forecast page's residuals' sign
        f"{target - pred:+.3g}",
        help="Positive: the model predicted too low; negative: too high.",
    )


def dates(dataset, a: int, b: int) -> str:
    """The dates of points a and b, "" when the series' timestamps do not fit the data."""
    n = len(dataset.values)
    return gf.date_range(series_time(n), n, a, b)


ROUNDED = (
    "Every number is rounded to 4 decimals; each result is computed from the unrounded "
    "terms, so adding the shown terms can differ in the last digit."
)


@st.fragment
def unit_and_step(model, trace, layer: int, input_names: list[str] | None = None) -> None:
    """Pick a unit and a timestep: the unit's lines and the equations with real numbers
    (input_names: the inputs beside the series, named in the equations' first line)."""
    left, right = st.columns(2)
    unit = pick_unit(trace.hidden_size, left)
    last = trace.steps - 1
    t_key = fitting("gates_t", lambda v: v in range(trace.steps), last)
    t = right.slider("Timestep", 0, last, key=t_key, **PERSIST)
    gates = gf.window_layers(trace.layers)[layer]
    st.plotly_chart(gf.unit_figure(gates, trace.names, unit, mark=t), config=PLOTLY)
    st.subheader(f"Timestep {t}, unit {unit}: the equations with the model's numbers")
    st.caption(ROUNDED)
    step = explain_step(model, trace, layer, t, unit)
    for tex, sentence in eq.step_equations(step, input_names):
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
    key = fitting("gates_window", lambda v: v in range(n_windows), n_windows - 1)
    w = int(st.slider("Window", 0, n_windows - 1, key=key, **PERSIST))
    gw.remember_window(bundle, dataset, w)
    cached = window_trace(bundle, dataset, w)
    trace = cached["trace"]
    window_summary(dataset, w, cached["pred"])
    gates = gf.window_layers(trace.layers)[layer]
    first, t = w + dataset.lag, int(dataset.target_index[w])  # first input point, target point
    inputs, label = model_view(bundle, dataset, first, t)
    target = float(model_view(bundle, dataset, t, t + 1)[0][0])
    fig = built(cached, layer, lambda: gf.window_figure(
        gates, trace.names, inputs, target, first, label, dates(dataset, first, t - 1), w,
    ))  # fmt: skip
    st.plotly_chart(fig, config=PLOTLY, key="gates_heatmaps")
    stamp = state.model_stamp(bundle, dataset)
    if trace.inputs is not None:
        window_inputs(bundle, trace.inputs[0, :, 1:])
        gi.window_attribution(bundle, dataset, w, stamp)
        gi.input_weights(bundle, dataset, stamp)
    saturation_table(gf.saturation(gates, trace.names), "in this window")
    unit_and_step(bundle.model, trace, layer, [s.name for s in bundle.inputs])
    sees = f"{bundle.transform.label(bundle.column)}, scaled"  # trace.x: scaled
    names = [bundle.transform.label(bundle.column), *(s.name for s in bundle.inputs)]
    downloads(trace, w, sees, names if bundle.inputs else None)
    shown = gc.Shown(cached, fig, inputs, target, first, label)
    gc.gate_experiment(bundle, dataset, layer, w, shown)
    if bundle.inputs:
        gc.input_experiment(bundle, dataset, layer, w, shown)


# --------------------------------------------------------------------------- whole series


def whole_series(bundle, dataset, span: tuple[int, int], n_cols: int) -> dict:
    """The whole-series view of points [start, end): traced from a zero state chunk by chunk
    (a progress bar meanwhile), keeping only what the view shows (bin means, saturation
    counts, unit correlations)."""
    key = (state.model_stamp(bundle, dataset), *span, n_cols)
    return derived("gates_whole", key, partial(traced_span, bundle, dataset, span, n_cols))


def traced_span(bundle, dataset, span: tuple[int, int], n_cols: int) -> dict:
    text = f"Tracing the gates over {span[1] - span[0]:,} points…"
    bar = st.progress(0.0, text)
    try:
        summary = span_run(bundle, dataset, span, n_cols, lambda d, t: bar.progress(d / t, text))
    finally:
        bar.empty()
    inputs, label = model_view(bundle, dataset, *span)
    return {"label": label, **gf.span_summary(summary, inputs, span[0])}


@st.fragment
def unit_lines(gates: dict, names, x: np.ndarray) -> None:
    """Pick a unit: its gates and states over the span (same bins as the heatmaps)."""
    unit = pick_unit(gates[names[-1]].shape[1])
    st.plotly_chart(gf.unit_figure(gates, names, unit, x, time_label="point"), config=PLOTLY)


def whole_view(bundle, dataset, layer: int) -> None:
    n, cfg = dataset.lag + dataset.n_readable, bundle.model_config  # points the model can read
    longest = longest_trace(cfg.hidden_size, cfg.num_layers, len(GATE_NAMES[cfg.cell]))
    first = (max(0, n - min(longest, DEFAULT_SPAN)), n)

    lag = dataset.lag  # the model sees nothing before this point

    def fits(v) -> bool:
        return isinstance(v, tuple | list) and len(v) == 2 and lag <= v[0] < v[1] <= n

    key = fitting("gates_span", fits, (max(lag, first[0]), n))
    start, end = st.slider("Points of the series", lag, n, key=key, **PERSIST)
    if end - start > longest:
        start = end - longest
        st.info(f"Showing the last {longest:,} points of the span: the most traced for one view.")
    if end - start < 2:
        st.warning("Choose a span of at least two points.")
        return
    n_cols = gf.max_cols_for(cfg.hidden_size, len(GATE_NAMES[cfg.cell]))  # one layer's rows
    res = whole_series(bundle, dataset, (start, end), n_cols)
    note = gf.downsample_note(res["k"])
    fig = built(res, layer, lambda: gf.span_figure(
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
        clicked = st.button("Rank the units", key="gates_ablation_run")
        rank = lambda: {"ablation": ablation(bundle, dataset, "test", what, layer)}  # noqa: E731
        cached = on_click(clicked, "gates_ablation", key, rank, st.error)
        if cached is None:
            return
        ranked = cached["ablation"]
        st.caption(f"Test RMSE with every unit kept: {ranked.rmse_before:#.4g}; each row gives "
                   "it without one unit, and how much it grows.")  # fmt: skip
        number_table(ef.ablation_table(ranked.to_dicts()), hide_index=True,
                     key="gates_ablation_table")  # fmt: skip
        top = ranked.ranking()[:TOP_UNITS]
        for col, (k, unit) in zip(st.columns(len(top)), enumerate(top, 1), strict=True):
            col.button(f"Look at unit {unit} (rank {k})", key=f"gates_ablation_go_{k}",
                       on_click=look_at, args=(unit,))  # fmt: skip
        looked_at(bundle, dataset, layer)


# --------------------------------------------------------------------------- the page


def gates_page(bundle, dataset) -> None:
    cfg = bundle.model_config
    st.caption(
        f"{CELL_LABELS[cfg.cell]}, {count(cfg.num_layers, 'layer')} of {cfg.hidden_size} units, "
        f"windows of {dataset.split.look_back} points. Colours are fixed: gates σ from 0 to 1, "
        "tanh values from −1 to 1 (white = 0), the cell state c symmetric around 0."
    )
    if bundle.transform.kind != "none":
        st.caption(
            f"The model sees {md_escape(bundle.transform.label(bundle.column))}, scaled: "
            f"{md_escape(bundle.transform.describe())}. The input row and the gates are of "
            "that; the target, prediction and error are in original units."
        )
    gw.window_of_this_model(bundle, dataset)
    left, right = st.columns([1, 2])
    with left:
        layer = pick_layer(cfg.num_layers)
    with right:
        key = fitting("gates_view", lambda v: v in VIEWS, VIEWS[0])
        view = st.radio("View", VIEWS, horizontal=True, key=key, **PERSIST)
    if view == VIEWS[0]:
        one_window(bundle, dataset, layer)
    else:
        whole_view(bundle, dataset, layer)
    stamp = state.model_stamp(bundle, dataset)
    which_units_matter(bundle, dataset, layer, stamp)
    gm.memory_horizon(bundle, dataset, layer, stamp)


ui.setup()
st.title("Inside the gates")
session.model_provenance()
bundle, dataset = state.get("bundle"), state.get("dataset")
if bundle is None:
    no_model()
elif dataset is None or dataset.split.look_back != bundle.data_config.look_back:
    st.warning("Load the data this model was trained on to trace its gates.")
    st.page_link("pages/data.py", label="Choose the data", icon=":material/table_chart:")
else:
    gates_page(bundle, dataset)
ui.finish()
