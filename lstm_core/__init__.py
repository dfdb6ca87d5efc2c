"""lstm_core: the engine of LSTM Explorer. It never imports streamlit.

Six rooms, lowest first; a module imports from its own room and the rooms above it in this
list only (tests/test_layers.py checks it):

  runtime/      the server's machinery
    jobs          a training in its own thread; server-wide slots, a first-come queue; RunStatus
    threads       the CPU thread policy; perf: glibc malloc tuning for training
    limits        every size limit: the engine's, and what the app allows one visitor
  config        DataConfig, ModelConfig, TrainConfig (frozen dataclasses)
  metrics       RMSE, MAE, sMAPE, MASE, baselines, autocorrelation, season detection
  series/       the data side
    data          read a CSV into a clean Series (DataError with one clear sentence otherwise)
    reading       a CSV's bytes into a Table; number_formats, dates: numbers and dates in cells
    columns       which columns are the values and the dates; cleaning: one into a Series
    inputs        other columns and calendar features beside the series: encoded, scaled
    transforms    none / diff / logdiff / sdiff: what the model sees instead of the levels
    windows       Split, make_dataset: chronological split, views of the series as windows
    scaling       Scaler (fitted on the training part only); errors: DataError
    synthetic     seeded generators; datasets: the built-in series
  fitting/      the model and its training
    models        Forecaster (LSTM / GRU / RNN + linear head)
    train         fit(): mini-batch Adam, callback, stop, early stopping, NaN guard
    sizing        the short- and long-series rules: the batch (and lr) for the length
    pipeline      start_run / choose_transform ("auto") / train_run / dataset_for / run
    bundle        save_bundle / load_bundle: safe model files (weights_only=True)
  evaluation/   judging a model
    forecast      predictions, the verdict against the baselines, recursive forecasts
    paths         recursive H-step forecasts from any origin, and past the end of the series
    intervals     split-conformal prediction intervals per step (online in a backtest)
    backtest      rolling-origin H-step backtests against the baselines, with their intervals
    references    AutoETS, AutoTheta, AutoARIMA fitted beside the model; reference_forecasts:
                  their one-step predictions and H-step paths, the fitted parameters fixed
  inside/       reading inside a trained model
    cells         the cell maths every reader shares (public helpers, with shapes)
    gates         trace_gates(): every gate and state, recomputed exactly from the weights
    gatestep      explain_step(): one (layer, step, unit) written out with the real numbers
    gatesummary   a long run's gates binned chunk by chunk; gatestats: saturation, bins
    gateviews     what the Gates page shows of a window or a span; gatesfile: the .npz layout
    intervene     gates or states held at a value; inputclamp: an input held or shuffled
    ablation      each unit zeroed in turn; memory: forget-gate time constants, look-back advice
    gradflow      gradients by lag; explain: attributions of the inputs beside the series
  experiments/  the lecture's claims, measured
    compare       RNN vs GRU vs LSTM at matched parameter counts; the echo memory task
    tasks         the adding problem (1997, exp. 4); taskgates: its gates caught in the act
  cli           python -m lstm_core train | gates | forecast | evaluate | intervene | explain | task
                (the parser and main); cli_model: train, forecast, evaluate; cli_inside: gates,
                intervene, explain, task; cli_common: what the commands share (UserError)

Import the modules you need (`from lstm_core.series.data import load_series`); the short
form `from lstm_core import data` also works (resolved on first use). This file imports
nothing itself, so light callers (the app's first page) don't pay for torch.
"""

import importlib

__version__ = "0.1.0"

_ROOMS = {
    "runtime": "jobs threads perf limits",
    "series": "data reading number_formats dates columns cleaning messages errors inputs "
    "transforms windows scaling synthetic datasets",
    "fitting": "models train sizing pipeline bundle",
    "evaluation": "forecast paths intervals backtest references reference_forecasts",
    "inside": "cells gates gatestep gatestats gatesummary gateviews gradflow gatesfile intervene "
    "inputclamp ablation memory explain",
    "experiments": "compare tasks taskgates",
}
_WHERE = {m: f"{room}.{m}" for room, ms in _ROOMS.items() for m in ms.split()}


def __getattr__(name: str):  # PEP 562: `from lstm_core import gates` finds lstm_core.inside.gates
    if name in _WHERE:
        return importlib.import_module(f"{__name__}.{_WHERE[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
