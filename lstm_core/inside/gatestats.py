"""Gate statistics at a glance: saturation per unit, and the units that track the data.

Saturation after Karpathy, Johnson & Fei-Fei (2015), "Visualizing and Understanding
Recurrent Networks": a gate value below 0.1 is "left-saturated" (closed), above 0.9
"right-saturated" (open). A unit whose forget gate is mostly above 0.9 carries memory.
"""

from __future__ import annotations

import math

import numpy as np

#: What each name is, in words (PyTorch's letters; g is the lecture's candidate C̃): row
#: titles on the Gates page, and the subject of an intervention's error sentences.
GATE_LABELS: dict[str, str] = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate C̃ (g)",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
    "r": "reset gate r",
    "z": "update gate z",
    "n": "candidate n",
}
SIGMOID = frozenset("iforz")  # gates in [0, 1]
TANH = frozenset("gnh")  # values in [-1, 1]
#: Below this a value counts as saturated low: σ gates "closed", tanh values near -1.
LOW: dict[str, float] = {**dict.fromkeys(SIGMOID, 0.1), **dict.fromkeys(TANH, -0.9)}
HIGH = 0.9  # above this a σ gate is "open", a tanh value near 1 (the cell state c: neither)


def saturation_counts(layer: dict[str, np.ndarray]) -> tuple[int, dict[str, dict]]:
    """How many values lie below LOW[name] and above HIGH, per gate (names in LOW) and unit.

    layer: name -> [B, T, H] (or [T, H]) -> (rows B·T, {name: {"low": [H], "high": [H]}}
    int64 counts).
    """
    rows, out = 0, {}
    for name, a in layer.items():
        if name not in LOW:
            continue
        a = np.asarray(a)
        a = a.reshape(-1, a.shape[-1])  # [B*T, H]
        rows = len(a)
        out[name] = {"low": (a < LOW[name]).sum(0), "high": (a > HIGH).sum(0)}
    return rows, out


def saturation(layer: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """Share of values below LOW[name] and above HIGH, per gate (names in LOW) and unit.

    layer: name -> [B, T, H] (or [T, H]) -> {name: {"low": [H], "high": [H]}} in 0..1
    (zeros when there are no timesteps).
    """
    rows, counts = saturation_counts(layer)
    return {n: {k: c / max(1, rows) for k, c in both.items()} for n, both in counts.items()}


def _corr(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of a [T, H] with v [T] -> [H] (0 where constant)."""
    a = a - a.mean(0)
    v = v - v.mean()
    den = np.sqrt((a**2).sum(0) * (v**2).sum())
    return np.divide(a.T @ v, den, out=np.zeros(a.shape[1]), where=den > 0)


def unit_correlations(h: np.ndarray, x: np.ndarray, target: np.ndarray | None = None) -> dict:
    """Correlation of every unit's activation with the input (and the next value).

    h [T, H] activations over one continuous run, x [T] the inputs, target [T] the value
    each step predicts (x shifted by one). Returns {"input": [H], "target": [H]}.
    """
    out = {"input": _corr(np.asarray(h, np.float64), np.asarray(x, np.float64))}
    if target is not None:
        out["target"] = _corr(np.asarray(h, np.float64), np.asarray(target, np.float64))
    return out


def bin_size(steps: int, max_cols: int) -> int:
    """Timesteps per column when `steps` are shown in at most `max_cols` columns."""
    if max_cols < 1:
        raise ValueError(f"max_cols must be at least 1, got {max_cols}.")
    return max(1, math.ceil(steps / max_cols))


def bin_means(a: np.ndarray, k: int) -> np.ndarray:
    """Means of consecutive bins of k rows, in float64: [m, ...] -> [ceil(m / k), ...].
    The last bin may be shorter; it is the mean of the rows it has."""
    a = np.asarray(a)
    m = a.shape[0]
    full = m // k
    out = a[: full * k].reshape(full, k, *a.shape[1:]).mean(axis=1, dtype=np.float64)
    if m > full * k:
        out = np.concatenate([out, a[full * k :].mean(axis=0, dtype=np.float64, keepdims=True)])
    return out
