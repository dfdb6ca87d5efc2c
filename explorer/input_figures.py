"""Figures of the inputs beside the series. Pure: data in, `go.Figure` out (no Streamlit).

Names come from files: they are passed through `explorer.figures.plain` (never HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures import envelope, plain, time_axis
from explorer.gate_figures import DIVERGING

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
    xs = time_axis(x)
    if len(future_x):
        xs = np.concatenate([xs, time_axis(future_x)])
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
    return _window_rows(
        v, names, x, title, name="inputs", colorscale="Viridis", colorbar={"title": "scaled"},
        hovertemplate="timestep %{x}<br>%{y}: %{z:.3g}<extra></extra>", **_finite_range(v),
    )  # fmt: skip


MIN_ROWS_PX = 90  # a window's heatmap rows take at least this height, whatever their count


def _window_rows(
    v: np.ndarray, names: Sequence[str], x: np.ndarray | None, title: str, **style: Any
) -> go.Figure:
    """One heatmap row per channel over a window, the first on top: v [T, C] -> rows [C] ×
    timesteps x [T] (default 0..T-1); `style`: the heatmap's colours and hover."""
    steps = np.arange(v.shape[0]) if x is None else np.asarray(x)
    labels = [plain(n) for n in names]
    rows_px = max(22 * len(labels), MIN_ROWS_PX)  # one or two rows: room for a colour bar
    if "colorbar" in style and len(labels) < 4:  # a short bar: three labels, not five
        style["colorbar"] = {"nticks": 3, **style["colorbar"]}  # stacked on each other
    fig = go.Figure(go.Heatmap(z=v.T, x=steps, y=labels, **style))
    fig.update_layout(
        title=title, height=120 + rows_px, margin={"l": 10, "r": 10, "t": 40, "b": 30},
        xaxis_title="timestep", yaxis={"autorange": "reversed"},
    )  # fmt: skip
    return fig


def _finite_range(v: np.ndarray) -> dict[str, float]:
    """zmin/zmax of the finite values of v ({} when there are none): set, so that two copies
    of a figure can be put on one colour range (`experiment_figures.side_by_side`)."""
    finite = v[np.isfinite(v)]
    return {"zmin": float(finite.min()), "zmax": float(finite.max())} if finite.size else {}


def top_units(w: np.ndarray, k: int = 3) -> np.ndarray:
    """w [G, H, C] -> [G, C] text: the k units with the largest |w| for each gate and channel,
    strongest first ("unit 3 (+0.41), unit 0 (−0.2)")."""
    n_gates, _, n_chan = w.shape
    out = np.empty((n_gates, n_chan), dtype=object)
    for g in range(n_gates):
        for c in range(n_chan):
            col = w[g, :, c]
            order = np.argsort(-np.abs(col), kind="stable")[:k]
            out[g, c] = ", ".join(f"unit {int(u)} ({col[u]:+.2g})" for u in order)
    return out


def gate_input_figure(
    w: np.ndarray, gates: Sequence[str], names: Sequence[str], top: int = 3, title: str = ""
) -> go.Figure:
    """Which input drives which gate: mean |w| over the units of the first layer's input
    weights, gates (y) × channels (x). w [G, H, C]; gates [G] labels; names [C] the channels
    (the target first, then the inputs). Hovering a cell names its `top` strongest units."""
    w = np.asarray(w, dtype=np.float64)
    summary = np.abs(w).mean(axis=1)  # [G, C]
    top_w = float(summary.max()) if summary.size and summary.max() > 0 else 1.0
    fig = go.Figure(
        go.Heatmap(  # plotly ignores zmin without zmax: both, so the colours start at 0
            z=summary, x=[plain(n) for n in names], y=[plain(g) for g in gates],
            customdata=top_units(w, top), colorscale="Blues", zmin=0.0, zmax=top_w,
            name="mean |w|",
            colorbar={"title": "mean |w|"},
            hovertemplate="%{x} → %{y}<br>mean |w| over units: %{z:.3g}<br>"
            "strongest: %{customdata}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        title=title, height=140 + 34 * len(gates), margin={"l": 10, "r": 10, "t": 40, "b": 30},
        xaxis_title="input (the first column: the series itself)",
        yaxis={"autorange": "reversed"},
    )  # fmt: skip
    return fig


def attribution_figure(
    values: np.ndarray, names: Sequence[str], x: np.ndarray | None = None, title: str = ""
) -> go.Figure:
    """Integrated-gradients attributions of one window, one heatmap row per channel: values
    [T, C], names [C] (the target first, then the inputs); x [T] the timesteps (default
    0..T-1). Diverging colours symmetric about 0 (red pushes the prediction up, blue down);
    hovering a cell also gives its row's sum over the window."""
    v = np.asarray(values, dtype=np.float64)
    top = float(np.max(np.abs(v))) if v.size else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    totals = np.repeat(v.sum(axis=0)[:, None], v.shape[0], axis=1)  # [C, T]
    return _window_rows(
        v, names, x, title, customdata=totals, name="attribution", colorscale=DIVERGING,
        zmin=-top, zmax=top, zmid=0.0, colorbar={"title": "IG"},
        hovertemplate="timestep %{x}<br>%{y}: %{z:+.3g}<br>its sum over the window: "
        "%{customdata:+.3g}<extra></extra>",
    )  # fmt: skip
