"""The page frame: what every page calls first and last (issue 22: ui.py has one job).

  setup()            first: the router ran, the settings seeded from the URL once per
                     session, this visitor's job taken over (explorer.session.sync)
  finish()           last: the job's live line, the sidebar's series and model, the URL
  configs()          the current DataConfig, ModelConfig, TrainConfig
  route_through_app(), sync_url(), sidebar_status()   the parts of the two above

Elsewhere: markdown escaping in explorer/escape.py, the built-in catalogue and the active
series in explorer/active.py, widget helpers in explorer/widgets.py, the model's lifecycle
in explorer/session.py, cached views of the model in explorer/derived.py.

Light on purpose (no torch): the home page calls `setup()` too.
"""

from __future__ import annotations

import streamlit as st

from explorer import session, state
from explorer.active import builtin_defaults, builtins, default_source, param_ok
from explorer.escape import md_escape
from explorer.params import configs_to_params, params_to_configs
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.metrics import count

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
            text = session.bundle_label(bundle)  # the learning rate used
            text += f" · {count(len(bundle.history), 'epoch')} · {note}"
            st.caption(f"**Model:** {md_escape(text)}")
            st.caption(md_escape(bundle.provenance()))
