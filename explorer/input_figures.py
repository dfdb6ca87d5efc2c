"""Figures of the inputs beside the series. Pure: data in, `go.Figure` out (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures import _time_axis, envelope, plain

MAX_PANELS = 9  # inputs drawn under the series; the caption says when more were chosen


def inputs_figure(
    x: Sequence[Any],
    values: np.ndarray,
    name: str,
    inputs: np.ndarray,
    names: Sequence[str],
    future_x: Sequence[Any] = (),
) -> go.Figure:
    """The series on top and each input in its own panel under it, on one shared time axis.

    x [N], values [N]; inputs [N + K, F] in original units (one-hot inputs 0/1), names [F];
    future_x [K]: the times of the inputs' future rows (drawn dashed, past the series' end).
    Long lines are drawn by their envelope.
    """
    f = min(len(names), MAX_PANELS)
    fig = make_subplots(rows=1 + f, cols=1, shared_xaxes=True, vertical_spacing=0.02,
                        row_heights=[2.0] + [1.0] * f)  # fmt: skip
    xs = _time_axis(x)
    if len(future_x):
        xs = np.concatenate([xs, _time_axis(future_x)])
    n = len(values)
    keep = envelope(np.asarray(values, dtype=np.float64))
    fig.add_trace(go.Scatter(x=xs[keep], y=np.asarray(values)[keep], mode="lines",
                             name=plain(name), line={"width": 1}), row=1, col=1)  # fmt: skip
    fig.update_yaxes(title_text=plain(name), row=1, col=1)
    for j in range(f):
        col = np.asarray(inputs[:, j], dtype=np.float64)
        known = envelope(col[:n])
        fig.add_trace(go.Scatter(x=xs[:n][known], y=col[:n][known], mode="lines",
                                 name=plain(names[j]), line={"width": 1}),
                      row=2 + j, col=1)  # fmt: skip
        ahead = np.flatnonzero(np.isfinite(col[n:]))
        if ahead.size:
            fig.add_trace(go.Scatter(x=xs[n + ahead], y=col[n + ahead], mode="lines+markers",
                                     name=f"{plain(names[j])} (future rows)",
                                     line={"width": 1, "dash": "dash"}),
                          row=2 + j, col=1)  # fmt: skip
        fig.update_yaxes(title_text=plain(names[j]), row=2 + j, col=1)
    fig.update_layout(height=220 + 110 * f, showlegend=False, margin={"t": 30, "b": 30})
    return fig


def window_inputs_figure(
    values: np.ndarray, names: Sequence[str], x: np.ndarray | None = None, title: str = ""
) -> go.Figure:
    """The inputs beside the target over a window, one heatmap row per input (scaled, as the
    model read them): values [T, F], names [F]; x [T] the timesteps (default 0..T-1)."""
    v = np.asarray(values, dtype=np.float64)
    steps = np.arange(v.shape[0]) if x is None else np.asarray(x)
    labels = [plain(n) for n in names]
    fig = go.Figure(
        go.Heatmap(
            z=v.T, x=steps, y=labels, colorscale="Viridis", colorbar={"title": "scaled"},
            hovertemplate="timestep %{x}<br>%{y}: %{z:.3g}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        title=title, height=120 + 22 * len(labels), margin={"l": 10, "r": 10, "t": 40, "b": 30},
        xaxis_title="timestep", yaxis={"autorange": "reversed"},
    )  # fmt: skip
    return fig
