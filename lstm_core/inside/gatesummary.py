"""A long run's gates at a glance, in memory that does not grow with the run.

`summarise_run` traces one continuous run chunk by chunk (`trace_gates` with the previous
chunk's final state), and keeps of each chunk only what the whole-series view shows:

* every gate and state averaged over bins of k consecutive timesteps ([cols, H] per name);
* per unit, how many values are saturated (σ gates below 0.1 / above 0.9, tanh values
  below -0.9 / above 0.9);
* per unit, the correlation of h_t with the input x_t and with the next input x_{t+1} (x:
  the target channel when the model reads inputs beside the series),
  from running means and co-moments merged chunk by chunk (Chan, Golub & LeVeque), so no
  cancellation builds up over long runs.

Chunks are whole numbers of bins, so every bin lies in one chunk and its mean is exact. The
results equal those of one `trace_gates` over the whole run to ~1e-6; memory holds one chunk
(`chunk_values` gate values, or one bin if that is larger) plus the bins, whatever the
length of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from lstm_core.inside.cells import cell_name, recurrent
from lstm_core.inside.gates import GATE_NAMES, trace_gates
from lstm_core.inside.gatestats import LOW, bin_means, bin_size, saturation_counts

__all__ = ["RunSummary", "summarise_run"]

CHUNK_VALUES = 1 << 21  # gate values traced at once (8 MiB of float32 per chunk's outputs)


@dataclass
class RunSummary:
    """What `summarise_run` keeps of a run of `steps` timesteps (per layer, in lists).

    k:         timesteps per bin; bins = ceil(steps / k), the last one may be shorter.
    means:     name -> [bins, H] float32, the mean of each bin.
    low, high: name -> [H] int64 counts of saturated values (names in LOW only; c has none).
    corr_input, corr_next: [H] float64, correlation of h_t with x_t and with x_{t+1} over
               t = 0..steps-2 (zeros where a side is constant, or steps < 3).
    """

    cell: str
    steps: int
    k: int
    means: list[dict[str, np.ndarray]]
    low: list[dict[str, np.ndarray]]
    high: list[dict[str, np.ndarray]]
    corr_input: list[np.ndarray]
    corr_next: list[np.ndarray]

    @property
    def names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.cell]

    def shares(self, layer: int) -> dict[str, dict[str, np.ndarray]]:
        """{name: {"low": [H], "high": [H]}}: the share of saturated values per unit."""
        return {
            n: {"low": self.low[layer][n] / self.steps, "high": self.high[layer][n] / self.steps}
            for n in self.low[layer]
        }


class _Comoments:
    """Running means and centred sums of products of h [n, H] with x [n] and y [n]."""

    def __init__(self, hid: int) -> None:
        self.n = 0
        self.mean = np.zeros(hid + 2)  # h units, then x, then y
        self.sq = np.zeros(hid + 2)  # Σ (v - mean)²
        self.hx = np.zeros(hid)  # Σ (h - mean_h)(x - mean_x)
        self.hy = np.zeros(hid)

    def add(self, h: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        """Merge one chunk: h [m, H], x [m], y [m]."""
        m = len(x)
        if m == 0:
            return
        v = np.column_stack([np.asarray(h, np.float64), x, y])  # [m, H + 2]
        mean = v.mean(0)
        d = v - mean
        sq, hx, hy = (d * d).sum(0), d[:, :-2].T @ d[:, -2], d[:, :-2].T @ d[:, -1]
        n = self.n + m
        delta = mean - self.mean
        w = self.n * m / n
        self.sq += sq + delta * delta * w
        self.hx += hx + delta[:-2] * delta[-2] * w
        self.hy += hy + delta[:-2] * delta[-1] * w
        self.mean += delta * m / n
        self.n = n

    def corr(self) -> tuple[np.ndarray, np.ndarray]:
        """(corr(h, x), corr(h, y)), each [H]; 0 where a side has no variance."""
        hid = len(self.hx)
        out = []
        for num, other in ((self.hx, self.sq[-2]), (self.hy, self.sq[-1])):
            den = np.sqrt(self.sq[:hid] * other)
            out.append(np.divide(num, den, out=np.zeros(hid), where=den > 0))
        return out[0], out[1]


def summarise_run(
    model: nn.Module,
    x: np.ndarray,
    max_cols: int,
    chunk_values: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Bin means, saturation counts and unit correlations of one continuous run.

    model:        a Forecaster or an nn.LSTM / nn.GRU / nn.RNN (as `trace_gates`).
    x:            [T] the (scaled) inputs, T >= 1, or [T, C] for a model whose input_size C is
                  above 1 (the target, then the inputs beside it; correlations use the
                  target); the run starts from a zero state.
    max_cols:     at most this many bins; k = ceil(T / max_cols) timesteps each.
    chunk_values: about how many gate values to trace at once (sets the chunk length; None:
                  CHUNK_VALUES). A chunk holds at least one bin, whatever this says.
    progress:     called after each chunk with (timesteps done, T).
    """
    rnn = recurrent(model)
    cell = cell_name(rnn)
    run = np.asarray(x, dtype=np.float32)
    if rnn.input_size == 1:
        run = run.reshape(-1, 1)  # [T, 1]
    elif run.ndim != 2 or run.shape[1] != rnn.input_size:
        raise ValueError(
            f"x must have shape [T, {rnn.input_size}] (the model reads input_size="
            f"{rnn.input_size}), got {list(run.shape)}."
        )
    x = run[:, 0]  # [T] the target
    if x.size == 0:
        raise ValueError("x must hold at least one timestep.")
    names = GATE_NAMES[cell]
    steps, hid, n_layers = len(x), rnn.hidden_size, rnn.num_layers
    k = bin_size(steps, max_cols)
    per_step = hid * n_layers * len(names)
    budget = CHUNK_VALUES if chunk_values is None else chunk_values
    chunk = max(1, budget // (per_step * k)) * k  # whole bins per chunk
    means: list[dict[str, list]] = [{n: [] for n in names} for _ in range(n_layers)]
    low = [{n: np.zeros(hid, np.int64) for n in names if n in LOW} for _ in range(n_layers)]
    high = [{n: np.zeros(hid, np.int64) for n in names if n in LOW} for _ in range(n_layers)]
    moments = [_Comoments(hid) for _ in range(n_layers)]
    state = None
    for start in range(0, steps, chunk):
        end = min(start + chunk, steps)
        piece = x[start:end] if run.shape[1] == 1 else run[None, start:end]  # [t] or [1, t, C]
        trace = trace_gates(model, piece, initial=state)  # B = 1
        state = trace.final_state()
        pairs = min(end, steps - 1) - start  # steps t of this chunk that have an x_{t+1}
        for lay, arrays in enumerate(trace.layers):
            for n in names:
                means[lay][n].append(bin_means(arrays[n][0], k).astype(np.float32))  # [m, H]
            for n, both in saturation_counts(arrays)[1].items():
                low[lay][n] += both["low"]
                high[lay][n] += both["high"]
            if pairs > 0:
                h = arrays["h"][0, :pairs]
                moments[lay].add(h, x[start : start + pairs], x[start + 1 : start + 1 + pairs])
        del trace
        if progress is not None:
            progress(end, steps)
    corr = [m.corr() for m in moments]  # zeros below 2 pairs: no variance
    return RunSummary(
        cell=cell,
        steps=steps,
        k=k,
        means=[{n: np.concatenate(v) for n, v in lay.items()} for lay in means],
        low=low,
        high=high,
        corr_input=[c[0] for c in corr],
        corr_next=[c[1] for c in corr],
    )
