"""The Gates page's experiments in AppTest: clamp a gate (and undo), which units matter,
the memory horizon. Same router and small trained models as tests/test_app_gates.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lstm_core.inside.ablation import ablation
from lstm_core.inside.intervene import Clamp, intervene, run_clamped
from lstm_core.inside.memory import forget_time_constants
from lstm_core.metrics import autocorrelation

from .test_app_gates import HIDDEN, LOOK_BACK, _app, _decode, _trained
from .test_app_gates import router as router  # a fixture


@pytest.fixture(scope="module")
def lstm() -> dict:
    return _trained()


def _chart(at: AppTest, key: str) -> dict | None:
    """The figure JSON of the chart drawn with `key`, or None."""
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(f"-{key}"):
            return json.loads(el.proto.spec)
    return None


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _clamp(at: AppTest, gate: str, units, value: float, start: int) -> AppTest:
    at.selectbox(key="gates_clamp_gate").set_value(gate)
    at.checkbox(key="gates_clamp_all").set_value(units == "all").run()  # enables the units
    if units != "all":
        at.multiselect(key="gates_clamp_units").set_value(list(units))
    at.slider(key="gates_clamp_value").set_value(value)
    at.slider(key="gates_clamp_from").set_value(start)
    at.button(key="gates_clamp_apply").click().run()
    assert not at.exception, at.exception
    return at


def test_clamped_forget_gate_shows_its_value_and_intervenes_prediction_then_undo(router, lstm):
    at = _app(router, lstm)
    bundle, dataset = lstm["bundle"], lstm["dataset"]
    w = dataset.split.n_windows - 1
    before = _metrics(at)
    assert _chart(at, "gates_clamp_after") is None
    assert "No clamp applied: the model runs as trained." in [c.value for c in at.caption]

    _clamp(at, "f", (1, 3), 0.3, 4)
    clamp = Clamp(0, "f", (1, 3), 0.3, 4)
    after = {tr["name"]: _decode(tr["z"]) for tr in _chart(at, "gates_clamp_after")["data"]
             if tr["type"] == "heatmap"}  # fmt: skip
    f = after["f"]  # [H, T]
    np.testing.assert_allclose(f[[1, 3], 4:], 0.3, atol=1e-6)  # the clamp, from step 4 on
    assert np.all(np.abs(f[[1, 3], :4] - 0.3) > 1e-6)  # before step 4: the model's own f
    assert np.all(np.abs(f[[0, 2, 4, 5, 6, 7], 4:] - 0.3) > 1e-6)  # other units untouched

    run = run_clamped(bundle.model, dataset.X[w : w + 1], [clamp])
    pred = float(dataset.to_levels(run.y, dataset.target_index[w : w + 1])[0])
    metrics = _metrics(at)
    assert metrics["Prediction before"] == before["Prediction"]
    assert metrics["Prediction after"] == f"{pred:.4g}"
    expected = intervene(bundle, dataset, [clamp], "test")
    assert metrics["Test RMSE after"] == f"{expected.rmse_after:.4g}"
    lines = {tr["name"]: _decode(tr["y"]) for tr in _chart(at, "gates_clamp_test")["data"]}
    np.testing.assert_allclose(lines["after the clamp"], expected.after, rtol=1e-6)
    np.testing.assert_allclose(lines["before the clamp"], expected.before, rtol=1e-6)
    assert at.info[0].value.replace("\\", "") == expected.summary()

    at.button(key="gates_clamp_undo").click().run()
    assert not at.exception, at.exception
    assert "gates_clamp" not in at.session_state and "gates_experiment" not in at.session_state
    assert _chart(at, "gates_clamp_after") is None and _chart(at, "gates_clamp_test") is None
    assert _metrics(at) == before
    assert at.button(key="gates_clamp_undo").disabled


def test_input_gate_shut_everywhere_gives_the_bias_and_a_new_model_drops_the_clamp(router, lstm):
    at = _clamp(_app(router, lstm), "i", "all", 0.0, 0)
    c = {tr["name"]: _decode(tr["z"]) for tr in _chart(at, "gates_clamp_after")["data"]
         if tr["type"] == "heatmap"}["c"]  # fmt: skip
    assert np.all(c == 0)  # nothing ever written into the cell
    after = next(
        tr for tr in _chart(at, "gates_clamp_test")["data"] if tr["name"] == "after the clamp"
    )
    bundle = lstm["bundle"]
    bias = float(bundle.model.head.bias.detach()[0])  # h = 0: the read-out gives its bias
    level = lstm["dataset"].to_levels(np.array([bias]), lstm["dataset"].target_index[:1])[0]
    np.testing.assert_allclose(_decode(after["y"]), level, rtol=1e-5)  # one constant forecast
    assert at.session_state["gates_clamp"]["clamp"] == Clamp(0, "i", "all", 0.0, 0)

    at.session_state["bundle"] = _trained(seed=1)["bundle"]  # another model, same data
    at.run()
    assert not at.exception, at.exception
    assert "gates_clamp" not in at.session_state
    assert _chart(at, "gates_clamp_after") is None


def test_no_units_chosen_is_one_sentence(router, lstm):
    at = _app(router, lstm)
    at.checkbox(key="gates_clamp_all").set_value(False).run()
    at.multiselect(key="gates_clamp_units").set_value([])
    at.button(key="gates_clamp_apply").click().run()
    assert [e.value for e in at.error] == ["Choose at least one unit to clamp, or 'all'."]
    assert "gates_clamp" not in at.session_state


def test_ablation_table_is_ranked_and_its_top_unit_opens_the_drilldown(router, lstm):
    at = _app(router, lstm)
    at.button(key="gates_ablation_run").click().run()
    assert not at.exception, at.exception
    expected = ablation(lstm["bundle"], lstm["dataset"], "test", "h", 0)
    table = at.dataframe[-1].value
    assert list(table["unit"]) == expected.ranking()
    assert list(table["rank"]) == list(range(1, HIDDEN + 1))
    assert np.all(np.diff(table["RMSE grows by"].to_numpy()) <= 0)
    base = f"Test RMSE with every unit kept: {expected.rmse_before:#.4g}; each row gives it"
    assert any(c.value.startswith(base) for c in at.caption)  # what the rows grow from
    top = expected.ranking()[0]
    assert at.button(key="gates_ablation_go_1").label == f"Look at unit {top} (rank 1)"
    at.button(key="gates_ablation_go_1").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="gates_unit").value == top
    # the result is also shown where the button is: the unit's lines under the buttons
    shown = [c.value for c in at.caption if c.value.startswith(f"Unit {top} in window ")]
    assert shown and "The Unit box at the top of the page shows it too." in shown[0]
    at.radio(key="gates_ablation_state").set_value("c").run()  # another state: the old table goes
    assert not at.exception, at.exception
    assert not any("RMSE grows by" in d.value.columns for d in at.dataframe)


def test_memory_horizon_draws_tau_acf_and_gradient_with_advice(router, lstm):
    at = _app(router, lstm)
    at.button(key="gates_memory_run").click().run()
    assert not at.exception, at.exception
    fig = _chart(at, "gates_memory_chart")
    bars = [_decode(tr["y"]) for tr in fig["data"] if tr["type"] == "bar"]
    assert sum(int(b.sum()) for b in bars) == HIDDEN  # every unit in the distribution once
    dataset = lstm["dataset"]
    acf = next(_decode(tr["y"]) for tr in fig["data"] if tr["name"] == "series autocorrelation")
    np.testing.assert_allclose(acf, autocorrelation(dataset.scaled, len(acf) - 1))
    grad = next(tr for tr in fig["data"] if tr["name"].startswith("gradient"))
    assert list(_decode(grad["x"])) == list(range(1, LOOK_BACK + 1))
    assert max(_decode(grad["y"])) == 1.0
    tau = forget_time_constants(lstm["bundle"], dataset.part("test")[0], 0)
    assert np.isfinite(tau).all()
    assert any(i.value.startswith("90% of the units have a memory time constant") for i in at.info)


def test_memory_horizon_of_a_plain_rnn_says_it_has_no_tau(router):
    at = _app(router, _trained(cell="rnn"))
    at.button(key="gates_memory_run").click().run()
    assert not at.exception, at.exception
    assert any("A plain RNN has no forget gate" in i.value for i in at.info)
    assert _chart(at, "gates_memory_chart") is None
