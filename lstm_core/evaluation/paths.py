"""Recursive multi-step forecasts ("paths"), the pieces the backtest and the intervals share.

A path is a recursive H-step forecast: the model predicts the next value from its window,
the prediction is appended to the window, and so on, H times; the transformed predictions
are then integrated back to levels (lstm_core.series.transforms). No refit, no peeking: a path
from origin window w uses only the points before that window's target.

  roll          the recursion in model units: windows [n, L] (with inputs [n, L, 1 + F])
                -> [n, H]
  paths         level paths [n, H] from origin windows [n] of a Dataset
  future_path   the forecast past the end of the series: [H] levels (calendar inputs
                extended past the file's end; input_reach: how far the inputs allow)
  spaced        the origins (or targets) a long part is sampled at: at most MAX_ORIGINS

Shapes: n origins, H steps, L look-back, F inputs beside the series, d = the transform's lag.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset, Scaler

PATH_ROWS = 4096  # origins per batch when rolling paths forward
MAX_ORIGINS = 500  # a longer part is sampled at this many evenly spaced origins / targets
#                   (500 × H points per step and band: the CLI's backtest on 50k points
#                   took 4.4 s at 2,000, longer than an epoch of training)


@torch.no_grad()
def roll(
    model: nn.Module,
    windows: torch.Tensor,
    horizon: int,
    next_inputs: torch.Tensor | None = None,
) -> np.ndarray:
    """Recursive forecasts in model units: windows [n, L] -> [n, H] float32.

    With inputs, windows [n, L, 1 + F] and next_inputs [n, H - 1, F]: the inputs of the
    step appended after step k's prediction (their recorded or known-ahead values).
    Sequential in H (step k needs step k - 1), vectorised over the n origins.
    """
    model.eval()
    dev = next(model.parameters()).device
    out = np.empty((len(windows), horizon), dtype=np.float32)
    for a in range(0, len(windows), PATH_ROWS):
        w = windows[a : a + PATH_ROWS].to(dev)  # [b, L] or [b, L, 1 + F]
        nxt = None if next_inputs is None else next_inputs[a : a + PATH_ROWS].to(dev)
        for k in range(horizon):
            y = model(w)  # [b, L(, 1 + F)] -> [b]
            out[a : a + len(w), k] = y.cpu().numpy()
            if k == horizon - 1:
                break
            if w.dim() == 2:
                w = torch.cat([w[:, 1:], y[:, None]], dim=1)  # drop the oldest, append ŷ
            else:  # append [ŷ, the next step's inputs]: [b, 1, 1 + F]
                row = torch.cat([y[:, None], nxt[:, k]], dim=1)[:, None, :]
                w = torch.cat([w[:, 1:], row], dim=1)
    return out


def next_inputs(data: Dataset, origins: np.ndarray, horizon: int) -> torch.Tensor | None:
    """The inputs appended at steps 2..H of the paths from `origins` [n]: [n, H - 1, F]
    (window w + k's last row; NaN past what the data holds), or None without inputs."""
    if data.features is None:
        return None
    rows = origins[:, None] + data.split.look_back - 1 + np.arange(1, horizon)  # [n, H - 1]
    feats = data.features
    out = np.full((*rows.shape, feats.shape[1]), np.nan, dtype=np.float32)
    inside = rows < len(feats)
    out[inside] = feats[rows[inside]]
    return torch.from_numpy(out)


def to_levels(
    z_scaled: np.ndarray, past: np.ndarray, transform: Transform, scaler: Scaler
) -> np.ndarray:
    """Paths in model units [n, H] and the last d known levels past [n, d] -> levels [n, H]."""
    return transform.integrate(scaler.inverse(z_scaled), past)


def paths(model: nn.Module, data: Dataset, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Level paths [n, H] from origin windows `origins` [n] (indices into data.X): step k of
    the path from w forecasts the target of window w + k."""
    origins = np.asarray(origins, dtype=np.int64)
    z = roll(model, data.X[torch.from_numpy(origins)], horizon, next_inputs(data, origins, horizon))
    t0 = data.target_index[origins]  # [n] position of each path's first target
    past = data.values[t0[:, None] - data.lag + np.arange(data.lag)]  # [n, d]
    return to_levels(z, past, data.transform, data.scaler)


def future_path(model: nn.Module, data: Dataset, horizon: int) -> np.ndarray:
    """The forecast past the end of the series: [H] levels. With inputs, H at most
    `input_reach(data)` (the known-ahead inputs' future rows, calendar inputs extended)."""
    matrix = data.matrix
    window = torch.from_numpy(np.ascontiguousarray(matrix[-data.split.look_back :]))
    nxt = None
    if data.features is not None:
        feats = future_features(data, horizon)  # [n - d + K', F]
        last = len(matrix) - 1
        window[-1, 1:] = torch.from_numpy(feats[last])
        nxt = torch.from_numpy(feats[last + 1 : last + horizon])[None]  # [1, H - 1, F]
    past = data.values[len(data.values) - data.lag :][None]  # [1, d]
    z = roll(model, window[None], horizon, nxt)
    return to_levels(z, past, data.transform, data.scaler)[0]


def input_reach(data: Dataset) -> int | None:
    """Steps past the end a forecast can take with the data's inputs (None: any)."""
    return None if data.inputs is None else data.inputs.reach()


def future_features(data: Dataset, horizon: int) -> np.ndarray:
    """The data's feature rows reaching `horizon` steps past the end: calendar inputs are
    computed for timestamps past the file's (other inputs NaN there); [N - d + max(K, H), F]
    float32."""
    from lstm_core.series import inputs as tools

    inp = data.inputs
    if inp.extendable and inp.n_future < horizon and "calendar" in inp.columns():
        n = horizon - inp.n_future  # other columns' values stay NaN there
        more = np.full((n, len(inp.specs)), np.nan)  # [n, F]
        cal = [j for j, sp in enumerate(inp.specs) if sp.encoding == "calendar"]
        more[:, cal] = tools.calendar_values(tools.extend_time(inp.time, inp.step, n), inp.specs)
        values = np.vstack([inp.values, more])  # [N + K + n, F]
        scaled = np.column_stack(
            [sc.transform(values[:, j]) for j, sc in enumerate(data.input_scalers)]
        )
        return tools.feature_rows(inp.specs, scaled, data.lag)
    return data.features


def spaced(a: int, b: int, most: int = MAX_ORIGINS) -> np.ndarray:
    """The integers in [a, b), or `most` of them evenly spaced (first and last kept)."""
    if b - a <= most:
        return np.arange(a, b)
    return np.unique(np.linspace(a, b - 1, most).round().astype(np.int64))
