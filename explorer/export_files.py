"""The Export page's CSV files, built from a model and its data. Pure: no Streamlit (a
download is built when clicked, outside the page's run, so everything comes in as
arguments)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from explorer.figures import future_axis
from lstm_core.evaluation.forecast import forecast, predict
from lstm_core.fitting.bundle import ModelBundle

PARTS = ("train", "val", "test")


Times = np.ndarray | pd.DatetimeIndex | None  # the series' timestamps [N] (datetime64), or None


def predictions_csv(bundle: ModelBundle, dataset: Any, time: Times) -> bytes:
    """One row per window: its time (when the series has dates), position, part, truth and
    the model's prediction. `time`: the series' timestamps [N], read when the page is drawn
    (a download is built later, outside the page's run)."""
    idx = dataset.target_index
    time = None if time is None else pd.DatetimeIndex(time)
    part = np.empty(len(idx), dtype=object)
    for name in PARTS:
        part[dataset.split.windows(name)] = name
    frame = pd.DataFrame(
        {
            **({"time": time[idx]} if time is not None else {}),
            "position": idx,
            "part": part,
            "truth": dataset.values[idx],
            "prediction": predict(bundle.model, dataset),
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


def forecast_csv(bundle: ModelBundle, dataset: Any, horizon: int, time: Times) -> bytes:
    """The H-step recursive forecast past the end of the series, with its 80 % and 95 %
    intervals (empty past the steps they were calibrated for); `time` as for predictions."""
    fc = forecast(bundle.model, dataset, horizon)
    time = None if time is None else pd.DatetimeIndex(time)
    horizon = len(fc.values)  # the inputs' future may end sooner (the page says so)
    steps = future_axis(time, len(dataset.values), horizon)
    frame = pd.DataFrame({"step": np.arange(1, horizon + 1), "time": steps, "forecast": fc.values})
    for name, band in fc.bands.items():
        frame[name] = np.concatenate([band, np.full(horizon - len(band), np.nan)])
    return frame.to_csv(index=False).encode("utf-8")
