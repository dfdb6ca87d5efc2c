"""Every gate and state of a recurrent model, at every timestep, recomputed from its weights.

`trace_gates` runs each layer through PyTorch's own fused kernel to get that layer's hidden
sequence h (the input of the next layer), then recomputes everything else from the layer's
weights without a Python loop over time:

* each gate's pre-activation at every timestep in one matmul over all (b, t) rows:
  x_t W_ih^T + h_{t-1} W_hh^T + b, where h_{t-1} is h one step earlier (zero at t = 0);
* the LSTM cell state, a linear recurrence c_t = f_t c_{t-1} + i_t g_t, by a two-level
  chunked scan (about 3·√T vectorised steps instead of T) with float64 running states;
* h = o ⊙ tanh(c) (LSTM), h = (1 - z) ⊙ n + z ⊙ h_{t-1} (GRU), h = tanh(a) (RNN).

The h returned is this recomputed one; it matches PyTorch's output to about 1e-6.

`explain_step` (lstm_core.inside.gatestep) writes the lecture's equations out with the real
numbers for one (layer, timestep, unit) of a trace.

PyTorch packs gate weights along the first axis: LSTM [4H, in] as i | f | g | o,
GRU [3H, in] as r | z | n (lstm_core.inside.cells reads them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from lstm_core.inside.cells import as_batch, cell_name, layer_params, recurrent

__all__ = ["CELL_LABELS", "GATE_NAMES", "GateTrace", "trace_gates"]

#: Each cell's name as the pages and charts write it.
CELL_LABELS: dict[str, str] = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}

#: Gate and state names per cell, in display order (the keys of each `GateTrace.layers` dict).
GATE_NAMES: dict[str, tuple[str, ...]] = {
    "lstm": ("i", "f", "g", "o", "c", "h"),
    "gru": ("r", "z", "n", "h"),
    "rnn": ("h",),
}
#: The state each cell carries from one step to the next (`initial`, `final_state()`).
STATE_NAMES: dict[str, tuple[str, ...]] = {"lstm": ("h", "c"), "gru": ("h",), "rnn": ("h",)}


@dataclass
class GateTrace:
    """Gates and states of every layer at every timestep.

    cell:   "lstm", "gru" or "rnn".
    x:      [B, T] float32, the (scaled) target fed to the first layer (channel 0 of its
            input).
    layers: one dict per layer, each value a [B, T, H] float32 array on the CPU:
            LSTM "i", "f", "g" (candidate C̃), "o", "c", "h"; GRU "r", "z", "n", "h"; RNN "h".
    initial: the state before t = 0, per layer {"h": [B, H]} (LSTM also "c") as float32
            arrays; None: every sequence starts from a zero state.
    inputs: [B, T, C] float32, the first layer's whole input (C = its input_size = 1 + F:
            x, then the F inputs beside it) when C > 1; None when the model reads x alone.
    """

    cell: str
    x: np.ndarray  # [B, T]
    layers: list[dict[str, np.ndarray]] = field(default_factory=list)
    initial: list[dict[str, np.ndarray]] | None = None
    inputs: np.ndarray | None = None  # [B, T, C] with C > 1, or None

    def step_input(self, t: int, b: int = 0) -> np.ndarray:
        """The first layer's input at step t of window b: [C] float32 (C = 1: [x[b, t]])."""
        if self.inputs is None:
            return self.x[b, t : t + 1]
        return self.inputs[b, t]

    @property
    def channels(self) -> int:
        """C, the first layer's input values per step (1: the target alone)."""
        return 1 if self.inputs is None else int(self.inputs.shape[-1])

    def state_before(self, layer: int, t: int, b: int = 0) -> dict[str, np.ndarray]:
        """The state entering step t of window b in `layer`: {"h": [H]} (LSTM also "c")."""
        keys = STATE_NAMES[self.cell]
        if t > 0:
            return {k: self.layers[layer][k][b, t - 1] for k in keys}
        if self.initial is None:
            return {k: np.zeros(self.hidden_size, np.float32) for k in keys}
        return {k: self.initial[layer][k][b] for k in keys}

    def final_state(self) -> list[dict[str, np.ndarray]]:
        """Each layer's state after the last timestep: {"h": [B, H]} (LSTM also "c": [B, H]),
        the `initial` that makes `trace_gates` carry on where this trace stopped."""
        keys = STATE_NAMES[self.cell]
        return [{k: layer[k][:, -1].copy() for k in keys} for layer in self.layers]

    @property
    def names(self) -> tuple[str, ...]:
        """Gate/state names of this cell in display order."""
        return GATE_NAMES[self.cell]

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def batch_size(self) -> int:
        return int(self.x.shape[0])

    @property
    def steps(self) -> int:
        return int(self.x.shape[1])

    @property
    def hidden_size(self) -> int:
        return int(self.layers[0]["h"].shape[-1]) if self.layers else 0


# --------------------------------------------------------------------------------------------
# Helpers


def _single_layer(rnn: nn.RNNBase, k: int) -> nn.RNNBase:
    """A one-layer copy of layer k of `rnn` (same class, device and dtype), for PyTorch's kernel."""
    w_ih, w_hh, b_ih, b_hh = layer_params(rnn, k)
    kwargs: dict[str, Any] = {
        "input_size": w_ih.shape[1],
        "hidden_size": rnn.hidden_size,
        "num_layers": 1,
        "bias": rnn.bias,
        "batch_first": True,
        "device": w_ih.device,
        "dtype": w_ih.dtype,
    }
    if isinstance(rnn, nn.RNN):
        kwargs["nonlinearity"] = rnn.nonlinearity
    # Its throwaway random init draws from a forked RNG, so tracing does not change what
    # training draws next. (The meta device did the same, but its first use imports ~0.4 s
    # of torch's meta registrations: a CLI gate export paid that on every run.)
    with torch.random.fork_rng(devices=[]):
        layer = type(rnn)(**kwargs)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(w_ih)
        layer.weight_hh_l0.copy_(w_hh)
        if rnn.bias:
            layer.bias_ih_l0.copy_(b_ih)
            layer.bias_hh_l0.copy_(b_hh)
    layer.eval()
    return layer


class _Layer:
    """One layer's pre-activations at every step, from its input and PyTorch's h sequence.

    Rows r = (b, t) of A = [h_{t-1} | x_t | 1] ([B·T, H + in + 1], h_{-1} = h0 or 0) hold all a
    gate needs: its pre-activation W_hh h_{t-1} + W_ih x_t + b at every step is then one
    matmul, A @ [W_hh^T; W_ih^T; b].
    """

    def __init__(self, inp: torch.Tensor, h_seq: torch.Tensor, h0: torch.Tensor | None) -> None:
        self.bsz, self.steps, self.hid = h_seq.shape
        n_in = inp.shape[-1]
        a = torch.empty(
            self.bsz, self.steps, self.hid + n_in + 1, dtype=h_seq.dtype, device=h_seq.device
        )
        a[:, 0, : self.hid] = 0.0 if h0 is None else h0  # h_{-1}: [B, H]
        a[:, 1:, : self.hid] = h_seq[:, :-1]
        a[:, :, self.hid : self.hid + n_in] = inp
        a[:, :, -1] = 1.0
        self.a = a.view(self.bsz * self.steps, -1)

    def pre(
        self, w_ih: torch.Tensor | None, w_hh: torch.Tensor | None, b: torch.Tensor | None
    ) -> torch.Tensor:
        """W_ih x_t + W_hh h_{t-1} + b at every step ([B, T, H], contiguous); None: left out."""
        n_in = self.a.shape[1] - self.hid - 1
        ref = w_ih if w_ih is not None else w_hh
        w = ref.new_zeros(self.a.shape[1], self.hid)  # [H + in + 1, H]
        if w_hh is not None:
            w[: self.hid] = w_hh.T
        if w_ih is not None:
            w[self.hid : self.hid + n_in] = w_ih.T
        if b is not None:
            w[-1] = b
        return (self.a @ w).view(self.bsz, self.steps, self.hid)


def _blocks(w: torch.Tensor | None, n: int) -> list[torch.Tensor | None]:
    """PyTorch's stacked gate weights or biases [nH, ...] as n blocks [H, ...]."""
    return [None] * n if w is None else list(w.chunk(n, 0))


def _cell_states(
    f: torch.Tensor,
    i: torch.Tensor,
    g: torch.Tensor,
    o: torch.Tensor,
    dtype: torch.dtype = torch.float64,
    c0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t (c_{-1} = c0 [B, H], or 0) and h_t = o_t ⊙ tanh(c_t),
    along dim 1 of [B, T, H] tensors. Returns (c, h) in f's dtype.

    The linear recurrence is a two-level chunked scan whose running states are kept in
    `dtype` (float64: no error builds up over long runs). T is cut into n full chunks of
    K = ceil(√T) steps plus a tail of fewer than K steps. f and u = i ⊙ g (rounded as
    PyTorch's cell rounds it) are laid out position-major, [K, B, n, H], so that one
    in-chunk position of every chunk is a contiguous slice. Every loop runs over positions
    or chunks and is vectorised across the rest, about 2K + n + tail ≈ 3√T small steps:

    1. over the K positions: each chunk's end state from a zero start, and its product of f;
    2. over the n chunks: the true state entering each chunk (the carry);
    3. over the K positions again, from the carries: every state;
    4. the tail, step by step from the last chunk's end state.

    The two laid-out copies live in the memory that then receives c and h, so the scan
    allocates nothing big of its own (fresh memory costs page faults, which dominate here).
    """
    bsz, steps, hid = f.shape
    k = math.isqrt(steps - 1) + 1 if steps > 1 else 1  # ceil(sqrt(T)) <= T, so n >= 1
    n = steps // k
    nk = n * k
    c = torch.empty_like(f)
    h = torch.empty_like(f)

    def by_position(v: torch.Tensor) -> torch.Tensor:  # [B, T, H] -> [K, B, n, H] view
        return v[:, :nk].view(bsz, n, k, hid).permute(2, 0, 1, 3)

    def scratch(buf: torch.Tensor) -> torch.Tensor:  # the first nK steps of buf, as [K, B, n, H]
        return buf.view(-1)[: nk * bsz * hid].view(k, bsz, n, hid)

    fk = scratch(c)
    fk.copy_(by_position(f))
    uk = scratch(h)
    torch.mul(by_position(i), by_position(g), out=uk)

    # The loops below take small steps (one position or one chunk at a time). On the CPU they
    # run on numpy views of the same memory: no per-op dispatch cost, and never a parallel
    # region that could stall on a busy machine. Elsewhere they run on the tensors.
    if f.device.type == "cpu":
        np_dtype = np.float64 if dtype == torch.float64 else np.float32
        fs, us, f_all, c_all = fk.numpy(), uk.numpy(), f.numpy(), c.numpy()
        end = us[0].astype(np_dtype)
        prod = fs[0].astype(np_dtype)
        carry = np.zeros((n, bsz, hid), np_dtype)
        state = np.empty((bsz, n, hid), np_dtype)
        i_all, g_all = i.numpy(), g.numpy()
        if c0 is not None:
            carry[0] = c0.numpy()
    else:
        fs, us, f_all, c_all, i_all, g_all = fk, uk, f, c, i, g
        end = uk[0].to(dtype, copy=True)
        prod = fk[0].to(dtype, copy=True)
        carry = torch.zeros(n, bsz, hid, dtype=dtype, device=f.device)
        state = torch.empty(bsz, n, hid, dtype=dtype, device=f.device)
        if c0 is not None:
            carry[0] = c0

    # 1. each chunk's end state from a zero start, and its product of f: [B, n, H]
    for j in range(1, k):
        end *= fs[j]
        end += us[j]
        prod *= fs[j]

    # 2. the state entering each chunk: c0 (or zero) for the first, then carried across borders
    end_t, prod_t = end.swapaxes(0, 1), prod.swapaxes(0, 1)  # [n, B, H]
    for m in range(1, n):
        carry[m] = end_t[m - 1] + prod_t[m - 1] * carry[m - 1]

    # 3. every state, all chunks at once from their carries, written over u
    state[...] = carry.swapaxes(0, 1)  # [B, n, H]
    for j in range(k):
        state *= fs[j]
        state += us[j]
        us[j][...] = state
    c[:, :nk].view(bsz, n, k, hid).copy_(uk.permute(1, 2, 0, 3))  # fk is no longer needed

    # 4. the tail after the last full chunk
    last = state[:, -1]  # [B, H]: c at step nK - 1
    for t in range(nk, steps):
        last *= f_all[:, t]
        last += i_all[:, t] * g_all[:, t]
        c_all[:, t] = last

    torch.tanh(c, out=h)
    return c, h.mul_(o)


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).contiguous().numpy()


# --------------------------------------------------------------------------------------------
# Tracing


def _trace_lstm_layer(
    inp: torch.Tensor, h_seq: torch.Tensor, params: tuple, init: dict, scan_dtype: torch.dtype
) -> dict[str, torch.Tensor]:
    w_ih, w_hh, b_ih, b_hh = params
    lay = _Layer(inp, h_seq, init.get("h"))
    bias = None if b_ih is None else b_ih + b_hh
    # One [B, T, H] tensor per gate (several smaller buffers page in faster than one big one)
    i, f, g, o = (
        lay.pre(*wb)
        for wb in zip(_blocks(w_ih, 4), _blocks(w_hh, 4), _blocks(bias, 4), strict=True)
    )
    i.sigmoid_()
    f.sigmoid_()
    g.tanh_()
    o.sigmoid_()
    c, h = _cell_states(f, i, g, o, scan_dtype, init.get("c"))
    return {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}


def _trace_gru_layer(
    inp: torch.Tensor, h_seq: torch.Tensor, params: tuple, init: dict
) -> dict[str, torch.Tensor]:
    w_ih, w_hh, b_ih, b_hh = params
    h0 = init.get("h")
    lay = _Layer(inp, h_seq, h0)
    (wir, wiz, win), (whr, whz, whn) = _blocks(w_ih, 3), _blocks(w_hh, 3)
    (bir, biz, bin_), (bhr, bhz, bhn) = _blocks(b_ih, 3), _blocks(b_hh, 3)
    r = lay.pre(wir, whr, None if bir is None else bir + bhr).sigmoid_()
    z = lay.pre(wiz, whz, None if biz is None else biz + bhz).sigmoid_()
    # n = tanh(W_in x + b_in + r ⊙ (W_hn h_{t-1} + b_hn)): the hidden part stays apart
    hn = lay.pre(None, whn, bhn)
    n = lay.pre(win, None, bin_).addcmul_(r, hn).tanh_()
    del hn
    # h = (1 - z) ⊙ n + z ⊙ h_{t-1}, with h_{-1} = h0 or 0
    h = torch.empty_like(n)
    torch.lerp(n[:, 1:], h_seq[:, :-1], z[:, 1:], out=h[:, 1:])
    if h0 is None:
        torch.mul(n[:, 0], 1.0 - z[:, 0], out=h[:, 0])
    else:
        torch.lerp(n[:, 0], h0, z[:, 0], out=h[:, 0])
    return {"r": r, "z": z, "n": n, "h": h}


def _trace_rnn_layer(
    inp: torch.Tensor, h_seq: torch.Tensor, params: tuple, init: dict, nonlinearity: str
) -> dict[str, torch.Tensor]:
    w_ih, w_hh, b_ih, b_hh = params
    bias = None if b_ih is None else b_ih + b_hh
    a = _Layer(inp, h_seq, init.get("h")).pre(w_ih, w_hh, bias)
    return {"h": a.tanh_() if nonlinearity == "tanh" else a.relu_()}


def _initial(
    init: Sequence[dict] | None, rnn: nn.RNNBase, cell: str, bsz: int, like: torch.Tensor
) -> list[dict[str, torch.Tensor]]:
    """`trace_gates`' `initial` as per-layer dicts of [B, H] tensors on the model's device
    (empty dicts: zero states). Raises ValueError when it does not fit the model or batch."""
    if init is None:
        return [{} for _ in range(rnn.num_layers)]
    keys = STATE_NAMES[cell]
    if len(init) != rnn.num_layers or any(set(d) != set(keys) for d in init):
        raise ValueError(
            f"initial must hold one dict with keys {keys} per layer ({rnn.num_layers})."
        )
    out = []
    for d in init:
        layer = {k: torch.as_tensor(d[k]).to(like) for k in keys}  # numpy or any device
        if any(tuple(v.shape) != (bsz, rnn.hidden_size) for v in layer.values()):
            raise ValueError(f"each initial state must have shape [{bsz}, {rnn.hidden_size}].")
        out.append(layer)
    return out


def trace_gates(
    model: nn.Module, x: torch.Tensor | np.ndarray, initial: Sequence[dict] | None = None
) -> GateTrace:
    """Every gate and state of every layer at every timestep, recomputed from the weights.

    model:   a Forecaster (its `.rnn` is traced) or an nn.LSTM / nn.GRU / nn.RNN (x is
             read batch-first whatever the module's `batch_first`).
    x:       [T] (one continuous run, traced with B = 1), [B, T] (a batch of windows) or
             [B, T, C] with C the model's input_size (1 + F: the target, then the F inputs
             beside it); numpy or torch. [T] and [B, T] need input_size 1.
    initial: the state before the first step, per layer {"h": [B, H]} (LSTM also "c"), e.g.
             an earlier trace's `final_state()` to carry a long run on chunk by chunk;
             None: every sequence starts from a zero state.

    Runs under torch.no_grad on the model's device, without dropout between layers (the
    model's eval-mode computation). Each layer's input is PyTorch's own output of the layer
    below; the returned h is the recomputed one (it equals PyTorch's to ~1e-6).
    Returns a GateTrace with numpy float32 arrays on the CPU: x [B, T] is channel 0 (the
    target), `inputs` [B, T, C] the whole input when C > 1.
    Raises ValueError (one sentence) for an unsupported model or a shape x cannot take.
    """
    rnn = recurrent(model)
    cell = cell_name(rnn)
    xb = as_batch(x, rnn.input_size)  # [B, T, C]
    w0 = rnn.weight_ih_l0
    scan_dtype = torch.float32 if w0.device.type == "mps" else torch.float64  # MPS has no f64
    with torch.no_grad():
        inits = _initial(initial, rnn, cell, xb.shape[0], w0)
        inp = xb.to(device=w0.device, dtype=w0.dtype)  # [B, T, C]
        layers: list[dict[str, np.ndarray]] = []
        for k in range(rnn.num_layers):
            init = inits[k]
            state = None  # PyTorch's kernel takes [1, B, H] states
            if init:
                h0 = init["h"].unsqueeze(0)
                state = (h0, init["c"].unsqueeze(0)) if cell == "lstm" else h0
            h_seq = _single_layer(rnn, k)(inp, state)[0]  # PyTorch's fused kernel: [B, T, H]
            params = layer_params(rnn, k)
            if cell == "lstm":
                out = _trace_lstm_layer(inp, h_seq, params, init, scan_dtype)
            elif cell == "gru":
                out = _trace_gru_layer(inp, h_seq, params, init)
            else:
                out = _trace_rnn_layer(inp, h_seq, params, init, rnn.nonlinearity)
            layers.append({name: _to_numpy(out[name]) for name in GATE_NAMES[cell]})
            inp = h_seq
    start = None if initial is None else [{k: _to_numpy(v) for k, v in d.items()} for d in inits]
    inputs = _to_numpy(xb) if xb.shape[-1] > 1 else None  # [B, T, C]
    return GateTrace(
        cell=cell, x=_to_numpy(xb[..., 0]), layers=layers, initial=start, inputs=inputs
    )
