"""Gate extraction (lstm_core.inside.gates.trace_gates) against one nn.LSTM forward over the same
span.

trace_gates runs PyTorch's fused kernel once itself and recomputes every gate from the
weights, so its time includes one such forward: the ratio says what the gates cost on top.
Exactness: max |h recomputed by trace_gates - h of nn.LSTM| over every step and unit.
Both sides alternate; the ratio is taken per adjacent pair, then its median is reported.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.common import SEED, sine_series
from benchmarks.stats import summarize
from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside.gates import trace_gates


def _inputs(batch: int, steps: int) -> torch.Tensor:
    """[batch, steps] float32: one run of `steps` (batch 1) or `batch` windows of a sine."""
    v = sine_series(steps + batch, seed=SEED).astype(np.float32)
    if batch == 1:
        return torch.from_numpy(v[:steps].copy()).unsqueeze(0)
    idx = np.arange(batch)[:, None] + np.arange(steps)[None, :]
    return torch.from_numpy(v[idx])


def bench_gates(name: str, batch: int, steps: int, hidden: int, repeats: int) -> dict:
    model = build_model(ModelConfig(hidden_size=hidden), seed=SEED).eval()
    lstm = model.rnn
    x = _inputs(batch, steps)

    def forward() -> torch.Tensor:
        with torch.no_grad():
            return lstm(x.unsqueeze(-1))[0]

    def trace():
        return trace_gates(model, x if batch > 1 else x[0])

    forward(), trace()  # warm-up (allocations, kernels)
    f_s, t_s = [], []
    h_ref = tr = None
    for r in range(repeats):
        for side in ("forward", "trace") if r % 2 == 0 else ("trace", "forward"):
            t0 = time.perf_counter()
            if side == "forward":
                h_ref = forward()
                f_s.append(time.perf_counter() - t0)
            else:
                tr = trace()
                t_s.append(time.perf_counter() - t0)
    err = float(np.max(np.abs(tr.layers[0]["h"] - h_ref.numpy())))
    ratios = [t / f for t, f in zip(t_s, f_s, strict=True)]
    return {
        "name": name,
        "batch": batch,
        "steps": steps,
        "hidden": hidden,
        "repeats": repeats,
        "lstm_forward_seconds": summarize(f_s).to_dict(),
        "trace_gates_seconds": summarize(t_s).to_dict(),
        "trace_over_forward": summarize(ratios).to_dict(),
        "max_abs_h_error": err,
        "exact_within_1e-5": err <= 1e-5,
    }


GATE_CASES = {
    # name: (batch, steps, hidden, target ratio)
    # the targets hold for the full sizes only
    "quick": [("run 5k x h32", 1, 5_000, 32, None), ("64 windows x 50 x h64", 64, 50, 64, None)],
    "full": [
        ("run 100k x h32", 1, 100_000, 32, 2.0),
        ("run 100k x h64", 1, 100_000, 64, 2.0),
        ("512 windows x 50 x h64", 512, 50, 64, 5.0),
    ],
}


def bench_all_gates(quick: bool, repeats: int, log=lambda s: None) -> list[dict]:
    out = []
    for name, batch, steps, hidden, target in GATE_CASES["quick" if quick else "full"]:
        res = bench_gates(name, batch, steps, hidden, repeats)
        res["target_ratio"] = target
        out.append(res)
        log(
            f"  gates {name}: x{res['trace_over_forward']['median']:.2f}, "
            f"err {res['max_abs_h_error']:.1e}"
        )
    return out
