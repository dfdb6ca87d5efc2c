"""Pure builders for the experiments (issue 12): a clamp's before and after, the ablation
table, the memory horizon.

Arrays in, `go.Figure` or a DataFrame out; no streamlit import (tests/test_experiment_figures.py).
Used by the Gates page (English) and the Learn page, which passes its translated labels.
Text that may come from a file (a column name) goes through `figures.plain`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from explorer.figures import plain, table_cells
from lstm_core.metrics import decimals

__all__ = [
    "BEFORE_AFTER",
    "ablation_frame",
    "ablation_table",
    "before_after_figure",
    "memory_figure",
    "side_by_side",
    "tau_bins",
]

TRUTH, BEFORE, AFTER = "#7f7f7f", "#1f77b4", "#d62728"
#: Default trace names of `before_after_figure`: (truth, before, after).
BEFORE_AFTER = ("truth", "before the clamp", "after the clamp")
MAX_BINS = 30  # the τ distribution has at most this many bars (plus one for "longer")
_MARGIN = {"l": 60, "r": 20, "t": 50, "b": 40}


def before_after_figure(
    before: np.ndarray,
    after: np.ndarray,
    truth: np.ndarray | None = None,
    *,
    title: str = "",
    x_label: str = "window",
    y_label: str = "value",
    names: Sequence[str] = BEFORE_AFTER,
    x: np.ndarray | None = None,
) -> go.Figure:
    """Two lines, before [n] and after [n] (and the truth [n], grey, when given) against x
    (default 0..n-1): a part's predictions or one unit's cell state over a window.

    y_label may come from a file: it is shown as plain text.
    """
    before = np.asarray(before, dtype=np.float64)
    xs = np.arange(len(before)) if x is None else np.asarray(x)
    fig = go.Figure()
    if truth is not None:
        fig.add_scatter(x=xs, y=np.asarray(truth, np.float64), name=names[0], mode="lines",
                        line={"color": TRUTH, "width": 1})  # fmt: skip
    fig.add_scatter(x=xs, y=before, name=names[1], mode="lines", line={"color": BEFORE})
    fig.add_scatter(x=xs, y=np.asarray(after, np.float64), name=names[2], mode="lines",
                    line={"color": AFTER, "dash": "dash"})  # fmt: skip
    fig.update_layout(
        title=plain(title),
        xaxis_title=x_label,
        yaxis_title=plain(y_label),
        height=320,
        margin=_MARGIN,
        legend={"orientation": "h", "y": -0.25},
        hovermode="x unified",
    )
    return fig


def side_by_side(before: go.Figure, after: go.Figure, titles: tuple[str, str]):
    """Copies of two heatmap figures (`gate_figures.window_figure`) to show side by side:
    short titles, and each heatmap on the same colour range in both (the cell state's range
    follows what is shown, so a clamp would otherwise rescale it) -> (before, after)."""
    pair = [go.Figure(f).update_layout(title={"text": plain(t), "font": {"size": 13}})
            for f, t in zip((before, after), titles, strict=True)]  # fmt: skip
    heat = [{tr.name: tr for tr in f.data if tr.type == "heatmap"} for f in pair]
    for name in heat[0].keys() & heat[1].keys():
        a, b = heat[0][name], heat[1][name]
        lo, hi = min(a.zmin, b.zmin), max(a.zmax, b.zmax)
        for tr in (a, b):
            tr.update(zmin=lo, zmax=hi)
    return pair[0], pair[1]


def ablation_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """`Ablation.to_dicts()` as a table in rank order: rank, unit, RMSE without the unit,
    its growth and growth in % of the RMSE with every unit."""
    df = pd.DataFrame(list(rows), columns=["rank", "unit", "rmse_after", "increase",
                                           "increase_pct"])  # fmt: skip
    df = df.sort_values("rank", kind="stable")
    return df.rename(columns={"rmse_after": "RMSE without it", "increase": "RMSE grows by",
                              "increase_pct": "grows by %"})  # fmt: skip


def ablation_table(rows: Sequence[Mapping[str, Any]]) -> Styler:
    """`ablation_frame` formatted for the page: the RMSE columns with one number of decimals
    for all (4 significant digits on the largest, as the page's RMSEs read), the % to one
    decimal, rather than whatever digits each float happens to have (25.2182 beside 18.718)."""
    df = ablation_frame(rows)
    rmse = f"{{:.{decimals(df['RMSE without it'].to_numpy(float))}f}}"
    formats = {"RMSE without it": rmse, "RMSE grows by": rmse, "grows by %": "{:.1f}"}
    return table_cells(df, formats)


def tau_bins(tau: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The τ [H] distribution on 0..max_lag steps: (bar centres [K], unit counts [K], how
    many units have τ >= max_lag, never-forgetting ones (τ = inf) included).

    Bars are `width` = ceil(max_lag / MAX_BINS) steps wide; counts + the rest = H.
    """
    tau = np.asarray(tau, dtype=np.float64)
    width = max(1, math.ceil(max_lag / MAX_BINS))
    edges = np.arange(0, max_lag + width, width, dtype=np.float64)
    edges[-1] = max_lag
    inside = tau[tau < max_lag]
    counts, _ = np.histogram(inside, bins=edges)
    return (edges[:-1] + edges[1:]) / 2, counts, int(len(tau) - len(inside))


def memory_figure(
    tau: np.ndarray,
    acf: np.ndarray,
    grad_by_lag: np.ndarray | None,
    look_back: int,
    suggestion: int | None = None,
) -> go.Figure:
    """The memory horizon on one lag axis (steps back), in two panels.

    Top: how many units have a time constant τ of about k steps (tau [H]; units with τ past
    the axis in one bar at its end). Bottom: the series' autocorrelation acf [K+1] at lags
    0..K and the prediction's gradient by lag [L] (index 0 = the last input, one step before
    the predicted point: drawn at k = 1) as a share of its largest. Dashed lines: the
    look-back (the window's oldest input) and, when it differs, the suggested one. The axis
    ends at K.
    """
    max_lag = len(acf) - 1
    centres, counts, rest = tau_bins(tau, max_lag)
    fig = go.Figure()
    hover = "τ ≈ %{x:.3g} steps: %{y} units<extra></extra>"
    fig.add_bar(x=centres, y=counts, name="units with this τ", marker_color=BEFORE,
                yaxis="y2", hovertemplate=hover)  # fmt: skip
    if rest:
        fig.add_bar(x=[max_lag], y=[rest], name=f"τ ≥ {max_lag} (or never forgets)",
                    marker_color=AFTER, yaxis="y2")  # fmt: skip
    lags = np.arange(len(acf))
    fig.add_scatter(x=lags, y=np.asarray(acf, np.float64), name="series autocorrelation",
                    mode="lines", line={"color": TRUTH})  # fmt: skip
    if grad_by_lag is not None and np.max(grad_by_lag) > 0:
        g = np.asarray(grad_by_lag, np.float64)
        fig.add_scatter(x=np.arange(1, len(g) + 1), y=g / g.max(), mode="lines+markers",
                        name="gradient |∂ŷ/∂x| by lag (share of largest)",
                        line={"color": AFTER})  # fmt: skip
    marks = [(look_back, f"look-back {look_back}")]
    if suggestion is not None and suggestion != look_back:
        marks.append((suggestion, f"suggested {suggestion}"))
    for x, text in marks:  # across both panels
        fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                      line={"dash": "dash", "color": "#555", "width": 1})  # fmt: skip
        fig.add_annotation(x=x, y=1, xref="x", yref="paper", text=text, showarrow=False,
                           yanchor="bottom", font={"size": 11})  # fmt: skip
    lags_axis = {"title": {"text": "steps back (lag k, time constant τ)"},
                 "range": [-0.5, max_lag + 0.5]}  # fmt: skip
    fig.update_layout(
        title="Memory horizon: what the units keep, what the series and the model use",
        height=520,
        margin={**_MARGIN, "t": 70},
        xaxis=lags_axis,
        yaxis={"domain": [0.0, 0.42], "title": {"text": "correlation / share"},
               "range": [-1.05, 1.05]},
        yaxis2={"domain": [0.55, 1.0], "title": {"text": "units"}, "anchor": "x",
                "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.15},
        bargap=0.1,
    )  # fmt: skip
    return fig
