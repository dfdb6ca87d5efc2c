"""Pure builders for the Learn page: the first window, the conveyor belt, the experiments'
numbers (the equations are written in explorer/equations.py, shared with the Gates page).

Arrays in, `go.Figure` or text out; no streamlit import (tested in tests/test_learn.py).
Labels come from explorer.i18n in the language asked for.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.equations import fmt_value as _v
from explorer.i18n import t as tr

__all__ = [
    "cell_inputs",
    "conveyor_figure",
    "conveyor_parts",
    "experiment_fields",
    "rmse_change",
    "timesteps_figure",
]

KEPT, WRITTEN, CELL = "#1f77b4", "#ff7f0e", "#222222"
MAX_TICK_LABELS = 24  # label every timestep of a window up to this long

# --------------------------------------------------------------------------- numbers


def cell_inputs(layer: dict[str, np.ndarray], unit: int) -> tuple[np.ndarray, ...]:
    """(c_prev, f, i, g) [T] of one unit from one window of a traced LSTM layer ([T, H] arrays);
    c_prev[t] = c[t-1], zero at t = 0 (the window starts from a zero state)."""
    c = np.asarray(layer["c"][:, unit], dtype=np.float64)
    c_prev = np.concatenate([[0.0], c[:-1]])
    return c_prev, *(np.asarray(layer[k][:, unit], dtype=np.float64) for k in "fig")


def conveyor_parts(c_prev, f, i, g) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept f·c_prev, written i·g, c = kept + written) as float64 arrays."""
    kept = np.asarray(f, np.float64) * np.asarray(c_prev, np.float64)
    written = np.asarray(i, np.float64) * np.asarray(g, np.float64)
    return kept, written, kept + written


# --------------------------------------------------------------------------- figures


def timesteps_figure(values, look_back: int, lang: str = "en") -> go.Figure:
    """The first window (values[:look_back]) and the value it predicts (values[look_back]),
    x = timestep 0..look_back; every timestep labelled when the window is short."""
    v = np.asarray(values, dtype=np.float64)
    steps = np.arange(look_back)
    fig = go.Figure()
    fig.add_scatter(x=steps, y=v[:look_back], mode="lines+markers", name=tr("fig_input", lang))
    if len(v) > look_back:
        fig.add_scatter(
            x=[look_back], y=[v[look_back]], mode="markers", name=tr("fig_target", lang),
            marker={"symbol": "star", "size": 14, "color": WRITTEN},
        )  # fmt: skip
    if look_back + 1 <= MAX_TICK_LABELS:
        ticks = list(range(look_back + 1))
        fig.update_xaxes(tickvals=ticks, ticktext=[f"t={k}" for k in ticks])
    fig.update_layout(
        title=tr("fig_window_title", lang, look_back=look_back),
        xaxis_title=tr("fig_timestep", lang),
        yaxis_title=tr("fig_value", lang),
        height=300,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def conveyor_figure(
    c_prev, f, i, g, mark: int | None = None, unit: int = 0, lang: str = "en"
) -> go.Figure:
    """The cell state c_t of one unit over a window as a line, with its two contributions
    stacked as bars: kept f_t·c_{t−1} and written i_t·C̃_t (bar sum = line, exactly).

    c_prev, f, i, g: [T] arrays; mark: a timestep to mark with a dotted line.
    """
    kept, written, c = conveyor_parts(c_prev, f, i, g)
    steps = np.arange(len(c))
    fig = go.Figure()
    fig.add_bar(x=steps, y=kept, name=tr("fig_kept", lang), marker_color=KEPT, opacity=0.75)
    fig.add_bar(
        x=steps, y=written, name=tr("fig_written", lang), marker_color=WRITTEN, opacity=0.75
    )
    fig.add_scatter(
        x=steps, y=c, mode="lines+markers", name=tr("fig_cell", lang), line={"color": CELL}
    )
    if mark is not None:
        fig.add_vline(x=mark, line_dash="dot", line_color="grey")
    fig.add_hline(y=0, line_color="lightgrey")
    fig.update_layout(
        title=tr("fig_conveyor_title", lang, unit=unit),
        barmode="relative",
        xaxis_title=tr("fig_timestep", lang),
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.25},
        meta="conveyor",
    )
    return fig


# --------------------------------------------------------------------------- experiments

SAME_WITHIN = 0.05  # a test RMSE within 5% of the trained model's reads as "about the same"


def rmse_change(before: float, after: float) -> tuple[str, str]:
    """Which way an intervention moved the test RMSE, as ("worse" | "better" | "same", "12%"):
    the numbers decide the words (a clamp may help as well as hurt)."""
    rel = after / before - 1 if before > 0 else (0.0 if after == before else np.inf)
    pct = f"{100 * abs(rel):.0f}%" if np.isfinite(rel) else "∞"
    if after > (1 + SAME_WITHIN) * before:
        return "worse", pct
    return ("better" if after < (1 - SAME_WITHIN) * before else "same"), pct


def experiment_fields(
    test, out: np.ndarray, c_before: np.ndarray, c_after: np.ndarray, unit: int, lang: str = "en"
) -> dict[str, str]:
    """The numbers an experiment's result sentence quotes, formatted (4 decimals), and
    `change`: the sentence in `lang` that says whether the clamp made the test RMSE worse,
    better or about the same.

    test: the `Intervention` on the test part; out: [n] the model's raw outputs with the
    clamp; c_before, c_after: [T, H] the shown window's layer-0 cell state without and with it.
    """
    way, pct = rmse_change(test.rmse_before, test.rmse_after)
    return {
        "change": tr(f"x_{way}", lang, pct=pct),
        "c_max": _v(float(np.abs(c_after).max())),
        "out": _v(float(out[0])),
        "spread": _v(float(np.ptp(out))),
        "n": str(len(out)),
        "unit": str(unit),
        "c_before": _v(float(c_before[-1, unit])),
        "c_after": _v(float(c_after[-1, unit])),
        "rmse_before": f"{test.rmse_before:.4g}",
        "rmse_after": f"{test.rmse_after:.4g}",
    }
