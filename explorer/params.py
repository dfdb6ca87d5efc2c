"""Settings in the URL: configs <-> flat `dict[str, str]` query parameters. Pure, no Streamlit.

A shared link reproduces a run's settings for built-in data. Reading never fails: a value
that does not parse or that its config refuses is ignored (the default stays).

    lb, val, test, scaler, tf       DataConfig
    in, fin, cal                    DataConfig's inputs (columns, comma-separated) and calendar
    cell, hidden, layers, fbias     ModelConfig
    epochs, bs, lr, patience, seed  TrainConfig
    src                             built-in series key (absent for uploads)
    p.NAME                          a built-in series' generator parameter NAME
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from lstm_core.config import ConfigError, DataConfig, ModelConfig, TrainConfig

Configs = tuple[DataConfig, ModelConfig, TrainConfig, dict[str, Any] | None]


def _int(s: str) -> int:
    return int(s)


def _float(s: str) -> float:
    v = float(s)
    if not math.isfinite(v):
        raise ValueError(s)
    return v


def _bool(s: str) -> bool:
    if s.lower() in ("1", "true", "yes", "on"):
        return True
    if s.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(s)


def _str(s: str) -> str:
    return s


def _names(s: str) -> tuple[str, ...]:
    return tuple(c for c in s.split(",") if c)


# URL name -> (config class, field, parser)
_FIELDS: dict[str, tuple[type, str, Callable[[str], Any]]] = {
    "lb": (DataConfig, "look_back", _int),
    "val": (DataConfig, "val_fraction", _float),
    "test": (DataConfig, "test_fraction", _float),
    "scaler": (DataConfig, "scaler", _str),
    "tf": (DataConfig, "transform", _str),
    "in": (DataConfig, "inputs", _names),
    "fin": (DataConfig, "future_inputs", _names),
    "cal": (DataConfig, "calendar", _bool),
    "cell": (ModelConfig, "cell", _str),
    "hidden": (ModelConfig, "hidden_size", _int),
    "layers": (ModelConfig, "num_layers", _int),
    "fbias": (ModelConfig, "forget_bias_one", _bool),
    "epochs": (TrainConfig, "epochs", _int),
    "bs": (TrainConfig, "batch_size", _int),
    "lr": (TrainConfig, "lr", _float),
    "patience": (TrainConfig, "patience", _int),
    "seed": (TrainConfig, "seed", _int),
    "best": (TrainConfig, "restore_best", _bool),
    "long": (TrainConfig, "scale_long", _bool),
    "short": (TrainConfig, "scale_short", _bool),
}


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(map(str, v))
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def configs_to_params(
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    source: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Query parameters for the settings (and the built-in series, if the source is one)."""
    cfgs = {DataConfig: data_cfg, ModelConfig: model_cfg, TrainConfig: train_cfg}
    out = {name: _fmt(getattr(cfgs[cls], f)) for name, (cls, f, _) in _FIELDS.items()}
    if source and source.get("kind") == "builtin" and source.get("key"):
        out["src"] = str(source["key"])
        for k, v in (source.get("params") or {}).items():
            out[f"p.{k}"] = _fmt(v)
    return out


def _param_value(s: str) -> int | float | str:
    """A generator parameter: int, else finite float, else plain text."""
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return _float(s)
    except ValueError:
        return s


def params_to_configs(
    params: Mapping[str, Any],
    defaults: tuple[DataConfig, ModelConfig, TrainConfig] | None = None,
) -> Configs:
    """Configs from query parameters, keeping the default wherever a value is invalid.

    Returns (data_cfg, model_cfg, train_cfg, source); source is None without `src`, else
    {"kind": "builtin", "key": src, "params": {...}} (the caller checks the key exists).
    """
    start = defaults or (DataConfig(), ModelConfig(), TrainConfig())
    cfgs: dict[type, Any] = dict(zip((DataConfig, ModelConfig, TrainConfig), start, strict=True))
    for name, (cls, field, parse) in _FIELDS.items():
        raw = params.get(name)
        if not isinstance(raw, str) or len(raw) > (2000 if field.endswith("inputs") else 64):
            continue
        try:
            cfgs[cls] = replace(cfgs[cls], **{field: parse(raw.strip())})
        except (ValueError, TypeError, OverflowError, ConfigError):
            continue  # invalid alone or with the others: keep what we had
    source = None
    src = params.get("src")
    if isinstance(src, str) and 0 < len(src) <= 64:
        p = {
            k[2:]: _param_value(str(v))
            for k, v in params.items()
            if isinstance(k, str) and k.startswith("p.") and isinstance(v, str) and len(v) <= 64
        }
        source = {"kind": "builtin", "key": src, "params": p}
    return cfgs[DataConfig], cfgs[ModelConfig], cfgs[TrainConfig], source
