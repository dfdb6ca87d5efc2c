"""lstm_core: the engine of LSTM Explorer — data, windows, models, training, gates, metrics,
model files and a CLI. It never imports streamlit.

Import the modules you need directly (`from lstm_core.data import load_series`); this package
file stays empty on purpose so that light callers (the app's first page) don't pay for torch.

  config    DataConfig, ModelConfig, TrainConfig (frozen dataclasses)
  data      read a CSV into a clean Series (DataError with one clear sentence otherwise)
  inputs    other columns (and calendar features) as inputs beside the series: encoded,
            known only up to now (read at t) or known ahead (read at t + 1), scaled on train
  synthetic seeded generators (sine, trend, echo, temperature, random walk); datasets: built-ins
  transforms none / diff / logdiff / sdiff: what the model sees instead of the levels
  windows   Scaler, Split, make_dataset: chronological split, scaler fitted on train only
  models    Forecaster (LSTM / GRU / RNN + linear head)
  train     fit(): mini-batch Adam with callback, stop, early stopping, NaN guard
  sizing    the long-series rule: bigger batches and lr, shorter auto trials past ~2,900 windows
  jobs      a training in its own thread; server-wide slots with a first-come queue; RunStatus
  limits    every size limit in one place: the engine's, and what the app allows one visitor
  gates     trace_gates(): every gate and state, recomputed exactly from the weights
  gatesummary summarise_run(): a long run's gates binned, chunk by chunk (bounded memory)
  gatestats saturation, unit correlations, bins; gradflow: gradients by lag
  gateviews what the Gates page's views compute: a window's run, a clamped window, a span
  export    the gates .npz layout (CLI `gates` and the Gates page)
  intervene run_clamped() / intervene(): gates or states held at a value, exact and batched
  ablation  each unit zeroed in turn, ranked by how much the error grows
  memory    forget-gate time constants τ, look-back advice, the naive-echo warning (all:
            measure_memory)
  compare   RNN vs GRU vs LSTM at matched parameter counts; the memory task
  tasks     the adding problem (1997, exp. 4): generator, fixed test set, training to solved
  taskgates the adding problem's gates caught in the act, and its two clamps
  perf      glibc malloc tuning for training; threads: the CPU thread policy (one place)
  forecast  predictions, evaluation against baselines, recursive forecasts with intervals
  backtest  rolling-origin H-step backtests, split-conformal prediction intervals
  metrics   RMSE, MAE, sMAPE, MASE, baselines, autocorrelation, season detection
  bundle    save_bundle / load_bundle: safe model files (weights_only=True)
  pipeline  start_run / choose_transform ("auto") / train_run / dataset_for / run
  explain   attributions of the inputs beside the series; inputclamp: an input held or shuffled
  cli       python -m lstm_core train | gates | forecast | evaluate | intervene | explain | task
"""

__version__ = "0.1.0"
