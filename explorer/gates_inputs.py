"""The Gates page's sections for a model that reads inputs beside the series (issue 20):
which input drives which gate (the first layer's input weights), the chosen window's
integrated gradients, and the input clamp's widgets. Streamlit UI helpers, called by
pages/gates.py only when the model has inputs (`bundle.inputs` non-empty).

Session state (documented in explorer/state.py; explorer/derived.py keeps it):
  gates_inputs       {"key": model_stamp, "built": {"weights": (GateWeights, figure)},
                      "window": {"key": w, "w": w, "attribution": Attribution, "fig": figure}}:
                      the weights once per model, the attributions of the window shown last
Widget keys: gates_iclamp_input, gates_iclamp_value, gates_iclamp_from (kept across page
switches); charts gates_attribution, gates_input_weights. The input clamp's buttons and its
results are the page's (pages/gates.py, shared with the gate clamp).
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from explorer.derived import built, derived, remember
from explorer.escape import md_escape
from explorer.input_figures import attribution_figure, gate_input_figure
from explorer.widgets import PERSIST, fitting
from lstm_core.inside.explain import (
    Attribution,
    attribute,
    baseline_window,
    channel_names,
    gate_weights,
)
from lstm_core.inside.gatestats import GATE_LABELS
from lstm_core.inside.inputclamp import (
    InputClamp,
    InputClampError,
    apply_input_clamps,
    input_channels,
)
from lstm_core.inside.intervene import InterventionError

PLOTLY = {"displaylogo": False}
KEYWORDS = ("mean", "shuffle")  # values the clamp takes as words (and "row:K")


def explained(stamp: tuple) -> dict:
    """This model's entry of the gates_inputs cache, a fresh one once the model changed."""
    return derived("gates_inputs", stamp, dict)


def channels(bundle, dataset) -> list[str]:
    """[C] what the model reads: the target's label ("Δ load"), then its inputs."""
    return channel_names(dataset, bundle.transform.label(bundle.column))


# --------------------------------------------------------------------------- attributions


def attribution_note(att: Attribution) -> str:
    """The caption under the attribution heatmap: what the numbers are, and the check."""
    pred, base = float(att.predictions[0]), att.baseline_prediction
    return (
        "Integrated gradients of this window's prediction with respect to the model's scaled "
        "inputs (in the model's output units, not the series'): red pushes the prediction up, "
        "blue down. The baseline window holds every input at its training mean. The "
        f"attributions sum to prediction − baseline prediction = {pred:.4g} − {base:.4g} = "
        f"{pred - base:+.4g} (completeness error {att.completeness_error:.2%})."
    )


def window_attribution(bundle, dataset, w: int, stamp: tuple) -> None:
    """Window w's attributions [L, C], one row per channel, on the gates' timestep axis."""

    def compute() -> dict:
        att = attribute(bundle.model, dataset.X[w : w + 1], baseline_window(dataset))
        title = "What moved this window's prediction (integrated gradients)"
        fig = attribution_figure(att.values[0], channels(bundle, dataset), title=title)
        return {"w": w, "attribution": att, "fig": fig}

    got = remember(explained(stamp), "window", w, compute)
    st.plotly_chart(got["fig"], config=PLOTLY, key="gates_attribution")
    st.caption(attribution_note(got["attribution"]))


# --------------------------------------------------------------------------- weights


def input_weights(bundle, dataset, stamp: tuple) -> None:
    """Which input drives which gate: the first layer's input weights by gate, the strongest
    links as sentences."""

    def compute() -> tuple:
        gw = gate_weights(bundle.model, channels(bundle, dataset))
        labels = [GATE_LABELS.get(g, g) for g in gw.gates]
        return gw, gate_input_figure(gw.w, labels, gw.names)

    gw, fig = built(explained(stamp), "weights", compute)
    with st.expander("Which input drives which gate: the first layer's input weights"):
        st.caption(
            "Mean |w| over the units of each gate, for every input of layer 0 (the layers "
            "above read the layer below). The inputs are scaled, so the weights compare; "
            "hover a cell for its strongest units. A large weight is not a large effect: "
            "the Forecast page's 'Which input matters here?' measures what each input does "
            "to the test error."
        )
        st.plotly_chart(fig, config=PLOTLY, key="gates_input_weights")
        for sentence in gw.strongest():
            st.caption(md_escape(sentence))


# --------------------------------------------------------------------------- clamp an input


def input_options(dataset) -> list[str]:
    """The file columns (a one-hot column holds all its inputs), then the model inputs that
    are not a column of their own ("wind=N")."""
    cols = dataset.inputs.columns()
    return [*cols, *(n for n in dataset.inputs.names if n not in cols)]


def parse_value(text: str) -> float | str:
    """The value box's text as the clamp takes it: a number, or a word ("mean", "shuffle",
    "row:K"); anything else is passed on for the clamp to refuse in one sentence."""
    word = text.strip()
    if word.lower() in KEYWORDS or word.lower().startswith("row:"):
        return word.lower()
    try:
        return float(word)
    except ValueError:
        return word


def value_hint(dataset, name: str) -> str:
    """The chosen input's training values in original units, to pick a number from."""
    cols = [c - 1 for c in input_channels(dataset, name)]
    train = dataset.inputs.values[: dataset.split.train_end, cols]  # [n, k]
    lo, hi, mean = np.nanmin(train), np.nanmax(train), np.nanmean(train)
    words = "Words: mean, shuffle (another window's values), row:K (window K's values)."
    if not all(math.isfinite(v) for v in (lo, hi, mean)):
        return words
    what = f"{md_escape(name)} over the training part"
    if len(cols) > 1:
        onehot = all(dataset.inputs.specs[c].encoding == "onehot" for c in cols)
        kind = "one-hot inputs, 0 or 1" if onehot else "inputs"
        what = f"{md_escape(name)} ({len(cols)} {kind}, held together) over the training part"
    return f"{what}: {lo:.4g} to {hi:.4g}, mean {mean:.4g}. {words}"


def input_clamp_widgets(dataset, steps: int) -> InputClamp:
    """The experiment's title, input, value and first step, as the InputClamp they describe
    (not yet checked: `check_input_clamp`)."""
    st.subheader("Experiment: clamp an input")
    st.caption(
        "Hold an input beside the series at a value from a step of the window on (a number in "
        "its original units, or its training mean) and run the model again: the window's "
        "inputs, gates and prediction, and the test part's error, before and after."
    )
    options = input_options(dataset)
    c1, c2, c3 = st.columns(3)
    i_key = fitting("gates_iclamp_input", lambda v: v in options, options[0])
    name = c1.selectbox("Input", options, key=i_key, **PERSIST)
    v_key = fitting("gates_iclamp_value", lambda v: isinstance(v, str), "mean")
    text = c2.text_input("Hold it at (original units, or mean)", key=v_key, **PERSIST)
    f_key = fitting("gates_iclamp_from", lambda v: v in range(steps), 0)
    start = c3.slider("From step", 0, steps - 1, key=f_key, **PERSIST) if steps > 1 else 0
    st.caption(value_hint(dataset, name))
    return InputClamp(name, parse_value(text), int(start))


def check_input_clamp(dataset, w: int, clamp: InputClamp) -> None:
    """Raises InterventionError (one sentence, markdown-escaped: it may name a file's column)
    when the clamp cannot be applied to window w."""
    try:
        apply_input_clamps(dataset, dataset.X[w : w + 1], [clamp])
    except InputClampError as e:
        raise InterventionError(md_escape(e)) from e
