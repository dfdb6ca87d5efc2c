"""The adding problem (lstm_core.experiments.tasks), its gates caught in the act
(lstm_core.experiments.taskgates),
`python -m lstm_core task` and `python -m benchmarks.adding --quick`."""

import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest
import torch

from lstm_core.cli import main
from lstm_core.config import ConfigError
from lstm_core.experiments import taskgates
from lstm_core.experiments.taskgates import (
    CAUGHT_KEYS,
    caught_in_the_act,
    forget_between_marks,
    input_at_second_mark,
)
from lstm_core.experiments.tasks import (
    TEST_SIZE,
    AddingBatch,
    AddingConfig,
    adding_batch,
    adding_params,
    adding_test_set,
    baseline_mse,
    score,
    train_adding,
)
from lstm_core.fitting.models import build_model, count_parameters
from lstm_core.inside.intervene import Clamp, run_clamped

from .conftest import ROOT

QUICK = AddingConfig(length=10, budget=640, check_every=128, seed=0)


@pytest.fixture(scope="module")
def trained():
    """A T = 10 LSTM trained on 12,800 sequences (about a second) and its test set."""
    test = adding_test_set(10)
    return train_adding(replace(QUICK, budget=12_800, check_every=1_280), test=test), test


@pytest.mark.parametrize("length", [10, 11, 100])
def test_each_sequence_has_one_mark_in_each_half_and_the_target_is_their_sum(length):
    b = adding_batch(500, length, torch.Generator().manual_seed(3))
    assert b.x.shape == (500, length, 2) and b.y.shape == (500,) and b.marks.shape == (500, 2)
    values, marker = b.x[..., 0], b.x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(marker.unique().tolist()) == {0.0, 1.0}
    assert (marker.sum(1) == 2).all()
    half = length // 2
    first, second = marker[:, :half].argmax(1), half + marker[:, half:].argmax(1)
    assert (marker[:, :half].sum(1) == 1).all() and (marker[:, half:].sum(1) == 1).all()
    assert torch.equal(torch.stack([first, second], 1), b.marks)
    assert torch.allclose(b.y, (values * marker).sum(1))
    assert {0, half - 1} <= set(first.tolist()) and {half, length - 1} <= set(second.tolist())


def test_sequences_are_fresh_and_seeded():
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    a, b = adding_batch(8, 20, g1), adding_batch(8, 20, g2)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(adding_batch(8, 20, g1).x, a.x)  # the next batch is new
    assert (
        torch.equal(adding_test_set(20).x, adding_test_set(20).x)
        and len(adding_test_set(20)) == TEST_SIZE
    )
    assert not torch.equal(adding_test_set(20).x, adding_test_set(20, seed=5).x)  # its own seed


def test_baseline_is_computed_from_the_test_set():
    test = adding_test_set(50)
    assert baseline_mse(test) == pytest.approx(float(((test.y - 1) ** 2).mean()), rel=1e-6)
    assert baseline_mse(test) == pytest.approx(1 / 6, abs=0.02)
    other = adding_test_set(50, seed=7)
    assert baseline_mse(other) != baseline_mse(test)
    shifted = AddingBatch(test.x, test.y * 0 + 1.5, test.marks)
    assert baseline_mse(shifted) == pytest.approx(0.25)


def test_cells_get_matched_parameter_counts_for_two_inputs():
    for cell in ("lstm", "gru", "rnn"):
        cfg = AddingConfig(cell=cell, hidden=16)
        model = build_model(cfg.model_config())
        assert model.rnn.input_size == 2
        assert adding_params(cell, cfg.model_hidden) == count_parameters(model)
        assert abs(count_parameters(model) / adding_params("lstm", 16) - 1) < 0.05
    assert AddingConfig(cell="rnn", hidden=16, match_params=False).model_hidden == 16


@pytest.mark.parametrize(
    "kw", [{"length": 9}, {"length": 401}, {"cell": "lstmx"}, {"hidden": 0}, {"budget": 10},
           {"lr": 0.0}, {"check_every": 0}, {"target_solved": 1.5}],
)  # fmt: skip
def test_bad_settings_raise_one_sentence(kw):
    with pytest.raises(ConfigError) as e:
        AddingConfig(**kw)
    assert "\n" not in str(e.value) and str(e.value).endswith(".")


def test_a_short_lstm_run_reports_well_formed_numbers_and_beats_the_baseline():
    seen = []
    r = train_adding(QUICK, callback=seen.append)
    assert r.status == "budget" and r.sequences_seen == 640 and r.seconds > 0
    assert (
        [p.sequences_seen for p in r.history]
        == [128, 256, 384, 512, 640]
        == [p.sequences_seen for p in seen]
    )
    assert all(math.isfinite(p.loss) and 0 <= p.solved <= 1 for p in seen)
    assert seen[-1].fraction == 1.0 and 0 < seen[0].elapsed <= seen[-1].elapsed
    assert 0 <= r.solved <= 1 and math.isfinite(r.test_mse)
    assert r.test_mse < r.baseline_mse  # 0.158 against 0.172 at seed 0
    assert r.params == 1297 and r.hidden == 16
    again = train_adding(QUICK)  # same seed, same run
    assert again.test_mse == r.test_mse


def test_the_callback_can_stop_a_run():
    calls = []
    r = train_adding(replace(QUICK, budget=100_000), lambda p: calls.append(p) or True)
    assert r.status == "stopped" and r.sequences_seen == 128 and len(calls) == 1


def test_a_run_stops_when_the_test_set_is_solved():
    r = train_adding(replace(QUICK, budget=100_000, target_solved=0.05))
    assert r.status == "solved" and r.solved >= 0.05 and r.sequences_seen < 100_000
    assert r.history[-1].solved == r.solved


def test_a_run_that_solves_the_task(trained):
    r, _ = trained
    assert r.solved > 0.3 and r.test_mse < 0.2 * r.baseline_mse


def test_caught_in_the_act_reports_gates_and_clamped_errors(trained):
    r, test = trained
    act = caught_in_the_act(r.model, test)
    d = act.to_dict()
    assert all(math.isfinite(v) for v in d.values())
    assert act.unclamped_mse == pytest.approx(r.test_mse, rel=1e-4)  # intervene's run = nn.LSTM
    for k in ("input_gate_at_marks", "input_gate_elsewhere", "forget_gate_between_marks"):
        assert 0 < d[k] < 1
    assert 0 <= d["memory_unit"] < 16
    assert d["memory_unit_input_at_marks"] > d["memory_unit_input_elsewhere"]
    # wiping the memory between the marks, or shutting the second value out, costs a lot
    assert act.clamp_forget_between_marks_mse > 5 * act.unclamped_mse
    assert act.clamp_input_at_second_mark_mse > 5 * act.unclamped_mse
    # ... and the answers follow the value left: the second, or the first
    assert act.clamp_forget_corr_second > 0.5 > abs(act.clamp_forget_corr_first)
    assert act.clamp_input_corr_first > 0.5 > abs(act.clamp_input_corr_second)
    assert set(d) == set(CAUGHT_KEYS)
    with pytest.raises(ValueError, match="LSTM"):
        caught_in_the_act(build_model(AddingConfig(cell="gru").model_config()), test)


def _grouped(model, test, clamp_for) -> np.ndarray:
    """Answers [B] from run_clamped on each group of sequences that share their marks,
    with the Clamps clamp_for(first, second) gives."""
    groups = defaultdict(list)
    for b, (first, second) in enumerate(test.marks.tolist()):
        groups[(first, second)].append(b)
    out = np.zeros(len(test), dtype=np.float32)
    for (first, second), rows in groups.items():
        out[rows] = run_clamped(model, test.x[rows], clamp_for(first, second)).y
    return out


def test_per_sequence_windows_equal_runs_of_the_groups_that_share_their_marks(trained):
    r, test = trained
    forget = _grouped(r.model, test, lambda a, b: [Clamp(0, "f", "all", 0.0, a + 1, b + 1)])
    np.testing.assert_allclose(forget_between_marks(r.model, test), forget, atol=1e-6)
    shut = _grouped(r.model, test, lambda a, b: [Clamp(0, "i", "all", 0.0, b, b + 1)])
    np.testing.assert_allclose(input_at_second_mark(r.model, test), shut, atol=1e-6)


def _spy(monkeypatch, name: str, calls: dict) -> None:
    """Count the calls taskgates makes to intervene's `name`."""
    real = getattr(taskgates, name)

    def spy(*a, **k):
        calls[name] += 1
        return real(*a, **k)

    monkeypatch.setattr(taskgates, name, spy)


def test_the_clamps_go_through_intervene(trained, monkeypatch):
    r, test = trained
    calls = defaultdict(int)
    for name in ("check_clamps", "run_pinned", "run_clamped"):
        _spy(monkeypatch, name, calls)
    caught_in_the_act(r.model, test)
    assert calls["run_clamped"] >= 1 and calls["run_pinned"] == 2 and calls["check_clamps"] > 2


def test_clamping_a_gate_to_the_values_it_has_changes_nothing(trained):
    r, test = trained
    for b in range(3):
        x = test.x[b : b + 1]  # [1, T, 2]
        plain = run_clamped(r.model, x, keep=True)
        first, second = test.marks[b].tolist()
        clamps = [
            Clamp(0, name, (u,), float(plain.layers[0][name][0, t, u]), t, t + 1)
            for name, steps in (("f", range(first + 1, second + 1)), ("i", [first, second]))
            for t in steps
            for u in range(r.hidden)
        ]
        held = run_clamped(r.model, x, clamps, keep=True)
        assert held.y[0] == plain.y[0]
        for name in ("i", "f", "c", "h"):
            np.testing.assert_array_equal(held.layers[0][name], plain.layers[0][name])


def test_the_score_counts_answers_within_the_tolerance(trained):
    r, test = trained
    s = score(r.model, test)
    with torch.no_grad():
        err = (r.model(test.x) - test.y).abs()
    assert s.solved == pytest.approx(float((err < 0.04).float().mean()))
    assert s.mse == pytest.approx(float((err.double() ** 2).mean()), rel=1e-5)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "lstm_core", "task", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip


KEYS = {"task", "length", "cell", "params", "sequences_seen", "seconds", "test_mse",
        "baseline_mse", "solved", "input_gate_at_marks", "input_gate_elsewhere",
        "clamp_forget_between_marks_mse", "clamp_input_at_second_mark_mse"}  # fmt: skip
GATE_KEYS = set(CAUGHT_KEYS)  # null for GRU and RNN


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_cli_prints_the_json_summary(cell):
    r = _cli("adding", "--length", 10, "--cell", cell, "--budget", 512, "--seed", 1, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == KEYS | GATE_KEYS | {"hidden", "status"}
    assert {k for k in KEYS if "gate" in k or "clamp" in k} <= GATE_KEYS
    assert out["task"] == "adding" and out["cell"] == cell and 0 < out["test_mse"] < 1
    assert out["length"] == 10 and out["sequences_seen"] == 512 and out["status"] == "budget"
    assert 0 < out["baseline_mse"] < 0.3 and 0 <= out["solved"] <= 1
    assert isinstance(out["params"], int) and out["seconds"] > 0
    for k in GATE_KEYS:
        assert (out[k] is None) == (cell != "lstm")
    assert "512 sequences" in r.stderr  # progress


@pytest.mark.parametrize(
    "args, words",
    [(["--length", 5], "10 to 400 steps"), (["--length", 401], "10 to 400 steps"),
     (["--budget", 3], "budget"), (["--hidden", 0], "hidden")],
)  # fmt: skip
def test_cli_bad_settings_fail_with_one_line(args, words, capsys):
    assert main(["task", "adding", *map(str, args)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and words in err


def test_cli_error_as_a_process():
    r = _cli("adding", "--length", 5)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "error: The adding task takes sequences of 10 to 400 steps, got 5.\n"


def test_benchmark_quick_runs_each_cell():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "benchmarks.adding", "--quick", "--json"],
                       cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert res["length"] == 10 and len(res["runs"]) == 3 * len(res["seeds"])
    assert {run["cell"] for run in res["runs"]} == {"lstm", "gru", "rnn"}
    for run in res["runs"]:
        assert 0 <= run["solved"] <= 1 and run["seconds"] > 0 and run["sequences_seen"] > 0
        assert (run["caught"] is None) == (run["cell"] != "lstm")
    assert set(res["summary"]) >= {"lstm_solved_runs", "rnn_below_0.3_runs", "target_met"}
