"""AppTest of the Compare page: three cells trained live, gradient flow, memory task."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.compare_figures import memory_figure
from lstm_core.compare import MemoryPoint

from .test_app import decode, figures, start, state, texts, traces


@pytest.fixture
def at():
    return start("pages/compare.py")


def test_three_cells_trained_with_curves_table_and_gradients(at):
    at.number_input(key="cmp_hidden").set_value(6)
    at.number_input(key="cmp_epochs").set_value(2)
    at.button(key="cmp_run").click().run()
    assert not at.exception, at.exception
    results = state(at, "compare")["results"]
    assert [r.cell for r in results] == ["lstm", "gru", "rnn"]
    figs = {f["layout"]["title"]["text"]: f for f in figures(at)}
    curves = traces(figs["Validation loss"])
    assert set(curves) == {"LSTM", "GRU", "RNN"}
    for r in results:
        got = decode(curves[{"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[r.cell]]["y"])
        np.testing.assert_allclose(got, [h.val_loss for h in r.fit.history])
    lag = traces(figs["How much the prediction feels an input k steps back"])
    assert {"LSTM trained", "LSTM at init", "RNN trained", "GRU at init"} <= set(lag)
    assert (
        figs["How much the prediction feels an input k steps back"]["layout"]["yaxis"]["type"]
        == "log"
    )
    table = at.dataframe[0].value
    assert list(table.index) == ["LSTM", "GRU", "RNN"]
    assert max(table["parameters"]) / min(table["parameters"]) < 1.25
    assert len([t for t in texts(at.text) if "baseline" in t]) == 3


def test_memory_task_grid(at):
    at.multiselect(key="cmp_lags").set_value([2, 5])
    at.number_input(key="cmp_mem_epochs").set_value(1)
    at.number_input(key="cmp_mem_hidden").set_value(4)
    at.button(key="cmp_mem_run").click().run()
    assert not at.exception, at.exception
    pts = state(at, "memory")
    assert [(p.cell, p.lag) for p in pts] == [
        (c, k) for k in (2, 5) for c in ("lstm", "gru", "rnn")
    ]
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Memory"))
    assert set(traces(fig)) >= {"LSTM", "GRU", "RNN"}
    assert any(t.startswith("LSTM: learned at K = ") for t in texts(at.text))


def test_memory_point_threshold_is_the_figure_line():
    pts = [MemoryPoint("lstm", 5, 0.5, 1.0)]
    (line,) = [s for s in memory_figure(pts).layout.shapes if s.line.dash == "dot"]
    y = line.y0  # the dotted "learned" line as drawn, not the constant it is drawn from
    assert line.y1 == y and 0 < y < 1
    assert MemoryPoint("lstm", 5, 0.99 * y * 2.0, 2.0).learned  # just under the line
    assert not MemoryPoint("lstm", 5, 1.01 * y * 2.0, 2.0).learned  # just over it
