"""Interventions: clamped runs against PyTorch and against the lecture's claims, the ablation
table, and the memory horizon, on tiny seeded models."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core.config import DataConfig, ModelConfig
from lstm_core.evaluation.forecast import evaluate, predict
from lstm_core.fitting.models import build_model
from lstm_core.inside import ablation as ablation_mod
from lstm_core.inside.ablation import ablation
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.intervene import Clamp, InterventionError, intervene, run_clamped
from lstm_core.inside.memory import (
    echo_check,
    echo_warning,
    forget_time_constants,
    lookback_advice,
    time_constant,
)
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import make_dataset

ATOL = 1e-5


def _model(cell: str = "lstm", layers: int = 1, hidden: int = 6, seed: int = 0) -> nn.Module:
    return build_model(ModelConfig(cell, hidden, layers), seed=seed).eval()


def _x(count: int = 5, steps: int = 10, seed: int = 1) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).standard_normal((count, steps)))


@pytest.fixture
def data(sine):
    """The conftest sine as windows of 8 steps, levels 100 + 10·sine, the model sees Δ."""
    return make_dataset(100 + 10 * sine, DataConfig(look_back=8, transform="diff"),
                        transform=Transform("diff"))  # fmt: skip


# --------------------------------------------------------------------------- no clamp


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_no_clamp_is_pytorch_and_the_trace(cell, layers):
    model, x = _model(cell, layers), _x().float()
    run = run_clamped(model, x, keep=True)
    with torch.no_grad():
        out, state = model.rnn(x[..., None])
        y = model(x)
    np.testing.assert_allclose(run.y, y.numpy(), atol=ATOL)
    np.testing.assert_allclose(run.layers[-1]["h"], out.numpy(), atol=ATOL)
    h_n, c_n = state if cell == "lstm" else (state, None)
    for k in range(layers):  # every layer's final state, as PyTorch returns it
        np.testing.assert_allclose(run.layers[k]["h"][:, -1], h_n[k].numpy(), atol=ATOL)
        if c_n is not None:
            np.testing.assert_allclose(run.layers[k]["c"][:, -1], c_n[k].numpy(), atol=ATOL)
    ref = trace_gates(model, x)  # every gate at every step, computed another way
    for k in range(layers):
        for name in ref.names:
            np.testing.assert_allclose(run.layers[k][name], ref.layers[k][name], atol=ATOL)
    assert run.trace().names == ref.names


# --------------------------------------------------------------------------- the lecture


def test_input_gate_shut_keeps_the_cell_empty_and_the_forecast_at_the_bias():
    model, x = _model(), _x(count=4)
    run = run_clamped(model, x, [Clamp(0, "i", "all", 0.0)], keep=True)
    assert np.all(run.layers[0]["c"] == 0) and np.all(run.layers[0]["h"] == 0)
    np.testing.assert_allclose(run.y, model.head.bias.item(), atol=1e-7)


def test_no_input_and_no_memory_make_the_forecast_a_constant():
    model = _model(layers=2)
    x = _x(count=2)
    assert not torch.allclose(x[0], x[1])
    clamps = [Clamp(0, "f", "all", 0.0), Clamp(0, "i", "all", 0.0)]
    run = run_clamped(model, x, clamps, keep=True)
    assert np.all(run.layers[0]["c"] == 0)
    assert run.y[0] == run.y[1]  # layer 1 sees zeros whatever the window
    assert run_clamped(model, x).y[0] != run_clamped(model, x).y[1]


def test_forget_open_and_input_shut_freeze_the_cell_from_step_t():
    model, x, t = _model(), _x(), 4
    clamps = [Clamp(0, "f", "all", 1.0, from_step=t), Clamp(0, "i", "all", 0.0, from_step=t)]
    c = run_clamped(model, x, clamps, keep=True).layers[0]["c"]
    free = run_clamped(model, x, keep=True).layers[0]["c"]
    np.testing.assert_array_equal(c[:, :t], free[:, :t])
    for s in range(t, x.shape[1]):
        np.testing.assert_array_equal(c[:, s], c[:, t - 1])


def test_zeroing_one_read_out_unit_at_the_last_step_removes_its_term():
    model, x, unit = _model(layers=2), _x(), 3
    before = run_clamped(model, x, keep=True)
    after = run_clamped(model, x, [Clamp(1, "h", [unit], 0.0, from_step=x.shape[1] - 1)])
    term = model.head.weight[0, unit].item() * before.layers[1]["h"][:, -1, unit]
    np.testing.assert_allclose(before.y - after.y, term, atol=1e-6)
    assert np.abs(term).min() > 1e-3  # the check is not vacuous


@pytest.mark.parametrize(("cell", "name"), [("lstm", "o"), ("gru", "z"), ("rnn", "h")])
def test_steps_before_from_step_are_untouched(cell, name):
    model, x, t = _model(cell, 2), _x(), 6
    free = run_clamped(model, x, keep=True)
    held = run_clamped(model, x, [Clamp(0, name, [0, 2], 0.5, from_step=t)], keep=True)
    for k in range(2):
        for n in free.layers[k]:
            np.testing.assert_array_equal(held.layers[k][n][:, :t], free.layers[k][n][:, :t])
    assert np.all(held.layers[0][name][:, t:, [0, 2]] == 0.5)
    assert not np.allclose(held.layers[1]["h"][:, t], free.layers[1]["h"][:, t])


def test_until_step_holds_a_pulse_only():
    model, x = _model(), _x()
    run = run_clamped(model, x, [Clamp(0, "c", [1], 2.5, from_step=2, until_step=4)], keep=True)
    c = run.layers[0]["c"][:, :, 1]
    assert np.all(c[:, 2:4] == 2.5) and not np.any(c[:, 4:] == 2.5)


@pytest.mark.parametrize(
    ("cell", "clamp", "message"),
    [
        ("lstm", Clamp(0, "f", "all", 1.5), "The forget gate f takes values from 0 to 1 (it is "
         "a sigmoid), got 1.5: choose a value in that range."),
        ("lstm", Clamp(0, "g", [0], -2), "The candidate C̃ (g) takes values from -1 to 1 (it is a "
         "tanh), got -2: choose a value in that range."),
        ("lstm", Clamp(0, "h", [0], 1.01), "The hidden state h takes values from -1 to 1 (it is "
         "o·tanh(c)), got 1.01: choose a value in that range."),
        ("gru", Clamp(0, "z", [0], -0.1), "The update gate z takes values from 0 to 1 (it is a "
         "sigmoid), got -0.1: choose a value in that range."),
        ("lstm", Clamp(0, "c", [0], math.nan), "The cell state c needs a finite number, got nan."),
        ("lstm", Clamp(0, "x", "all", 0), "An LSTM layer can clamp i, f, g, o, c or h, got 'x': "
         "choose one of those."),
        ("gru", Clamp(0, "f", "all", 0), "A GRU layer can clamp r, z, n or h, got 'f': choose "
         "one of those."),
        ("rnn", Clamp(0, "f", "all", 0), "A plain RNN layer can clamp only h, got 'f': choose h."),
        ("lstm", Clamp(0, "f", [2, 6, -1], 0), "Layer 0 has units 0 to 5, got 6, -1: choose "
         "units in that range."),
        ("lstm", Clamp(0, "f", [], 0), "Choose at least one unit to clamp, or 'all'."),
        ("lstm", Clamp(0, "f", "some", 0), "Units must be 'all' or a list of unit numbers, got "
         "'some'."),
        ("lstm", Clamp(1, "f", "all", 0), "The model has one layer, layer 0, got 1: choose 0."),
        ("lstm", Clamp(0, "f", "all", 0, from_step=10), "A clamp starts at a step from 0 to 9 "
         "(the window has 10 steps), got 10: choose one of those."),
        ("lstm", Clamp(0, "f", "all", 0, 3, 3), "A clamp from step 3 must end after it and at "
         "step 10 at the latest (the window's length), got until_step 3."),
    ],
)  # fmt: skip
def test_bad_clamps_say_what_is_allowed(cell, clamp, message):
    with pytest.raises(InterventionError) as e:
        run_clamped(_model(cell), _x(), [clamp])
    assert str(e.value) == message


def test_a_deeper_model_names_its_layers():
    with pytest.raises(InterventionError, match=r"^The model has layers 0 to 1, got 2: choose"):
        run_clamped(_model(layers=2), _x(), [Clamp(2, "f", "all", 0)])


# --------------------------------------------------------------------------- on a dataset


def test_intervene_reports_the_test_part_in_original_units(data):
    model = _model()
    s = data.split.windows("test")
    none = intervene(model, data, [])
    np.testing.assert_allclose(none.before, predict(model, data)[s], rtol=1e-6)
    np.testing.assert_array_equal(none.after, none.before)
    np.testing.assert_array_equal(none.targets, data.values[data.target_index[s]])
    rmse = math.sqrt(np.mean((none.before - none.targets) ** 2))
    assert none.rmse_before == pytest.approx(rmse, rel=1e-12)
    shut = intervene(model, data, [Clamp(0, "i", "all", 0.0)])
    # the model sees Δ: a constant Δ forecast added to the last true level
    head = data.scaler.inverse(np.array([model.head.bias.item()]))[0]
    last = data.values[data.target_index[s] - 1]
    np.testing.assert_allclose(shut.after, last + head, rtol=1e-6)
    d = shut.to_dict()
    assert d["clamps"] == [{"layer": 0, "gate": "i", "units": "all", "value": 0.0,
                            "from_step": 0, "until_step": None}]  # fmt: skip
    assert d["rmse_after"] == shut.rmse_after
    assert len(d["predictions_after"]) == len(d["targets"]) == data.split.n_test
    assert shut.summary().startswith(
        "With the input gate i of every unit in layer 0 held at 0 from step 0 on, the RMSE "
        f"over {data.split.n_test} test windows goes from "
    )


# --------------------------------------------------------------------------- ablation


@pytest.mark.parametrize(("cell", "state", "layers"), [("lstm", "h", 2), ("lstm", "c", 1),
                                                        ("gru", "h", 1)])  # fmt: skip
def test_ablation_ranks_units_by_error_growth_and_matches_one_clamp_each(
    data, cell, state, layers, monkeypatch
):
    model = _model(cell, layers)
    table = ablation(model, data, state=state)
    assert table.layer == layers - 1 and table.part == "test"
    assert sorted(table.ranking()) == list(range(6))
    inc = [r.increase for r in table.rows]
    assert inc == sorted(inc, reverse=True)
    for r in table.rows:  # each unit's row, recomputed by a clamp of that unit alone
        one = intervene(model, data, [Clamp(layers - 1, state, [r.unit], 0.0)])
        assert r.rmse == pytest.approx(one.rmse_after, rel=1e-6)
        assert r.increase == pytest.approx(one.rmse_after - one.rmse_before, abs=1e-6)
    monkeypatch.setattr(ablation_mod, "ABLATION_ELEMENTS", 1)  # one unit per pass
    again = ablation(model, data, state=state)
    np.testing.assert_allclose([r.rmse for r in again.rows], [r.rmse for r in table.rows],
                               rtol=1e-6)  # fmt: skip
    rows = table.to_dicts()
    assert [r["rank"] for r in rows] == list(range(1, 7))
    # the percentage, from a separate clamp of the top unit rather than the table's own numbers
    top = intervene(model, data, [Clamp(layers - 1, state, [rows[0]["unit"]], 0.0)])
    want = 100 * (top.rmse_after / top.rmse_before - 1)
    assert rows[0]["increase_pct"] == pytest.approx(want, abs=1e-3)


def test_a_unit_nothing_reads_changes_nothing(data):
    model, unit = _model(layers=2), 4
    with torch.no_grad():
        model.head.weight[0, unit] = 0.0
        model.rnn.weight_hh_l1[:, unit] = 0.0  # its own layer does not read it either
    table = ablation(model, data, layer=1)
    row = next(r for r in table.rows if r.unit == unit)
    assert abs(row.increase) < 1e-6 * table.rmse_before  # float32 rounding only
    assert abs(table.rows[0].increase) > 1e-3 * table.rmse_before  # others do matter


def test_ablation_refuses_what_the_model_lacks(data):
    with pytest.raises(InterventionError) as e:
        ablation(_model("gru"), data, state="c")
    assert str(e.value) == "Only an LSTM has a cell state c; this model is a GRU: ablate h instead."
    with pytest.raises(InterventionError) as e:
        ablation(_model(), data, state="f")
    assert str(e.value) == "Ablation zeroes the hidden state h or the cell state c, got 'f': " \
        "choose h or c."  # fmt: skip


# --------------------------------------------------------------------------- memory horizon


def _constant_gate_model(cell: str, keep: np.ndarray) -> nn.Module:
    """A one-layer model whose forget gate (GRU: update gate) is keep[u] in unit u at every
    step of every window: the gate's weights are zero and its bias is logit(keep)."""
    model = _model(cell, hidden=len(keep))
    block = {"lstm": 1, "gru": 1}[cell]  # f in i|f|g|o, z in r|z|n
    rows = slice(block * len(keep), (block + 1) * len(keep))
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0"):
            getattr(model.rnn, name)[rows] = 0.0
        model.rnn.bias_ih_l0[rows] = torch.from_numpy(np.log(keep / (1 - keep))).float()
        model.rnn.bias_hh_l0[rows] = 0.0
    return model


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_tau_is_the_formula_on_a_constant_gate(cell):
    keep = np.array([0.5, 0.9, 0.99, 0.2])
    tau = forget_time_constants(_constant_gate_model(cell, keep), _x(count=3, steps=7))
    np.testing.assert_allclose(tau, -1 / np.log(keep), rtol=1e-5)


def test_tau_is_where_a_shut_cell_has_shrunk_to_one_over_e():
    keep = np.array([0.6, 0.8, 0.95])
    model = _constant_gate_model("lstm", keep)
    x = _x(count=2, steps=40)
    # a pulse: c = 1 at step 0, then the input gate shut: c_t = f^t
    clamps = [Clamp(0, "c", "all", 1.0, until_step=1), Clamp(0, "i", "all", 0.0, from_step=1)]
    c = run_clamped(model, x, clamps, keep=True).layers[0]["c"][0]  # [T, H]
    steps = np.arange(40)[:, None]
    np.testing.assert_allclose(c, keep[None, :] ** steps, rtol=1e-5)
    below = (c < math.exp(-1)).argmax(0)  # first step under 1/e
    tau = forget_time_constants(model, x)
    assert np.all((below - 1 <= tau) & (tau < below))


def test_time_constant_guards_the_ends():
    np.testing.assert_array_equal(time_constant(np.array([1.0, 0.0])), [math.inf, 0.0])
    assert time_constant(np.array([math.exp(-0.5)]))[0] == pytest.approx(2.0)


def test_tau_takes_a_dataset_part_and_refuses_a_plain_rnn(data):
    model = _model()
    tau = forget_time_constants(model, data, part="val")
    np.testing.assert_allclose(tau, forget_time_constants(model, data.part("val")[0]))
    with pytest.raises(InterventionError) as e:
        forget_time_constants(_model("rnn"), data)
    assert str(e.value) == "A plain RNN has no forget gate, so its units have no time " \
        "constant: train an LSTM or a GRU to see one."  # fmt: skip


# --------------------------------------------------------------------------- look-back advice


def test_a_short_memory_suggests_a_shorter_window():
    advice = lookback_advice(np.array([1.0, 2.0, 1.5]), look_back=24)
    assert advice.look_back == 6 and advice.memory == 6
    assert advice.reason == (
        "90% of the units have a memory time constant τ of at most 2 steps: after 6 steps "
        "(3τ) they keep under 5% of what their cell held. Suggested look-back: 6 (now 24): "
        "the units use half the window or less, and a shorter one trains faster."
    )


def test_a_season_longer_than_the_window_wins():
    advice = lookback_advice(np.array([1.0, 2.0]), look_back=8, season=12)
    assert advice.look_back == 12
    assert advice.reason == (
        "90% of the units have a memory time constant τ of at most 2 steps: after 6 steps "
        "(3τ) they keep under 5% of what their cell held. The look-back (8) is shorter than "
        "the season (12): no window sees the value one season earlier. Suggested look-back: "
        "12 (now 8)."
    )


def test_a_long_memory_and_a_live_oldest_gradient_ask_for_more_capped_by_the_series():
    advice = lookback_advice(np.array([10.0, 3.0]), look_back=12,
                             grad_by_lag=np.array([1.0, 0.5, 0.2]), n_points=100)  # fmt: skip
    assert advice.look_back == 25 and advice.memory == 30
    assert advice.reason == (
        "90% of the units have a memory time constant τ of at most 10 steps: after 30 steps "
        "(3τ) they keep under 5% of what their cell held. The look-back (12) is shorter than "
        "that memory (30 steps): the units could use a longer window. The forecast still "
        "leans on the oldest input of the window (its gradient is 20% of the largest): the "
        "window may cut off history the model uses. The suggestion is capped at 25, a "
        "quarter of the series, so that enough windows remain to train on. Suggested "
        "look-back: 25 (now 12)."
    )


def test_units_that_never_forget_keep_the_window():
    advice = lookback_advice(np.array([math.inf, 2.0]), look_back=12)
    assert advice.look_back == 12 and advice.memory == math.inf
    assert advice.reason == (
        "1 of 2 units never forget (their mean forget gate is 1), so memory sets no limit on "
        "the look-back. Keep the look-back at 12."
    )


# --------------------------------------------------------------------------- naive echo


def test_an_echoing_model_is_flagged_and_the_share_is_evaluates(sine):
    data = make_dataset(100 + 10 * sine, DataConfig(look_back=8, transform="none"))
    echo = _model("rnn", hidden=1)  # ŷ = 100·tanh(0.01·x_last) ≈ x_last
    with torch.no_grad():
        for p in echo.parameters():
            p.zero_()
        echo.rnn.weight_ih_l0.fill_(0.01)
        echo.head.weight.fill_(100.0)
    check = echo_check(echo, data)
    assert check.share > 0.99 and check.share == pytest.approx(evaluate(echo, data).echo)
    assert check.warning == echo_warning(check.share)
    assert check.warning == (
        "The model's predictions follow the last input almost one to one (they sit 100% of "
        "the way onto the naive forecast): it behaves like the naive forecast, so its gates "
        "tell little about the series."
    )
    other = _model()
    assert echo_check(other, data).share == pytest.approx(evaluate(other, data).echo)
    assert echo_warning(0.5) is None and echo_warning(math.nan) is None
