"""Small Streamlit helpers shared by the pages: session setup, the sidebar line, URL sync,
widget memory, the built-in series, and the stop flag.

Light on purpose (no torch): the home page calls `setup()` too.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import streamlit as st

from explorer import session, state
from explorer.params import configs_to_params, params_to_configs
from lstm_core.config import DataConfig, ModelConfig, TrainConfig

DEFAULT_BUILTIN = "air_passengers"
SYNTHETIC = {
    "sine": "sine_series",
    "trend": "trend_series",
    "echo": "echo_series",
    "temperature": "temperature_series",
}
MAX_PARAM_INT = 100_000  # largest synthetic parameter (points, lag, seed) the app accepts
SETTING_WIDGETS = (  # widgets initialised from data_cfg / model_cfg / train_cfg
    "data_look_back", "data_val", "data_test", "data_transform", "train_cell", "train_hidden",
    "train_layers", "train_fbias", "train_epochs", "train_bs", "train_lr", "train_patience",
    "train_seed", "train_long",
)  # fmt: skip
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text: object) -> str:
    """Text from a file made inert for st.markdown/st.caption (every markup char escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


# --------------------------------------------------------------------------- built-in series


def builtins() -> dict[str, Any]:
    """The engine's built-in series (lstm_core.datasets.BUILTINS) by key, in picker order."""
    from lstm_core.datasets import BUILTINS

    return {b.key: b for b in BUILTINS}


def builtin_defaults(key: str) -> dict[str, Any]:
    """Default generator parameters of a synthetic built-in ({} for real data)."""
    if key not in SYNTHETIC:
        return {}  # real data: no need to import the generators (scipy)
    from lstm_core import synthetic

    sig = inspect.signature(getattr(synthetic, SYNTHETIC[key]))
    return {n: p.default for n, p in sig.parameters.items() if p.default is not p.empty}


def param_ok(default: Any, value: Any) -> bool:
    """Whether a generator parameter from a link has its default's type and a sane size."""
    if isinstance(default, bool) or default is None:
        return False
    if isinstance(default, int):
        return isinstance(value, int) and 0 <= value <= MAX_PARAM_INT
    if isinstance(default, float):
        return isinstance(value, int | float) and abs(value) <= MAX_PARAM_INT
    return False


@st.cache_data(show_spinner=False, max_entries=64)
def load_builtin(key: str, params: tuple[tuple[str, Any], ...] = ()) -> Any:
    """A built-in series (content-keyed by key and parameters); ValueError for bad ones."""
    from lstm_core.datasets import load_builtin as _load

    return _load(key, **dict(params))


def builtin_source(key: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `source` dict of a built-in series."""
    return {"kind": "builtin", "key": key, "params": dict(params or {})}


def default_source() -> dict[str, Any]:
    """The series the app opens with."""
    return builtin_source(DEFAULT_BUILTIN, builtin_defaults(DEFAULT_BUILTIN))


def active_series() -> Any:
    """The active Series; loads the built-in named by `source` (or the default) on first use."""
    series = state.get("series")
    if series is not None:
        return series
    source = state.get("source") or default_source()
    if source.get("kind") != "builtin":
        source = default_source()
    try:
        series = load_builtin(source["key"], tuple(sorted(source.get("params", {}).items())))
    except (ValueError, TypeError, KeyError):  # DataError/ConfigError are ValueErrors
        source = default_source()
        series = load_builtin(source["key"], tuple(sorted(source["params"].items())))
    state.put("series", series)
    state.put("source", source)
    return series


# --------------------------------------------------------------------------- session setup


def setup() -> None:
    """Call first on every page: make sure the router ran, seed the settings from the URL
    once per session, and take over what this visitor's training job has done so far."""

    route_through_app()
    if state.get("data_cfg") is None:
        _seed_from_url()
    session.sync()


def route_through_app() -> None:
    """A deep link (/gates, /data?src=nile) as the first request of a fresh server: Streamlit
    has not seen app.py's st.navigation yet, so it ran this page on its own, from the pages/
    folder (raw file names in the sidebar, no wide layout, no router). Run the app's main
    script here, in this same run (a click that brought us here still counts): its router
    replaces the sidebar, switches that mode off for the server and runs the page the URL
    names; then stop this outer copy. (Streamlit 1.67's PagesManager flag, which
    st.navigation clears.)"""
    import runpy

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if PagesManager.uses_pages_directory and ctx is not None:
        runpy.run_path(ctx.main_script_path, run_name="__main__")
        st.stop()


def finish(job_status: bool = True) -> None:
    """Call last on every page: the training job's live line (unless the page draws its
    own), the sidebar line and the settings in the URL."""

    if job_status:
        session.status_panel()
    sidebar_status()
    sync_url()


def _seed_from_url() -> None:
    """Settings from the query parameters of the link that opened the session."""
    data_cfg, model_cfg, train_cfg, source = params_to_configs(st.query_params.to_dict())
    state.put("data_cfg", data_cfg)
    state.put("model_cfg", model_cfg)
    state.put("train_cfg", train_cfg)
    if state.get("source") is None:
        if source is not None and source["key"] in builtins():
            defaults = builtin_defaults(source["key"])
            known = {k: v for k, v in source["params"].items() if param_ok(defaults.get(k), v)}
            source["params"] = {**defaults, **known}
        else:
            source = default_source()
        state.put("source", source)


def configs() -> tuple[DataConfig, ModelConfig, TrainConfig]:
    """The current settings (defaults until set)."""
    return (
        state.get("data_cfg") or DataConfig(),
        state.get("model_cfg") or ModelConfig(),
        state.get("train_cfg") or TrainConfig(),
    )


def sync_url() -> None:
    """Write the current settings into the URL (only when they changed)."""
    params = configs_to_params(*configs(), state.get("source"))
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def sidebar_status() -> None:
    """One line each on the active series and model (names from files shown as plain text)."""
    series = state.get("series")
    source = state.get("source") or {}
    with st.sidebar:
        if series is not None:
            st.caption(f"**Series:** {md_escape(series.name)} · {len(series.values):,} points")
        elif source.get("kind") == "builtin":
            st.caption(f"**Series:** {md_escape(source.get('key'))} (built-in)")
        bundle = state.get("bundle")
        if bundle is None:
            st.caption("**Model:** none yet — train one on the Train page.")
        else:
            note = state.get("model_note") or "trained here"
            text = f"{session.model_label(bundle.model_config, bundle.train_config)}"
            text += f" · {len(bundle.history)} epochs · {note}"
            st.caption(f"**Model:** {md_escape(text)}")
            st.caption(md_escape(bundle.provenance()))


# --------------------------------------------------------------------------- widgets


def remember(key: str, value: Any, lo: Any = None, hi: Any = None) -> str:
    """Initialise a keyed widget from a stored setting (only if it has no state yet).

    `lo`/`hi`: the widget's bounds; a stored value outside them (e.g. from a link) is clamped.
    """
    if key not in st.session_state:
        if lo is not None:
            value = max(lo, value)
        if hi is not None:
            value = min(hi, value)
        st.session_state[key] = value
    return key


def int_input(
    where: Any, label: str, key: str, value: int, lo: int, hi: int, help: str | None = None
) -> int:
    """A whole-number input in `where` (a column or st), initialised from a stored setting.

    The setting goes in as the widget's own default (clamped), not through session state:
    a number input set only through session state is first drawn in the browser at its
    minimum, and a click in that instant (say, an upload right after opening the page) sent
    the minimum back as the user's choice.
    """
    value = min(hi, max(lo, int(value)))
    return int(where.number_input(label, lo, hi, value=value, step=1, key=key, help=help))


def share_slider(where: Any, label: str, key: str, value: float) -> float:
    """A 0.05–0.40 share slider in `where`, initialised from a stored setting the same way
    as `int_input` (as the widget's default: a slider set only through session state can
    be sent back at its minimum by a click in the instant before it is drawn)."""
    value = round(min(0.40, max(0.05, round(float(value) / 0.05) * 0.05)), 2)  # 0.15, not ..02
    return round(float(where.slider(label, 0.05, 0.40, value=value, step=0.05, key=key)), 2)


def forget_widgets(*keys: str) -> None:
    """Drop widget states so they re-initialise from the stored settings."""
    for k in keys:
        st.session_state.pop(k, None)


def evaluation(horizon: int | None = None) -> Any:
    """The current model's Evaluation on its dataset (one-step table, and the backtest over
    `horizon` steps, default one season), or None without a model.

    Computed once per model and data (state.model_stamp: weights, epochs, values) and
    horizon, and kept in the session, so reruns that change nothing about the model don't
    predict every window again.
    """
    bundle, dataset = state.get("bundle"), state.get("dataset")
    if bundle is None or dataset is None:
        return None
    from lstm_core.backtest import default_horizon

    horizon = horizon or default_horizon(dataset)
    key = (state.model_stamp(bundle, dataset), horizon)
    cached = state.get("evaluation")
    if cached is not None and cached[0] == key:
        return cached[1]
    from lstm_core.forecast import evaluate

    result = evaluate(bundle.model, dataset, horizon=horizon)
    state.put("evaluation", (key, result))
    return result


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
    """lstm_core.bundle.fingerprint of the active series, hashed once per series object
    (kept with the object itself, so a new series is never taken for the old one)."""
    from lstm_core.bundle import fingerprint

    kept = state.get("series_fp")
    if kept is None or kept[0] is not series:
        kept = (series, fingerprint(series.values))
        state.put("series_fp", kept)
    return kept[1]


def no_model(text: str) -> None:
    """A page's line when there is no model yet: `text`, or, while this visitor's training
    job runs, that the model is on its way."""

    if session.active() and not session.is_task(session.job()):  # a Compare job makes none
        st.info(
            "A model is training now (its progress is in the sidebar): it appears here when "
            "the training ends, or at your next click once its first epochs are done."
        )
    else:
        st.info(text)


def invalidate_model(reason: str) -> bool:
    """Drop the model (bundle, dataset, result); True and an info line if there was one."""

    had = state.get("bundle") is not None or session.job() is not None
    session.abandon()  # a job training on the old data stops
    session.archive_run()
    state.forget_model()
    if had:
        st.info(f"{reason} The model was cleared: train again on the Train page.")
    return had
