"""The Gates page's experiments: clamp a gate, clamp an input (issue 22: out of the page).

Both run through one code path (lstm_core.inside.gateviews.clamped_window,
lstm_core/inside/intervene.py)
and show the same results: the sentence, the numbers, the window's heatmaps before | after
and the test part's predictions. Streamlit UI helpers, called by pages/gates.py.

Session state (explorer/state.py): gates_clamp {"stamp", "clamp"} (the applied gate clamp),
gates_experiment (its run, explorer/derived.py, key (stamp, window, clamp)),
gates_input_clamp {"stamp", "clamp", "run"} (the applied input clamp and its run).
Widget keys: gates_clamp_gate, gates_clamp_all, gates_clamp_units, gates_clamp_value,
gates_clamp_from (kept across page switches), gates_clamp_apply, gates_clamp_undo; the input
clamp's are explorer/gates_inputs.py's and gates_iclamp_apply, gates_iclamp_undo.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import numpy as np
import streamlit as st

from explorer import experiment_figures as ef
from explorer import gate_figures as gf
from explorer import gates_inputs as gi
from explorer import state
from explorer.derived import built, derived, remember
from explorer.escape import md_escape
from explorer.input_figures import window_inputs_figure
from explorer.widgets import PERSIST, fitting
from lstm_core.inside.gates import GATE_NAMES
from lstm_core.inside.gatestats import GATE_LABELS
from lstm_core.inside.gateviews import check_clamp, clamped_window
from lstm_core.inside.inputclamp import InputClamp
from lstm_core.inside.intervene import Clamp, InterventionError, value_range

PLOTLY = {"displaylogo": False}

# prefix of the widget keys: (state key of the applied clamp, caches dropped with it, the
# apply and undo buttons' labels, the caption while none is applied)
EXPERIMENTS = {
    "gates_clamp": ("gates_clamp", ("gates_experiment",), "Clamp and run", "Undo the clamp",
                    "No clamp applied: the model runs as trained."),
    "gates_iclamp": ("gates_input_clamp", (), "Clamp the input and run", "Undo the input clamp",
                     "No input clamp applied: the model reads its inputs as they are."),
}  # fmt: skip


class Shown(NamedTuple):
    """The window as the page shows it, before any clamp."""

    window: dict  # its derived entry: "trace" (GateTrace), "pred" (float)
    fig: Any  # its heatmap figure
    inputs: np.ndarray  # [L] what the model saw
    target: float
    first: int  # the window's first point in the series
    label: str  # what `inputs` are


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
    key = fitting("gates_clamp_value", lambda v: isinstance(v, float) and lo <= v <= hi, default)
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
    g_key = fitting("gates_clamp_gate", lambda v: v in names, names[1 if cfg.cell == "lstm" else 0])
    name = c1.selectbox("Gate or state", names, format_func=GATE_LABELS.get, key=g_key, **PERSIST)
    hid = cfg.hidden_size
    every = c2.checkbox("All units", key=fitting("gates_clamp_all", lambda v: isinstance(v, bool),
                                                 True), **PERSIST)  # fmt: skip
    u_key = fitting("gates_clamp_units", lambda v: all(u in range(hid) for u in v), [0])
    units = () if every else c2.multiselect("Units", range(hid), key=u_key, **PERSIST)
    value = clamp_value(cfg.cell, name, getattr(rnn, "nonlinearity", "tanh"), c3)
    f_key = fitting("gates_clamp_from", lambda v: v in range(steps), 0)
    start = c4.slider("From step", 0, steps - 1, key=f_key, **PERSIST) if steps > 1 else 0
    return Clamp(layer, name, "all" if every else tuple(units), float(value), int(start))


def gate_experiment(bundle, dataset, layer: int, w: int, shown: Shown) -> None:
    """Pick a gate, units, a value and a step; run the model with it held; undo."""
    st.subheader("Experiment: clamp a gate")
    st.caption(
        "Hold a gate or state at a value of your choice and run the model again: the window's "
        "gates and prediction, and the test part's error, before and after. A σ gate at 0 is "
        "shut, at 1 wide open."
    )
    stamp = state.model_stamp(bundle, dataset)
    wanted = clamp_widgets(bundle, layer, dataset.split.look_back)
    held = apply_or_undo("gates_clamp", wanted, stamp, partial(check_clamp, bundle, dataset))
    if held is None:
        return
    key = (stamp, w, held["clamp"])
    run = derived("gates_experiment", key, lambda: run_of(bundle, dataset, w, held["clamp"]))
    clamp_results(bundle, layer, held["clamp"], run, shown)


def input_experiment(bundle, dataset, layer: int, w: int, shown: Shown) -> None:
    """Hold an input beside the series (explorer/gates_inputs.py draws the widgets); the same
    buttons and results as the gate clamp, its run kept with the applied clamp."""
    stamp = state.model_stamp(bundle, dataset)
    wanted = gi.input_clamp_widgets(dataset, dataset.split.look_back)
    held = apply_or_undo("gates_iclamp", wanted, stamp, partial(gi.check_input_clamp, dataset, w))
    if held is None:
        return
    key = (stamp, w, held["clamp"])
    run = remember(held, "run", key, lambda: run_of(bundle, dataset, w, held["clamp"]))
    clamp_results(bundle, layer, held["clamp"], run, shown)


def run_of(bundle, dataset, w: int, clamp: Clamp | InputClamp) -> dict:
    """A derived entry's fields: the clamped window and the test part (ClampedWindow)."""
    return {"clamped": clamped_window(bundle, dataset, w, clamp)}


def side_by_side(before, after, titles: tuple[str, str], prefix: str) -> None:
    """Two figures before | after on one colour range, keys <prefix>_before, <prefix>_after."""
    pair = ef.side_by_side(before, after, titles)
    for col, fig, when in zip(st.columns(2), pair, ("before", "after"), strict=True):
        col.plotly_chart(fig, config=PLOTLY, key=f"{prefix}_{when}")


def clamped_inputs(bundle, before, after, clamp: InputClamp, prefix: str) -> None:
    """An input clamp's window inputs before | after (the traces' channels 1..F)."""
    names = [s.name for s in bundle.inputs]
    figs = [window_inputs_figure(t.inputs[0, :, 1:], names) for t in (before, after)]
    side_by_side(*figs, ("Inputs before", f"Inputs after: {clamp.describe()}"), prefix)


def clamp_results(bundle, layer: int, clamp, entry: dict, shown: Shown) -> None:
    """The clamp's effect: the sentence, the numbers, heatmaps before | after, the test part.

    clamp: a gate's (keys gates_clamp_*) or an input's (keys gates_iclamp_*); entry: its
    run's derived entry ("clamped": ClampedWindow)."""
    got = entry["clamped"]
    prefix = "gates_iclamp" if isinstance(clamp, InputClamp) else "gates_clamp"
    run, before = got.run, shown.window["pred"]
    st.info(md_escape(run.summary()))
    cols = st.columns(4)
    cols[0].metric("Prediction before", f"{before:.4g}")
    cols[1].metric("Prediction after", f"{got.pred:.4g}", f"{got.pred - before:+.3g}",
                   delta_color="off")  # fmt: skip
    cols[2].metric("Test RMSE before", f"{run.rmse_before:.4g}")
    cols[3].metric("Test RMSE after", f"{run.rmse_after:.4g}",
                   f"{run.rmse_after - run.rmse_before:+.3g}", delta_color="inverse")  # fmt: skip
    after = got.trace
    fig = built(entry, layer, lambda: gf.window_figure(
        gf.window_layers(after.layers)[layer], after.names, shown.inputs, shown.target,
        shown.first, shown.label,
    ))  # fmt: skip
    if isinstance(clamp, InputClamp):
        clamped_inputs(bundle, shown.window["trace"], after, clamp, f"{prefix}_inputs")
    side_by_side(shown.fig, fig, ("Before", f"After: {clamp.describe()}"), prefix)
    st.plotly_chart(ef.before_after_figure(
        run.before, run.after, run.targets, title="The test part's one-step predictions",
        x_label="test window", y_label=bundle.column,
    ), config=PLOTLY, key=f"{prefix}_test")  # fmt: skip
