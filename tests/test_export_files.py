"""The Export page's CSV files carry the series' dates (and positions)."""

from __future__ import annotations

import io

import pandas as pd

from explorer.export_files import forecast_csv, predictions_csv
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import run
from lstm_core.series.data import load_series

from .conftest import DATA


def _trained():
    s = load_series(DATA / "air_passengers.csv")
    b, d, _, _ = run(s.values, s.name, DataConfig(transform="diff"), ModelConfig(hidden_size=4),
                     TrainConfig(epochs=1))  # fmt: skip
    return s, b, d


def test_predictions_and_forecast_csvs_carry_the_dates():
    s, b, d = _trained()
    pred = pd.read_csv(io.BytesIO(predictions_csv(b, d, s.time)))
    assert list(pred.columns) == ["time", "position", "part", "truth", "prediction"]
    assert pred["time"].iloc[0] == "1950-02-01" and pred["position"].iloc[0] == 13  # L + d
    assert pred["time"].iloc[-1] == "1960-12-01"
    fc = pd.read_csv(io.BytesIO(forecast_csv(b, d, 3, s.time)))
    assert fc["time"].tolist() == ["1961-01-01", "1961-02-01", "1961-03-01"]
    plain = pd.read_csv(io.BytesIO(predictions_csv(b, d, None)))
    assert list(plain.columns) == ["position", "part", "truth", "prediction"]
