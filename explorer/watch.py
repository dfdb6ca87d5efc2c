"""Watch the gates learn: snapshots of a probe window's gates taken during training.

Pure (no Streamlit): the Train page takes a snapshot every few epochs and keeps a short
history in the session (key `snapshots`) that the user can scrub through afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.inside.gates import trace_gates

MAX_SNAPSHOTS = 40  # kept per model; when full, every other old one is dropped
TARGET_SNAPSHOTS = 25  # aim for about this many over one training call


@dataclass(frozen=True)
class Snapshot:
    """The probe window's gates (first layer) after `epoch` epochs (0 = at initialisation)."""

    epoch: int
    gates: dict[str, np.ndarray]  # name -> [T, H]
    names: tuple[str, ...]


def probe_window(X: torch.Tensor, n_train: int, n_val: int) -> torch.Tensor:
    """The window the snapshots follow: the first validation window, [1, L]."""
    return X[n_train : n_train + 1] if n_val > 0 else X[-1:]


def snapshot_every(epochs: int) -> int:
    """Epochs between snapshots so that a call of `epochs` gives about TARGET_SNAPSHOTS."""
    return max(1, round(epochs / TARGET_SNAPSHOTS))


def take(model: torch.nn.Module, probe: torch.Tensor, epoch: int) -> Snapshot:
    """Trace the probe window with the model as it is now (no gradients, exact gates)."""
    trace = trace_gates(model, probe)
    return Snapshot(epoch, {k: v[0] for k, v in trace.layers[0].items()}, trace.names)


def keep(snaps: list[Snapshot], snap: Snapshot, cap: int = MAX_SNAPSHOTS) -> list[Snapshot]:
    """Append; while over the cap (at least 2), drop every other snapshot but the newest.

    The first (at initialisation) and the newest always stay; older ones end up sparser.
    """
    out = [*snaps, snap]
    while len(out) > max(2, cap):
        out = out[:-1][::2] + out[-1:]
    return out
