"""Forecast: one-step predictions against the truth and the baselines, errors, and an
H-step recursive forecast past the end of the series.

Reads (explorer.state): bundle, dataset, series. Writes the Gates page's widget key
`gates_window` when a prediction point is clicked (that window opens on the Gates page).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from explorer import state, ui
from explorer.figures import (
    forecast_figure,
    future_axis,
    metrics_frame,
    prediction_figure,
    residual_figure,
)
from lstm_core.forecast import Evaluation, forecast

GATES_WINDOW = "gates_window"  # the Gates page's window widget key (see pages/gates.py)
PART_CHOICES = {"Validation and test": ("val", "test"), "All parts": ("train", "val", "test")}


def time_axis(n: int) -> Any:
    """Timestamps of the active series if they fit the model's data, else positions."""
    series = state.get("series")
    if series is not None and series.time is not None and len(series.time) == n:
        return series.time
    return np.arange(n)


def predictions(ev: Evaluation, dataset: Any, x: Any) -> None:
    """Truth vs one-step predictions; a click on a point selects that window for Gates."""
    c1, c2 = st.columns([2, 1])
    parts = PART_CHOICES[c1.radio("Show", list(PART_CHOICES), horizontal=True, key="fc_parts")]
    show_base = c2.toggle("Show baselines", key="fc_baselines")
    fig = prediction_figure(
        x,
        dataset.values,
        dataset.target_index,
        ev.predictions,
        dataset.split,
        baselines=ev.baseline_predictions if show_base else None,
        parts=parts,
    )
    event = st.plotly_chart(fig, key="fc_predictions", on_select="rerun", selection_mode="points")
    picked = [p.get("customdata") for p in (event.selection.points if event else [])]
    picked = [int(np.ravel(w)[0]) for w in picked if w is not None]
    if picked:
        st.session_state[GATES_WINDOW] = picked[0]
        st.page_link("pages/gates.py", label=f"Open window {picked[0]} on the Gates page")
    else:
        st.caption("Click a prediction point to look at that window on the Gates page.")


def errors(ev: Evaluation, dataset: Any, x: Any) -> None:
    """The metrics table, the verdict and the residuals."""
    st.subheader("Errors on the test part")
    season = f"season {ev.season}" if ev.season else "no season found"
    st.caption(f"Original units; MASE below 1 beats the naive forecast in-sample ({season}).")
    st.dataframe(metrics_frame(ev.table).style.format("{:.4g}"), key="fc_metrics")
    st.info(ev.verdict)
    residuals = dataset.values[dataset.target_index] - ev.predictions
    st.plotly_chart(
        residual_figure(x, dataset.target_index, residuals, dataset.split), key="fc_residuals"
    )


def future(bundle: Any, dataset: Any, x: Any) -> None:
    """An H-step recursive forecast: each prediction is fed back as the next input."""
    st.subheader("Forecast past the end")
    horizon = st.slider("Steps ahead (H)", 1, 200, key=ui.remember("fc_horizon", 12))
    look_back = bundle.data_config.look_back
    values = forecast(bundle.model, bundle.scaler, dataset.values, look_back, horizon)
    fx = future_axis(x if not isinstance(x, np.ndarray) else None, len(dataset.values), horizon)
    st.plotly_chart(forecast_figure(x, dataset.values, fx, values), key="fc_future")
    st.caption(
        "Recursive: errors compound with each step, so far-ahead values are the least reliable."
    )


ui.setup()
st.title("Forecast")
bundle, dataset = state.get("bundle"), state.get("dataset")
if bundle is None or dataset is None:
    st.info("There is no trained model yet: train one first.")
    st.page_link("pages/train.py", label="Train a model", icon=":material/arrow_forward:")
else:
    evaluation = ui.evaluation()
    axis = time_axis(len(dataset.values))
    predictions(evaluation, dataset, axis)
    errors(evaluation, dataset, axis)
    future(bundle, dataset, axis)
ui.finish()
