"""The Compare page's pure parts, without Streamlit: the adding problem's figures and words
(explorer/task_figures.py), its jobs' work (explorer/compare_jobs.py), the seeds' spread
(lstm_core/experiments/compare.py) and the log axes labelled at powers of ten."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from explorer import compare_jobs
from explorer.compare_figures import decade_axis, val_curves_figure
from explorer.compare_jobs import (
    AddingRequest,
    CellsRequest,
    EchoRequest,
    Example,
    RunSummary,
    SweepResult,
    example_index,
)
from explorer.task_figures import (
    MARK_COLOR,
    clamp_sentences,
    follows,
    gate_heatmaps_figure,
    run_sentence,
    sequence_figure,
    solved_curves_figure,
    sweep_table,
)
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.experiments.compare import Spread, seed_verdict
from lstm_core.experiments.tasks import AddingBatch, adding_batch, adding_test_set
from lstm_core.runtime.jobs import Job, Slots

NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


def point(seen: int, solved: float):
    return SimpleNamespace(sequences_seen=seen, solved=solved)


# --------------------------------------------------------------------------- figures


def test_solved_curves_one_line_per_cell_with_target_and_baseline():
    curves = {"lstm": [point(512, 0.1), point(1024, 0.96)], "rnn": [point(512, 0.07)]}
    fig = solved_curves_figure(curves, baseline=0.075)
    assert [t.name for t in fig.data] == ["LSTM", "RNN"]
    assert list(fig.data[0].x) == [512, 1024] and list(fig.data[0].y) == [10.0, 96.0]
    lines = sorted(s.y0 for s in fig.layout.shapes)
    assert lines == [7.5, 95.0]  # always answering 1, and solved
    assert tuple(fig.layout.yaxis.range) == (0, 100)


def example(hidden: int = 3, steps: int = 10) -> Example:
    rng = np.random.default_rng(0)
    gates = {g: rng.random((hidden, steps)) for g in ("i", "f", "c")}
    values = rng.random(steps)
    return Example(values, (2, 7), float(values[2] + values[7]), gates, 1.0, 0.5, 0.4)


def test_sequence_figure_highlights_the_two_marks_and_says_the_sum():
    ex = example()
    fig = sequence_figure(ex)
    bars, marks = fig.data
    assert list(bars.y) == list(ex.values)
    assert list(marks.x) == [2, 7] and list(marks.text) == [
        f"<b>{ex.values[2]:.2f}</b>",
        f"<b>{ex.values[7]:.2f}</b>",
    ]
    assert [bars.marker.color[k] for k in (1, 2, 7)] == ["#c7c7c7", MARK_COLOR, MARK_COLOR]
    assert [s.x0 for s in fig.layout.shapes] == [2, 7]
    v = ex.values
    assert fig.layout.title.text.startswith(
        f"One test sequence: the answer asked is {v[2]:.2f} + {v[7]:.2f} = {ex.target:.2f}"
    )


def test_gate_heatmaps_are_units_by_steps_with_the_marks_and_the_memory_unit():
    ex = example(hidden=3, steps=10)
    fig = gate_heatmaps_figure(ex, memory_unit=1)
    maps = [t for t in fig.data if t.type == "heatmap"]
    assert [t.name for t in maps] == ["i", "f", "c"]
    for t in maps:
        np.testing.assert_array_equal(t.z, ex.gates[t.name])  # [H, T]
        assert list(t.y) == ["unit 0", "unit 1 (memory)", "unit 2"]
    assert [t.coloraxis for t in maps] == ["coloraxis", "coloraxis", "coloraxis2"]
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0, 1)
    # i, f and c in the Gates page's colours (c: red positive, blue negative, not reversed)
    from explorer.gate_figures import color_range

    for axis, gate in ((fig.layout.coloraxis, "f"), (fig.layout.coloraxis2, "c")):
        same = go.Figure(layout={"coloraxis": {"colorscale": color_range(gate)["colorscale"]}})
        assert axis.colorscale == same.layout.coloraxis.colorscale
    assert fig.layout.coloraxis2.colorscale[-1][1] == "rgb(103,0,31)"  # dark red on top
    # each mark's column framed through all four rows, its edges half a step either side
    assert sorted((s.x0, s.x1) for s in fig.layout.shapes) == [(1.5, 2.5)] * 4 + [(6.5, 7.5)] * 4
    (line,) = [t for t in fig.data if t.type == "scatter"]  # the memory unit on its own scale
    np.testing.assert_array_equal(line.y, ex.gates["c"][1])
    assert fig.layout.annotations[3].text == "c of unit 1 (memory), on its own scale"
    plain = gate_heatmaps_figure(ex)  # no memory unit named: three rows, no line
    assert [t.type for t in plain.data] == ["heatmap"] * 3
    assert sorted(s.x0 for s in plain.layout.shapes) == [1.5] * 3 + [6.5] * 3


def test_sweep_table_fills_cell_by_cell():
    run = RunSummary("lstm", 8, 393, "solved", 4096, 1.0, 0.96, 0.001)
    result = SweepResult((10, 20), 4096, {("lstm", 10): run})
    table = sweep_table(result)
    assert list(table.index) == ["LSTM", "GRU", "RNN"]
    assert list(table.columns) == ["T = 10", "T = 20"]
    assert table.loc["LSTM", "T = 10"] == pytest.approx(96.0)
    assert table.isna().sum().sum() == 5  # not run yet


@pytest.mark.parametrize(
    ("values", "ticks", "lo", "hi"),
    [([0.02, 0.5], [0.01, 0.1, 1.0], -2, 0), ([3.0, 4.0], [1.0, 10.0], 0, 1),
     ([1e-5, 0.0, float("nan"), 2.0], [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0], -5, 1)],
)  # fmt: skip
def test_log_axes_are_labelled_at_powers_of_ten_only(values, ticks, lo, hi):
    axis = decade_axis(values)
    np.testing.assert_allclose(axis["tickvals"], ticks)
    assert axis["range"] == [lo, hi]
    assert axis["ticktext"] == [f"{t:g}" for t in ticks]


def test_validation_curves_use_decade_ticks():
    rec = SimpleNamespace
    hist = [rec(epoch=1, val_loss=0.3), rec(epoch=2, val_loss=0.04)]
    fig = val_curves_figure({"lstm": hist})
    assert list(fig.layout.yaxis.tickvals) == [0.01, 0.1, 1.0]
    assert fig.layout.yaxis.type == "log"


# --------------------------------------------------------------------------- words


def summary(cell="rnn", status="budget", solved=0.077, seen=320_000):
    return RunSummary(cell, 34, 1327, status, seen, 69.1, solved, 0.17)


def test_run_sentences_say_what_the_run_reached():
    assert run_sentence(summary("lstm", "solved", 0.956, 71_680), 0.075) == (
        "LSTM (34 units, 1,327 parameters): solved 95.6% of the test sequences after 71,680 "
        "training sequences (69.1 s)."
    )
    assert run_sentence(summary(), 0.075) == (
        "RNN (34 units, 1,327 parameters): 7.7% solved after its whole budget of 320,000 "
        "sequences (69.1 s). About what always answering 1 gets (7.5%): it learned nothing."
    )
    partly = run_sentence(summary(status="stopped", solved=0.5, seen=1024), 0.075)
    assert partly == ("RNN (34 units, 1,327 parameters): 50.0% solved when stopped at 1,024 "
                      "sequences (69.1 s).")  # fmt: skip


def test_follows_reads_the_correlations():
    assert follows(0.05, 0.9) == "the second number alone: the first was forgotten"
    assert follows(0.9, -0.1) == "the first number alone: the second never got in"
    assert follows(0.6, 0.6) == "neither number alone"
    assert follows(float("nan"), float("nan")) == "neither number alone"


def test_clamp_sentences_give_the_mse_before_and_after():
    act = SimpleNamespace(unclamped_mse=0.0012, clamp_forget_between_marks_mse=0.16,
                          clamp_input_at_second_mark_mse=0.09, clamp_forget_corr_first=0.02,
                          clamp_forget_corr_second=0.71, clamp_input_corr_first=0.70,
                          clamp_input_corr_second=0.01)  # fmt: skip
    forget, shut, one = clamp_sentences(act, example())
    assert "test MSE 0.0012 → 0.1600" in forget
    assert "follow the second number alone: the first was forgotten" in forget
    assert "test MSE 0.0012 → 0.0900" in shut
    assert "follow the first number alone: the second never got in" in shut
    assert one.startswith("On the sequence above the model answers 1.00")
    assert "closed between the marks, " in one  # "closed at step 86 0.84" read as one number
    assert re.search(r"closed at step \d+, \d\.\d\d", one)


def test_seed_verdict_says_noise_when_ranges_overlap():
    over = [Spread("lstm", (1, 2, 3)), Spread("gru", (2.5, 4, 5)), Spread("rnn", (2, 3, 4))]
    assert seed_verdict(over, NAMES) == (
        "The cells' test RMSEs overlap across the 3 seeds: their differences here are within "
        "the seeds' noise, so this run does not show one cell better than another on this "
        "series."
    )
    apart = [Spread("lstm", (1, 2, 3)), Spread("gru", (2.5, 4, 5)), Spread("rnn", (10, 11, 12))]
    assert seed_verdict(apart, NAMES) == (
        "Over 3 seeds: LSTM's test RMSE was below RNN's in all 3 (its highest, 3.000, is below "
        "RNN's lowest, 10.00); GRU's test RMSE was below RNN's in all 3 (its highest, 5.000, is "
        "below RNN's lowest, 10.00). The other pair overlaps: within the seeds' noise."
    )
    assert apart[1].mean == pytest.approx(11.5 / 3) and (apart[1].low, apart[1].high) == (2.5, 5)


# --------------------------------------------------------------------------- the works


def test_the_example_sequence_has_its_marks_far_apart():
    test = adding_test_set(20)
    k = example_index(test)
    assert test.marks[k, 1] - test.marks[k, 0] >= 10
    assert (test.marks[:k, 1] - test.marks[:k, 0] < 10).all()  # the first such
    near = AddingBatch(test.x[:2], test.y[:2], torch.tensor([[0, 10], [5, 11]]))
    assert example_index(near) == 0  # none far enough: the farthest


def run(work, **job):
    j = Job(work, Slots(1), **job).start()
    assert j.join(120)
    return j


def test_an_adding_work_with_bad_settings_fails_with_one_sentence():
    j = run(AddingRequest(length=5, budget=640).work())
    assert j.status == "failed"
    assert j.message == "The adding task takes sequences of 10 to 400 steps, got 5."


def test_the_caught_example_is_the_models_own_run():
    from lstm_core.fitting.models import build_model

    model = build_model(ModelConfig("lstm", 4, n_inputs=1), seed=0).eval()
    test = adding_batch(50, 12, torch.Generator().manual_seed(0))
    found = compare_jobs.caught(model, test)
    ex, k = found["example"], example_index(test)
    with torch.no_grad():
        assert ex.answer == pytest.approx(float(model(test.x[k : k + 1])[0]), abs=1e-5)
    assert ex.gates["i"].shape == (4, 12) and ex.marks == tuple(test.marks[k].tolist())
    np.testing.assert_allclose(ex.values, test.x[k, :, 0].numpy())
    assert math.isfinite(found["act"].clamp_forget_between_marks_mse)


def test_a_stopped_echo_keeps_only_the_runs_that_finished():
    m, t = ModelConfig("lstm", 4), TrainConfig(epochs=3, lr=0.01, patience=0)
    work = EchoRequest((2, 3), m, t).work()
    j = Job(work, Slots(1))
    calls = {"n": 0}
    report = j.report

    def stop_in_the_fourth_run(p):  # 3 epochs a run: the 10th epoch is run 4's first
        calls["n"] += p.kind == "epoch"
        return report(p) or calls["n"] >= 10

    j.report = stop_in_the_fourth_run
    j.start()
    assert j.join(120)
    assert [(p.cell, p.lag) for p in work.result] == [("lstm", 2), ("gru", 2), ("rnn", 2)]


def test_cells_use_the_given_transform_and_stop_between_seeds():
    from lstm_core.series.transforms import make

    values = np.sin(np.arange(120) / 3.0) + np.arange(120) / 50
    req = CellsRequest(values, "s", DataConfig(look_back=6), ModelConfig("lstm", 4),
                       TrainConfig(epochs=2), seeds=(0, 1), transform=make("diff"),
                       seen_note="given")  # fmt: skip
    j = run(req.work())
    assert j.status == "completed" and j.message == "Trained the three cells on 2 seeds."
    found = j.work.result
    assert found["seen"] == "the change from the last step (diff), given"
    assert found["seeds"] == (0, 1) and len(found["runs"]) == 2
    assert all(r.model.cfg.cell == c for r, c in zip(found["results"], ("lstm", "gru", "rnn"),
                                                      strict=True))  # fmt: skip
