"""Gate statistics at a glance: saturation per unit, and the units that track the data.

Saturation after Karpathy, Johnson & Fei-Fei (2015), "Visualizing and Understanding
Recurrent Networks": a gate value below 0.1 is "left-saturated" (closed), above 0.9
"right-saturated" (open). A unit whose forget gate is mostly above 0.9 carries memory.
"""

from __future__ import annotations

import numpy as np

SIGMOID_GATES = ("i", "f", "o", "r", "z")


def saturation(layer: dict[str, np.ndarray], low: float = 0.1, high: float = 0.9) -> dict:
    """Share of activations below `low` and above `high`, per sigmoid gate and unit.

    layer: name -> [B, T, H] (or [T, H]) -> {gate: {"low": [H], "high": [H]}} in 0..1.
    """
    out = {}
    for name, a in layer.items():
        if name not in SIGMOID_GATES:
            continue
        a = a.reshape(-1, a.shape[-1])  # [B*T, H]
        out[name] = {"low": (a < low).mean(0), "high": (a > high).mean(0)}
    return out


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


def top_units(corr: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
    """The k units with the largest |correlation|, as (unit, correlation)."""
    order = np.argsort(-np.abs(corr))[:k]
    return [(int(u), float(corr[u])) for u in order]
