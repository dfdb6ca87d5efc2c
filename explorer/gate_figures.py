"""Pure builders for the Gates page: heatmaps, unit lines, input chart, exports (the equations
are written in explorer/equations.py, shared with the Learn page).

Everything here takes numpy arrays (one layer of a `lstm_core.inside.gates.GateTrace` as a dict
name -> [T, H], already sliced to one window) and returns a `go.Figure`, text or bytes. No
streamlit import: all of it is tested without a running app.

Colour ranges are fixed so that colours mean the same thing on every window, layer and
model: σ gates (i, f, o; GRU r, z) in [0, 1] on a sequential scale; tanh values (g = C̃,
GRU n, h) in [-1, 1] on a diverging scale centred on 0; the cell state c is unbounded, so
it gets a diverging scale symmetric about 0, ±max|c| of what is shown.

Layouts are written out by hand (no `make_subplots`, which costs ~100 ms per call), and
arrays stay float32 so Plotly sends them to the browser as compact base64 typed arrays.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures import plain
from lstm_core.inside.gatesfile import write_gates_npz
from lstm_core.inside.gatestats import GATE_LABELS, LOW, SIGMOID, TANH, bin_means, bin_size
from lstm_core.inside.gatestats import saturation as unit_saturation

__all__ = [
    "GATE_LABELS",
    "MAX_COLS",
    "bin_centres",
    "color_range",
    "date_range",
    "downsample_note",
    "downsample_time",
    "gates_csv",
    "gates_figure",
    "gates_npz",
    "max_cols_for",
    "saturation",
    "saturation_of",
    "span_figure",
    "span_summary",
    "split_spans",
    "unit_figure",
    "unit_stats",
    "window_figure",
    "window_layers",
    "window_part",
]

SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"  # negative blue, positive red, white at 0

MAX_COLS = 2000  # never more heatmap columns than this
MIN_CORR_STEPS = 10  # the units table shows correlations only for longer spans
CELL_BUDGET = 200_000  # at most this many heatmap cells (all rows, 0.8 MB float32) per figure
MIN_COLS = 200

_INPUT_SHARE = 1.6  # the input row is this many heatmap rows tall
_GAP = 0.025  # vertical gap between rows, as a share of the plot height


# --------------------------------------------------------------------------- arrays


def window_layers(
    layers: Sequence[dict[str, np.ndarray]], b: int = 0
) -> list[dict[str, np.ndarray]]:
    """Window b of a trace's layers: [B, T, H] arrays -> [T, H] views."""
    return [{name: arr[b] for name, arr in layer.items()} for layer in layers]


def max_cols_for(hidden: int, n_rows: int) -> int:
    """How many time columns the whole-series heatmap may have for `n_rows` × `hidden` rows:
    CELL_BUDGET cells in all, between MIN_COLS and MAX_COLS."""
    return int(min(MAX_COLS, max(MIN_COLS, CELL_BUDGET // max(1, hidden * n_rows))))


def downsample_time(arr: np.ndarray, max_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over consecutive bins of k = ceil(T / max_cols) timesteps along axis 0.

    arr [T, ...] -> (binned [ceil(T / k), ...] in arr's dtype, x [ceil(T / k)] float64: the
    centre timestep of each bin, e.g. 1.5 for steps 0..3). The last bin may be shorter; it is
    the mean of the steps it has. T ≤ max_cols: arr itself and x = 0..T-1.
    """
    a = np.asarray(arr)
    k = bin_size(a.shape[0], max_cols)
    if k == 1:
        return a, np.arange(a.shape[0], dtype=np.float64)
    return bin_means(a, k).astype(a.dtype if a.dtype.kind == "f" else np.float64), bin_centres(
        a.shape[0], k
    )


def bin_centres(steps: int, k: int) -> np.ndarray:
    """The centre timestep of each bin of k steps (the last bin may be shorter)."""
    starts = np.arange(0, steps, k)
    return starts + (np.minimum(starts + k, steps) - 1 - starts) / 2


def span_summary(summary, values: np.ndarray, start: int = 0) -> dict[str, object]:
    """What the whole-series view shows of a `lstm_core.inside.gatesummary.RunSummary` of points
    start.. whose original values are `values`: per layer the bin means, the saturation
    table and the units table, and the input values binned the same way.

    Returns {"layers": [name -> [cols, H]], "saturation": [DataFrame], "units": [DataFrame],
    "names", "x": [cols] bin centres as series positions, "values": [cols], "k": timesteps
    per column}.
    """
    k, n_layers = summary.k, len(summary.means)

    def corr(lay: int) -> tuple:
        ok = summary.steps > MIN_CORR_STEPS  # fewer rows give correlations of ±1 or noise
        return (summary.corr_input[lay], summary.corr_next[lay]) if ok else (None, None)

    return {
        "layers": summary.means,
        "saturation": [
            saturation_of(summary.shares(lay), summary.names) for lay in range(n_layers)
        ],
        "units": [unit_stats(summary.shares(lay), *corr(lay)) for lay in range(n_layers)],
        "names": summary.names,
        "x": bin_centres(summary.steps, k) + start,
        "values": bin_means(np.asarray(values), k),
        "k": k,
    }


def unit_stats(
    shares: dict[str, dict[str, np.ndarray]],
    corr_input: np.ndarray | None,
    corr_next: np.ndarray | None,
) -> pd.DataFrame:
    """One row per unit: how its h correlates with the input x_t and with the next value
    x_{t+1} (what it helps predict), and its σ gates' saturation (share < 0.1 / > 0.9).

    shares: `lstm_core.inside.gatestats.saturation`'s {name: {"low": [H], "high": [H]}}; corr_*:
    [H] over one continuous run, or None (no correlation columns). Sorted by the strongest
    |correlation| first, so "the unit that tracks the trend" is on top.
    """
    hid = len(next(iter(shares.values()))["low"]) if shares else len(corr_input)
    rows: dict[str, object] = {"unit": np.arange(hid)}
    if corr_input is not None:
        rows["corr with input"] = corr_input
        rows["corr with next value"] = corr_next
    for gate, share in shares.items():
        if gate in SIGMOID:
            rows[f"{gate} < 0.1"] = share["low"]
            rows[f"{gate} > 0.9"] = share["high"]
    frame = pd.DataFrame(rows)
    if corr_input is not None:
        strength = np.maximum(np.abs(corr_input), np.abs(corr_next))
        frame = frame.iloc[np.argsort(-strength, kind="stable")]
    return frame.reset_index(drop=True)


def window_part(split, w: int) -> str:
    """ "train", "val" or "test": the part of the chronological split window w belongs to."""
    if w < split.n_train:
        return "train"
    return "val" if w < split.n_train + split.n_val else "test"


def split_spans(split, start: int, end: int) -> list[tuple[float, float, str]]:
    """(x0, x1, part) bands of the points [start, end) that each part's windows touch last:
    train up to split.train_end, val up to split.val_end, test to the end of the series."""
    bounds = (
        ("train", 0, split.train_end),
        ("val", split.train_end, split.val_end),
        ("test", split.val_end, split.n_windows + split.look_back + getattr(split, "lag", 0)),
    )
    out = []
    for part, a, b in bounds:
        a, b = max(a, start), min(b, end)
        if a < b:
            out.append((a - 0.5, b - 0.5, part))
    return out


def color_range(name: str, arr: np.ndarray | None = None) -> dict[str, object]:
    """Heatmap colour settings of one gate: zmin, zmax, colorscale and (diverging) zmid."""
    if name in SIGMOID:
        return {"zmin": 0.0, "zmax": 1.0, "colorscale": SEQUENTIAL}
    if name in TANH:
        return {"zmin": -1.0, "zmax": 1.0, "zmid": 0.0, "colorscale": DIVERGING}
    top = float(np.nanmax(np.abs(arr))) if arr is not None and np.size(arr) else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return {"zmin": -top, "zmax": top, "zmid": 0.0, "colorscale": DIVERGING}


def saturation(layer: dict[str, np.ndarray], names: Sequence[str]) -> pd.DataFrame:
    """Share of saturated values per gate of `layer` (name -> [T, H]): see `saturation_of`."""
    return saturation_of(unit_saturation({n: layer[n] for n in names}), names)


def saturation_of(shares: dict[str, dict[str, np.ndarray]], names: Sequence[str]) -> pd.DataFrame:
    """One row per gate in `names` that can saturate (σ gates below 0.1 / above 0.9, tanh
    values below -0.9 / above 0.9; c is left out), from per-unit shares (every unit counts
    the same number of values, so a gate's share is the mean over units)."""
    rows = [
        {
            "gate": GATE_LABELS.get(name, name),
            "low": float(np.mean(shares[name]["low"])) if len(shares[name]["low"]) else 0.0,
            "high": float(np.mean(shares[name]["high"])) if len(shares[name]["high"]) else 0.0,
            "low means": f"< {LOW[name]:g}",
        }
        for name in names
        if name in shares
    ]
    return pd.DataFrame(rows, columns=["gate", "low", "high", "low means"])


# --------------------------------------------------------------------------- exports


def gates_npz(
    x: np.ndarray,
    layers: Sequence[dict[str, np.ndarray]],
    sees: str = "",
    x_names: Sequence[str] | None = None,
) -> bytes:
    """The CLI's .npz layout (lstm_core.inside.gatesfile): "x" [T] (the model's inputs; with inputs
    beside the target [T, 1 + F] and "x_names"), "sees" (what x is, in words, e.g.
    "Δ passengers, scaled") and "<name>_l<k>" [T, H] for every layer k."""
    buf = io.BytesIO()
    write_gates_npz(buf, x, layers, sees, x_names=x_names or ())
    return buf.getvalue()


def gates_csv(layers: Sequence[dict[str, np.ndarray]]) -> bytes:
    """Tidy CSV (UTF-8) with columns layer, timestep, unit, gate, value: one row per value,
    ordered by layer, gate (display order), timestep, unit."""
    frames = []
    for k, layer in enumerate(layers):
        for name, arr in layer.items():
            a = np.asarray(arr)
            steps, hid = a.shape
            frames.append(
                pd.DataFrame(
                    {
                        "layer": np.full(a.size, k, dtype=np.int32),
                        "timestep": np.repeat(np.arange(steps, dtype=np.int32), hid),
                        "unit": np.tile(np.arange(hid, dtype=np.int32), steps),
                        "gate": name,
                        "value": a.reshape(-1),
                    }
                )
            )
    table = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["layer", "timestep", "unit", "gate", "value"])
    )
    return table.to_csv(index=False, float_format="%.7g").encode("utf-8")


# --------------------------------------------------------------------------- figures


def _rows(n_heat: int, with_input: bool) -> list[tuple[float, float]]:
    """Domains of the rows from top to bottom: the optional input row, then n_heat rows."""
    shares = ([_INPUT_SHARE] if with_input else []) + [1.0] * n_heat
    usable = 1.0 - _GAP * (len(shares) - 1)
    total = sum(shares)
    out, top = [], 1.0
    for s in shares:
        h = usable * s / total
        out.append((max(0.0, top - h), top))
        top -= h + _GAP
    return out


def gates_figure(
    layer: dict[str, np.ndarray],
    names: Sequence[str],
    x: np.ndarray | None = None,
    *,
    inputs: tuple[np.ndarray, np.ndarray] | None = None,
    target: tuple[float, float] | None = None,
    value_label: str = "value",
    time_label: str = "timestep",
    title: str | None = None,
    spans: Sequence[tuple[float, float, str]] = (),
) -> go.Figure:
    """Heatmaps of one layer, units (y) × timesteps (x), one row per gate in `names`, all on
    one shared time axis, with fixed colour ranges (see `color_range`).

    layer:  name -> [T, H] arrays;  x: [T] time positions (default 0..T-1).
    inputs: optional (x_in, values) drawn as a line in a top row (the model's input).
    target: optional (x, value) marker in the input row (the point the model predicts).
    value_label: y title of the input row (shown as plain text). time_label: x-axis title
    and hover name of x. spans: (x0, x1, label) shaded bands in the input row
    (e.g. train / val / test).
    """
    names = [n for n in names if n in layer]
    steps, hid = np.asarray(layer[names[0]]).shape if names else (0, 0)
    xs = np.arange(steps) if x is None else np.asarray(x)
    with_input = inputs is not None
    domains = _rows(len(names), with_input)
    n_axes = len(domains)
    per_row = int(np.clip(hid * 5, 90, 200))
    height = int(per_row * (len(names) + (_INPUT_SHARE if with_input else 0)) + 90)
    lay: dict[str, object] = {
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 50 if title else 20, "b": 45},
        "showlegend": False,
        "hovermode": "closest",
    }
    if title:
        lay["title"] = {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 14}}
    data: list[dict[str, object]] = []
    for k, (lo, hi) in enumerate(domains):
        ax = "" if k == 0 else str(k + 1)
        lay[f"xaxis{ax}"] = {
            "anchor": f"y{ax}",
            "showticklabels": k == n_axes - 1,
            **({"matches": "x"} if k else {}),
            **({"title": {"text": time_label}} if k == n_axes - 1 else {}),
        }
        lay[f"yaxis{ax}"] = {"domain": [lo, hi], "anchor": f"x{ax}"}
    row = 0
    if with_input:
        x_in, v_in = inputs
        data.append(
            {
                "type": "scatter",
                "x": np.asarray(x_in),
                "y": np.asarray(v_in),
                "mode": "lines",
                "name": "input",
                "line": {"color": "#444", "width": 1.5},
                "hovertemplate": f"{time_label} %{{x}}<br>value %{{y:.4g}}<extra>input</extra>",
            }
        )
        if target is not None:
            data.append(
                {
                    "type": "scatter",
                    "x": [float(target[0])],
                    "y": [float(target[1])],
                    "mode": "markers",
                    "name": "target",
                    "marker": {"color": "#d62728", "size": 9, "symbol": "star"},
                    "hovertemplate": "target %{y:.4g}<extra></extra>",
                }
            )
        lay["yaxis"]["title"] = {"text": plain(value_label)}  # type: ignore[index]
        lay["shapes"] = [
            {
                "type": "rect", "xref": "x", "yref": "y domain", "x0": a, "x1": b,
                "y0": 0, "y1": 1, "fillcolor": c, "opacity": 0.08, "line": {"width": 0},
                "layer": "below",
            }
            for (a, b, _), c in zip(spans, ("#1f77b4", "#ff7f0e", "#2ca02c"), strict=False)
        ]  # fmt: skip
        lay["annotations"] = [
            {"x": (a + b) / 2, "y": 1, "xref": "x", "yref": "y domain", "text": plain(lab),
             "showarrow": False, "yanchor": "bottom", "font": {"size": 11}}
            for a, b, lab in spans
        ]  # fmt: skip
        row = 1
    for name in names:
        z = np.asarray(layer[name])
        ax = "" if row == 0 else str(row + 1)
        lo, hi = domains[row]
        label = GATE_LABELS.get(name, name)
        lay[f"yaxis{ax}"]["title"] = {"text": label.split(" (")[0], "font": {"size": 11}}  # type: ignore[index]
        data.append(
            {
                "type": "heatmap",
                "z": z.T,  # [H, T]: units down, time across
                "x": xs,
                "y": np.arange(hid),
                "name": name,
                **color_range(name, z),
                "colorbar": {"y": (lo + hi) / 2, "len": hi - lo, "thickness": 12,
                             "yanchor": "middle", "title": {"text": name, "side": "right"}},
                "xaxis": f"x{ax}",
                "yaxis": f"y{ax}",
                "hovertemplate": (
                    f"unit %{{y}}<br>{time_label} %{{x}}<br>{name} = %{{z:.4f}}"
                    f"<extra>{label}</extra>"
                ),
            }
        )  # fmt: skip
        row += 1
    return go.Figure({"data": data, "layout": lay})


def downsample_note(k: int) -> str:
    """What a downsampled heatmap shows, or "" when every column is one timestep."""
    return "" if k == 1 else f"downsampled: each column = mean of {k} timesteps"


def date_range(time, n_points: int, a: int, b: int) -> str:
    """ " (first … last)" dates of points a and b, or "" without timestamps for n_points."""
    if time is None or len(time) != n_points:
        return ""
    fmt = (
        "%Y-%m-%d" if all(t.hour == t.minute == 0 for t in (time[a], time[b])) else "%Y-%m-%d %H:%M"
    )
    return f" ({time[a].strftime(fmt)} … {time[b].strftime(fmt)})"


def window_figure(
    gates: dict[str, np.ndarray],
    names: Sequence[str],
    values: np.ndarray,
    target: float,
    first: int,
    value_label: str = "value",
    dates: str = "",
    window: int | None = None,
) -> go.Figure:
    """The window view: its input (what the model read, timesteps 0..L-1), the target as a
    star at timestep L, and the heatmaps. `first`: the window's first point in the series;
    `window`: its index (default `first`; they differ when the model sees differences)."""
    look_back = len(values)
    return gates_figure(
        gates, names, inputs=(np.arange(look_back), values), target=(look_back, target),
        value_label=value_label,
        title=f"Window {first if window is None else window}: points {first}.."
        f"{first + look_back - 1}{dates}, target = point {first + look_back} (star)",
    )  # fmt: skip


def span_figure(
    gates: dict[str, np.ndarray],
    names: Sequence[str],
    x: np.ndarray,
    values: np.ndarray,
    k: int,
    span: tuple[int, int],
    split,
    value_label: str = "value",
    dates: str = "",
) -> go.Figure:
    """The whole-series view of points span = [start, end): input and heatmaps at the same
    (possibly binned, k steps per column) positions x, train/val/test bands, and a title that
    says when the heatmaps are downsampled."""
    start, end = span
    note = downsample_note(k)
    return gates_figure(
        gates, names, x, inputs=(x, values), value_label=value_label,
        time_label="point" if k == 1 else "point (bin centre)",
        title=f"Points {start}..{end - 1}{dates}" + (f" — {note}" if note else ""),
        spans=split_spans(split, start, end),
    )  # fmt: skip


def unit_figure(
    layer: dict[str, np.ndarray],
    names: Sequence[str],
    unit: int,
    x: np.ndarray | None = None,
    *,
    time_label: str = "timestep",
    mark: float | None = None,
) -> go.Figure:
    """One unit's gates and states over time (one line per name); `mark`: a vertical line."""
    names = [n for n in names if n in layer]
    data = []
    for name in names:
        y = np.asarray(layer[name])[:, unit]
        data.append(
            {
                "type": "scatter",
                "x": np.arange(len(y)) if x is None else np.asarray(x),
                "y": y,
                "mode": "lines",
                "name": GATE_LABELS.get(name, name),
                "line": {"dash": "dot" if name == "c" else "solid"},
                "hovertemplate": f"{time_label} %{{x}}<br>{name} = %{{y:.4f}}<extra></extra>",
            }
        )
    shapes = []
    if mark is not None:
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": mark, "x1": mark,
             "y0": 0, "y1": 1, "line": {"color": "#888", "dash": "dash", "width": 1}}
        )  # fmt: skip
    lay = {
        "height": 300,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 45},
        "title": {"text": f"unit {int(unit)}", "x": 0.0, "xanchor": "left", "font": {"size": 14}},
        "xaxis": {"title": {"text": time_label}},
        "yaxis": {"zeroline": True},
        "legend": {"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        "hovermode": "x unified",
        "shapes": shapes,
    }
    return go.Figure({"data": data, "layout": lay})
