"""The gates file layout (.npz), defined once for the CLI's `gates` command and the Gates page.

"x"         [T] float32, the model's inputs (transformed and scaled); a model with inputs
            beside the target: [T, 1 + F], the target first, as the model read them
"x_names"   [1 + F] str, what each column of x is (written with inputs only)
"sees"      a 0-d string array: what x is, in words (e.g. "Δ passengers, scaled")
"<name>_l<k>" [T, H] float32 for every gate/state name of layer k (LSTM i f g o c h,
            GRU r z n h, RNN h)
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["gates_arrays", "write_gates_npz"]


def gates_arrays(
    x: np.ndarray,
    layers: Sequence[Mapping[str, np.ndarray]],
    sees: str = "",
    x_names: Sequence[str] = (),
) -> dict[str, np.ndarray]:
    """The .npz entries of one run: x [T] (any shape of T values) or, with x_names, [T, 1 + F];
    layers one dict per layer name -> [T, H]."""
    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(-1, len(x_names)) if len(x_names) > 1 else x.reshape(-1)
    arrays = {"x": x, "sees": np.array(str(sees))}
    if len(x_names) > 1:
        arrays["x_names"] = np.array([str(n) for n in x_names])
    for k, layer in enumerate(layers):
        for name, arr in layer.items():
            arrays[f"{name}_l{k}"] = np.asarray(arr, dtype=np.float32)
    return arrays


def write_gates_npz(
    dest: str | os.PathLike | io.BytesIO,
    x: np.ndarray,
    layers: Sequence[Mapping[str, np.ndarray]],
    sees: str = "",
    compress: bool = False,
    x_names: Sequence[str] = (),
) -> dict[str, np.ndarray]:
    """Write the run's gates to an .npz (a path or a binary buffer); returns the arrays
    written. Stored uncompressed by default: float32 gate values barely compress, and zlib
    took longer than the trace itself (benchmarks/README.md, "Whole processes")."""
    arrays = gates_arrays(x, layers, sees, x_names)
    (np.savez_compressed if compress else np.savez)(dest, **arrays)
    return arrays
