"""Gates, clamps, ablation, memory and gradients of a model with inputs beside the series:
input_size = 1 + F and windows [B, T, 1 + F] (channel 0 the target), against PyTorch's own
modules and a per-step recompute from the weights."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core.config import DataConfig, ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside.ablation import ablation
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestep import explain_step
from lstm_core.inside.gatesummary import summarise_run
from lstm_core.inside.gradflow import hidden_gradient_norms, input_gradient_by_lag
from lstm_core.inside.intervene import Clamp, intervene, run_clamped
from lstm_core.inside.memory import forget_time_constants, mean_gate
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import make_dataset

ATOL = 1e-5
F = 3  # inputs beside the target
C = 1 + F  # values per step
HIDDEN = 5


def _model(cell: str = "lstm", layers: int = 1, seed: int = 0) -> nn.Module:
    cfg = ModelConfig(cell=cell, hidden_size=HIDDEN, num_layers=layers, n_inputs=F)
    return build_model(cfg, seed=seed).eval()


def _x(count: int = 2, steps: int = 7, seed: int = 1) -> torch.Tensor:
    """[B, T, C] float32 windows, each channel on its own scale so a mixed-up channel shows."""
    rng = np.random.default_rng(seed)
    scale = np.array([1.0, 0.5, 2.0, -1.5], np.float32)
    return torch.from_numpy(rng.standard_normal((count, steps, C)).astype(np.float32) * scale)


def _channel_error(got: int) -> str:
    word = "channel" if got == 1 else "channels"
    return f"x has {got} {word} per step but the model reads input_size={C}; pass [B, T, {C}]."


# --------------------------------------------------------------------------- tracing


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_traced_h_is_pytorchs_output(cell, layers):
    model, x = _model(cell, layers), _x()
    assert model.rnn.input_size == C
    trace = trace_gates(model, x)
    with torch.no_grad():
        out, _ = model.rnn(x)  # [B, T, H]
    assert trace.layers[-1]["h"].shape == (2, 7, HIDDEN)
    np.testing.assert_allclose(trace.layers[-1]["h"], out.numpy(), atol=ATOL)
    assert np.abs(out.numpy()).max() > 0.05  # the comparison above compares real numbers
    # x stays the target channel [B, T]; inputs holds the whole input [B, T, C]
    assert trace.x.shape == (2, 7) and (trace.batch_size, trace.steps) == (2, 7)
    np.testing.assert_array_equal(trace.x, x[..., 0].numpy())
    assert trace.inputs is not None and trace.inputs.dtype == np.float32
    np.testing.assert_array_equal(trace.inputs, x.numpy())
    assert trace.channels == C
    np.testing.assert_array_equal(trace.step_input(3, 1), x[1, 3].numpy())


def test_a_model_without_inputs_has_no_inputs_field():
    model = build_model(ModelConfig("lstm", HIDDEN, 1), seed=0)
    x = _x()[..., 0]  # [B, T]
    trace = trace_gates(model, x)
    assert trace.inputs is None and trace.channels == 1
    three = trace_gates(model, x.unsqueeze(-1))  # [B, T, 1] traces the same
    assert three.inputs is None
    for name in trace.names:
        np.testing.assert_array_equal(trace.layers[0][name], three.layers[0][name])


@pytest.mark.parametrize("layers", [1, 2])
def test_lstm_gates_by_hand_from_the_weights(layers):
    """i, f, g, o, c, h of every layer by a plain loop over t, PyTorch's gate order i|f|g|o:
    x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh."""
    model, x = _model("lstm", layers), _x()
    trace = trace_gates(model, x)
    rnn = model.rnn
    inp = x.double()  # [B, T, C]: layer 0 reads all four channels
    for k in range(layers):
        w_ih, w_hh, b_ih, b_hh = (
            getattr(rnn, f"{name}_l{k}").detach().double()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        assert w_ih.shape == (4 * HIDDEN, C if k == 0 else HIDDEN)
        h = torch.zeros(2, HIDDEN, dtype=torch.float64)
        c = torch.zeros(2, HIDDEN, dtype=torch.float64)
        want: dict[str, list[torch.Tensor]] = {n: [] for n in "ifgoch"}
        for t in range(x.shape[1]):
            a = inp[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # [B, 4H]
            a_i, a_f, a_g, a_o = a.chunk(4, 1)
            i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            for name, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
                want[name].append(v)
        for name in "ifgoch":
            ref = torch.stack(want[name], 1).numpy()  # [B, T, H]
            np.testing.assert_allclose(trace.layers[k][name], ref, atol=ATOL, err_msg=name)
        inp = torch.stack(want["h"], 1)  # the next layer's input
    # the extra channels matter: the same target with other inputs gives other gates
    other = x.clone()
    other[..., 1:] = 0.0
    assert np.abs(trace_gates(model, other).layers[0]["i"] - trace.layers[0]["i"]).max() > 1e-3


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_explain_step_reads_every_channel(cell):
    model, x = _model(cell, 2), _x()
    trace = trace_gates(model, x)
    out = explain_step(model, trace, layer=0, t=4, unit=2, b=1)
    assert out["ok"]
    assert out["x_t"] == pytest.approx(float(x[1, 4, 0]))  # the target channel
    w_ih = model.rnn.weight_ih_l0.detach().double().numpy()
    gate = out["i"] if cell == "lstm" else out["r"] if cell == "gru" else out["a"]
    want = float(w_ih[2] @ x[1, 4].double().numpy())  # row 2: first block, unit 2
    assert gate["w_x"] == pytest.approx(want, abs=1e-6)
    assert explain_step(model, trace, layer=1, t=4, unit=2, b=1)["ok"]


def test_explain_step_refuses_a_trace_of_another_input_size():
    plain = build_model(ModelConfig("lstm", HIDDEN, 1), seed=0)
    trace = trace_gates(plain, _x()[..., 0])
    with pytest.raises(ValueError, match=r"^the trace has 1 input value\(s\) per step, the "):
        explain_step(_model(), trace, layer=0, t=0, unit=0)


@pytest.mark.parametrize(
    ("x", "got"),
    [
        (torch.zeros(2, 7, 3), 3),
        (torch.zeros(2, 7, 5), 5),
        (torch.zeros(2, 7), 1),  # [B, T] reads as one channel
        (np.zeros(7), 1),  # [T] too
    ],
)
def test_a_wrong_channel_count_raises_one_clear_sentence(x, got):
    model = _model()
    msg = f"^{re.escape(_channel_error(got))}$"
    with pytest.raises(ValueError, match=msg):
        trace_gates(model, x)
    with pytest.raises(ValueError, match=msg):
        run_clamped(model, x)
    with pytest.raises(ValueError, match=msg):
        mean_gate(model, x, 0, "f")


def test_the_exact_message():
    with pytest.raises(ValueError) as e:
        trace_gates(_model(), torch.zeros(2, 7, 2))
    assert str(e.value) == (
        "x has 2 channels per step but the model reads input_size=4; pass [B, T, 4]."
    )


# --------------------------------------------------------------------------- clamps


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_no_clamp_is_pytorch_and_the_trace(cell, layers):
    model, x = _model(cell, layers), _x(count=3)
    run = run_clamped(model, x, keep=True)
    with torch.no_grad():
        out, _ = model.rnn(x)
        y = model(x)
    np.testing.assert_allclose(run.y, y.numpy(), atol=ATOL)
    np.testing.assert_allclose(run.layers[-1]["h"], out.numpy(), atol=ATOL)
    ref = trace_gates(model, x)
    for k in range(layers):
        for name in ref.names:
            np.testing.assert_allclose(run.layers[k][name], ref.layers[k][name], atol=ATOL)
    np.testing.assert_array_equal(run.x, x[..., 0].numpy())
    np.testing.assert_array_equal(run.inputs, x.numpy())
    kept = run.trace()
    assert kept.channels == C and explain_step(model, kept, 0, 3, 1, 2)["ok"]


def test_input_gate_shut_keeps_the_cell_empty_whatever_the_inputs():
    model, x = _model(), _x(count=4)
    run = run_clamped(model, x, [Clamp(0, "i", "all", 0.0)], keep=True)
    assert np.all(run.layers[0]["c"] == 0) and np.all(run.layers[0]["h"] == 0)
    np.testing.assert_allclose(run.y, model.head.bias.item(), atol=1e-7)
    # the gates that still read the inputs are untouched by the clamp
    free = run_clamped(model, x, keep=True)
    np.testing.assert_array_equal(run.layers[0]["i"], 0.0)
    np.testing.assert_allclose(run.layers[0]["f"][:, 0], free.layers[0]["f"][:, 0], atol=0)


def test_a_clamp_from_step_t_leaves_earlier_steps_alone():
    model, x, t = _model("gru", 2), _x(count=3), 3
    clamped = run_clamped(model, x, [Clamp(1, "z", [0, 4], 1.0, from_step=t)], keep=True)
    free = run_clamped(model, x, keep=True)
    for name in ("r", "z", "n", "h"):
        np.testing.assert_array_equal(clamped.layers[1][name][:, :t], free.layers[1][name][:, :t])
    # z = 1 keeps h: units 0 and 4 hold their step t-1 value from then on
    h = clamped.layers[1]["h"]
    np.testing.assert_allclose(
        h[:, t:, [0, 4]], np.repeat(h[:, t - 1 : t, [0, 4]], 4, 1), atol=1e-7
    )


@pytest.fixture
def data(sine):
    """The conftest sine as windows of 8 steps with three made-up inputs beside it."""
    base = make_dataset(100 + 10 * sine, DataConfig(look_back=8, transform="diff"),
                        transform=Transform("diff"))  # fmt: skip
    rng = np.random.default_rng(3)
    extra = torch.from_numpy(rng.standard_normal((*base.X.shape, F)).astype(np.float32))
    return dataclasses.replace(base, X=torch.cat([base.X[..., None], extra], -1))  # [W, L, C]


def test_intervene_on_windows_with_inputs(data):
    model = _model()
    x, _ = data.part("test")
    assert x.dim() == 3 and x.shape[-1] == C
    none = intervene(model, data, [])
    with torch.no_grad():
        want = data.to_levels(model(x).numpy(), data.target_index[data.split.windows("test")])
    np.testing.assert_allclose(none.before, want, rtol=1e-6)
    np.testing.assert_array_equal(none.after, none.before)
    shut = intervene(model, data, [Clamp(0, "i", "all", 0.0)])
    s = data.split.windows("test")
    head = data.scaler.inverse(np.array([model.head.bias.item()]))[0]
    np.testing.assert_allclose(shut.after, data.values[data.target_index[s] - 1] + head, rtol=1e-6)
    assert shut.rmse_after != shut.rmse_before


@pytest.mark.parametrize(("cell", "state", "layers"), [("lstm", "c", 1), ("gru", "h", 2)])
def test_ablation_on_windows_with_inputs_matches_one_clamp_each(data, cell, state, layers):
    model = _model(cell, layers)
    table = ablation(model, data, state=state)
    assert sorted(table.ranking()) == list(range(HIDDEN))
    for r in table.rows:
        one = intervene(model, data, [Clamp(layers - 1, state, [r.unit], 0.0)])
        assert r.rmse == pytest.approx(one.rmse_after, rel=1e-6)
        assert table.rmse_before == pytest.approx(one.rmse_before, rel=1e-6)


# --------------------------------------------------------------------------- memory, runs


def test_time_constants_from_windows_with_inputs(data):
    model = _model("lstm", 2)
    x = data.part("val")[0]
    mean_f = trace_gates(model, x).layers[1]["f"].astype(np.float64).mean(axis=(0, 1))
    np.testing.assert_allclose(mean_gate(model, x, 1, "f"), mean_f, rtol=1e-6)
    tau = forget_time_constants(model, data, layer=1, part="val")
    np.testing.assert_allclose(tau, -1 / np.log(mean_f), rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_summarise_run_of_a_model_with_inputs_equals_one_trace(cell):
    model = _model(cell, 2)
    run = _x(count=1, steps=203)[0].numpy()  # [T, C]
    s = summarise_run(model, run, 20, chunk_values=25 * HIDDEN * 2 * 6)
    full = trace_gates(model, run[None])
    k = s.k
    for lay in range(2):
        h = full.layers[lay]["h"][0]  # [T, H]
        np.testing.assert_allclose(s.means[lay]["h"][0], h[:k].mean(0), atol=1e-5)
        np.testing.assert_allclose(s.means[lay]["h"][-1], h[(len(h) - 1) // k * k :].mean(0),
                                   atol=1e-5)  # fmt: skip
        target = run[:, 0]  # correlations are with the target channel
        want = [np.corrcoef(h[:-1, u], target[:-1])[0, 1] for u in range(HIDDEN)]
        np.testing.assert_allclose(s.corr_input[lay], want, atol=1e-5)
    with pytest.raises(ValueError, match=r"^x must have shape \[T, 4\]"):
        summarise_run(model, run[:, 0], 20)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_input_gradient_is_taken_on_the_target_channel(cell):
    model = _model(cell, 2)
    X = _x(count=4).double()
    got = input_gradient_by_lag(model, X.float())
    assert got.shape == (7,)
    model = model.double()
    eps, fd = 1e-6, np.zeros((4, 7))
    with torch.no_grad():
        for j in range(7):
            d = torch.zeros_like(X)
            d[:, j, 0] = eps  # the target only
            fd[:, j] = ((model(X + d) - model(X - d)) / (2 * eps)).numpy()
    np.testing.assert_allclose(got, np.abs(fd).mean(0)[::-1], rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_hidden_gradient_norms_read_every_channel(cell):
    model = _model(cell, 1).double()
    X, y = _x(count=3, steps=6).double(), torch.randn(3, dtype=torch.float64)
    norms = hidden_gradient_norms(model, X, y)
    assert norms.shape == (6,)
    with torch.no_grad():
        out, _ = model.rnn(X)
        err = model.head(out[:, -1]).squeeze(-1) - y
        g_last = (2 / 3) * err[:, None] * model.head.weight  # ∂loss/∂h_T by hand: [B, H]
    assert norms[-1] == pytest.approx(float(g_last.norm()), rel=1e-9)
