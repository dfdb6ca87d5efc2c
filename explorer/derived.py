"""Views derived from the session's model, computed once per content key (issue 22).

A page's derived view (a window's trace, the whole-series summary, a clamp's run, the
ablation table, ...) is an entry {"key": key, **fields} under a session key registered in
explorer/state.py and listed in state.MODEL_DERIVED, so it is dropped with the model. The
key is content, never id(): state.model_stamp(bundle, dataset) and what else the view
depends on (the window, the layer, the clamp). The entry is recomputed only when the key
changes; the old one is dropped before the new one is computed (a large one is not held
twice).

  derived(name, key, compute)          the session's entry `name`
  remember(holder, name, key, compute) the same inside any dict (an entry's own parts)
  built(entry, slot, build)            a part of an entry built once (its key covers it)
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


def built(entry: MutableMapping, slot: Hashable, build: Callable[[], Any]) -> Any:
    """entry["built"][slot], built once per entry (e.g. the heatmap figure of one layer)."""
    parts = entry.setdefault("built", {})
    if slot not in parts:
        parts[slot] = build()
    return parts[slot]
