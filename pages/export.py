"""Export / import: download the model, predictions and a forecast; open a saved model.

Reads (explorer.state): bundle, dataset, series. "Use this model" writes bundle, dataset,
data_cfg, model_cfg, train_cfg, runs and model_note (explorer.session.replace_model). A model
trained on another series (by its fingerprint) says so at once and offers the choice:
switch the data to that series (a built-in), or use it anyway, marked so. A bad or hostile
file shows one sentence and changes nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from explorer import session, state, ui
from explorer.active import (
    active_series,
    builtin_defaults,
    builtin_source,
    builtins,
    load_builtin,
    series_time,
)
from explorer.escape import md_escape
from explorer.export_files import forecast_csv, predictions_csv
from explorer.figures import loss_figure
from explorer.session import model_provenance, series_fingerprint
from explorer.widgets import PERSIST, SETTING_WIDGETS, forget_widgets, remember
from lstm_core.config import to_dict
from lstm_core.evaluation.backtest import input_reach
from lstm_core.evaluation.forecast import forecast_reach_error
from lstm_core.fitting.bundle import (
    BundleError,
    ModelBundle,
    bundle_bytes,
    fingerprint,
    load_bundle,
)
from lstm_core.fitting.pipeline import dataset_for
from lstm_core.metrics import count
from lstm_core.series.data import DataError


def downloads(bundle: ModelBundle, dataset: Any) -> None:
    """The three download buttons and the pointer to the gates export."""
    st.subheader("Download")
    name = f"lstm_explorer_{bundle.model_config.cell}_h{bundle.model_config.hidden_size}"
    st.download_button(
        "Model file (.pt)",
        bundle_bytes(bundle),
        f"{name}.pt",
        mime="application/octet-stream",
        key="dl_model",
        on_click="ignore",  # a rerun would drop the other buttons' files (see the test)
    )
    if dataset is None:
        st.caption("Predictions and forecasts need the model's data (use it on a series first).")
        return
    time = series_time(len(dataset.values))  # now: the download is built outside this run
    dates = None if time is None else time.to_numpy()  # [N] datetime64
    st.download_button(
        "Predictions (CSV)",
        partial(predictions_csv, bundle, dataset, dates),  # built when clicked, not every rerun
        f"{name}_predictions.csv",
        mime="text/csv",
        key="dl_predictions",
        on_click="ignore",
    )
    reach = input_reach(dataset)
    if reach == 0:
        st.caption(md_escape(forecast_reach_error(dataset)))
        return
    top = 10_000 if reach is None else reach
    key = remember("ex_horizon", min(12, top))
    if not 1 <= st.session_state[key] <= top:
        st.session_state[key] = min(12, top)
    horizon = st.number_input("Forecast steps", 1, top, key=key, **PERSIST)
    if reach is not None:
        st.caption(f"With this model's inputs a forecast reaches at most {count(reach, 'step')}.")
    st.download_button(
        "Forecast (CSV)",
        partial(forecast_csv, bundle, dataset, int(horizon), dates),  # the steps shown
        f"{name}_forecast.csv",
        mime="text/csv",
        key="dl_forecast",
        on_click="ignore",
    )
    st.page_link(
        "pages/gates.py", label="Gates export: on the Gates page", icon=":material/memory:"
    )


def describe(bundle: ModelBundle) -> None:
    """What a model file holds: where it came from, settings, history and versions (file
    text shown as data)."""
    st.caption(md_escape(bundle.provenance()))
    rows = pd.DataFrame(bundle.summary(), columns=["What", "Value"])
    st.dataframe(rows, hide_index=True, width="stretch")  # cells are text, never markup
    st.expander("Every setting, as saved (JSON)").json(
        {
            "column": bundle.column,
            "points": bundle.n_points,
            "fingerprint": bundle.fingerprint or "unknown (an older file)",
            "trained_at": bundle.trained_at or "unknown",
            "model": to_dict(bundle.model_config),
            "data": to_dict(bundle.data_config),
            "training": to_dict(bundle.train_config),
            "split": bundle.split.to_dict(),
            "transform": bundle.transform.to_dict(),
            "model_sees": f"{bundle.transform.label(bundle.column)}, scaled",
            "inputs": [i.to_dict() for i in bundle.inputs],
            "transform_scores": bundle.transform_scores,
            "versions": bundle.versions,
        },
        expanded=False,
    )
    if bundle.history:
        st.plotly_chart(loss_figure(bundle.history), key="ex_upload_loss")
        st.caption(f"{count(len(bundle.history), 'epoch')} in its history.")


def use_model(bundle: ModelBundle, file_name: str, note: str | None = None) -> None:
    """Make an uploaded model the current one, on the active series' windows."""
    series = active_series()
    try:
        dataset = dataset_for(bundle, series.values, series.inputs)
    except DataError as e:
        st.error(str(e))
        return
    for key, value in (
        ("data_cfg", bundle.data_config),
        ("model_cfg", bundle.model_config),
        ("train_cfg", bundle.train_config),
    ):
        state.put(key, value)
    session.replace_model(bundle, dataset, note or f"uploaded file {file_name}")
    forget_widgets(*SETTING_WIDGETS)
    st.success("This model is now the current one: see it on the Gates and Forecast pages.")


def builtin_of(bundle: ModelBundle) -> tuple[str, dict] | None:
    """The built-in series (with its default parameters) this model was trained on, found
    by its fingerprint; None for an uploaded series or a file without one."""
    if not bundle.fingerprint:
        return None
    for key in builtins():
        params = builtin_defaults(key)
        found = load_builtin(key, tuple(sorted(params.items())))
        if len(found.values) == bundle.n_points and fingerprint(found.values) == bundle.fingerprint:
            return key, params
    return None


def choose_data(bundle: ModelBundle, file_name: str, problem: str) -> None:
    """The model was trained on another series: switch to it (a built-in), or use the model
    anyway, marked as such in the sidebar and on every page."""
    st.warning(md_escape(problem))
    series, home = active_series(), builtin_of(bundle)
    left, right = st.columns(2)
    if home is not None and left.button(
        f"Switch the data to {md_escape(bundle.column)} and use it", key="ex_use_switch",
        type="primary",
    ):  # fmt: skip
        state.put("source", builtin_source(*home))
        state.put("series", load_builtin(home[0], tuple(sorted(home[1].items()))))
        forget_widgets("data_builtin")
        use_model(bundle, file_name)
    elif home is None:
        left.caption(md_escape(
            f"To use it on its own data, upload {bundle.column} ({bundle.n_points:,} points) "
            "on the Data page, then open this file again."
        ))  # fmt: skip
    if right.button(f"Use it on {md_escape(series.name)} anyway", key="ex_use_anyway"):
        use_model(bundle, file_name, f"uploaded file {file_name}, trained on another series")


def upload() -> None:
    """Open a model file; BundleError's sentence on any problem. A model of this series is
    used with one click; one of another series says so first and offers the choice."""
    st.subheader("Open a model file")
    file = st.file_uploader("Model file (.pt)", type=["pt"], key="ex_model_upload")
    if file is None:
        return
    try:
        bundle = load_bundle(file.getvalue())
    except BundleError as e:
        st.error(str(e))
        return
    describe(bundle)
    series = active_series()
    problem = bundle.mismatch(series.values, series.name, series_fingerprint(series))
    if problem is not None:
        choose_data(bundle, file.name, problem)
    elif st.button("Use this model", key="ex_use_model"):
        use_model(bundle, file.name)


ui.setup()
st.title("Export / import")
model_provenance()
top = st.container()  # filled after the upload, which may make a new model current
upload()
with top:
    current = state.get("bundle")
    if current is None:
        st.info("There is no model yet: train one, or open a saved model file below.")
    else:
        downloads(current, state.get("dataset"))
ui.finish()
