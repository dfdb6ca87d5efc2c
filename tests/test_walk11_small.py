"""Small defects from a new user's walk (walk 11, AppTest) on one model trained with an input
beside the series ('temp', known only up to now): Learn counts that input in the LSTM and GRU
parameters as Train does, Export says "1 step", and Gates signs the error as the Forecast
page's residuals do (truth − prediction) and says so."""

from __future__ import annotations

import pytest

from lstm_core.evaluation.forecast import predict
from lstm_core.experiments.compare import param_count

from .test_app import shown, start, state, texts, train, upload
from .test_app_inputs import choose, demand_csv


@pytest.fixture(scope="module")
def trained():
    """A 1-epoch LSTM of 8 units reading the series and 'temp' (so forecasts reach 1 step)."""
    at = choose(upload(start(), "demand.csv", demand_csv(future=0)), ["temp"])
    at.switch_page("pages/train.py").run()
    at = train(at, epochs=1, hidden=8)
    assert not at.exception, at.exception
    assert state(at, "bundle").model_config.n_inputs == 1
    return at


def test_learn_counts_the_inputs_in_the_lstm_and_gru_parameters_as_train_does(trained):
    at = trained
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    lstm, gru = param_count("lstm", 8, 1, 1), param_count("gru", 8, 1, 1)
    model = state(at, "bundle").model
    assert sum(p.numel() for p in model.parameters()) == lstm  # what Train's line shows
    counts = (
        f"At hidden size 8 with 1 layer and 1 input beside the series: LSTM **{lstm:,}** "
        f"parameters, GRU **{gru:,}**"
    )
    gru_lines = [m for m in texts(at.markdown) if "GRU **" in m]
    assert any(counts in m for m in gru_lines), gru_lines
    at.radio(key="learn_lang").set_value("zh").run()
    zh = f"隐藏单元数 8、1 层、序列之外 1 个输入时：LSTM 有 **{lstm:,}** 个参数，"
    zh += f"GRU 有 **{gru:,}** 个"
    assert any(zh in m for m in texts(at.markdown))
    at.radio(key="learn_lang").set_value("en").run()


def test_export_says_a_forecast_reaches_at_most_1_step(trained):
    at = trained
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    assert "With this model's inputs a forecast reaches at most 1 step." in shown(at)


def test_gates_error_is_truth_minus_prediction_as_on_the_forecast_page(trained):
    at = trained
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    bundle, dataset = state(at, "bundle"), state(at, "dataset")
    w = at.slider(key="gates_window").value
    target = float(dataset.values[dataset.target_index[w]])
    pred = float(predict(bundle.model, dataset)[w])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Error (truth − prediction)"] == f"{target - pred:+.3g}"


def test_the_model_line_says_1_epoch_not_1_epochs(trained):
    text = state(trained, "bundle").provenance()
    assert "; 1 epoch in " in text, text
