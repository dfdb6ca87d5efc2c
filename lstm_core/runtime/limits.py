"""Every size limit, in one place.

LIMITS: what the engine accepts from any caller (the configs, file readers and generators
check against it). APP_LIMITS: what the app accepts from one visitor of a shared server,
tighter where one click could take memory or cores from everyone else; the app shows each
next to the control it limits. Memory no longer grows with look-back × points (windows are
views of the series, lstm_core/series/windows.py), but the time of an epoch does, and a training
holds one of the server's few training slots (lstm_core/runtime/jobs.py) for as long as it runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The engine's limits (CLI and app)."""

    look_back: int = 10_000  # timesteps per window (DataConfig.look_back)
    hidden: int = 512  # units per recurrent layer (ModelConfig.hidden_size)
    layers: int = 3  # stacked recurrent layers (ModelConfig.num_layers)
    epochs: int = 100_000  # epochs per training call (TrainConfig.epochs)
    file_bytes: int = 200_000_000  # largest CSV read (lstm_core.series.reading)
    model_bytes: int = 200 * 1024 * 1024  # largest model file opened (lstm_core.fitting.bundle)
    synthetic_points: int = 5_000_000  # longest synthetic series (lstm_core.series.synthetic)
    inputs: int = 32  # inputs beside the target after one-hot (ModelConfig.n_inputs)
    levels: int = 24  # most distinct values of a text column taken as an input (one-hot)


@dataclass(frozen=True)
class AppLimits:
    """What one visitor of the app may ask of the shared server."""

    upload_mb: int = 50  # largest CSV upload; must equal .streamlit/config.toml's maxUploadSize
    window_steps: int = 50_000_000  # look-back × points: the recurrent steps of one epoch
    units: int = 1_024  # hidden size × layers
    train_minutes: float = 30.0  # longest one training job runs before it stops by itself
    # The Gates page's whole-series span, in gate values (steps × units × layers × gates): ~3 s
    # of tracing on 2 CPU cores. Memory is no limit: the span is traced chunk by chunk.
    trace_values: int = 150_000_000
    memory_windows: int = 2_000  # test windows the memory horizon reads (evenly spaced)


LIMITS = Limits()
APP_LIMITS = AppLimits()


def app_work_error(n_points: int, look_back: int, hidden: int = 1, layers: int = 1) -> str | None:
    """One sentence when a training of this size is over what the app allows one visitor,
    saying the limit and what to change; None when it fits."""
    steps = n_points * look_back
    if steps > APP_LIMITS.window_steps:
        most = max(1, APP_LIMITS.window_steps // max(1, n_points))
        return (
            f"A look-back of {look_back:,} over {n_points:,} points is {steps:,} timesteps per "
            f"epoch, over this app's limit of {APP_LIMITS.window_steps:,} for one visitor: use "
            f"a look-back of at most {most:,} here, a shorter series, or the command line "
            "(python -m lstm_core train), which has no such limit."
        )
    if hidden * layers > APP_LIMITS.units:
        return (
            f"{layers} layers of {hidden} units is {hidden * layers:,} units, over this app's "
            f"limit of {APP_LIMITS.units:,} for one visitor: use fewer units or layers here, "
            "or the command line (python -m lstm_core train)."
        )
    return None


def longest_trace(hidden: int, layers: int, gates: int) -> int:
    """The most points one whole-series view traces for a model of this size (at least 2)."""
    return max(2, APP_LIMITS.trace_values // max(1, hidden * layers * gates))
