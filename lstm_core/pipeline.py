"""The few steps every caller (CLI, app, benchmarks) takes, in one place."""

from __future__ import annotations

import numpy as np

from .bundle import ModelBundle
from .config import DataConfig, ModelConfig, TrainConfig
from .models import build_model
from .train import Callback, FitResult, fit
from .windows import Dataset, make_dataset


def start_run(
    values: np.ndarray,
    column: str,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
) -> tuple[ModelBundle, Dataset]:
    """A fresh, untrained model (seeded by train_cfg.seed) and the dataset it will learn from."""
    data = make_dataset(values, data_cfg)
    model = build_model(model_cfg, seed=train_cfg.seed)
    bundle = ModelBundle(
        model=model,
        model_config=model_cfg,
        data_config=data_cfg,
        train_config=train_cfg,
        scaler=data.scaler,
        column=column,
        n_points=len(data.values),
        split=data.split,
    )
    return bundle, data


def train_run(
    bundle: ModelBundle,
    data: Dataset,
    train_cfg: TrainConfig | None = None,
    callback: Callback | None = None,
) -> FitResult:
    """Train (or continue training) the bundle's model; its history grows in place."""
    cfg = train_cfg or bundle.train_config
    bundle.train_config = cfg
    return fit(bundle.model, data, cfg, callback=callback, history=bundle.history)


def dataset_for(bundle: ModelBundle, values: np.ndarray) -> Dataset:
    """Window a series the way the bundle's model was trained: same look_back, split, scaler."""
    return make_dataset(values, bundle.data_config, scaler=bundle.scaler)
