"""Views derived from the session's model, computed once per content key (issue 22).

A page's derived view (a window's trace, the whole-series summary, a clamp's run, the
ablation table, ...) is an entry {"key": key, **fields} under a session key registered in
explorer/state.py and listed in state.MODEL_DERIVED, so it is dropped with the model. The
key is content, never id(): state.model_stamp(bundle, dataset) and what else the view
depends on (the window, the layer, the clamp). The entry is recomputed only when the key
changes; the old one is dropped before the new one is computed (a large one is not held
twice).

  derived(name, key, compute)          the session's entry `name`
  kept(name, key)                      that entry if it is for `key` (one a button filled)
  on_click(clicked, name, key, compute, say)  a view its button computes
  remember(holder, name, key, compute) the same inside any dict (an entry's own parts)
  built(entry, slot, build)            a part of an entry built once (its key covers it)

  evaluation(horizon)                  the model's Evaluation (Train and Forecast read it)

Light (no torch at import): the page frame (explorer/ui.py) runs on the home page too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, MutableMapping
from typing import Any

from explorer import state

Compute = Callable[[], Mapping[str, Any]]


def fresh(entry: Mapping[str, Any] | None, key: Hashable) -> bool:
    """Whether `entry` was computed for `key`."""
    return entry is not None and entry.get("key") == key


def remember(holder: MutableMapping, name: Hashable, key: Hashable, compute: Compute) -> dict:
    """holder[name] when it was computed for `key`, else {"key": key, **compute()} kept there."""
    entry = holder.get(name)
    if not fresh(entry, key):
        holder.pop(name, None)  # free the old one before computing the new
        entry = {"key": key, **compute()}
        holder[name] = entry
    return entry


def derived(name: str, key: Hashable, compute: Compute) -> dict:
    """The session's entry `name` (a key of state.MODEL_DERIVED) for `key`, computed once."""
    if name not in state.MODEL_DERIVED:
        raise KeyError(f"{name!r} is not dropped with the model: list it in state.MODEL_DERIVED")
    entry = state.get(name)
    if not fresh(entry, key):
        state.drop(name)  # free the old one before computing the new
        entry = {"key": key, **compute()}
        state.put(name, entry)
    return entry


def kept(name: str, key: Hashable) -> dict | None:
    """The session's entry `name` when it was computed for `key`, else None (a view that a
    button computes is shown only while it fits)."""
    entry = state.get(name)
    return entry if fresh(entry, key) else None


def on_click(
    clicked: bool, name: str, key: Hashable, compute: Compute, say: Callable[[str], Any]
) -> dict | None:
    """A view its button computes: computed when `clicked` (say(sentence) instead when the
    model cannot take it: InterventionError), then the entry while it is for `key`, or None."""
    from lstm_core.inside.intervene import InterventionError

    if clicked:
        try:
            derived(name, key, compute)
        except InterventionError as e:
            say(str(e))
            return None
    return kept(name, key)


def built(entry: MutableMapping, slot: Hashable, build: Callable[[], Any]) -> Any:
    """entry["built"][slot], built once per entry (e.g. the heatmap figure of one layer)."""
    parts = entry.setdefault("built", {})
    if slot not in parts:
        parts[slot] = build()
    return parts[slot]


def evaluation(horizon: int | None = None) -> Any:
    """The current model's Evaluation on its dataset (one-step table, and the backtest over
    `horizon` steps, default one season), or None without a model.

    The entry `evaluation` {"key": (state.model_stamp(...), horizon), "evaluation"}: computed
    once per model and data (weights, epochs, values) and horizon, so reruns that change
    nothing about the model don't predict every window again.
    """
    bundle, dataset = state.get("bundle"), state.get("dataset")
    if bundle is None or dataset is None:
        return None
    from lstm_core.evaluation.backtest import default_horizon
    from lstm_core.evaluation.forecast import evaluate

    horizon = horizon or default_horizon(dataset)
    key = (state.model_stamp(bundle, dataset), horizon)

    def run() -> dict[str, Any]:
        return {"evaluation": evaluate(bundle.model, dataset, horizon=horizon)}

    return derived("evaluation", key, run)["evaluation"]
