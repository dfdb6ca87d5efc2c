"""One step of a cell written out: the lecture's equations with the real numbers.

`explain_step(model, trace, layer, t, unit, b)` takes a trained model and a `GateTrace` of it
(lstm_core.inside.gates.trace_gates) and recomputes, for one (layer, timestep, unit, window),
each gate's pre-activation term by term (W_x·x_t, W_h·h_{t-1}, the biases), its activation
and the new state, in float64 from the weights. It returns a dict of Python floats (keys in
its docstring), with the recomputed state checked against the traced one: "ok" is True when
they agree to STEP_RTOL of the state's size. A trace not made by this model is a ValueError.

The Gates and Learn pages write this dict as equations (explorer/equations.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from lstm_core.inside.cells import cell_name, layer_params, recurrent
from lstm_core.inside.gates import GateTrace

__all__ = ["STEP_RTOL", "explain_step"]


def _index(value: int, size: int, what: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, got {value!r}.")
    v = int(value)
    if not -size <= v < size:
        raise ValueError(f"{what} must be in 0..{size - 1}, got {v}.")
    return v % size


STEP_RTOL = 1e-4  # explain_step: recomputed vs traced state, relative to the state's size


def _agrees(check: float, traced: float) -> bool:
    """The recomputed value equals the traced one to STEP_RTOL of their size (at least 1)."""
    return abs(check - traced) <= STEP_RTOL * max(1.0, abs(check), abs(traced))


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def explain_step(
    model: nn.Module, trace: GateTrace, layer: int, t: int, unit: int, b: int = 0
) -> dict[str, Any]:
    """The cell's equations for one (layer, timestep t, unit, window b) with the real numbers.

    Inputs come from the trace: layer 0 reads x[b, t] (with inputs beside the series, the
    vector trace.inputs[b, t]: x[b, t], then the F inputs); layer l > 0 reads the vector
    trace.layers[l-1]["h"][b, t]. h_{t-1} and c_{t-1} are the trace's values at t - 1 (at
    t = 0: the trace's `initial` state, or zeros). Negative indices count from the end.
    Arithmetic is in float64; every value is a Python float.

    Common keys: "cell", "layer", "t", "unit", "b" (the indices, ints) and
    "x_t" (the scalar input for layer 0, the target channel when there are inputs beside
    it; None for deeper layers),
    "u_t" (layer 0 with inputs beside the series: the F inputs at this step, a list of
    floats; None otherwise),
    "h_prev_unit" (h_{t-1}[unit]), "h" (the trace's h_t[unit]).

    A gate entry is a dict {"w_x": W_x·x_t (input term; a dot product with the lower layer's
    h_t for layer > 0), "w_h": W_h·h_{t-1}, "b": b_ih + b_hh, "pre": w_x + w_h + b,
    "value": activation(pre)}; at layer 0 with inputs beside the series it also has
    "w_series" (the series' own share, W_x[:, 0]·x_t) and "w_inputs" (the inputs' share,
    W_x[:, 1:]·u_t), whose sum is w_x. The GRU's "n" gains the same two keys.

    LSTM: gates "i", "f", "o" (σ) and "g" (tanh, the candidate C̃);
          "c_prev" (c_{t-1}[unit]), "c" (trace's c_t[unit]),
          "c_check" = f·c_prev + i·g, "h_check" = o·tanh(c_check),
          "c_error" = |c_check - c|, "h_error" = |h_check - h|.
    GRU:  gates "r", "z" (σ) and "n" = {"w_x", "b_x" (b_in), "w_h", "b_h" (b_hn), "r",
          "pre" = w_x + b_x + r·(w_h + b_h), "value" = tanh(pre)};
          "h_check" = (1 - z)·n + z·h_prev_unit, "h_error" = |h_check - h|.
    RNN:  gate "a" (the pre-activation of h; its "value" is tanh(pre), or relu for a ReLU
          RNN); "h_check" = a["value"], "h_error" = |h_check - h|.
    All cells: "ok" is True when every error is within STEP_RTOL of the state's size (at
    least 1): the trace is stored in float32, which rounds a state near 10³ by ~10⁻⁴.
    """
    rnn = recurrent(model)
    cell = cell_name(rnn)
    if cell != trace.cell or rnn.num_layers != trace.num_layers:
        raise ValueError(
            f"the trace ({trace.cell}, {trace.num_layers} layers) was not made by this model "
            f"({cell}, {rnn.num_layers} layers)."
        )
    if rnn.hidden_size != trace.hidden_size:
        raise ValueError(
            f"the trace has hidden size {trace.hidden_size}, the model {rnn.hidden_size}."
        )
    if rnn.input_size != trace.channels:
        raise ValueError(
            f"the trace has {trace.channels} input value(s) per step, the model reads "
            f"input_size={rnn.input_size}."
        )
    layer = _index(layer, trace.num_layers, "layer")
    t = _index(t, trace.steps, "t")
    unit = _index(unit, trace.hidden_size, "unit")
    b = _index(b, trace.batch_size, "b")
    hid = rnn.hidden_size

    states = trace.layers[layer]
    if layer == 0:
        x_vec = trace.step_input(t, b).astype(np.float64)  # [C]
    else:
        x_vec = trace.layers[layer - 1]["h"][b, t].astype(np.float64)
    before = trace.state_before(layer, t, b)  # zeros at t = 0 unless traced from `initial`
    h_prev = before["h"].astype(np.float64)

    w_ih, w_hh, b_ih, b_hh = (
        None if p is None else p.detach().to("cpu", torch.float64).numpy()
        for p in layer_params(rnn, layer)
    )
    if b_ih is None:
        b_ih = np.zeros(w_ih.shape[0])
        b_hh = np.zeros(w_hh.shape[0])

    def terms(k: int) -> tuple[float, float, float, float]:
        row = k * hid + unit
        return (
            float(w_ih[row] @ x_vec),
            float(w_hh[row] @ h_prev),
            float(b_ih[row]),
            float(b_hh[row]),
        )

    split = layer == 0 and x_vec.shape[0] > 1  # inputs beside the series: split w_x

    def parts(k: int) -> dict[str, float]:
        """The series' own share of W_x·x_t and the F inputs' share (empty without inputs)."""
        if not split:
            return {}
        row = k * hid + unit
        return {
            "w_series": float(w_ih[row, 0] * x_vec[0]),
            "w_inputs": float(w_ih[row, 1:] @ x_vec[1:]),
        }

    def gate(k: int, act) -> dict[str, float]:
        wx, wh, bi, bh = terms(k)
        pre = wx + wh + bi + bh
        return {"w_x": wx, "w_h": wh, "b": bi + bh, "pre": pre, "value": act(pre), **parts(k)}

    out: dict[str, Any] = {
        "cell": cell,
        "layer": layer,
        "t": t,
        "unit": unit,
        "b": b,
        "x_t": float(x_vec[0]) if layer == 0 else None,
        "u_t": [float(v) for v in x_vec[1:]] if split else None,
        "h_prev_unit": float(h_prev[unit]),
        "h": float(states["h"][b, t, unit]),
    }
    if cell == "lstm":
        for k, name in enumerate("ifgo"):
            out[name] = gate(k, math.tanh if name == "g" else _sigmoid)
        c_prev = float(before["c"][unit])
        c_check = out["f"]["value"] * c_prev + out["i"]["value"] * out["g"]["value"]
        h_check = out["o"]["value"] * math.tanh(c_check)
        out.update(
            c_prev=c_prev,
            c=float(states["c"][b, t, unit]),
            c_check=c_check,
            h_check=h_check,
        )
        out["c_error"] = abs(c_check - out["c"])
        out["h_error"] = abs(h_check - out["h"])
        out["ok"] = _agrees(c_check, out["c"]) and _agrees(h_check, out["h"])
    elif cell == "gru":
        out["r"] = gate(0, _sigmoid)
        out["z"] = gate(1, _sigmoid)
        wx, wh, bi, bh = terms(2)
        r = out["r"]["value"]
        pre = wx + bi + r * (wh + bh)
        out["n"] = {
            "w_x": wx,
            "b_x": bi,
            "w_h": wh,
            "b_h": bh,
            "r": r,
            "pre": pre,
            "value": math.tanh(pre),
            **parts(2),
        }
        z = out["z"]["value"]
        out["h_check"] = (1.0 - z) * out["n"]["value"] + z * out["h_prev_unit"]
        out["h_error"] = abs(out["h_check"] - out["h"])
        out["ok"] = _agrees(out["h_check"], out["h"])
    else:
        act = math.tanh if rnn.nonlinearity == "tanh" else (lambda v: max(v, 0.0))
        out["a"] = gate(0, act)
        out["h_check"] = out["a"]["value"]
        out["h_error"] = abs(out["h_check"] - out["h"])
        out["ok"] = _agrees(out["h_check"], out["h"])
    return out
