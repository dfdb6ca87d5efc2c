"""Which model the Gates page's window slider (gates_window) was last set for (state key
gates_window_of): after a new training, an import or a data change the page opens at its
default window again, as on a first visit; the same model (also continued) keeps the user's
window, and a window the Forecast page wrote for the current model is kept."""

from __future__ import annotations

import streamlit as st

from explorer import state


def model_identity(bundle, dataset) -> tuple:
    """Which training a window choice belongs to: the model's settings, its data (values,
    split, transform) and its first epoch. A Continue or a newer copy of the same training
    keeps it; another training, an imported model or other data change it."""
    first = bundle.history[0] if bundle.history else None
    run = None if first is None else (first.train_loss, first.val_loss)
    return (bundle.model_config, state.data_stamp(dataset), run)


def window_of_this_model(bundle, dataset) -> None:
    """Forget a window left from another model (it may be a training window of this one);
    a window written since this page last drew the slider (the Forecast page's click, for
    the model it shows: the current one) is kept."""
    owner = state.get("gates_window_of")
    if owner is None or "gates_window" not in st.session_state:
        return
    stale = st.session_state["gates_window"] == owner["window"]
    if stale and owner["model"] != model_identity(bundle, dataset):
        del st.session_state["gates_window"]  # fitting() puts the page's default back


def remember_window(bundle, dataset, w: int) -> None:
    """Record that the slider shows window `w` of this model."""
    state.put("gates_window_of", {"model": model_identity(bundle, dataset), "window": w})
