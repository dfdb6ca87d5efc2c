"""Which input drives which gate, on the Gates page (AppTest): the gate × input weights, the
window's integrated gradients, and the input clamp (apply, undo, a bad value)."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from explorer.input_figures import top_units
from lstm_core.inside.explain import attribute, baseline_window, gate_weights
from lstm_core.inside.inputclamp import InputClamp, apply_input_clamps
from lstm_core.inside.intervene import intervene

from .test_app import shown, start, state, train, upload
from .test_app_experiments import _chart, _metrics
from .test_app_gates import _decode
from .test_app_inputs import choose, demand_csv

INPUTS = ["temp", "wind=E", "wind=N", "wind=S", "holiday"]


def gates_with_inputs() -> AppTest:
    """demand.csv with temp and wind (known up to now) and holiday (known ahead), a small
    model trained 2 epochs, the Gates page open."""
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp", "wind"], ["holiday"])
    at.switch_page("pages/train.py").run()
    train(at, epochs=2)
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    return at


def heatmap(at: AppTest, key: str) -> dict:
    chart = _chart(at, key)
    assert chart is not None, f"no chart {key}"
    return next(tr for tr in chart["data"] if tr["type"] == "heatmap")


def clamp_input(at: AppTest, name: str, value: str, start: int = 0) -> AppTest:
    at.selectbox(key="gates_iclamp_input").set_value(name)
    at.text_input(key="gates_iclamp_value").set_value(value)
    at.slider(key="gates_iclamp_from").set_value(start)
    at.button(key="gates_iclamp_apply").click().run()
    assert not at.exception, at.exception
    return at


def test_weights_by_gate_and_the_windows_attributions_with_their_check():
    at = gates_with_inputs()
    bundle, dataset = state(at, "bundle"), state(at, "dataset")
    target = bundle.transform.label(bundle.column)
    names = [target, *INPUTS]

    weights = heatmap(at, "gates_input_weights")
    assert weights["x"] == names
    assert weights["y"] == ["input gate i", "forget gate f", "candidate C̃ (g)", "output gate o"]
    expected = gate_weights(bundle.model, names)
    np.testing.assert_allclose(_decode(weights["z"]), expected.summary, rtol=1e-6)
    assert "strongest: %{customdata}" in weights["hovertemplate"]
    assert np.asarray(weights["customdata"]).tolist() == top_units(expected.w).tolist()
    sentences = expected.strongest()
    assert sentences and all(s in shown(at) for s in sentences)

    attr = heatmap(at, "gates_attribution")
    look_back = dataset.split.look_back
    w = dataset.split.n_windows - 1
    assert attr["y"] == names  # the series' row, then one row per input
    z = _decode(attr["z"])
    assert z.shape == (1 + len(INPUTS), look_back)
    assert _decode(attr["x"]).tolist() == list(range(look_back))  # the gates' timesteps
    got = attribute(bundle.model, dataset.X[w : w + 1], baseline_window(dataset))
    np.testing.assert_allclose(z, got.values[0].T, rtol=1e-4, atol=1e-6)
    note = next(c for c in shown(at) if c.startswith("Integrated gradients of this window"))
    assert "sum to prediction − baseline prediction" in note
    assert "baseline window holds every input at its training mean" in note
    assert f"(completeness error {got.completeness_error:.2%})" in note
    assert state(at, "gates_inputs")["window"]["w"] == w


def test_an_input_held_at_its_mean_changes_the_window_and_the_test_error_then_undo():
    at = gates_with_inputs()
    bundle, dataset = state(at, "bundle"), state(at, "dataset")
    w = dataset.split.n_windows - 1
    assert _chart(at, "gates_iclamp_after") is None
    assert "No input clamp applied: the model reads its inputs as they are." in shown(at)
    before = _metrics(at)

    clamp_input(at, "temp", "mean")
    clamp = InputClamp("temp", "mean", 0)
    assert state(at, "gates_input_clamp")["clamp"] == clamp
    for key in ("before", "after", "inputs_before", "inputs_after", "test"):
        assert _chart(at, f"gates_iclamp_{key}") is not None, key
    held = apply_input_clamps(dataset, dataset.X[w : w + 1], [clamp])[0, :, 1]  # [L] temp
    after_inputs = _decode(heatmap(at, "gates_iclamp_inputs_after")["z"])  # [F, L]
    np.testing.assert_allclose(after_inputs[0], held.numpy(), rtol=1e-6)
    assert np.ptp(after_inputs[0]) < 1e-9  # one value at every step
    expected = intervene(bundle, dataset, [clamp], "test")
    metrics = _metrics(at)
    assert metrics["Prediction before"] == before["Prediction"]
    assert metrics["Test RMSE before"] == f"{expected.rmse_before:.4g}"
    assert metrics["Test RMSE after"] == f"{expected.rmse_after:.4g}"
    assert expected.summary() in [i.value.replace("\\", "") for i in at.info]

    at.button(key="gates_iclamp_undo").click().run()
    assert not at.exception, at.exception
    assert state(at, "gates_input_clamp") is None
    for key in ("after", "inputs_after", "test"):
        assert _chart(at, f"gates_iclamp_{key}") is None, key
    assert at.button(key="gates_iclamp_undo").disabled


def test_a_bad_value_is_one_sentence_then_a_number_from_a_step_holds_one_input():
    at = clamp_input(gates_with_inputs(), "wind", "hot")
    assert [e.value.replace("\\", "") for e in at.error] == [
        "An input is held at a finite number, 'mean', 'shuffle' or 'row:K' (another window's "
        "values), got 'hot'."
    ]
    assert state(at, "gates_input_clamp") is None
    assert _chart(at, "gates_iclamp_after") is None

    clamp_input(at, "wind=N", " 1 ", start=4)  # one of a column's one-hot inputs, a number
    assert not at.error
    assert state(at, "gates_input_clamp")["clamp"] == InputClamp("wind=N", 1.0, 4)
    dataset = state(at, "dataset")
    w = dataset.split.n_windows - 1
    rows = _decode(heatmap(at, "gates_iclamp_inputs_after")["z"])  # [F, L]
    before = dataset.X[w, :, 1:].numpy().T  # [F, L]
    one = dataset.input_scalers[2].transform(np.array([1.0]))[0]  # wind=N scaled
    np.testing.assert_allclose(rows[2, 4:], one, rtol=1e-6)
    np.testing.assert_allclose(rows[2, :4], before[2, :4], rtol=1e-6)  # before step 4: as read
    np.testing.assert_allclose(np.delete(rows, 2, axis=0), np.delete(before, 2, axis=0))


def test_a_model_without_inputs_shows_none_of_it():
    at = start("pages/train.py")
    train(at, epochs=1)
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    for key in ("gates_attribution", "gates_input_weights"):
        assert _chart(at, key) is None
    assert not [b for b in at.button if b.key == "gates_iclamp_apply"]
    assert state(at, "gates_inputs") is None
