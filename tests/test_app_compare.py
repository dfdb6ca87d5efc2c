"""AppTest of the Compare page: every section runs as this visitor's job (like Train): the
three cells on a few seeds, the echo memory task, the adding problem and its sweep over T."""

from __future__ import annotations

import time

import numpy as np
import pytest

from explorer.compare_figures import memory_figure
from explorer.compare_ui import OTHER_JOB
from lstm_core.experiments.compare import MemoryPoint, seed_verdict, spreads
from lstm_core.inside.gates import CELL_LABELS

from .test_app import decode, figures, settle, start, state, texts, traces

NAMES = [CELL_LABELS[c] for c in ("lstm", "gru", "rnn")]


@pytest.fixture
def at():
    return start("pages/compare.py")


def _wait(cond, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _titled(at) -> dict[str, dict]:
    return {f["layout"]["title"]["text"]: f for f in figures(at)}


def small_cells(at, seeds: int = 2, epochs: int = 2):
    at.number_input(key="cmp_hidden").set_value(6)
    at.number_input(key="cmp_epochs").set_value(epochs)
    at.number_input(key="cmp_seeds").set_value(seeds)
    return at


def test_three_cells_on_seeds_with_spread_verdict_and_gradients(at):
    small_cells(at).button(key="cmp_run").click().run()
    assert not at.exception, at.exception
    settle(at)
    found = state(at, "compare")
    runs = found["runs"]
    assert found["seeds"] == (0, 1) and len(runs) == 2
    assert [[r.cell for r in run] for run in runs] == [["lstm", "gru", "rnn"]] * 2
    assert found["results"] is runs[0]
    assert found["seen"].endswith("what auto picked with the LSTM, then used for all three")
    kinds = {run[0].evaluation.table["model"]["rmse"] for run in runs}
    assert len(kinds) == 2  # two seeds, two different runs
    figs = _titled(at)
    curves = figs["Validation loss, 2 seeds per cell"]
    lines = [t for t in curves["data"]]
    assert [t["name"] for t in lines] == NAMES * 2
    assert [t["showlegend"] for t in lines] == [True] * 3 + [False] * 3
    for t, r in zip(lines, [r for run in runs for r in run], strict=True):
        np.testing.assert_allclose(decode(t["y"]), [h.val_loss for h in r.fit.history])
    axis = curves["layout"]["yaxis"]
    assert axis["type"] == "log"
    powers = np.log10(axis["tickvals"])
    np.testing.assert_allclose(powers, np.round(powers))  # decades only, no 2, 5, 3 ...
    assert axis["ticktext"] == [f"{v:g}" for v in axis["tickvals"]]
    lag = traces(figs["How much the prediction feels an input k steps back"])
    assert {"LSTM trained", "LSTM at init", "RNN trained", "GRU at init"} <= set(lag)
    table = at.dataframe[0].value
    assert list(table.index) == NAMES
    assert max(table["parameters"]) / min(table["parameters"]) < 1.25
    got = spreads(runs)
    np.testing.assert_allclose(table["test RMSE, mean"], [s.mean for s in got])
    np.testing.assert_allclose(table["lowest"], [s.low for s in got])
    np.testing.assert_allclose(table["highest"], [s.high for s in got])
    assert texts(at.info) == [seed_verdict(got, CELL_LABELS)]
    assert len([t for t in texts(at.text) if "seed 0: " in t and "baseline" in t]) == 3


def test_the_cells_see_the_current_models_transform(at):
    from .test_app import train

    at.switch_page("pages/train.py").run()
    train(at, epochs=1, hidden=4)
    tf = state(at, "bundle").transform
    at.switch_page("pages/compare.py").run()
    seen = f"All three cells see {tf.describe()}: the current model's (chosen when it was trained)."
    assert seen in texts(at.caption)
    small_cells(at, seeds=1, epochs=1).button(key="cmp_run").click().run()
    settle(at)
    assert state(at, "compare")["results"][0].model is not None
    assert state(at, "compare")["seen"].startswith(tf.describe())
    assert texts(at.info) == ["One seed only: run at least two to see whether the differences "
                              "are noise."]  # fmt: skip


def test_the_comparison_outlives_the_page_and_comes_back_with_its_result(at):
    small_cells(at, seeds=1, epochs=40).button(key="cmp_run").click().run()
    job = state(at, "job")
    assert job is not None and job.work.key == "compare"
    at.switch_page("pages/data.py").run()  # the visitor leaves at once
    assert not at.exception, at.exception
    assert state(at, "job") is job  # the same job goes on without the page
    assert at.button(key="job_stop_sidebar").label == "Stop training"
    assert job.join(120)
    at.run()  # any page takes the result in
    assert state(at, "job") is None and state(at, "compare")["seeds"] == (0,)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value.index) == NAMES
    assert "Validation loss, 1 seed per cell" in _titled(at)


def test_stop_ends_a_comparison_and_says_what_is_left(at):
    small_cells(at, seeds=1, epochs=2000).button(key="cmp_run").click().run()
    job = state(at, "job")
    _wait(lambda: job.progress is not None)
    at.run()
    assert at.button(key="cmp_run").disabled  # one job per visitor
    at.button(key="compare_stop").click().run()
    settle(at)
    assert job.status == "stopped" and state(at, "job") is None
    assert texts(at.warning) == [
        "Stopped before the three cells of a first seed were trained: nothing to show."
    ]
    assert state(at, "compare") is None and not at.button(key="cmp_run").disabled


def test_the_cells_train_with_the_train_pages_scaling_choice():
    from lstm_core.config import TrainConfig

    at = start("pages/train.py")
    at.checkbox(key="train_long").uncheck().run()  # "Scale the batch to the series' length"
    at.switch_page("pages/compare.py").run()
    small_cells(at, seeds=1, epochs=2000).button(key="cmp_run").click().run()
    job = state(at, "job")
    cfg: TrainConfig = job.work.request.train_cfg
    at.button(key="compare_stop").click().run()
    settle(at)
    assert (cfg.scale_long, cfg.scale_short) == (False, False)


def test_memory_task_grid_as_a_job_says_what_it_measured(at):
    at.multiselect(key="cmp_lags").set_value([2, 5])
    at.number_input(key="cmp_mem_epochs").set_value(1)
    at.number_input(key="cmp_mem_hidden").set_value(4)
    at.button(key="cmp_mem_run").click().run()
    settle(at)
    pts = state(at, "memory")
    assert [(p.cell, p.lag) for p in pts] == [
        (c, k) for k in (2, 5) for c in ("lstm", "gru", "rnn")
    ]
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Memory"))
    assert set(traces(fig)) >= set(NAMES)
    lstm = [p for p in pts if p.cell == "lstm"]
    ok = [str(p.lag) for p in lstm if p.learned]
    said = f"learned at K = {', '.join(ok)}" if ok else "learned at none of these K"
    line = (f"LSTM: val MSE / mean's {lstm[0].ratio:.2f} at K = 2, {lstm[1].ratio:.2f} at "
            f"K = 5; {said}.")  # fmt: skip
    assert line in texts(at.text)


def test_memory_point_threshold_is_the_figure_line():
    pts = [MemoryPoint("lstm", 5, 0.5, 1.0)]
    (line,) = [s for s in memory_figure(pts).layout.shapes if s.line.dash == "dot"]
    y = line.y0  # the dotted "learned" line as drawn, not the constant it is drawn from
    assert line.y1 == y and 0 < y < 1
    assert MemoryPoint("lstm", 5, 0.99 * y * 2.0, 2.0).learned  # just under the line
    assert not MemoryPoint("lstm", 5, 1.01 * y * 2.0, 2.0).learned  # just over it


# --------------------------------------------------------------------------- adding problem


def grid(z) -> np.ndarray:
    """A Plotly 2-D array: nested lists, or base64 with its shape."""
    if isinstance(z, dict):
        shape = [int(n) for n in str(z["shape"]).split(",")]
        return np.asarray(decode(z)).reshape(shape)
    return np.asarray(z)


def small_adding(at, length: int = 20, budget: int = 640):
    at.number_input(key="cmp_add_length").set_value(length)
    at.number_input(key="cmp_add_hidden").set_value(8)
    at.number_input(key="cmp_add_budget").set_value(budget)
    return at


def test_adding_problem_at_t20_draws_three_curves_and_the_lstms_gates(at):
    small_adding(at).button(key="cmp_add_run").click().run()
    assert not at.exception, at.exception
    settle(at)
    found = state(at, "adding")
    assert found.length == 20 and set(found.runs) == {"lstm", "gru", "rnn"}
    assert all(r.sequences_seen == 640 or r.status == "solved" for r in found.runs.values())
    figs = _titled(at)
    curves = traces(figs["Adding problem: share of the test sequences solved (|error| < 0.04)"])
    assert set(curves) == set(NAMES)
    for cell, name in zip(("lstm", "gru", "rnn"), NAMES, strict=True):
        pts = found.curves[cell]
        assert decode(curves[name]["x"]) == [p.sequences_seen for p in pts]
        np.testing.assert_allclose(decode(curves[name]["y"]), [100 * p.solved for p in pts])
    ex = found.example
    a, b = ex.marks
    assert 0 <= a < 10 <= b < 20 and b - a >= 10  # one mark in each half, far apart
    seq = next(f for t, f in figs.items() if t.startswith("One test sequence"))
    assert [s["x0"] for s in seq["layout"]["shapes"]] == [a, b]
    heat = figs["Inside the trained LSTM on that sequence (orange frames: the two marks)"]
    maps = [t for t in heat["data"] if t["type"] == "heatmap"]
    assert [t["name"] for t in maps] == ["i", "f", "c"]
    assert all(grid(t["z"]).shape == (8, 20) for t in maps)  # units × steps
    frames = sorted((s["x0"], s["x1"]) for s in heat["layout"]["shapes"])
    # each mark's column framed through the three heatmaps and the memory unit's line
    assert frames == [(a - 0.5, a + 0.5)] * 4 + [(b - 0.5, b + 0.5)] * 4
    shown = texts(at.text)
    assert any(t.startswith("LSTM (8 units, ") for t in shown)
    act = found.act
    forget = next(t for t in shown if t.startswith("Close the forget gate between the marks"))
    assert f"test MSE {act.unclamped_mse:.4f} → {act.clamp_forget_between_marks_mse:.4f}" in forget
    assert any(t.startswith("Close the input gate at the second mark") for t in shown)
    if found.runs["lstm"].status != "solved":  # 640 sequences do not solve T = 20
        assert texts(at.info)[-1].startswith("The LSTM did not solve the task in this run")
        assert texts(at.info)[-1].endswith("A larger budget (or a shorter T) gives it the time.")


def test_at_the_shortest_t_the_advice_asks_only_for_a_larger_budget(at):
    small_adding(at, length=10, budget=64).button(key="cmp_add_run").click().run()
    settle(at)
    assert state(at, "adding").runs["lstm"].status != "solved"  # 64 sequences are too few
    assert texts(at.info)[-1].endswith("gates below are those of a model still learning. A "
                                       "larger budget gives it the time.")  # fmt: skip


def test_adding_stop_keeps_the_curves_so_far(at):
    small_adding(at, length=10, budget=2_000_000).button(key="cmp_add_run").click().run()
    job = state(at, "job")
    _wait(lambda: job.work.result is not None and len(job.work.result.curves.get("lstm", ())) >= 2)
    at.run()  # the page drawn mid-run: the curves so far, redrawn from what the job published
    (live,) = figures(at)
    lstm = traces(live)["LSTM"]
    assert len(decode(lstm["x"])) >= 2
    assert at.button(key="adding_stop")  # the section's own Stop, beside its live curves
    at.button(key="adding_stop").click().run()
    settle(at)
    found = state(at, "adding")
    assert job.status == "stopped" and len(found.curves["lstm"]) >= 2
    assert found.example is None  # the gates are shown after a whole run only
    assert texts(at.warning) == [
        "Stopped: the curves end where each cell was; the LSTM's gates are shown after a "
        "whole run only."
    ]


def test_sweep_over_t_fills_the_table_cell_by_cell(at):
    small_adding(at, budget=320)
    at.multiselect(key="cmp_sweep_lengths").set_value([10, 20])
    at.button(key="cmp_sweep_run").click().run()
    job = state(at, "job")
    seen = set()
    while job.active:  # the table as the page would draw it meanwhile: cell by cell
        r = job.work.result
        if r is not None:
            seen.add(len(r.cells))
        time.sleep(0.005)
    settle(at)
    found = state(at, "adding_sweep")
    assert set(found.cells) == {(c, t) for c in ("lstm", "gru", "rnn") for t in (10, 20)}
    assert seen <= set(range(7)) and len(seen) >= 2  # it grew while running
    table = at.dataframe[0].value
    assert list(table.index) == NAMES and list(table.columns) == ["T = 10", "T = 20"]
    assert table.loc["LSTM", "T = 20"] == pytest.approx(100 * found.cells[("lstm", 20)].solved)
    assert any(t.startswith("RNN: solved at") for t in texts(at.text))
    assert any(
        c.startswith("Share of the test set solved (%) by each run's weights at its end")
        for c in texts(at.caption)
    )  # not its best, nor the sweep's last live line


def _capped() -> None:
    """A Compare job past its time cap, taken in by sync: the outcome's own sentence."""
    import streamlit as st

    from explorer import session, state
    from explorer.compare_jobs import AddingRequest
    from lstm_core.runtime.jobs import Job, Slots

    j = Job(AddingRequest(length=10, budget=2_000_000).work(), Slots(1), max_seconds=0.3)
    state.put("job", j.start())
    j.join(60)
    session.sync()
    st.text(state.get("task_outcome")["message"])


def test_the_time_cap_ends_a_compare_job_with_its_own_sentence():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_capped, default_timeout=60).run()
    assert not at.exception, at.exception
    assert texts(at.text) == [
        "Stopped: the curves end where each cell was; the LSTM's gates are shown after a whole "
        "run only. It ran for 0.005 minutes, the longest one job may run on this shared server."
    ]


def test_other_pages_work_while_a_compare_job_runs_and_stop_it_from_the_sidebar(at):
    small_adding(at, length=10, budget=2_000_000).button(key="cmp_add_run").click().run()
    job = state(at, "job")
    _wait(lambda: job.progress is not None)
    at.run()
    assert at.button(key="cmp_run").disabled and at.button(key="cmp_sweep_run").disabled
    assert texts(at.caption).count(OTHER_JOB) == 3  # the three other sections say why
    for page in ("pages/train.py", "pages/gates.py", "pages/learn.py", "pages/forecast.py",
                 "pages/export.py", "pages/data.py"):  # fmt: skip
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert state(at, "job") is job and job.active, page
        assert at.sidebar.button(key="job_stop_sidebar").label == "Stop training"
        assert not any(t.startswith("A model is training now") for t in texts(at.info)), page
    at.switch_page("pages/train.py").run()
    assert at.button(key="train_btn").disabled  # one job per visitor
    at.button(key="job_stop_sidebar").click().run()
    settle(at)
    assert job.status == "stopped" and state(at, "job") is None
    assert state(at, "bundle") is None  # a Compare job never makes the session's model
    assert len(state(at, "adding").curves["lstm"]) >= 1


def test_the_compare_settings_survive_a_visit_to_another_page(at):
    """Walk 10 item 2: every setting came back at its default after a look at the Data page."""
    chosen = {
        "cmp_hidden": 12, "cmp_layers": 2, "cmp_epochs": 7, "cmp_lr": 0.005, "cmp_seed": 4,
        "cmp_seeds": 2, "cmp_noise": 0.1, "cmp_mem_epochs": 12, "cmp_mem_hidden": 9,
        "cmp_add_length": 50, "cmp_add_hidden": 8, "cmp_add_budget": 64_000, "cmp_add_seed": 3,
    }  # fmt: skip
    for key, value in chosen.items():
        at.number_input(key=key).set_value(value).run()
    at.checkbox(key="cmp_match").uncheck().run()
    at.checkbox(key="cmp_fbias").uncheck().run()
    at.multiselect(key="cmp_lags").set_value([5, 20]).run()
    at.multiselect(key="cmp_sweep_lengths").set_value([25, 50]).run()
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert {key: at.number_input(key=key).value for key in chosen} == chosen
    assert at.checkbox(key="cmp_match").value is False
    assert at.checkbox(key="cmp_fbias").value is False
    assert at.multiselect(key="cmp_lags").value == [5, 20]
    assert at.multiselect(key="cmp_sweep_lengths").value == [25, 50]
