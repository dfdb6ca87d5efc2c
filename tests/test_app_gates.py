"""The Gates page in Streamlit's AppTest, with small trained models in session state.

The page is run through a throwaway router in tmp_path (st.navigation with pages/gates.py
plus stub train/data pages), so its st.page_link targets exist whether or not app.py does.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import start_run, train_run
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestats import bin_means
from lstm_core.inside.gatestep import explain_step
from lstm_core.series.data import series_from_values

ROOT = Path(__file__).resolve().parent.parent
LOOK_BACK, HIDDEN = 12, 8

ROUTER = """
import streamlit as st
st.navigation(
    [st.Page("pages/gates.py", default=True), st.Page("pages/train.py"), st.Page("pages/data.py")]
).run()
"""


@pytest.fixture(scope="module")
def router(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gates_app")
    (root / "pages").mkdir()
    (root / "pages" / "gates.py").symlink_to(ROOT / "pages" / "gates.py")
    for stub in ("train", "data"):
        (root / "pages" / f"{stub}.py").write_text(f"import streamlit as st\nst.write('{stub}')\n")
    (root / "app.py").write_text(ROUTER)
    return root / "app.py"


def _trained(
    n_points: int = 200, batch_size: int = 32, transform: str = "none", seed: int = 0, **model
) -> dict:
    t = np.arange(n_points)
    values = np.sin(2 * np.pi * t / 20) + 0.05 * np.random.default_rng(0).standard_normal(n_points)
    bundle, dataset = start_run(
        values,
        "level <b>",
        DataConfig(look_back=LOOK_BACK, transform=transform),
        ModelConfig(hidden_size=HIDDEN, **model),
        TrainConfig(epochs=1, batch_size=batch_size, seed=seed, device="cpu"),
    )
    train_run(bundle, dataset)
    return {"bundle": bundle, "dataset": dataset, "series": series_from_values(values)}


@pytest.fixture(scope="module")
def lstm() -> dict:
    return _trained()


def _app(router: Path, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(router), default_timeout=30)
    for k, v in (session or {}).items():
        at.session_state[k] = v
    return at.run()


def _decode(v) -> np.ndarray:
    """Plotly 7 JSON arrays: {dtype, bdata (base64), shape} or plain lists."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return arr.reshape([int(s) for s in str(shape).split(",")]) if shape else arr
    return np.asarray(v)


def _heatmaps(at: AppTest) -> tuple[dict[str, np.ndarray], dict]:
    """(name -> z [H, T], figure JSON) of the chart holding the gate heatmaps."""
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        maps = {tr["name"]: _decode(tr["z"]) for tr in spec["data"] if tr["type"] == "heatmap"}
        if maps:
            return maps, spec
    raise AssertionError("no heatmap chart on the page")


def _latex(at: AppTest) -> str:
    return " ".join(el.proto.body for el in at.get("latex"))


# --------------------------------------------------------------------------- tests


def test_without_a_model_the_page_says_so_and_links_to_training(router):
    at = _app(router)
    assert not at.exception
    assert "no trained model" in at.info[0].value
    links = [el.proto.page for el in at.get("page_link")]
    assert any("train" in p for p in links) and any("data" in p for p in links)
    assert not at.get("plotly_chart")


def test_default_window_heatmaps_have_fixed_ranges(router, lstm):
    at = _app(router, lstm)
    assert not at.exception
    dataset = lstm["dataset"]
    w = dataset.split.n_windows - 1
    assert at.slider(key="gates_window").value == w
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Window belongs to"] == "test"
    assert metrics["Target"] == f"{dataset.values[-1]:.4g}"
    maps, spec = _heatmaps(at)
    assert list(maps) == list("ifgoch")
    for name, z in maps.items():
        assert z.shape == (HIDDEN, LOOK_BACK)
        if name in "ifo":
            assert z.min() >= 0 and z.max() <= 1
        if name in "gh":
            assert z.min() >= -1 and z.max() <= 1
    expected = trace_gates(lstm["bundle"].model, dataset.X[w : w + 1]).layers[0]
    np.testing.assert_allclose(maps["f"], expected["f"][0].T, atol=1e-6)
    ranges = {tr["name"]: (tr["zmin"], tr["zmax"]) for tr in spec["data"] if "zmin" in tr}
    assert ranges["i"] == (0, 1) and ranges["g"] == (-1, 1)
    assert "&lt;b&gt;" in spec["layout"]["yaxis"]["title"]["text"]  # column name as text
    assert "unit %{y}" in spec["data"][-1]["hovertemplate"]


def test_changing_the_window_changes_the_data_and_rerun_reuses_the_trace(router, lstm):
    at = _app(router, lstm)
    before, _ = _heatmaps(at)
    cached = at.session_state["gates_trace"]
    at.run()
    assert at.session_state["gates_trace"] is cached  # nothing recomputed
    at.slider(key="gates_window").set_value(0).run()
    after, _ = _heatmaps(at)
    assert not np.allclose(before["f"], after["f"])
    assert {m.label: m.value for m in at.metric}["Window belongs to"] == "train"
    x0 = lstm["dataset"].X[0:1]
    np.testing.assert_allclose(
        after["c"], trace_gates(lstm["bundle"].model, x0).layers[0]["c"][0].T, atol=1e-6
    )


def test_equations_show_explain_step_numbers(router, lstm):
    at = _app(router, lstm)
    at.slider(key="gates_window").set_value(5).run()
    at.number_input(key="gates_unit").set_value(3).run()
    at.slider(key="gates_t").set_value(4).run()
    assert not at.exception
    model = lstm["bundle"].model
    step = explain_step(model, trace_gates(model, lstm["dataset"].X[5:6]), 0, 4, 3)
    text = _latex(at)
    for g in "ifgo":
        for part in ("w_x", "w_h", "b", "pre", "value"):
            assert f"{abs(step[g][part]):.4f}" in text, (g, part)
    assert f"{step['c_check']:.4f}" in text and f"{step['h_check']:.4f}" in text
    assert "f_t = \\sigma" in text and "\\tilde{C}_t" in text
    captions = " ".join(c.value for c in at.caption)
    assert f"keeps {100 * step['f']['value']:.0f}% of the previous cell state" in captions
    # the shown terms are rounded; the page says the sums are of the unrounded ones
    assert "each result is computed from the unrounded terms" in captions


def test_two_layers_choose_the_layer(router):
    two = _trained(num_layers=2)
    at = _app(router, two)
    assert at.selectbox(key="gates_layer").value == 0
    assert any(c.value.startswith("LSTM, 2 layers of ") for c in at.caption)  # not "layer(s)"
    at.selectbox(key="gates_layer").set_value(1).run()
    assert not at.exception
    maps, _ = _heatmaps(at)
    ds = two["dataset"]
    w = ds.split.n_windows - 1
    trace = trace_gates(two["bundle"].model, ds.X[w : w + 1])
    np.testing.assert_allclose(maps["h"], trace.layers[1]["h"][0].T, atol=1e-6)
    step = explain_step(two["bundle"].model, trace, 1, LOOK_BACK - 1, 0)
    text = _latex(at)
    assert "h^{(l-1)}_t" in text and f"{abs(step['o']['value']):.4f}" in text


@pytest.mark.parametrize(("cell", "names"), [("gru", "rznh"), ("rnn", "h")])
def test_gru_and_rnn_show_their_own_gates(router, cell, names):
    at = _app(router, _trained(cell=cell))
    assert not at.exception
    maps, _ = _heatmaps(at)
    assert list(maps) == list(names)
    assert "h_t =" in _latex(at)


def test_whole_series_is_downsampled_and_says_so(router):
    long = _trained(n_points=5000, batch_size=512)
    at = _app(router, long)
    at.radio(key="gates_view").set_value("Whole series").run()
    assert not at.exception
    assert at.slider(key="gates_span").value == (0, 5000)
    maps, spec = _heatmaps(at)
    cols = maps["f"].shape[1]
    k = -(-5000 // cols)
    assert maps["f"].shape[0] == HIDDEN and cols < 5000 and k >= 2
    assert f"downsampled: each column = mean of {k} timesteps" in spec["layout"]["title"]["text"]
    assert maps["f"].min() >= 0 and maps["f"].max() <= 1
    full = trace_gates(long["bundle"].model, long["dataset"].scaled).layers[0]["f"][0]
    np.testing.assert_allclose(maps["f"][:, 0], full[:k].mean(axis=0), atol=1e-5)
    assert "downsampled" in " ".join(c.value for c in at.caption)
    whole = at.session_state["gates_whole"]
    assert whole["layers"][0]["f"].shape == (cols, HIDDEN)  # only the downsampled arrays
    at.slider(key="gates_span").set_value((4000, 4500)).run()
    maps, spec = _heatmaps(at)
    assert maps["f"].shape == (HIDDEN, 500)
    assert "downsampled" not in spec["layout"]["title"]["text"]


def test_whole_series_of_a_two_layer_gru_shows_the_deeper_layer(router, monkeypatch):
    from lstm_core.inside import gatesummary

    monkeypatch.setattr(gatesummary, "CHUNK_VALUES", 3_000)  # many chunks: borders crossed
    two = _trained(n_points=3000, batch_size=256, cell="gru", num_layers=2)
    at = _app(router, two)
    at.radio(key="gates_view").set_value("Whole series").run()
    at.selectbox(key="gates_layer").set_value(1).run()
    assert not at.exception
    maps, _ = _heatmaps(at)
    assert list(maps) == list("rznh")
    cols = maps["z"].shape[1]
    k = -(-3000 // cols)
    assert k * HIDDEN * 2 * 4 <= 3_000  # so each chunk held only a few bins
    full = trace_gates(two["bundle"].model, two["dataset"].scaled).layers[1]
    for name in "rznh":
        want = bin_means(full[name][0], k).T  # [H, cols]
        np.testing.assert_allclose(maps[name], want, atol=1e-5)
    units = next(d.value for d in at.dataframe if "corr with input" in d.value.columns)
    assert {"corr with input", "r < 0.1", "z > 0.9"} <= set(units.columns)
    assert len(units) == HIDDEN


def test_choices_survive_a_page_switch_and_missing_data_is_explained(router, lstm):
    at = _app(router, lstm)
    at.slider(key="gates_window").set_value(3).run()
    at.switch_page("pages/train.py").run()
    assert not at.get("plotly_chart")
    at.switch_page("pages/gates.py").run()
    assert at.slider(key="gates_window").value == 3
    at.session_state["gates_window"] = np.int64(5)  # as the Forecast page hands it over
    at.switch_page("pages/gates.py").run()
    assert at.slider(key="gates_window").value == 5 and not at.warning
    at = _app(router, {"bundle": lstm["bundle"]})
    assert "Load the data" in at.warning[0].value
    assert not at.exception


def test_a_new_model_opens_at_its_default_window_the_same_model_keeps_the_choice(tmp_path, lstm):
    """Air passengers' window 119 was a training window of the Beijing model: a window left
    from another model goes back to the default (the last test window), while the same
    model, also continued, and a window the Forecast page chose for the new one are kept."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "gates.py").symlink_to(ROOT / "pages" / "gates.py")
    (tmp_path / "pages" / "forecast.py").write_text(  # a click on a prediction point, as there
        "import streamlit as st\n"
        "if st.button('Open window 7', key='pick'):\n"
        "    st.session_state['gates_window'] = 7\n"
    )
    (tmp_path / "app.py").write_text(
        "import streamlit as st\n"
        "st.navigation([st.Page('pages/gates.py', default=True), st.Page('pages/forecast.py')])"
        ".run()\n"
    )
    at = _app(tmp_path / "app.py", lstm)
    at.slider(key="gates_window").set_value(150).run()
    at.switch_page("pages/forecast.py").run()
    longer = _trained(n_points=400)  # another model on other data
    for k, v in longer.items():
        at.session_state[k] = v
    at.switch_page("pages/gates.py").run()
    default = longer["dataset"].split.n_windows - 1
    assert default != 150 and at.slider(key="gates_window").value == default
    assert {m.label: m.value for m in at.metric}["Window belongs to"] == "test"

    at.slider(key="gates_window").set_value(40).run()  # the same model: kept
    at.switch_page("pages/forecast.py").run()
    more = copy.deepcopy(longer["bundle"])  # Continue: more epochs of the same training
    train_run(more, longer["dataset"])
    at.session_state["bundle"] = more
    at.switch_page("pages/gates.py").run()
    assert at.slider(key="gates_window").value == 40

    at.switch_page("pages/forecast.py").run()
    for k, v in lstm.items():  # a new model again, and the Forecast page picks window 7
        at.session_state[k] = v
    at.button(key="pick").click().run()
    at.switch_page("pages/gates.py").run()
    assert at.slider(key="gates_window").value == 7 and not at.exception


def test_a_model_on_differences_shows_what_it_saw(router):
    """diff: the input row is the scaled differences the gates read (labelled so), the
    target and prediction stay in original units, and the whole series starts at point 1."""
    diff = _trained(transform="diff")
    at = _app(router, diff)
    assert not at.exception
    bundle, dataset = diff["bundle"], diff["dataset"]
    w = dataset.split.n_windows - 1
    maps, spec = _heatmaps(at)
    inputs = next(
        tr for tr in spec["data"] if tr["type"] == "scatter" and tr.get("mode") != "markers"
    )
    np.testing.assert_allclose(_decode(inputs["y"]), dataset.X[w].numpy(), rtol=1e-6)
    assert spec["layout"]["yaxis"]["title"]["text"] == "Δ level &lt;b&gt;, scaled"
    assert f"Window {w}: points {w + 1}..{w + LOOK_BACK}" in spec["layout"]["title"]["text"]
    from lstm_core.evaluation.forecast import predict

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Target"] == f"{dataset.values[-1]:.4g}"
    assert metrics["Prediction"] == f"{predict(bundle.model, dataset)[w]:.4g}"
    seen = " ".join(c.value for c in at.caption)
    assert "The model sees Δ level" in seen and "change from the last step" in seen
    at.radio(key="gates_view").set_value("Whole series").run()
    assert not at.exception
    assert at.slider(key="gates_span").value == (1, 200)  # point 0 has no difference
    maps, _ = _heatmaps(at)
    full = trace_gates(bundle.model, dataset.scaled).layers[0]["f"][0]  # [199, H]
    np.testing.assert_allclose(maps["f"], full.T, atol=1e-5)
