"""Predictions in original units, the evaluation table, and recursive multi-step forecasts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import metrics
from .backtest import Backtest, backtest, calibrate, future_path
from .train import eval_rows
from .transforms import Transform
from .windows import Dataset

PRED_BATCH = 8192  # windows per forward pass
ECHO_WARN = 0.8  # echo share above which the verdict says the model repeats the last value


@torch.no_grad()
def predict_scaled(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    """Model outputs for windows X [W, L] (model units) -> [W] float32."""
    model.eval()
    dev = next(model.parameters()).device
    rows = min(PRED_BATCH, eval_rows(model, X.shape[1] if X.dim() > 1 else 1))
    out = [model(X[a : a + rows].to(dev)).cpu() for a in range(0, len(X), rows)]
    return torch.cat(out).numpy() if out else np.zeros(0, np.float32)


def predict(model: nn.Module, data: Dataset) -> np.ndarray:
    """One-step predictions for every window, in original units: [W] float64.

    Each is the model's output taken back through the scaler and the transform, from the
    true level d steps before its target.
    """
    return data.to_levels(predict_scaled(model, data.X), data.target_index)


@dataclass
class Evaluation:
    """Test-part errors of the model and its baselines, in original units."""

    table: dict[str, dict[str, float]]  # {"model"|"naive"|"seasonal_naive"|"mean": scores}
    season: int | None  # seasonal period used (given or detected)
    verdict: str  # one sentence: did the model beat its baselines?
    echo: float  # 0..1, how much the model only repeats the last value
    predict_all: Callable[[], np.ndarray] = field(repr=False, compare=False)  # -> predictions
    baseline_predictions: dict[str, np.ndarray]  # name -> [W] for every window
    transform: Transform = field(default_factory=Transform)  # what the model saw
    backtest: Backtest | None = None  # H-step rolling-origin errors, when a horizon was asked
    _predictions: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def predictions(self) -> np.ndarray:
        """[W] the model's predictions of every window, original units (computed when first
        asked for: the scores need only the evaluated part's)."""
        if self._predictions is None:
            self._predictions = self.predict_all()
        return self._predictions

    def to_dict(self) -> dict:
        out = {
            "test": self.table["model"],
            "baselines": {k: v for k, v in self.table.items() if k != "model"},
            "season": self.season,
            "verdict": self.verdict,
            "echo_share": self.echo,
            "transform": self.transform.kind,
        }
        if self.backtest is not None:
            out["backtest"] = self.backtest.to_dict()
        return out


def evaluate(
    model: nn.Module,
    data: Dataset,
    season: int | str | None = "auto",
    part: str = "test",
    horizon: int | None = None,
) -> Evaluation:
    """Score the model on `part` against naive, seasonal naive and mean baselines.

    With a horizon, also backtest H-step forecasts from every test origin; the verdict then
    speaks of that backtest (RMSE averaged over the H steps).
    """
    sp = data.split
    train = data.values[: sp.train_end]
    if season == "auto":
        season = metrics.detect_season(train)
    idx = data.target_index
    base = metrics.baselines(data.values, idx, sp.train_end, season)
    s = sp.windows(part)
    y = data.values[idx[s]]
    pred = data.to_levels(predict_scaled(model, data.X[s]), idx[s])  # [n] the part's only
    m = season or 1
    table = {"model": metrics.scores(y, pred, train, m)}
    for name, p in base.items():
        table[name] = metrics.scores(y, p[s], train, m)
    echo = metrics.echo_share(pred, base["naive"][s], y)
    bt = backtest(model, data, horizon, season) if horizon else None
    if bt is None:
        verdict = metrics.verdict(table)
    else:
        rivals = {k: bt.mean_rmse(k) for k in bt.baselines}
        verdict = metrics.backtest_verdict(bt.mean_rmse(), rivals, horizon, len(bt.origins))
    verdict = f"{verdict} {transform_phrase(data.transform)}"
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
        predict_all=lambda: predict(model, data),
        baseline_predictions=base,
        transform=data.transform,
        backtest=bt,
    )


def transform_phrase(transform: Transform) -> str:
    """The sentence that names what the model saw."""
    return f"The model saw {transform.describe()}."


@dataclass
class Forecast:
    """A forecast past the end of the series, with its conformal bands."""

    values: np.ndarray  # [H] original units
    bands: dict[str, np.ndarray]  # "lower_80", "upper_80", "lower_95", "upper_95" -> [H']
    banded: int  # H': steps that have bands (calibration reaches at most MAX_BAND_STEPS)


MAX_BAND_STEPS = 1000  # intervals for at most this many steps (each costs a calibration pass)


def forecast(model: nn.Module, data: Dataset, horizon: int, bands: bool = True) -> Forecast:
    """Recursive forecast past the end of the series: each prediction is fed back as input,
    then integrated back to levels. Bands are split-conformal, per step, from every known
    target after the training part (validation, raised to the in-sample floor, and test)."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}.")
    values = future_path(model, data, horizon)
    if not bands:
        return Forecast(values, {}, 0)
    h = min(horizon, MAX_BAND_STEPS, data.split.n_train + 1)
    return Forecast(values, calibrate(model, data, h).bands(values[:h]), h)
