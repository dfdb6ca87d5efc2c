"""explorer/derived.py: a derived view is computed once per content key, recomputed when the
key (the model stamp, the window, ...) changes, and dropped with the model (issue 22)."""

from types import SimpleNamespace

import pytest

from explorer import derived as dv
from explorer import state
from lstm_core.inside.intervene import InterventionError


@pytest.fixture
def session(monkeypatch) -> dict:
    """A plain dict as st.session_state (state.py reads and writes through it)."""
    box: dict = {}
    monkeypatch.setattr(state, "st", SimpleNamespace(session_state=box))
    return box


def counting() -> tuple[list, object]:
    calls: list = []

    def compute() -> dict:
        calls.append(1)
        return {"value": len(calls)}

    return calls, compute


def test_a_view_is_computed_once_per_key_and_again_when_the_stamp_changes(session):
    calls, compute = counting()
    first = dv.derived("gates_trace", ("stamp", 3), compute)
    assert first == {"key": ("stamp", 3), "value": 1}
    assert dv.derived("gates_trace", ("stamp", 3), compute) is first  # not recomputed
    assert len(calls) == 1 and session["gates_trace"] is first
    again = dv.derived("gates_trace", ("new stamp", 3), compute)
    assert again == {"key": ("new stamp", 3), "value": 2} and len(calls) == 2


def test_the_old_entry_is_dropped_before_the_new_one_is_computed(session):
    dv.derived("gates_whole", 1, lambda: {"big": "old"})
    seen = []
    dv.derived("gates_whole", 2, lambda: seen.append("gates_whole" in session) or {"big": "new"})
    assert seen == [False] and session["gates_whole"]["big"] == "new"


def test_a_view_is_dropped_with_the_model(session):
    for name in ("gates_trace", "gates_whole", "gates_experiment", "gates_ablation",
                 "gates_memory", "gates_inputs", "learn_trace"):  # fmt: skip
        dv.derived(name, "stamp", dict)
    state.forget_model()
    assert session == {}


def test_a_key_not_dropped_with_the_model_is_refused(session):
    with pytest.raises(KeyError, match="MODEL_DERIVED"):
        dv.derived("series", "stamp", dict)


def test_remember_keeps_a_part_of_an_entry_by_its_own_key():
    calls, compute = counting()
    entry: dict = {"key": "stamp"}
    part = dv.remember(entry, "window", 4, compute)
    assert dv.remember(entry, "window", 4, compute) is part and len(calls) == 1
    assert dv.remember(entry, "window", 5, compute)["value"] == 2


def test_built_builds_a_part_once_per_entry():
    entry: dict = {"key": "stamp"}
    calls, compute = counting()
    fig = dv.built(entry, 0, compute)
    assert dv.built(entry, 0, compute) is fig and len(calls) == 1
    assert dv.built(entry, 1, compute) is not fig


def test_a_view_its_button_computes_is_kept_while_it_fits(session):
    said: list = []
    assert dv.on_click(False, "gates_memory", ("stamp", 0), dict, said.append) is None
    got = dv.on_click(True, "gates_memory", ("stamp", 0), lambda: {"tau": 1}, said.append)
    assert got == {"key": ("stamp", 0), "tau": 1}
    assert dv.on_click(False, "gates_memory", ("stamp", 0), dict, said.append) is got
    assert dv.kept("gates_memory", ("stamp", 1)) is None  # another layer: not shown
    assert said == []


def test_a_view_the_model_cannot_take_is_one_sentence(session):
    def refused() -> dict:
        raise InterventionError("A plain RNN has no forget gate.")

    said: list = []
    assert dv.on_click(True, "gates_memory", "stamp", refused, said.append) is None
    assert said == ["A plain RNN has no forget gate."] and "gates_memory" not in session
