"""Pure figures and words for the adding problem on the Compare page (no Streamlit): results
of explorer/compare_jobs.py in, `go.Figure`, DataFrames and sentences out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.compare_figures import CELL_COLORS
from explorer.gate_figures import DIVERGING, SEQUENTIAL
from lstm_core.inside.gates import CELL_LABELS

TARGET_SOLVED = 0.95  # lstm_core.experiments.tasks.AddingConfig's default: a run stops there
MARK_COLOR = "#ff7f0e"
GATE_TITLES = {
    "i": "input gate i (0 shut … 1 open)",
    "f": "forget gate f (0 forget … 1 keep)",
    "c": "cell state c",
}


def solved_curves_figure(
    curves: Mapping[str, Sequence[Any]], baseline: float, target: float = TARGET_SOLVED
) -> go.Figure:
    """Share of the test set solved against training sequences seen, one line per cell.

    curves: cell -> TaskProgress-like records (sequences_seen, solved); baseline: the share
    that always answering 1 gets (a dashed line: a cell on it has learned nothing)."""
    fig = go.Figure()
    for cell, pts in curves.items():
        fig.add_scatter(
            x=[p.sequences_seen for p in pts],
            y=[100 * p.solved for p in pts],
            mode="lines+markers",
            marker={"size": 4},
            name=CELL_LABELS.get(cell, cell),
            line={"color": CELL_COLORS.get(cell)},
        )
    fig.add_hline(y=100 * target, line={"dash": "dot", "color": "#7f7f7f"},
                  annotation_text=f"solved ({target:.0%} of the test set)",
                  annotation_position="bottom right")  # fmt: skip
    fig.add_hline(y=100 * baseline, line={"dash": "dash", "color": "#7f7f7f"},
                  annotation_text="always answering 1 (learned nothing)",
                  annotation_position="top right")  # fmt: skip
    fig.update_layout(
        title="Adding problem: share of the test sequences solved (|error| < 0.04)",
        xaxis_title="training sequences seen",
        yaxis_title="solved (%)",
        yaxis_range=[0, 100],
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def sweep_table(result: Any, cells: Sequence[str] = ("lstm", "gru", "rnn")) -> pd.DataFrame:
    """Solved share (%) per cell (rows) and T (columns "T = 25", ...); NaN: not run yet."""
    rows = {}
    for cell in cells:
        rows[CELL_LABELS[cell]] = {
            f"T = {t}": 100 * result.cells[(cell, t)].solved if (cell, t) in result.cells
            else np.nan
            for t in result.lengths
        }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


def sequence_figure(example: Any) -> go.Figure:
    """One test sequence: its values, the two marked ones highlighted, and the sum asked."""
    v = np.asarray(example.values)  # [T]
    a, b = example.marks
    fig = go.Figure()
    colors = ["#c7c7c7"] * len(v)
    colors[a] = colors[b] = MARK_COLOR
    fig.add_bar(x=np.arange(len(v)), y=v, name="values", marker={"color": colors})
    fig.add_scatter(x=[a, b], y=[v[a] + 0.1, v[b] + 0.1], mode="text",
                    name="the two marked numbers", textfont={"color": MARK_COLOR, "size": 14},
                    text=[f"<b>{v[a]:.2f}</b>", f"<b>{v[b]:.2f}</b>"])  # fmt: skip
    for m in (a, b):
        fig.add_vline(x=m, line={"color": MARK_COLOR, "width": 1, "dash": "dot"})
    fig.update_layout(
        title=(
            f"One test sequence: the answer asked is {v[a]:.2f} + {v[b]:.2f} = "
            f"{example.target:.2f} (marks at steps {a} and {b})"
        ),
        xaxis_title="step",
        yaxis_title="value",
        yaxis_range=[0, 1.25],
        height=260,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        showlegend=False,
        bargap=0.1,
    )
    return fig


def gate_heatmaps_figure(example: Any, memory_unit: int | None = None) -> go.Figure:
    """The LSTM's i, f and c on that sequence, units × steps, one row each, each mark's column
    framed (its lines on the column's edges, so what the units do there stays visible);
    `memory_unit` (if given) named on the unit axis, and its c drawn again as a line on a
    scale of its own (on the heatmap's scale, set by the largest |c| of any unit, a small
    memory is invisible)."""
    names = ("i", "f", "c")
    rows = 4 if memory_unit is not None else 3
    titles = [GATE_TITLES[g] for g in names]
    if memory_unit is not None:
        titles.append(f"c of unit {memory_unit} (memory), on its own scale")
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=titles)  # fmt: skip
    hidden, steps = example.gates["i"].shape  # [H, T]
    labels = [f"unit {u}" + (" (memory)" if u == memory_unit else "") for u in range(hidden)]
    c = example.gates["c"]
    cmax = float(np.abs(c).max()) or 1.0
    for row, g in enumerate(names, start=1):
        gate = g != "c"
        fig.add_heatmap(
            z=example.gates[g],
            x=np.arange(steps),
            y=labels,
            coloraxis="coloraxis" if gate else "coloraxis2",
            name=g,
            hovertemplate=f"{g} %{{z:.3f}}<br>%{{y}}, step %{{x}}<extra></extra>",
            row=row,
            col=1,
        )
    if memory_unit is not None:
        fig.add_scatter(x=np.arange(steps), y=c[memory_unit], mode="lines",
                        line={"color": "#1f3b73"}, name=f"c, unit {memory_unit}",
                        showlegend=False, row=4, col=1)  # fmt: skip
    for m in example.marks:
        fig.add_vrect(x0=m - 0.5, x1=m + 0.5, line={"color": MARK_COLOR, "width": 2},
                      fillcolor="rgba(0,0,0,0)", row="all", col=1)  # fmt: skip
    heat = 3 * 12 * hidden
    fig.update_layout(
        title="Inside the trained LSTM on that sequence (orange frames: the two marks)",
        height=180 + 60 * rows + heat + (160 if memory_unit is not None else 0),
        margin={"l": 110, "r": 20, "t": 70, "b": 40},
        coloraxis={"colorscale": SEQUENTIAL, "cmin": 0, "cmax": 1,
                   "colorbar": {"title": "i, f", "y": 0.75, "len": 0.5}},
        coloraxis2={"colorscale": DIVERGING, "cmin": -cmax, "cmax": cmax,  # as on Gates
                    "colorbar": {"title": "c", "y": 0.35, "len": 0.25}},
    )  # fmt: skip
    fig.update_xaxes(title_text="step", row=rows, col=1)
    fig.update_yaxes(autorange="reversed", showticklabels=hidden <= 40)
    if memory_unit is not None:
        fig.update_yaxes(autorange=True, showticklabels=True, title_text="c", row=4, col=1)
    return fig


# --------------------------------------------------------------------------- words


def run_sentence(run: Any, baseline: float) -> str:
    """What one cell's run showed: solved or not, after how many sequences and seconds."""
    label = CELL_LABELS.get(run.cell, run.cell)
    size = f"{run.hidden} units, {run.params:,} parameters"
    if run.status == "solved":
        return (f"{label} ({size}): solved {run.solved:.1%} of the test sequences after "
                f"{run.sequences_seen:,} training sequences ({run.seconds:.1f} s).")  # fmt: skip
    how = {"budget": "after its whole budget of", "stopped": "when stopped at",
           "diverged": "when its loss diverged at"}.get(run.status, "after")  # fmt: skip
    near = run.solved <= baseline + 0.03
    tail = (f" About what always answering 1 gets ({baseline:.1%}): it learned nothing."
            if near else "")  # fmt: skip
    return (f"{label} ({size}): {run.solved:.1%} solved {how} "
            f"{run.sequences_seen:,} sequences ({run.seconds:.1f} s).{tail}")  # fmt: skip


def gate_sentences(act: Any) -> list[str]:
    """The gates at the marks, in words (lstm_core.experiments.taskgates.CaughtInTheAct)."""
    g = act.gates
    u = g.memory_unit
    return [
        f"Input gate, mean over all units and test sequences: {g.input_at_marks.mean():.2f} "
        f"at the two marked steps, {g.input_elsewhere.mean():.2f} at the other steps. Unit "
        f"{u}, the one that best takes in a marked number and keeps it: "
        f"{g.input_at_marks[u]:.2f} at the marks, {g.input_elsewhere[u]:.2f} elsewhere.",
        f"Forget gate between the two marks: {g.forget_between_marks.mean():.2f} on average "
        f"(unit {u}: {g.forget_between_marks[u]:.3f}; 1 keeps everything).",
    ]


def follows(first: float, second: float) -> str:
    """Which marked number clamped answers follow, from their correlations with each."""
    if second > 0.5 and abs(first) < 0.3:
        return "the second number alone: the first was forgotten"
    if first > 0.5 and abs(second) < 0.3:
        return "the first number alone: the second never got in"
    return "neither number alone"


def clamp_sentences(act: Any, example: Any = None) -> list[str]:
    """The two clamps and what they did to the test MSE, in plain words (what the answers
    follow is read from their correlations, not assumed)."""
    before = act.unclamped_mse
    forget = (
        f"Close the forget gate between the marks (f = 0 for every unit from the step after "
        f"the first mark to the second): test MSE {before:.4f} → "
        f"{act.clamp_forget_between_marks_mse:.4f}. The answers now follow "
        f"{follows(act.clamp_forget_corr_first, act.clamp_forget_corr_second)} (correlation "
        f"with the first number {act.clamp_forget_corr_first:.2f}, with the second "
        f"{act.clamp_forget_corr_second:.2f})."
    )
    shut = (
        f"Close the input gate at the second mark (i = 0 for every unit at that step): test "
        f"MSE {before:.4f} → {act.clamp_input_at_second_mark_mse:.4f}. The answers now follow "
        f"{follows(act.clamp_input_corr_first, act.clamp_input_corr_second)} (correlation "
        f"with the first number {act.clamp_input_corr_first:.2f}, with the second "
        f"{act.clamp_input_corr_second:.2f})."
    )
    out = [forget, shut]
    if example is not None:
        a, b = example.marks
        out.append(
            f"On the sequence above the model answers {example.answer:.2f} (asked "
            f"{example.target:.2f}); with the forget gate closed between the marks, "
            f"{example.answer_forget_clamped:.2f}; with the input gate closed at step {b}, "
            f"{example.answer_input_clamped:.2f} (the first number is {example.values[a]:.2f}, "
            f"the second {example.values[b]:.2f})."
        )
    return out
