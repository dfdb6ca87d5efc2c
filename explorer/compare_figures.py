"""Pure figure builders for the Compare page: arrays in, `go.Figure` out (no Streamlit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lstm_core.inside.gates import CELL_LABELS

CELL_COLORS = {"lstm": "#d62728", "gru": "#1f77b4", "rnn": "#2ca02c"}
LEARNED_BELOW = 0.85  # memory task: val MSE / mean-baseline MSE under this counts as learned


def decade_axis(values: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """A log axis labelled at powers of ten only (plotly would label 2, 5, ... between
    them): tick values, their labels and a range of whole decades around the values."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return {}
    lo, hi = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    hi = max(hi, lo + 1)
    ticks = [10.0**k for k in range(lo, hi + 1)]
    return {"tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks], "range": [lo, hi]}


def _decades(fig: go.Figure) -> go.Figure:
    """Label the figure's log y axis at powers of ten only, from the values drawn."""
    ys = [np.asarray(t.y, dtype=np.float64) for t in fig.data if t.y is not None]
    axis = decade_axis(np.concatenate(ys)) if ys else {}
    if axis:
        fig.update_yaxes(**axis)
    return fig


def _base(title: str, x: str, y: str, log_y: bool = False) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        yaxis_type="log" if log_y else "linear",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=360,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def val_curves_figure(curves: Mapping[str, Sequence[Any]], log_y: bool = True) -> go.Figure:
    """Validation loss per epoch, one line per cell. curves: cell -> EpochRecords."""
    fig = _base("Validation loss", "epoch", "MSE (scaled units)", log_y)
    for cell, hist in curves.items():
        fig.add_scatter(
            x=[r.epoch for r in hist],
            y=[r.val_loss for r in hist],
            mode="lines+markers",
            name=CELL_LABELS.get(cell, cell),
            line={"color": CELL_COLORS.get(cell)},
        )
    longest = max((len(h) for h in curves.values()), default=0)
    fig.update_xaxes(tickformat="d", dtick=1 if longest <= 15 else None)
    return _decades(fig) if log_y else fig


def seed_curves_figure(runs: Sequence[Sequence[Any]], seeds: Sequence[int]) -> go.Figure:
    """Validation loss per epoch of every seed's run, one colour per cell (log scale, labels
    at powers of ten): the spread between a cell's lines is the seeds' noise.
    runs: [seed][cell] CellResults; seeds: the seed of each."""
    fig = _base(f"Validation loss, {len(runs)} seed{'s' if len(runs) > 1 else ''} per cell",
                "epoch", "MSE (scaled units)", log_y=True)  # fmt: skip
    longest = 0
    for k, (run, seed) in enumerate(zip(runs, seeds, strict=True)):
        for r in run:
            hist = r.fit.history
            longest = max(longest, len(hist))
            label = CELL_LABELS.get(r.cell, r.cell)
            fig.add_scatter(x=[h.epoch for h in hist], y=[h.val_loss for h in hist],
                            mode="lines" if len(hist) > 1 else "markers",  # 1 epoch: a dot
                            name=label, legendgroup=r.cell, showlegend=k == 0,
                            line={"color": CELL_COLORS.get(r.cell), "width": 2 if k == 0 else 1},
                            hovertemplate=f"{label}, seed {seed}<br>epoch %{{x}}: %{{y:.4g}}"
                            "<extra></extra>")  # fmt: skip
    fig.update_xaxes(tickformat="d", dtick=1 if longest <= 15 else None)
    return _decades(fig)


GRAD_WORDS = {  # the gradient-by-lag figure's words (the Learn page passes its language's)
    "title": "How much the prediction feels an input k steps back",
    "x": "lag k (steps before the prediction)",
    "trained": "trained",
    "init": "at init",
}


def gradient_by_lag_figure(
    grads: Mapping[str, tuple[np.ndarray, np.ndarray]], words: Mapping[str, str] = GRAD_WORDS
) -> go.Figure:
    """Mean |∂ŷ/∂x_{t−k}| against lag k (log scale): dashed at initialisation, solid trained.

    grads: cell -> (init [L], trained [L]), both indexed by lag; words: GRAD_WORDS's keys.
    """
    fig = _base(words["title"], words["x"], "mean |∂ŷ/∂x(t−k)|", log_y=True)
    for cell, (init, trained) in grads.items():
        color, label = CELL_COLORS.get(cell), CELL_LABELS.get(cell, cell)
        lags = np.arange(len(trained))
        fig.add_scatter(x=lags, y=_positive(trained), name=f"{label} {words['trained']}",
                        line={"color": color})  # fmt: skip
        fig.add_scatter(x=lags, y=_positive(init), name=f"{label} {words['init']}",
                        line={"color": color, "dash": "dot"})  # fmt: skip
    return _decades(fig)


def hidden_gradient_figure(norms: Mapping[str, np.ndarray]) -> go.Figure:
    """‖∂loss/∂h_t‖ for each timestep t of a window during one training step (log scale)."""
    fig = _base(
        "Gradient reaching each timestep's hidden state (one training step)",
        "timestep t in the window (last = next to the prediction)",
        "‖∂loss/∂h_t‖",
        log_y=True,
    )
    for cell, v in norms.items():
        fig.add_scatter(x=np.arange(len(v)), y=_positive(v), name=CELL_LABELS.get(cell, cell),
                        line={"color": CELL_COLORS.get(cell)})  # fmt: skip
    return _decades(fig)


def memory_figure(points: Sequence[Any]) -> go.Figure:
    """Memory task: val MSE / mean-baseline MSE against the echo distance K, one line per cell.

    1 means the cell learned nothing beyond the mean; below the dotted line it remembers.
    """
    fig = _base(
        "Memory task: can the cell carry a spike K steps?",
        "echo distance K",
        "val MSE / mean-baseline MSE",
    )
    for cell in dict.fromkeys(p.cell for p in points):
        pts = sorted((p for p in points if p.cell == cell), key=lambda p: p.lag)
        fig.add_scatter(x=[p.lag for p in pts], y=[p.ratio for p in pts], mode="lines+markers",
                        name=CELL_LABELS.get(cell, cell),
                        line={"color": CELL_COLORS.get(cell)})  # fmt: skip
    fig.add_hline(y=1.0, line={"dash": "dash", "color": "#7f7f7f"},
                  annotation_text="learned nothing (= mean)")  # fmt: skip
    fig.add_hline(y=LEARNED_BELOW, line={"dash": "dot", "color": "#7f7f7f"},
                  annotation_text="learned", annotation_position="bottom right")  # fmt: skip
    return fig


def spread_table(runs: Sequence[Sequence[Any]], found: Sequence[Any]) -> pd.DataFrame:
    """One row per cell: size, speed and the test RMSE over the seeds (mean, lowest,
    highest) beside the baselines' (every one its verdict weighs). runs: [seed][cell]
    CellResults; found: their Spreads."""
    rows = []
    for k, s in enumerate(found):
        first = runs[0][k]
        t = first.evaluation.table
        rows.append(
            {
                "cell": CELL_LABELS.get(s.cell, s.cell),
                "hidden": first.model.cfg.hidden_size,
                "parameters": first.params,
                "s / epoch": float(np.median([run[k].seconds_per_epoch for run in runs])),
                "test RMSE, mean": s.mean,
                "lowest": s.low,
                "highest": s.high,
                **baseline_columns(t),
            }
        )
    return pd.DataFrame(rows).set_index("cell")


def baseline_columns(table: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """The test RMSE of every baseline in an evaluation table (naive, seasonal naive when
    the series has a season, mean): the rivals its verdict names the best of."""
    return {f"{k.replace('_', ' ')} RMSE": v["rmse"] for k, v in table.items() if k != "model"}


def _positive(v: np.ndarray) -> np.ndarray:
    """Zeros can't be drawn on a log axis: show them as gaps."""
    v = np.asarray(v, dtype=np.float64)
    return np.where(v > 0, v, np.nan)
