"""Pure figure builders: arrays in, `go.Figure` out. No Streamlit, no torch.

Conventions: `x` is the series' time axis [N] (timestamps or positions 0..N-1); a `split`
is anything with `train_end` and `val_end` (lstm_core.series.windows.Split): points [0, train_end)
are the training part, [train_end, val_end) validation targets, [val_end, N) test targets.
"""

from __future__ import annotations

import html
import itertools
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from lstm_core.metrics import BASELINE_NAMES

COLORS = {
    "train": "#1f77b4",
    "val": "#ff7f0e",
    "test": "#2ca02c",
    "truth": "#7f7f7f",
    "model": "#d62728",
    "forecast": "#9467bd",
}
PART_LABELS = {"train": "train", "val": "validation", "test": "test"}
BASELINE_DASH = {"naive": "dot", "seasonal_naive": "dash", "mean": "dashdot"}
METRIC_NAMES = {"rmse": "RMSE", "mae": "MAE", "smape": "sMAPE %", "mase": "MASE"}
BAND_ALPHA = {"95": 0.15, "80": 0.3}  # prediction intervals: lighter for the wider band
ROW_NAMES = {"model": "model", **BASELINE_NAMES}


MAX_LINE_POINTS = 4000  # points drawn per line; a longer line keeps each bin's extremes


def envelope(values: np.ndarray, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices of the points to draw of a line of n values: all of them when n ≤ max_points;
    otherwise, in order, the first and last point and the lowest and highest point of each
    of about max_points / 2 consecutive bins (what a screen can show of a long line: every
    spike and dip stays, and every drawn point is a real one, with its real value).
    NaNs count as neither lowest nor highest."""
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if n <= max_points:
        return np.arange(n)
    k = -(-n // max(1, (max_points - 2) // 2))  # points per bin: ceil(n / bins)
    bins = -(-n // k)
    padded = np.full(bins * k, np.nan)
    padded[:n] = v
    cols = padded.reshape(bins, k)  # [bins, k]
    real = ~np.all(np.isnan(cols), axis=1)  # bins with at least one number
    cols, start = cols[real], np.flatnonzero(real) * k
    lo, hi = np.nanargmin(cols, axis=1), np.nanargmax(cols, axis=1)
    return np.unique(np.concatenate([[0, n - 1], start + lo, start + hi]))


def time_axis(x: Sequence[Any]) -> np.ndarray:
    """A chart's x [N] (positions, timestamps or a pd.Index) as a numpy array [N], without a
    Python loop (timestamps as datetime64); shared by the figure modules."""
    return x.to_numpy() if isinstance(x, pd.Index) else np.asarray(x)


YEAR_DAYS = 360  # a median step this long or longer: yearly data
MAX_YEAR_TICKS = 10  # ... labelled with whole years, at most about this many


def year_ticks(fig: go.Figure, x: Sequence[Any]) -> go.Figure:
    """Yearly timestamps x [N] (in time order, as every chart draws them) get whole-year
    ticks ("2005", every k years), not the month ticks Plotly picks for a span of a few
    years ("Jan 2005, Jul 2005")."""
    xs = time_axis(x)
    if len(xs) < 2 or not np.issubdtype(xs.dtype, np.datetime64):
        return fig
    days = np.diff(xs).astype("timedelta64[D]").astype(np.int64)
    if np.median(days) < YEAR_DAYS:
        return fig
    span = (xs[-1] - xs[0]).astype("timedelta64[D]").astype(np.int64) / 365.25
    every = next(k for k in _round_years() if k * MAX_YEAR_TICKS >= span)
    first = pd.Timestamp(xs[0]).year // every * every  # ticks on round years: 1750, 1800
    return fig.update_xaxes(dtick=f"M{12 * every}", tick0=f"{first:04d}-01-01", tickformat="%Y")


def _round_years() -> Iterator[int]:
    """1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, ...: the steps year ticks take."""
    yield from (1, 2, 5)
    for scale in itertools.count():
        yield from (k * 10**scale for k in (10, 20, 25, 50))


class SplitLike(Protocol):
    """The part boundaries a figure needs (lstm_core.series.windows.Split has them)."""

    @property
    def train_end(self) -> int: ...

    @property
    def val_end(self) -> int: ...

    def windows(self, part: str) -> slice: ...


class EpochLike(Protocol):
    """One epoch of a history (lstm_core.fitting.train.EpochRecord)."""

    epoch: int
    train_loss: float
    val_loss: float


def plain(text: str) -> str:
    """Untrusted text made safe for Plotly's pseudo-HTML labels (shown literally)."""
    return html.escape(str(text), quote=False)


def _layout(fig: go.Figure, title: str, y_title: str, x_title: str = "") -> go.Figure:
    """Title, axis titles (y_title may come from a file: shown as plain text), legend."""
    fig.update_layout(
        # a title sits in its own band above the legend's row (they overlapped at top 40)
        title={"text": title, "yref": "container", "y": 0.98, "yanchor": "top"},
        xaxis_title=x_title,
        yaxis_title=plain(y_title),
        margin={"l": 10, "r": 10, "t": 80 if title else 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hovermode="x unified",
    )
    return fig


def _bounds(split: SplitLike, n: int) -> dict[str, tuple[int, int]]:
    """Point ranges [a, b) of each part."""
    return {
        "train": (0, split.train_end),
        "val": (split.train_end, split.val_end),
        "test": (split.val_end, n),
    }


def _plain(v: Any) -> Any:
    """A numpy scalar as a plain Python value Plotly's layout accepts (datetime64: Timestamp)."""
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v)
    return v.item() if isinstance(v, np.generic) else v


def _shade(fig: go.Figure, x: Sequence[Any], split: SplitLike, n: int) -> None:
    """Shade the validation and test regions (one rectangle each, behind the lines), written
    out as layout shapes (Plotly's add_vrect costs ~20 ms a call)."""
    shapes, notes = list(fig.layout.shapes), list(fig.layout.annotations)
    for part, (a, b) in _bounds(split, n).items():
        if part == "train" or b <= a:
            continue
        x0, x1 = _plain(x[a - 1] if a > 0 else x[a]), _plain(x[b - 1])
        shapes.append(
            {"type": "rect", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 0, "y1": 1,
             "fillcolor": COLORS[part], "opacity": 0.08, "line": {"width": 0}, "layer": "below"}
        )  # fmt: skip
        notes.append(
            {"x": x0, "y": 1, "xref": "x", "yref": "paper", "text": PART_LABELS[part],
             "showarrow": False, "xanchor": "left", "yanchor": "top"}
        )  # fmt: skip
    fig.update_layout(shapes=shapes, annotations=notes)


def series_figure(
    x: Sequence[Any], values: np.ndarray, split: SplitLike, name: str = "value"
) -> go.Figure:
    """The series as one line per part (train / validation / test), coloured and shaded.

    Each later part's trace starts at the previous part's last point so the line is unbroken.
    A part longer than MAX_LINE_POINTS is drawn by its `envelope` (the title says so).
    """
    v = np.asarray(values, dtype=np.float64)
    xs = time_axis(x)
    fig = go.Figure()
    kept = []
    for part, (a, b) in _bounds(split, len(v)).items():
        if b <= a:
            continue
        a0 = max(0, a - 1) if part != "train" else a
        keep = a0 + envelope(v[a0:b])
        kept.append(keep)
        fig.add_trace(
            go.Scatter(
                x=xs[keep],
                y=v[keep],
                mode="lines",
                name=PART_LABELS[part],
                line={"color": COLORS[part]},
            )
        )
    _shade(fig, xs, split, len(v))
    drawn = len(np.unique(np.concatenate(kept))) if kept else 0  # parts share a border point
    return year_ticks(_layout(fig, _envelope_note(drawn, len(v)), name), xs)


def _envelope_note(drawn: int, total: int) -> str:
    """The title of a chart whose lines were thinned (empty when every point is drawn)."""
    if drawn >= total:
        return ""
    return f"{drawn:,} of {total:,} points drawn: the lowest and highest of every stretch"


def loss_figure(
    history: Sequence[EpochLike],
    log_y: bool = False,
    overlays: Sequence[tuple[str, Sequence[EpochLike]]] = (),
    best_epoch: int | None = None,
) -> go.Figure:
    """Train and validation loss per epoch; earlier runs (label, history) as thin dashed lines;
    `best_epoch` (the weights the model kept) marked with a star and a line."""
    fig = go.Figure()
    for label, hist in overlays:
        ep = [r.epoch for r in hist]
        for kind, dash in (("train", "dot"), ("val", "dash")):
            y = [getattr(r, f"{kind}_loss") for r in hist]
            fig.add_trace(
                go.Scatter(
                    x=ep,
                    y=y,
                    mode="lines",
                    name=f"{label} · {kind}",
                    line={"dash": dash, "width": 1},
                    opacity=0.6,
                )
            )
    ep = [r.epoch for r in history]
    mode = "lines+markers" if len(history) < 40 else "lines"
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=[r.train_loss for r in history],
            mode=mode,
            name="train",
            line={"color": COLORS["train"]},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=[r.val_loss for r in history],
            mode=mode,
            name="validation",
            line={"color": COLORS["val"]},
        )
    )
    best = [r for r in history if r.epoch == best_epoch]
    if best:
        fig.add_vline(x=best_epoch, line={"color": COLORS["val"], "dash": "dot", "width": 1})
        fig.add_trace(
            go.Scatter(
                x=[best_epoch], y=[best[0].val_loss], mode="markers",
                name=f"kept: epoch {best_epoch}",
                marker={"symbol": "star", "size": 14, "color": COLORS["val"],
                        "line": {"color": "black", "width": 1}},
            )
        )  # fmt: skip
    fig.update_yaxes(type="log" if log_y else "linear")
    longest = max([len(history), *(len(h) for _, h in overlays)])
    fig.update_xaxes(tickformat="d", dtick=1 if longest <= 15 else None)  # whole epochs only
    return _layout(fig, "", "loss (MSE, scaled units)", "epoch")


def prediction_figure(
    x: Sequence[Any],
    values: np.ndarray,
    target_index: np.ndarray,
    predictions: np.ndarray,
    split: SplitLike,
    baselines: dict[str, np.ndarray] | None = None,
    parts: Sequence[str] = ("val", "test"),
    name: str = "value",
) -> go.Figure:
    """Truth, the model's one-step predictions on `parts`, and optional baselines; `name`
    titles the value axis.

    `target_index` [W] is the series position of each window's target and `predictions` [W]
    the model output for every window; each prediction point carries its window index as
    customdata (for click-to-select).
    """
    v = np.asarray(values, dtype=np.float64)
    xs = time_axis(x)
    idx = np.asarray(target_index)
    pred = np.asarray(predictions, dtype=np.float64)
    all_w = np.arange(len(idx))
    shown = np.concatenate([all_w[split.windows(p)] for p in parts]) if parts else all_w[:0]
    start = max(0, int(idx[shown[0]]) - 1) if len(shown) else 0
    fig = go.Figure()
    truth = start + envelope(v[start:])
    drawn, total = len(truth), len(v) - start
    fig.add_trace(
        go.Scatter(
            x=xs[truth], y=v[truth], mode="lines", name="truth", line={"color": COLORS["truth"]}
        )
    )
    for part in parts:
        w = all_w[split.windows(part)]
        w = w[envelope(pred[w])]
        fig.add_trace(
            go.Scatter(
                x=xs[idx[w]],
                y=pred[w],
                mode="lines+markers",
                name=f"model ({PART_LABELS[part]})",
                customdata=w,
                marker={"size": 4},
                line={"color": COLORS[part]},
            )
        )
    for base, bp in (baselines or {}).items():
        b = np.asarray(bp, dtype=np.float64)
        w = shown[envelope(b[shown])]
        fig.add_trace(
            go.Scatter(
                x=xs[idx[w]],
                y=b[w],
                mode="lines",
                name=ROW_NAMES.get(base, base),
                line={"dash": BASELINE_DASH.get(base, "dot"), "width": 1},
            )
        )
    _shade(fig, xs, split, len(v))
    fig.update_xaxes(range=[xs[start], xs[-1]])
    return year_ticks(_layout(fig, _envelope_note(drawn, total), name), xs[start:])  # shown


def residual_figure(
    x: Sequence[Any],
    target_index: np.ndarray,
    residuals: np.ndarray,
    split: SplitLike,
    parts: Sequence[str] = ("val", "test"),
) -> go.Figure:
    """Residuals (truth - prediction) of every window [W] as bars, one colour per part."""
    xs = time_axis(x)
    idx = np.asarray(target_index)
    r = np.asarray(residuals, dtype=np.float64)
    fig = go.Figure()
    drawn = []  # the x of each part's bars [n_part], for the year ticks of the span shown
    for part in parts:
        s = np.arange(len(r))[split.windows(part)]
        s = s[envelope(r[s])]  # a long part: the largest errors of each stretch, both signs
        drawn.append(xs[idx[s]])
        fig.add_trace(
            go.Bar(x=xs[idx[s]], y=r[s], name=PART_LABELS[part], marker_color=COLORS[part])
        )
    fig.add_hline(y=0, line_color="black", line_width=1)
    return year_ticks(_layout(fig, "", "truth − prediction"), np.concatenate(drawn))


def forecast_figure(
    x: Sequence[Any],
    values: np.ndarray,
    future_x: Sequence[Any],
    forecast: np.ndarray,
    tail: int = 200,
    bands: dict[str, np.ndarray] | None = None,
    name: str = "value",
) -> go.Figure:
    """The last `tail` points of the series and an H-step forecast continuing from its end,
    with its prediction intervals shaded (bands: "lower_80" ... "upper_95", [H'] each)."""
    v = np.asarray(values, dtype=np.float64)
    xs = list(x[-tail:])
    fig = go.Figure()
    if bands:
        add_bands(fig, list(future_x), bands)
    fig.add_trace(
        go.Scatter(x=xs, y=v[-tail:], mode="lines", name="series", line={"color": COLORS["truth"]})
    )
    fx = [xs[-1], *list(future_x)]
    fy = np.concatenate([v[-1:], np.asarray(forecast, dtype=np.float64)])
    fig.add_trace(
        go.Scatter(
            x=fx,
            y=fy,
            mode="lines+markers",
            name="forecast",
            line={"color": COLORS["forecast"], "dash": "dash"},
        )
    )
    return year_ticks(_layout(fig, "", name), pd.Index([*xs, *list(future_x)]))


def add_bands(fig: go.Figure, x: Sequence[Any], bands: Mapping[str, np.ndarray]) -> go.Figure:
    """Shade the prediction intervals ("lower_95"/"upper_95", "lower_80"/"upper_80") over the
    first len(band) points of `x`, widest first."""
    for tag in sorted(BAND_ALPHA, key=lambda t: -int(t)):
        lo, hi = bands.get(f"lower_{tag}"), bands.get(f"upper_{tag}")
        if lo is None or hi is None or len(lo) == 0:
            continue
        xs = list(x)[: len(lo)]
        fig.add_trace(
            go.Scatter(
                x=xs + xs[::-1], y=np.concatenate([hi, lo[::-1]]), fill="toself",
                fillcolor=f"rgba(148, 103, 189, {BAND_ALPHA[tag]})", line={"width": 0},
                name=f"{tag}% interval", hoverinfo="skip",
            )
        )  # fmt: skip
    return fig


def future_axis(time: pd.DatetimeIndex | None, n: int, horizon: int) -> list[Any]:
    """x positions of `horizon` steps after a series of `n` points.

    Timestamps continue at the series' inferred frequency (else its median step); without
    timestamps, positions n, n+1, ...
    """
    if time is None or len(time) < 2:
        return list(range(n, n + horizon))
    with warnings.catch_warnings():  # pandas 3 warns that a str will become an offset
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(time) if len(time) >= 3 else None
    if freq is not None:
        return list(pd.date_range(time[-1], periods=horizon + 1, freq=freq)[1:])
    step = pd.Series(time).diff().median()
    return [time[-1] + step * (k + 1) for k in range(horizon)]


def metrics_frame(table: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The evaluation table as rows (model, baselines) x columns (RMSE, MAE, sMAPE %, MASE)."""
    rows = {ROW_NAMES.get(k, k): v for k, v in table.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index").rename(columns=METRIC_NAMES)
    return frame[[c for c in METRIC_NAMES.values() if c in frame.columns]]


def table_cells(
    frame: pd.DataFrame, formats: str | Mapping[str, str], missing: str = "–"
) -> Styler:
    """`frame` [rows, columns] formatted for st.dataframe: each number by its column's format
    ("{:#.4g}", or one for all). A column with an undefined cell (NaN, None) is written out as
    text, `missing` there: Streamlit draws an empty cell as a grey "None" whatever a Styler's
    na_rep says (explorer.widgets.number_table aligns such columns right, as numbers are)."""
    fmt = dict.fromkeys(frame.columns, formats) if isinstance(formats, str) else dict(formats)
    out = frame.copy()
    holes = [c for c in frame.columns if frame[c].isna().any()]
    for c in holes:
        write = fmt.get(c, "{}").format
        out[c] = pd.Series(
            [missing if pd.isna(v) else write(v) for v in frame[c]], index=frame.index, dtype=object
        )
    return out.style.format({c: f for c, f in fmt.items() if c in frame.columns and c not in holes})
