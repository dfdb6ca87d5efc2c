"""Predictions in original units, the evaluation table, and recursive multi-step forecasts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import metrics
from .windows import Dataset, Scaler

PRED_BATCH = 8192  # windows per forward pass
ECHO_WARN = 0.8  # echo share above which the verdict says the model repeats the last value


@torch.no_grad()
def predict_scaled(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    """Model outputs for windows X [W, L] (model units) -> [W] float32."""
    model.eval()
    dev = next(model.parameters()).device
    out = [model(X[a : a + PRED_BATCH].to(dev)).cpu() for a in range(0, len(X), PRED_BATCH)]
    return torch.cat(out).numpy() if out else np.zeros(0, np.float32)


def predict(model: nn.Module, data: Dataset) -> np.ndarray:
    """One-step predictions for every window, in original units: [W] float64."""
    return data.scaler.inverse(predict_scaled(model, data.X))


@dataclass
class Evaluation:
    """Test-part errors of the model and its baselines, in original units."""

    table: dict[str, dict[str, float]]  # {"model"|"naive"|"seasonal_naive"|"mean": scores}
    season: int | None  # seasonal period used (given or detected)
    verdict: str  # one sentence: did the model beat its baselines?
    echo: float  # 0..1, how much the model only repeats the last value
    predictions: np.ndarray  # [W] model predictions of every window, original units
    baseline_predictions: dict[str, np.ndarray]  # name -> [W] for every window

    def to_dict(self) -> dict:
        return {
            "test": self.table["model"],
            "baselines": {k: v for k, v in self.table.items() if k != "model"},
            "season": self.season,
            "verdict": self.verdict,
            "echo_share": self.echo,
        }


def evaluate(
    model: nn.Module, data: Dataset, season: int | str | None = "auto", part: str = "test"
) -> Evaluation:
    """Score the model on `part` against naive, seasonal naive and mean baselines."""
    sp = data.split
    train = data.values[: sp.train_end]
    if season == "auto":
        season = metrics.detect_season(train)
    pred = predict(model, data)
    idx = data.target_index
    base = metrics.baselines(data.values, idx, sp.train_end, season)
    s = sp.windows(part)
    y = data.values[idx[s]]
    m = season or 1
    table = {"model": metrics.scores(y, pred[s], train, m)}
    for name, p in base.items():
        table[name] = metrics.scores(y, p[s], train, m)
    echo = metrics.echo_share(pred[s], base["naive"][s], y)
    verdict = metrics.verdict(table)
    if echo > ECHO_WARN:
        verdict += (
            f" Its forecasts sit {100 * echo:.0f}% of the way onto the naive one: "
            "it mostly repeats the last value."
        )
    return Evaluation(
        table=table,
        season=season,
        verdict=verdict,
        echo=echo,
        predictions=pred,
        baseline_predictions=base,
    )


@torch.no_grad()
def forecast(
    model: nn.Module, scaler: Scaler, values: np.ndarray, look_back: int, horizon: int
) -> np.ndarray:
    """Recursive forecast past the end of `values` [N]: each prediction is fed back as input.

    Returns [horizon] float64 in original units.
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}.")
    if len(values) < look_back:
        raise ValueError(f"Need at least look_back={look_back} values to forecast.")
    model.eval()
    dev = next(model.parameters()).device
    window = torch.tensor(scaler.transform(values[-look_back:]), dtype=torch.float32, device=dev)
    out = np.empty(horizon, dtype=np.float32)
    for k in range(horizon):  # inherently sequential: step k needs step k-1's output
        y = model(window[None])  # [1, L] -> [1]
        out[k] = float(y)
        window = torch.cat([window[1:], y])
    return scaler.inverse(out)
