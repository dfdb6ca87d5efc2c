"""Pure figure builders for forecast quality: what the model sees under each transform, error
by horizon against the baselines, and forecasts with their prediction intervals.

Arrays in, `go.Figure` out; no Streamlit, no torch. Text from a file (column names) goes
through `plain` so Plotly shows it literally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures import COLORS, ROW_NAMES, envelope, plain
from lstm_core.series.transforms import Transform

BASELINE_COLORS = {"naive": "#7f7f7f", "seasonal_naive": "#17becf", "mean": "#bcbd22"}
REFERENCE_COLORS = {"AutoETS": "#2ca02c", "AutoTheta": "#9467bd", "AutoARIMA": "#8c564b"}


def transform_figure(
    x: Sequence[Any], values: np.ndarray, transforms: Sequence[Transform], column: str
) -> go.Figure:
    """Small multiples: the series as the model will see it under each transform (before
    scaling). Panel k draws z = transform(values) at the positions it belongs to."""
    v = np.asarray(values, dtype=np.float64)
    xs = np.asarray(list(x), dtype=object) if not isinstance(x, np.ndarray) else x
    titles = [plain(tf.label(column)) for tf in transforms]
    fig = make_subplots(rows=1, cols=len(transforms), subplot_titles=titles,
                        horizontal_spacing=0.05)  # fmt: skip
    for j, tf in enumerate(transforms):
        z = tf.forward(v)  # [N - d]
        keep = envelope(z)
        fig.add_trace(
            go.Scatter(
                x=xs[tf.lag :][keep], y=z[keep], mode="lines", name=tf.kind,
                line={"color": COLORS["train"], "width": 1}, showlegend=False,
            ),
            row=1, col=j + 1,
        )  # fmt: skip
    fig.update_layout(height=200, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    fig.update_annotations(font_size=12)
    return fig


FAR_ABOVE = 3  # a backtest baseline this many times above the lines that matter starts hidden


def horizon_figure(
    model: Sequence[float],
    baselines: Mapping[str, Sequence[float]],
    references: Mapping[str, Sequence[float]] | None = None,
) -> go.Figure:
    """RMSE by steps ahead (1..H) of the model, each baseline (dotted) and each classic
    reference (dashed, named "reference: AutoETS"), from the backtest. A baseline whose every
    RMSE is over FAR_ABOVE times the highest of the model's, the references' and the best
    baseline's (the lowest on average, the one the verdict names; always drawn) starts hidden
    (a click on its legend entry shows it), so it does not squash the lines that matter."""
    steps = np.arange(1, len(model) + 1)
    lines = {k: np.asarray(r, dtype=float) for k, r in baselines.items()}  # name -> [H]
    best = min(lines, key=lambda k: np.nanmean(lines[k]), default=None)
    kept = [model, *(references or {}).values(), *([lines[best]] if best else [])]
    top = np.nanmax(np.concatenate([np.asarray(r, dtype=float) for r in kept]))
    fig = go.Figure()
    for name, r in (references or {}).items():
        fig.add_trace(
            go.Scatter(
                x=steps, y=list(r), mode="lines+markers", name=f"reference: {name}",
                line={"color": REFERENCE_COLORS.get(name), "dash": "dash", "width": 2},
                marker={"symbol": "diamond"},
            )
        )  # fmt: skip
    for name, r in baselines.items():
        fig.add_trace(
            go.Scatter(
                x=steps, y=list(r), mode="lines+markers", name=ROW_NAMES.get(name, name),
                line={"color": BASELINE_COLORS.get(name), "dash": "dot", "width": 1.5},
                visible="legendonly" if np.nanmin(lines[name]) > FAR_ABOVE * top else True,
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=steps, y=list(model), mode="lines+markers", name="model",
            line={"color": COLORS["model"], "width": 3},
        )
    )  # fmt: skip
    fig.update_xaxes(tickformat="d", dtick=1 if len(steps) <= 24 else None)
    fig.update_layout(
        xaxis_title="steps ahead", yaxis_title="RMSE (original units)",
        margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
    )  # fmt: skip
    return fig
