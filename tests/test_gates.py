"""trace_gates / explain_step against a per-step reference written from the equations,
and against PyTorch's own nn.LSTM / nn.GRU / nn.RNN outputs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside.gates import GATE_NAMES, GateTrace, _cell_states, trace_gates
from lstm_core.inside.gatestep import explain_step

ATOL = 1e-5
HIDDEN = 8
LONG_T = 3001  # LSTM scan: K = ceil(√3001) = 55 and 3001 = 54·55 + 31, so there is a tail
LONG_T_NO_SCAN = 1001  # GRU / RNN have no scan; PyTorch's CPU GRU kernel is slow
WINDOW_T = 50  # K = 8; 50 = 6·8 + 2


# --------------------------------------------------------------------------------------------
# Reference: a plain loop over t, straight from the equations, in float64 numpy


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def reference(rnn: nn.RNNBase, x: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Every gate and state of every layer; x [B, T]; each value [B, T, H] float64."""
    bsz, steps = x.shape
    hid = rnn.hidden_size
    inp = x[..., None].astype(np.float64)  # [B, T, in]
    out = []
    for k in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = (
            getattr(rnn, f"{name}_l{k}").detach().double().numpy()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        h = np.zeros((bsz, hid))
        c = np.zeros((bsz, hid))
        rec: dict[str, list[np.ndarray]] = {}
        for t in range(steps):
            gi = inp[:, t] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            if isinstance(rnn, nn.LSTM):
                a_i, a_f, a_g, a_o = np.split(gi + gh, 4, axis=-1)
                i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
                c = f * c + i * g
                h = o * np.tanh(c)
                step = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
            elif isinstance(rnn, nn.GRU):
                xr, xz, xn = np.split(gi, 3, axis=-1)
                hr, hz, hn = np.split(gh, 3, axis=-1)
                r = _sigmoid(xr + hr)
                z = _sigmoid(xz + hz)
                n = np.tanh(xn + r * hn)
                h = (1.0 - z) * n + z * h
                step = {"r": r, "z": z, "n": n, "h": h}
            else:
                h = np.tanh(gi + gh)
                step = {"h": h}
            for name, v in step.items():
                rec.setdefault(name, []).append(v)
        layer = {name: np.stack(v, axis=1) for name, v in rec.items()}
        out.append(layer)
        inp = layer["h"]
    return out


# --------------------------------------------------------------------------------------------
# Models and inputs


def _series(steps: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return (0.5 + 0.4 * np.sin(t / 9.0) + 0.1 * rng.standard_normal(steps)).astype(np.float32)


def _windows(steps: int = WINDOW_T, count: int = 40) -> np.ndarray:
    s = _series(steps + 7 * count, seed=1)
    return np.stack([s[7 * j : 7 * j + steps] for j in range(count)])


def _model(cell: str, layers: int, weights: str) -> nn.Module:
    model = build_model(ModelConfig(cell=cell, hidden_size=HIDDEN, num_layers=layers), seed=3)
    if weights == "random":
        gen = torch.Generator().manual_seed(11)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.empty(p.shape).uniform_(-0.6, 0.6, generator=gen))
    else:  # a few Adam steps on random data: weights no longer at their init
        gen = torch.Generator().manual_seed(12)
        x = torch.rand(64, 20, generator=gen)
        y = torch.rand(64, generator=gen)
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(6):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    model.eval()
    return model


_CACHE: dict[tuple, nn.Module] = {}


def model_for(cell: str, layers: int, weights: str = "trained") -> nn.Module:
    key = (cell, layers, weights)
    if key not in _CACHE:
        _CACHE[key] = _model(cell, layers, weights)
    return _CACHE[key]


def _torch_run(rnn: nn.RNNBase, x: np.ndarray):
    with torch.no_grad():
        return rnn(torch.from_numpy(x).float().unsqueeze(-1))


# --------------------------------------------------------------------------------------------
# Exactness


@pytest.mark.parametrize("weights", ["random", "trained"])
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("run", ["long", "windows"])
def test_trace_matches_reference_and_pytorch(cell, layers, weights, run):
    model = model_for(cell, layers, weights)
    steps = LONG_T if cell == "lstm" else LONG_T_NO_SCAN
    x = _series(steps)[None] if run == "long" else _windows()
    trace = trace_gates(model, x if run == "windows" else x[0])

    assert trace.cell == cell
    assert trace.names == GATE_NAMES[cell]
    assert len(trace.layers) == layers
    np.testing.assert_array_equal(trace.x, x)
    ref = reference(model.rnn, x)
    for k in range(layers):
        assert tuple(trace.layers[k]) == trace.names
        for name in trace.names:
            got = trace.layers[k][name]
            assert got.dtype == np.float32
            assert got.shape == (x.shape[0], x.shape[1], HIDDEN)
            np.testing.assert_allclose(got, ref[k][name], rtol=0, atol=ATOL, err_msg=name)

    # The recomputed h of the last layer against PyTorch's own output; every layer's final
    # h (and c) against h_n (c_n).
    out, state = _torch_run(model.rnn, x)
    np.testing.assert_allclose(trace.layers[-1]["h"], out.numpy(), rtol=0, atol=ATOL)
    h_n, c_n = state if cell == "lstm" else (state, None)
    for k in range(layers):
        np.testing.assert_allclose(trace.layers[k]["h"][:, -1], h_n[k].numpy(), atol=ATOL)
        if c_n is not None:
            np.testing.assert_allclose(trace.layers[k]["c"][:, -1], c_n[k].numpy(), atol=ATOL)


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 9, 10, 16, 17, 50, 99, 100, 101])
def test_cell_states_matches_a_plain_loop(steps):
    gen = torch.Generator().manual_seed(steps)
    f = torch.rand(3, steps, 5, generator=gen)
    i = torch.rand(3, steps, 5, generator=gen)
    g = torch.rand(3, steps, 5, generator=gen) * 2 - 1
    c = torch.zeros(3, 5, dtype=torch.float64)
    want = []
    for t in range(steps):
        c = f[:, t].double() * c + (i[:, t] * g[:, t]).double()  # u rounded to float32
        want.append(c)
    o = torch.rand(3, steps, 5, generator=gen)
    c, h = _cell_states(f, i, g, o)
    assert c.dtype == h.dtype == torch.float32
    want = torch.stack(want, 1)
    np.testing.assert_allclose(c.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h.numpy(), (o * torch.tanh(want)).numpy(), rtol=1e-6, atol=1e-7)


def test_long_memory_cell_state_does_not_drift():
    # Forget gates pinned open (f == 1 in float32): c sums 20k inputs and grows to thousands.
    # The float64 scan keeps it within float32 rounding of the exact sum (PyTorch's own
    # float32 recurrence drifts by ~1e-6 of that scale, so c_n is checked at that scale).
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        lstm = nn.LSTM(1, 4, batch_first=True)
    with torch.no_grad():
        lstm.bias_ih_l0[4:8] = 30.0
    x = np.abs(_series(20_000))
    trace = trace_gates(lstm, x)
    i, f, g = (trace.layers[0][k].astype(np.float64) for k in "ifg")
    assert f.min() == 1.0
    exact = np.cumsum(i * g, axis=1)
    scale = np.abs(exact).max()
    assert scale > 1000
    np.testing.assert_allclose(trace.layers[0]["c"], exact, rtol=2e-7, atol=1e-6)
    out, (_, c_n) = _torch_run(lstm, x[None])
    np.testing.assert_allclose(trace.layers[0]["c"][:, -1], c_n[0].numpy(), atol=1e-5 * scale)
    np.testing.assert_allclose(trace.layers[0]["h"], out.numpy(), atol=ATOL)


def test_gates_lie_in_their_ranges():
    for cell in ("lstm", "gru", "rnn"):
        trace = trace_gates(model_for(cell, 3, "random"), _windows())
        for layer in trace.layers:
            for name in ("i", "f", "o", "r", "z"):
                if name in layer:
                    assert layer[name].min() >= 0.0 and layer[name].max() <= 1.0, name
            for name in ("g", "n", "h"):
                if name in layer:
                    assert layer[name].min() >= -1.0 and layer[name].max() <= 1.0, name
            for v in layer.values():
                assert np.isfinite(v).all()


def test_relu_rnn_and_bare_modules():
    rnn = nn.RNN(1, 5, num_layers=2, nonlinearity="relu", batch_first=False)
    x = _windows(steps=30, count=6)
    trace = trace_gates(rnn, x)  # x is read batch-first whatever the module says
    with torch.no_grad():
        out, _ = rnn(torch.from_numpy(x).float().T.unsqueeze(-1))  # [T, B, 1] for this module
    np.testing.assert_allclose(trace.layers[-1]["h"], out.transpose(0, 1).numpy(), atol=ATOL)
    assert trace.layers[0]["h"].min() >= 0.0


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_modules_without_bias(cls):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        rnn = cls(1, 6, num_layers=2, bias=False, batch_first=True)
    x = _windows(steps=40, count=5)
    trace = trace_gates(rnn, x)
    out, _ = _torch_run(rnn, x)
    np.testing.assert_allclose(trace.layers[-1]["h"], out.numpy(), atol=ATOL)
    e = explain_step(rnn, trace, 1, 7, 2, b=1)
    assert e["ok"] is True


def test_tracing_a_forecaster_or_its_rnn_is_the_same_and_changes_nothing():
    model = model_for("lstm", 3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.random.get_rng_state()
    a = trace_gates(model, _windows())
    b = trace_gates(model.rnn, _windows())
    for la, lb in zip(a.layers, b.layers, strict=True):
        for name in a.names:
            np.testing.assert_array_equal(la[name], lb[name])
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    assert torch.is_grad_enabled()
    assert torch.equal(torch.random.get_rng_state(), rng)  # tracing draws no random numbers


def test_float64_model_traces_to_float32():
    model = build_model(ModelConfig(cell="lstm", hidden_size=4, num_layers=2), seed=0).double()
    x = _windows(steps=20, count=3)
    trace = trace_gates(model, x)
    out, _ = model.rnn(torch.from_numpy(x).double().unsqueeze(-1))
    assert trace.layers[0]["c"].dtype == np.float32
    np.testing.assert_allclose(trace.layers[-1]["h"], out.detach().numpy(), atol=ATOL)


# --------------------------------------------------------------------------------------------
# Input shapes


def test_input_shapes():
    model = model_for("lstm", 1)
    w = _windows(steps=12, count=5)
    one = trace_gates(model, w[2])  # [T]: one run, B = 1
    assert one.x.shape == (1, 12)
    assert one.layers[0]["h"].shape == (1, 12, HIDDEN)
    two = trace_gates(model, w)  # [B, T]
    three = trace_gates(model, torch.from_numpy(w).unsqueeze(-1))  # [B, T, 1] tensor
    assert two.x.shape == (5, 12) and (two.batch_size, two.steps) == (5, 12)
    for name in two.names:
        np.testing.assert_array_equal(two.layers[0][name], three.layers[0][name])
        np.testing.assert_allclose(one.layers[0][name][0], two.layers[0][name][2], atol=1e-6)
    lists = trace_gates(model, w.astype(np.float64).tolist())
    np.testing.assert_allclose(lists.layers[0]["h"], two.layers[0]["h"], atol=1e-6)


@pytest.mark.parametrize(
    "bad",
    [
        np.float32(1.0),
        np.zeros((2, 3, 0)),
        np.zeros((1, 2, 3, 1)),
        np.zeros((0,)),
        np.zeros((2, 0)),
    ],
)
def test_bad_input_shape_raises_a_clear_error(bad):
    with pytest.raises(ValueError, match=r"x must (have shape|hold at least one timestep)"):
        trace_gates(model_for("lstm", 1), bad)


def test_more_channels_than_the_model_reads_raises_a_clear_error():
    msg = "x has 2 channels per step but the model reads input_size=1; pass [B, T, 1]."
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        trace_gates(model_for("lstm", 1), np.zeros((2, 3, 2)))


def test_unsupported_models_raise():
    with pytest.raises(ValueError, match="Forecaster"):
        trace_gates(nn.Linear(1, 1), np.zeros(5))
    with pytest.raises(ValueError, match="bidirectional"):
        trace_gates(nn.LSTM(1, 3, bidirectional=True), np.zeros(5))
    with pytest.raises(ValueError, match="input_size"):
        trace_gates(nn.GRU(2, 3), np.zeros(5))


# --------------------------------------------------------------------------------------------
# Starting from a given state


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_initial_state_matches_pytorch_and_continues_a_run(cell):
    model = model_for(cell, 2, "random")
    rnn = model.rnn
    x = _windows(steps=60, count=3)  # [3, 60]
    gen = torch.Generator().manual_seed(5)
    init = [
        {k: torch.empty(3, HIDDEN).uniform_(-0.8, 0.8, generator=gen).numpy() for k in keys}
        for keys in [("h", "c") if cell == "lstm" else ("h",)] * 2
    ]
    trace = trace_gates(model, x, initial=init)
    h0 = torch.from_numpy(np.stack([d["h"] for d in init]))  # [layers, B, H]
    state = (h0, torch.from_numpy(np.stack([d["c"] for d in init]))) if cell == "lstm" else h0
    with torch.no_grad():
        out, last = rnn(torch.from_numpy(x).unsqueeze(-1), state)
    np.testing.assert_allclose(trace.layers[-1]["h"], out.numpy(), atol=ATOL)
    final = trace.final_state()
    h_n = (last[0] if cell == "lstm" else last).numpy()
    for k in range(2):
        np.testing.assert_allclose(final[k]["h"], h_n[k], atol=ATOL)
        if cell == "lstm":
            np.testing.assert_allclose(final[k]["c"], last[1][k].numpy(), atol=ATOL)
    # A run cut in two, the second part started from the first's final state, is the run
    whole = trace_gates(model, x)
    first = trace_gates(model, x[:, :23])
    second = trace_gates(model, x[:, 23:], initial=first.final_state())
    for k in range(2):
        for name in whole.names:
            joined = np.concatenate([first.layers[k][name], second.layers[k][name]], axis=1)
            np.testing.assert_allclose(joined, whole.layers[k][name], atol=ATOL)
    # the equations at the first step of the continued trace start from that state, too
    for layer in range(2):
        step = explain_step(model, second, layer, 0, 3, b=1)
        assert step["ok"], step
        assert step["h_prev_unit"] == pytest.approx(float(first.layers[layer]["h"][1, -1, 3]))


def test_a_wrong_initial_state_raises_a_clear_error():
    model = model_for("lstm", 2)
    x = _windows(steps=10, count=2)
    ok = {"h": np.zeros((2, HIDDEN)), "c": np.zeros((2, HIDDEN))}
    with pytest.raises(ValueError, match=r"^initial must hold one dict with keys \('h', 'c'\) "):
        trace_gates(model, x, initial=[ok])  # one layer's state for two layers
    with pytest.raises(ValueError, match="initial must hold one dict"):
        trace_gates(model, x, initial=[ok, {"h": ok["h"]}])  # no c
    with pytest.raises(ValueError, match=rf"^each initial state must have shape \[2, {HIDDEN}\]"):
        trace_gates(model, x, initial=[ok, {"h": np.zeros((1, HIDDEN)), "c": ok["c"]}])


# --------------------------------------------------------------------------------------------
# explain_step


@pytest.mark.parametrize(
    ("layer", "t", "unit", "b"),
    [(0, 0, 0, 0), (0, 17, 3, 4), (2, 49, 7, 39), (1, 1, 5, 0), (-1, -1, -1, -1)],
)
def test_explain_step_lstm_reproduces_the_trace(layer, t, unit, b):
    model = model_for("lstm", 3)
    x = _windows()
    trace = trace_gates(model, x)
    e = explain_step(model, trace, layer=layer, t=t, unit=unit, b=b)
    lk, tk, uk, bk = layer % 3, t % WINDOW_T, unit % HIDDEN, b % x.shape[0]
    assert (e["cell"], e["layer"], e["t"], e["unit"], e["b"]) == ("lstm", lk, tk, uk, bk)
    states = trace.layers[lk]
    for name, act in (("i", _sigmoid), ("f", _sigmoid), ("g", np.tanh), ("o", _sigmoid)):
        gate = e[name]
        assert set(gate) == {"w_x", "w_h", "b", "pre", "value"}
        assert all(isinstance(v, float) for v in gate.values())
        assert gate["pre"] == pytest.approx(gate["w_x"] + gate["w_h"] + gate["b"], abs=1e-12)
        assert gate["value"] == pytest.approx(float(act(gate["pre"])), abs=1e-12)
        assert gate["value"] == pytest.approx(float(states[name][bk, tk, uk]), abs=ATOL)
    c_prev = float(states["c"][bk, tk - 1, uk]) if tk > 0 else 0.0
    h_prev = float(states["h"][bk, tk - 1, uk]) if tk > 0 else 0.0
    assert e["c_prev"] == c_prev and e["h_prev_unit"] == h_prev
    assert e["c"] == float(states["c"][bk, tk, uk])
    assert e["h"] == float(states["h"][bk, tk, uk])
    f, i, g, o = (e[k]["value"] for k in "figo")
    assert e["c_check"] == pytest.approx(f * c_prev + i * g, abs=1e-12)
    assert e["c"] == pytest.approx(f * c_prev + i * g, abs=ATOL)
    assert e["h"] == pytest.approx(o * math.tanh(e["c"]), abs=ATOL)
    assert e["c_error"] < ATOL and e["h_error"] < ATOL and e["ok"] is True
    if lk == 0:
        w = model.rnn.weight_ih_l0[uk, 0].item()  # input gate row of this unit
        assert e["x_t"] == float(x[bk, tk])
        assert e["i"]["w_x"] == pytest.approx(w * float(x[bk, tk]), abs=1e-7)
    else:
        assert e["x_t"] is None
    b_f = (
        getattr(model.rnn, f"bias_ih_l{lk}")[HIDDEN + uk]
        + getattr(model.rnn, f"bias_hh_l{lk}")[HIDDEN + uk]
    ).item()
    assert e["f"]["b"] == pytest.approx(b_f, abs=1e-7)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_explain_step_gru_and_rnn(cell):
    model = model_for(cell, 2)
    trace = trace_gates(model, _windows())
    for layer, t, unit in ((0, 0, 1), (1, 20, 6)):
        e = explain_step(model, trace, layer, t, unit, b=3)
        states = trace.layers[layer]
        if cell == "gru":
            for name in ("r", "z", "n"):
                assert e[name]["value"] == pytest.approx(float(states[name][3, t, unit]), abs=ATOL)
            n = e["n"]
            assert n["pre"] == pytest.approx(n["w_x"] + n["b_x"] + n["r"] * (n["w_h"] + n["b_h"]))
            z = e["z"]["value"]
            want = (1 - z) * n["value"] + z * e["h_prev_unit"]
            assert e["h_check"] == pytest.approx(want, abs=1e-12)
        else:
            assert e["a"]["value"] == pytest.approx(math.tanh(e["a"]["pre"]), abs=1e-12)
        assert e["h"] == pytest.approx(e["h_check"], abs=ATOL)
        assert e["ok"] is True


def test_explain_step_checks_its_arguments():
    model = model_for("lstm", 1)
    trace = trace_gates(model, _windows(steps=10, count=2))
    with pytest.raises(ValueError, match=r"t must be in 0\.\.9"):
        explain_step(model, trace, 0, 10, 0)
    with pytest.raises(ValueError, match="unit"):
        explain_step(model, trace, 0, 0, HIDDEN)
    with pytest.raises(ValueError, match="layer"):
        explain_step(model, trace, 1, 0, 0)
    with pytest.raises(ValueError, match="b must"):
        explain_step(model, trace, 0, 0, 0, b=2)
    with pytest.raises(ValueError, match="not made by this model"):
        explain_step(model_for("gru", 1), trace, 0, 0, 0)


def test_gate_trace_properties():
    trace = GateTrace(cell="gru", x=np.zeros((2, 3), np.float32), layers=[])
    assert trace.names == ("r", "z", "n", "h")
    assert (trace.batch_size, trace.steps, trace.num_layers, trace.hidden_size) == (2, 3, 0, 0)
