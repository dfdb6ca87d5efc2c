"""Forecast: one-step predictions against the truth and the baselines, the multi-step
backtest (error by steps ahead against the baselines and the classic references, interval
coverage) with the verdict, one-step errors, and an H-step recursive forecast past the end
with 80% / 95% intervals.

Reads (explorer.state): bundle, dataset, series, classic_refs (the references' fits, asked
for here as the visitor's job: explorer/reference_jobs.py). Writes the Gates page's widget key
`gates_window` when a prediction point is clicked (that window opens on the Gates page).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from explorer import derived, session, state, ui
from explorer.active import series_time
from explorer.escape import md_escape
from explorer.figures import (
    forecast_figure,
    future_axis,
    metrics_frame,
    prediction_figure,
    residual_figure,
    table_cells,
)
from explorer.forecast_figures import horizon_figure
from explorer.forecast_words import (
    backtest_means,
    coverage_words,
    forms_sentence,
    future_caption,
    interval_caption,
    origins_phrase,
)
from explorer.training import reference_key, without_inputs_request
from explorer.widgets import PERSIST, number_table, remember
from lstm_core.evaluation.backtest import default_horizon, input_reach
from lstm_core.evaluation.forecast import (
    Evaluation,
    backtest_horizon,
    forecast,
    forecast_reach_error,
    with_references,
)
from lstm_core.fitting.models import count_parameters
from lstm_core.inside.explain import importance
from lstm_core.metrics import classic_win_note, count

GATES_WINDOW = "gates_window"  # the Gates page's window widget key (see pages/gates.py)
GATES_VIEW = "gates_view"  # ... and its view (pages/gates.VIEWS[0] is "One window")
PART_CHOICES = {"Validation and test": ("val", "test"), "All parts": ("train", "val", "test")}
ROW_WIDTH = 150  # px of the score tables' row names, so that the references' lines up
WITHOUT = "without inputs"  # the metrics table's row of the same settings without the inputs


def time_axis(n: int) -> Any:
    """Timestamps of the active series if they fit the model's data, else positions."""
    time = series_time(n)
    return time if time is not None else np.arange(n)


def values_name() -> str:
    """The name of the values the model runs on: the active series' (a model used on
    another series labels that series' values with its own name)."""
    series = state.get("series")
    return series.name if series is not None else state.get("bundle").column


def predictions(ev: Evaluation, dataset: Any, x: Any) -> None:
    """Truth vs one-step predictions; a click on a point selects that window for Gates."""
    c1, c2 = st.columns([2, 1])
    choice = c1.radio("Show", list(PART_CHOICES), horizontal=True, key="fc_parts", **PERSIST)
    parts = PART_CHOICES[choice]
    show_base = c2.toggle("Show baselines", key="fc_baselines", **PERSIST)
    fig = prediction_figure(
        x,
        dataset.values,
        dataset.target_index,
        ev.predictions,
        dataset.split,
        baselines=ev.baseline_predictions if show_base else None,
        parts=parts,
        name=values_name(),
    )
    event = st.plotly_chart(fig, key="fc_predictions", on_select="rerun", selection_mode="points")
    picked = [p.get("customdata") for p in (event.selection.points if event else [])]
    picked = [int(np.ravel(w)[0]) for w in picked if w is not None]
    if picked:
        st.session_state[GATES_WINDOW] = picked[0]
        st.session_state[GATES_VIEW] = "One window"  # not the whole series, if chosen before
        st.page_link("pages/gates.py", label=f"Open window {picked[0]} on the Gates page")
    else:
        st.caption("Click a prediction point to look at that window on the Gates page.")


def pick_horizon(dataset: Any) -> int:
    """Steps ahead of the backtest: one season by default, at most the test part."""
    n_test = dataset.split.n_test
    _, why_one = backtest_horizon(dataset, 2)
    if why_one:
        st.caption(md_escape(why_one))
        return 1
    if n_test < 2:
        return 1
    key, data = "fc_bt_horizon", state.data_stamp(dataset)
    if key in st.session_state and state.get("fc_bt_horizon_of") != data:
        del st.session_state[key]  # an H chosen for other data: this data's default instead
    state.put("fc_bt_horizon_of", data)
    key = remember(key, default_horizon(dataset))
    return int(st.slider("Steps ahead to test (H)", 1, n_test, key=key, **PERSIST))


def backtest(ev: Evaluation) -> None:
    """Error by steps ahead, model against baselines, and the verdict on it."""
    bt = ev.backtest
    recorded, inputs = "", state.get("dataset").inputs
    if inputs is not None:
        recorded = " It reads its inputs as recorded" + (
            ": known-ahead ones as if they had been forecast perfectly." if inputs.has_future
            else "."
        )  # fmt: skip
    st.caption(
        f"{origins_phrase(len(bt.origins))} in the test part the model forecasts "
        + (
            "one step ahead (no refit"
            if bt.horizon == 1
            else f"{count(bt.horizon, 'step')} ahead, feeding its own predictions back (no refit"
        )
        + ", nothing from after the origin); the baselines "
        + ("and the classic references (dashed) " if bt.references else "")
        + "do the same. RMSE in original units by steps ahead."
        + recorded
    )
    d = bt.to_dict()
    fig = horizon_figure(d["rmse_by_step"], d["baselines"], d["references"])
    st.plotly_chart(fig, key="fc_horizon_chart")
    if means := backtest_means(bt):
        st.caption(means)
    st.info(ev.verdict)
    split = state.get("dataset").split
    cov = coverage_words(d["coverage"], split.n_test)
    cut = bt.intervals.cuts(bt.predictions)
    st.caption(interval_caption(bt.intervals, cov, split.n_val, cut))


def errors(ev: Evaluation, dataset: Any, x: Any, reference: dict | None) -> None:
    """The one-step metrics table (with the same settings without the inputs, once trained)
    and the residuals."""
    st.subheader("One-step errors on the test part")
    season = f"season {ev.season}" if ev.season else "no season found"
    st.caption(f"Original units; MASE below 1 beats the naive forecast in-sample ({season}).")
    table = dict(ev.table)
    if reference is not None:
        table[WITHOUT] = reference["model"]
    number_table(table_cells(metrics_frame(table), "{:#.4g}"), ROW_WIDTH, key="fc_metrics")
    references_table(ev)
    residuals = dataset.values[dataset.target_index] - ev.predictions
    st.plotly_chart(
        residual_figure(x, dataset.target_index, residuals, dataset.split), key="fc_residuals"
    )


def references_table(ev: Evaluation) -> None:
    """The classic references' one-step errors, a group apart from the baselines, and the
    form each fitted (or why it was not)."""
    if not ev.reference_forms:
        return
    bundle, dataset = state.get("bundle"), state.get("dataset")
    only = " They read the series alone, not the inputs." if dataset.inputs else ""
    if ev.references:
        st.markdown("**Classic references**: fitted on the training and validation parts only, "
                    "then forecasting the test part the same way as the model (one step ahead "
                    "from every test point, their parameters fixed, no refit).")  # fmt: skip
        scores = table_cells(metrics_frame(ev.references), "{:#.4g}")
        number_table(scores, ROW_WIDTH, key="fc_references")  # under the baselines, aligned
    else:
        st.markdown("**Classic references**: none could be fitted here.")
    st.caption(md_escape(forms_sentence(ev.reference_forms) + only))
    refs = {k: v["rmse"] for k, v in ev.references.items()}
    why = classic_win_note(ev.table["model"]["rmse"], refs, dataset.split.n_train,
                           count_parameters(bundle.model), dataset.split.n_test)  # fmt: skip
    if why:
        st.caption(why)
        st.page_link("pages/learn.py", icon=":material/school:",
                     label="When is an LSTM worth it? (the Learn page's last section)")  # fmt: skip


def classic_references(dataset: Any) -> Any:
    """The references of this series and split once fitted (None before): at the end of each
    fresh training, in its job, or on request (a model opened from a file) as this
    visitor's job; never in this script."""
    from explorer.reference_jobs import references_key, references_request

    kept = state.get("classic_refs")
    if kept is not None and kept["key"] == references_key(dataset):
        return kept["refs"]
    j = session.job()
    if j is not None and getattr(j.work, "key", "") == "classic_refs":
        st.caption(FITTING)
        return None
    if session.trains_the_model(j):
        st.caption("The classic references (AutoETS, AutoTheta, AutoARIMA) are fitted when "
                   "the running training ends.")  # fmt: skip
        return None
    outcome = state.get("task_outcome") or {}
    if outcome.get("key") == "classic_refs" and outcome["status"] != "completed":
        st.caption(md_escape(f"The classic references did not finish: {outcome['message']}"))
    st.caption(
        "Does the LSTM beat a classic method too? AutoETS, AutoTheta and AutoARIMA are fitted "
        "on the training and validation parts and forecast the test part like the model (a "
        "few seconds on a short series; it runs as your job, like Train)."
    )
    if st.button("Fit the classic references", key="fc_fit_references",
                 disabled=session.active()):  # fmt: skip
        refused = session.start(references_request(dataset))
        st.warning(refused) if refused else st.rerun()
    return None


FITTING = (
    "Fitting the classic references (AutoETS, AutoTheta, AutoARIMA) on the training and "
    "validation parts as your job; they appear here when done (progress in the sidebar)."
)


def without_inputs(bundle: Any, ev: Evaluation) -> dict | None:
    """Do the inputs help? The same settings trained without them, on request, as this
    visitor's job; its test scores beside the model's once it ran. Returns them or None."""
    if not bundle.inputs:
        return None
    st.subheader("Do the inputs help?")
    ref = state.get("reference")
    if ref is None or ref["key"] != reference_key(bundle):
        st.caption(
            "Train the same settings without the inputs to see whether they lower the error "
            "(it runs as your training job, like Train, and takes about as long)."
        )
        if st.button("Train the same settings without the inputs", key="fc_without",
                     disabled=session.active()):  # fmt: skip
            refused = session.start(without_inputs_request(bundle, state.get("dataset").values))
            st.warning(refused) if refused else st.rerun()
        return None
    if ref["scores"] is None:
        st.warning(md_escape(f"The run without the inputs did not finish: {ref['message']}"))
        return None
    with_in, without = ev.table["model"]["rmse"], ref["scores"]["model"]["rmse"]
    change = (with_in - without) / without if without > 0 else 0.0
    words = (f"{-change:.0%} lower with them" if change < -0.02 else
             f"{change:.0%} higher with them" if change > 0.02 else "about the same")  # fmt: skip
    st.info(
        f"Test RMSE (one step ahead): {with_in:.4g} with the inputs, {without:.4g} without "
        f"them: {words}."
    )
    return ref["scores"]


def input_importance(bundle: Any, dataset: Any) -> None:
    """Each input's importance on the test part: the RMSE with it held at its training mean,
    and shuffled across windows (the same interventions as the Gates page's clamps)."""
    key = state.model_stamp(bundle, dataset)
    cached = state.get("importance")
    if cached is None or cached["key"] != key:
        cached = {"key": key, "importance": importance(bundle.model, dataset)}
        state.put("importance", cached)
    imp = cached["importance"]
    st.markdown("**Which input matters here?** Test RMSE with each input held at its training "
                "mean (and shuffled across windows), the most important first:")  # fmt: skip
    for line in imp.ranked():
        st.text(line)
    for note in imp.notes():
        st.caption(md_escape(note))


def future(bundle: Any, dataset: Any, x: Any) -> None:
    """An H-step recursive forecast: each prediction is fed back as the next input."""
    st.subheader("Forecast past the end")
    reach = input_reach(dataset)
    if reach == 0:
        st.warning(md_escape(forecast_reach_error(dataset)))
        return
    top = 200 if reach is None else max(1, min(200, reach))
    if top == 1:
        horizon = 1
    else:
        key = remember("fc_horizon", 12)
        if not 1 <= st.session_state[key] <= top:
            st.session_state[key] = min(12, top)
        horizon = st.slider("Steps ahead (H)", 1, top, key=key, **PERSIST)
    fc = forecast(bundle.model, dataset, horizon)
    if fc.note:
        st.caption(md_escape(fc.note))
    elif reach is not None and dataset.inputs is not None and not dataset.inputs.has_past:
        st.caption(f"The inputs' future rows in the file reach {reach} steps past the end.")
    fx = future_axis(x if not isinstance(x, np.ndarray) else None, len(dataset.values), horizon)
    fig = forecast_figure(x, dataset.values, fx, fc.values, bands=fc.bands, name=values_name())
    st.plotly_chart(fig, key="fc_future")
    st.caption(future_caption(horizon))


ui.setup()
st.title("Forecast")
session.model_provenance()
bundle, dataset = state.get("bundle"), state.get("dataset")
if bundle is None or dataset is None:
    session.no_model("There is no trained model yet: train one first.")
    st.page_link("pages/train.py", label="Train a model", icon=":material/arrow_forward:")
else:
    axis = time_axis(len(dataset.values))
    top = st.container()  # drawn once the evaluation (which needs the horizon) is ready
    st.subheader("How far ahead does it forecast well? (backtest on the test part)")
    evaluation = derived.evaluation(pick_horizon(dataset))
    classics = classic_references(dataset)
    if classics is not None:
        evaluation = with_references(evaluation, dataset, classics)
    backtest(evaluation)
    with top:
        predictions(evaluation, dataset, axis)
    reference = without_inputs(bundle, evaluation)
    if bundle.inputs:
        input_importance(bundle, dataset)
    errors(evaluation, dataset, axis, reference)
    future(bundle, dataset, axis)
ui.finish()
