"""summarise_run, chunk by chunk, against one trace_gates over the whole run."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside import gatesummary
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestats import bin_means, saturation, unit_correlations

HIDDEN = 6


def _run(steps: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(steps)
    return (0.5 + 0.4 * np.sin(t / 11.0) + 0.2 * rng.standard_normal(steps)).astype(np.float32)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_chunked_summary_equals_the_whole_trace(cell, monkeypatch):
    model = build_model(ModelConfig(cell=cell, hidden_size=HIDDEN, num_layers=2), seed=1)
    x = _run(2003)  # k = ceil(2003 / 100) = 21: 95 full bins and a short last one of 8
    traced: list[int] = []

    def spy(model, x, initial=None):
        traced.append(len(x))
        return trace_gates(model, x, initial=initial)

    monkeypatch.setattr(gatesummary, "trace_gates", spy)
    per_step = HIDDEN * 2 * len(model_names(cell))
    calls: list[tuple[int, int]] = []
    s = gatesummary.summarise_run(
        model, x, 100, chunk_values=50 * per_step, progress=lambda *a: calls.append(a)
    )
    assert s.k == 21 and s.steps == 2003 and s.names == model_names(cell)
    # whole bins per chunk (2 bins = 42 steps, the most under 50 steps' worth of values)
    assert traced[:-1] == [42] * (len(traced) - 1) and sum(traced) == 2003
    assert calls[-1] == (2003, 2003) and [c[0] for c in calls] == sorted({c[0] for c in calls})
    full = trace_gates(model, x)
    for lay in range(2):
        arrays = {n: a[0] for n, a in full.layers[lay].items()}  # [T, H]
        for n in s.names:
            assert s.means[lay][n].shape == (96, HIDDEN) and s.means[lay][n].dtype == np.float32
            np.testing.assert_allclose(s.means[lay][n], bin_means(arrays[n], 21), atol=1e-5)
        want = saturation(arrays)
        assert set(s.low[lay]) == set(want) and set(want) <= set(s.names) - {"c"}
        for n, share in s.shares(lay).items():
            # chunk borders may move a value sitting on a threshold by ~1e-7: allow one count
            np.testing.assert_allclose(share["low"], want[n]["low"], atol=1.01 / 2003)
            np.testing.assert_allclose(share["high"], want[n]["high"], atol=1.01 / 2003)
        corr = unit_correlations(arrays["h"][:-1], x[:-1], x[1:])
        np.testing.assert_allclose(s.corr_input[lay], corr["input"], atol=1e-5)
        np.testing.assert_allclose(s.corr_next[lay], corr["target"], atol=1e-5)
    assert np.abs(s.corr_next[-1]).max() > 0.05  # the check above compares real numbers


def model_names(cell: str) -> tuple[str, ...]:
    return {"lstm": tuple("ifgoch"), "gru": tuple("rznh"), "rnn": ("h",)}[cell]


def test_memory_is_one_chunk_whatever_the_length(monkeypatch):
    model = build_model(ModelConfig(hidden_size=HIDDEN), seed=0)
    longest: list[int] = []

    def spy(model, x, initial=None):
        longest.append(len(x))
        return trace_gates(model, x, initial=initial)

    monkeypatch.setattr(gatesummary, "trace_gates", spy)
    budget = 20_000  # gate values per chunk: 555 steps of 6 gates × 6 units
    for steps in (3_000, 30_000):
        longest.clear()
        s = gatesummary.summarise_run(model, _run(steps), 200, chunk_values=budget)
        assert max(longest) * HIDDEN * 6 <= budget + s.k * HIDDEN * 6
        assert s.means[0]["f"].shape == (200, HIDDEN)  # what is shown, nothing more


def test_short_runs_and_constant_units():
    model = build_model(ModelConfig(hidden_size=HIDDEN), seed=0)
    one = gatesummary.summarise_run(model, np.array([0.3]), 100)
    assert one.k == 1 and one.means[0]["h"].shape == (1, HIDDEN)
    np.testing.assert_array_equal(one.corr_input[0], np.zeros(HIDDEN))  # no pairs: zeros
    flat = gatesummary.summarise_run(model, np.zeros(50), 100)  # constant input
    assert np.all(flat.corr_input[0] == 0) and np.all(np.isfinite(flat.corr_next[0]))
    with pytest.raises(ValueError, match=r"^x must hold at least one timestep\.$"):
        gatesummary.summarise_run(model, np.array([]), 100)
    with pytest.raises(ValueError, match=r"^max_cols must be at least 1, got 0\.$"):
        gatesummary.summarise_run(model, np.ones(5), 0)
