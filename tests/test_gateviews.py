"""What the Gates page's views compute, now in the engine (issue 22): lstm_core.inside.gateviews
(the model's view of a span, a window's run, a clamped window, the cheap clamp check),
lstm_core.inside.memory.measure_memory and limits.longest_trace."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lstm_core.config import DataConfig, ModelConfig
from lstm_core.evaluation.forecast import predict_scaled
from lstm_core.fitting.models import build_model
from lstm_core.inside import gateviews as gv
from lstm_core.inside import intervene as iv
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatesummary import summarise_run
from lstm_core.inside.intervene import Clamp, InterventionError, intervene
from lstm_core.inside.memory import forget_time_constants, measure_memory
from lstm_core.runtime.limits import APP_LIMITS, longest_trace
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import make_dataset


def _setup(sine, kind: str = "diff", cell: str = "lstm"):
    tf = Transform(kind)
    data = make_dataset(100 + 10 * sine, DataConfig(look_back=8, transform=kind), transform=tf)
    model = build_model(ModelConfig(cell, 5, 1), seed=0).eval()
    return SimpleNamespace(model=model, transform=tf, column="y"), data


def test_model_view_is_the_values_or_the_scaled_changes(sine):
    bundle, data = _setup(sine, "none")
    values, label = gv.model_view(bundle, data, 3, 9)
    np.testing.assert_array_equal(values, data.values[3:9])
    assert label == "y"
    bundle, data = _setup(sine, "diff")
    values, label = gv.model_view(bundle, data, 3, 9)
    np.testing.assert_array_equal(values, data.scaled[2:8])  # lag 1
    assert label == f"{bundle.transform.label('y')}, scaled"


def test_window_run_is_the_trace_and_the_prediction_in_original_units(sine):
    bundle, data = _setup(sine)
    trace, pred = gv.window_run(bundle, data, 4)
    x = data.X[4:5]
    np.testing.assert_allclose(trace.layers[0]["c"], trace_gates(bundle.model, x).layers[0]["c"])
    want = data.to_levels(predict_scaled(bundle.model, x), data.target_index[4:5])[0]
    assert pred == pytest.approx(float(want))


def test_a_clamped_window_runs_the_window_and_the_test_part(sine):
    bundle, data = _setup(sine)
    clamp = Clamp(0, "f", "all", 0.0, 0)
    got = gv.clamped_window(bundle, data, 2, clamp)
    test = intervene(bundle, data, [clamp], "test")
    assert got.run.rmse_after == pytest.approx(test.rmse_after)
    np.testing.assert_allclose(got.trace.layers[0]["f"], 0.0)
    assert got.pred != pytest.approx(gv.window_run(bundle, data, 2)[1])


def test_the_clamp_check_refuses_in_one_sentence_and_runs_nothing(sine, monkeypatch):
    bundle, data = _setup(sine)
    monkeypatch.setattr(iv, "run_pinned", lambda *a, **k: pytest.fail("a run in a check"))
    gv.check_clamp(bundle, data, Clamp(0, "i", "all", 0.5, 0))
    with pytest.raises(InterventionError, match="Choose at least one unit to clamp"):
        gv.check_clamp(bundle, data, Clamp(0, "i", (), 0.5, 0))
    with pytest.raises(InterventionError, match="from 0 to 7"):
        gv.check_clamp(bundle, data, Clamp(0, "i", "all", 0.5, 8))


def test_span_run_summarises_the_span_of_the_series(sine):
    bundle, data = _setup(sine)
    got = gv.span_run(bundle, data, (10, 60), 25)
    want = summarise_run(bundle.model, data.matrix[9:59], 25)
    np.testing.assert_allclose(got.means[0]["f"], want.means[0]["f"])
    assert got.steps == 50


def test_measure_memory_reads_at_most_the_limit_of_test_windows(sine, monkeypatch):
    bundle, data = _setup(sine)
    got = measure_memory(bundle, data, 0, windows=3)
    x = data.part("test")[0]
    picked = x[np.unique(np.linspace(0, len(x) - 1, 3).astype(int))]
    np.testing.assert_allclose(got.tau, forget_time_constants(bundle, picked, 0))
    assert got.grad.shape == (8,) and got.acf[0] == pytest.approx(1.0)
    assert got.advice.look_back >= 1 and "look-back" in got.advice.reason
    assert got.echo.share >= 0 or np.isnan(got.echo.share)
    with pytest.raises(InterventionError):
        measure_memory(*_setup(sine, cell="rnn"))


def test_the_longest_trace_fits_the_app_limit():
    assert longest_trace(64, 2, 6) == APP_LIMITS.trace_values // (64 * 2 * 6)
    assert longest_trace(10**8, 3, 6) == 2
