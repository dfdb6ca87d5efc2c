"""Per-user state: every key the app keeps in `st.session_state`, in one place.

Nothing per-user lives in a module global or `st.cache_resource` (every visitor would share
it). Widget values that must survive a page switch are copied to these keys, because
Streamlit drops a widget's keyed state when the page that draws it is not shown.

Keys (all optional until set; read them through the helpers below):
  series       lstm_core.series.data.Series     the active series (built-in, synthetic or uploaded)
  source       dict                      where it came from: {"kind": "builtin"|"upload",
                                         "key"/"name": ..., "params": {...}}
  data_cfg     DataConfig                look_back and split fractions for the active series
  model_cfg    ModelConfig               cell, hidden size, layers, forget-bias option
  train_cfg    TrainConfig               epochs, batch size, lr, patience, clip, seed
  bundle       lstm_core.fitting.bundle.ModelBundle  the current model with its history and scaler
  dataset      lstm_core.series.windows.Dataset the windows the current model trains on
  fit_result   lstm_core.fitting.train.FitResult the last finished training job's outcome (status,
                                         message), set by explorer.session.sync
  job          lstm_core.runtime.jobs.Job        this visitor's training job while it is queued or
                                         running (explorer/session.py; its work is an
                                         explorer.training.TrainWork)
  job_seen     int                       revision of the job's model copy adopted last
  job_lock     threading.Lock            held while a job is being started (one at a time)
  runs         list[dict]                earlier runs of this session for the loss overlay:
                                         {"label": str, "history": list[EpochRecord]}
  model_note   str                       where the current model came from ("trained here",
                                         "uploaded file NAME")
  snapshots    list[Snapshot]            Train page: the probe window's gates every few epochs
                                         of the current model (explorer/watch.py), to scrub
  evaluation   dict                      {"key": (model_stamp(...), horizon), "evaluation":
                                         Evaluation} of the current model on its dataset
                                         (explorer.derived.evaluation)
  gates_trace  dict                      Gates page cache: the last window's "trace", "pred"
                                         and figures, key (model_stamp(...), window)
  gates_whole  dict                      Gates page cache: downsampled whole-series arrays only
  gates_clamp  dict                      Gates page experiment: the applied clamp
                                         {"stamp": model_stamp(...), "clamp": Clamp}; dropped
                                         (read as None) once the model or its data change;
                                         the Undo button removes it
  gates_experiment dict                  Gates page cache: {"key": (stamp, window, clamp),
                                         "clamped": lstm_core.inside.gateviews.ClampedWindow}
  gates_ablation dict                    Gates page cache: {"key": (stamp, layer, state),
                                         "ablation": Ablation}, filled by its button
  gates_memory dict                      Gates page cache: {"key": (stamp, layer), "memory":
                                         lstm_core.inside.memory.MemoryHorizon}, by its button
  fc_bt_horizon_of tuple                 Forecast page: the data (values, split, transform:
                                         data_stamp(...)) the backtest's H slider
                                         (fc_bt_horizon) was last drawn for; other data
                                         (another file, split or transform) start from
                                         that data's default H again
  gates_window_of dict                   Gates page: which model the window slider
                                         (gates_window) was last set for {"model":
                                         gates_window.model_identity(...), "window":
                                         int}; a window left from another model
                                         reopens at the default
  learn_experiments dict                 Learn page cache: {"key": (stamp, window), "runs":
                                         {name: (Intervention, cell state c [T, H] after)},
                                         "c": c [T, H] before} of the gate experiments
  compare      dict                      Compare page: the last comparison's results and the
                                         settings it ran with
  memory       list                      Compare page: the memory-task grid (MemoryPoint list)
  adding       AddingResult              Compare page: the adding problem at one T (curves,
                                         runs, the LSTM caught in the act; compare_jobs.py)
  adding_sweep SweepResult               Compare page: solved share per cell and T
  task_outcome dict                      how the last Compare job ended {"key": its section's
                                         key, "status", "message"} (explorer.session.sync)
  columns      dict                      Data page: the column choice for the uploaded file
                                         {"digest": sha256 prefix, "value": str, "date": str
                                         or None, "missing": str}; the file's widgets
                                         (data_col_<digest>, data_date_<digest>,
                                         data_missing_<digest>) start from it
                                         when that file is uploaded again, e.g. after a page
                                         switch dropped them; another file replaces it
  upload       dict                      Data page: the uploaded file that is the active series
                                         {"name": str, "data": bytes (at most the upload
                                         limit, 50 MB), "digest": sha256 prefix}, reused when
                                         the page is drawn again without the file (Streamlit
                                         drops the uploader's); set only for an accepted file,
                                         replaced by the next, dropped with a built-in series
                                         or the example file


  gates_inputs dict                      Gates page cache (issue 20): {"key": model_stamp,
                                         "built": {"weights"}, "window": {"key", "w",
                                         "attribution", "fig"}}; dropped with the model
  gates_input_clamp dict                 Gates page: the applied input clamp {"stamp":
                                         model_stamp(...), "clamp": InputClamp, "run": the
                                         clamped window's run}; Undo removes it
  importance   dict                      Forecast page cache: {"key": model_stamp(...),
                                         "importance": lstm_core.inside.explain.Importance}
  learn_input  dict                      Learn page cache: {"key": (stamp, window), ...} the
                                         experiment holding the strongest input at its mean
  reference    dict                      Forecast page: the same settings trained without
                                         the inputs {"key": training.reference_key(bundle),
                                         "scores": its test table or None, "message": why
                                         not}, set by explorer.session.sync
  classic_refs dict                      Forecast page: the classic references (AutoETS,
                                         AutoTheta, AutoARIMA) of the dataset {"key":
                                         reference_jobs.references_key(dataset), "refs":
                                         lstm_core.evaluation.references.References}, set by
                                         explorer.session.sync when their job ends
  series_fp    tuple                     (Series, its fingerprint): the active series hashed
                                         once (session.series_fingerprint), for the provenance check

Every cache of MODEL_DERIVED is {"key": ..., fields}, kept by explorer/derived.py.

Learn page (pages/learn.py): widgets learn_lang, learn_window, learn_unit, learn_t (kept
across page switches), learn_epochs, learn_train; cache learn_trace {"key": (stamp, window),
"trace"} (explorer/derived.py, like every cache of MODEL_DERIVED).

Widget keys kept across page switches with `persist_state="session"` (Streamlit keeps them
itself; they are listed so that no other page reuses the names): gates_layer, gates_view,
gates_window, gates_unit, gates_t, gates_span (Gates page; the Forecast page sets
gates_window and gates_view to hand a window over; the ablation table's buttons set
gates_unit and gates_view), and the clamp's widgets gates_clamp_gate, gates_clamp_all,
gates_clamp_units, gates_clamp_value, gates_clamp_from, and the input clamp's
gates_iclamp_input, gates_iclamp_value, gates_iclamp_from; the Compare page's three cells
cmp_hidden, cmp_layers, cmp_epochs, cmp_lr, cmp_seed, cmp_seeds, cmp_match, cmp_fbias, its
memory task cmp_lags, cmp_noise, cmp_mem_epochs, cmp_mem_hidden and its adding problem
cmp_add_length, cmp_add_hidden, cmp_add_budget, cmp_add_seed, cmp_sweep_lengths; the Forecast
page's fc_parts, fc_baselines, fc_bt_horizon, fc_horizon; the Export page's ex_horizon.
Button and choice keys that are not kept: gates_clamp_apply, gates_clamp_undo,
gates_iclamp_apply, gates_iclamp_undo, gates_ablation_unit (the unit a 'Look at unit' button
chose, drawn under the buttons),
gates_ablation_state, gates_ablation_run, gates_ablation_go_<rank>, gates_memory_run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

KEYS = (
    "series",
    "source",
    "data_cfg",
    "model_cfg",
    "train_cfg",
    "bundle",
    "dataset",
    "fit_result",
    "job",
    "job_seen",
    "job_lock",
    "runs",
    "model_note",
    "evaluation",
    "snapshots",
    "gates_trace",
    "gates_whole",
    "gates_clamp",
    "gates_experiment",
    "gates_ablation",
    "gates_memory",
    "gates_window_of",
    "fc_bt_horizon_of",
    "learn_experiments",
    "learn_trace",
    "compare",
    "memory",
    "adding",
    "adding_sweep",
    "task_outcome",
    "columns",
    "upload",
    "series_fp",
    "reference",
    "classic_refs",
    "gates_inputs",
    "gates_input_clamp",
    "importance",
    "learn_input",
)


def get(key: str, default: Any = None) -> Any:
    """A documented key's value (KeyError for a key not listed above: typos fail loudly)."""
    if key not in KEYS:
        raise KeyError(f"unknown session key {key!r}; add it to explorer/state.py")
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    """Set a documented key."""
    if key not in KEYS:
        raise KeyError(f"unknown session key {key!r}; add it to explorer/state.py")
    st.session_state[key] = value


def model_stamp(bundle: Any, dataset: Any) -> tuple:
    """A content key of a model and its data, for caches and the clamp: changes when the
    weights, the training (epochs run) or the data change, and not when the same objects are
    merely rebuilt. Checksums of the weights (float64 sums: cheap for these model sizes) and
    of the values, not id(), which a new object may reuse."""
    params = [p.detach().double() for p in bundle.model.parameters()]
    weights = (float(sum(p.sum() for p in params)), float(sum((p * p).sum() for p in params)))
    return (bundle.model_config, len(bundle.history), weights, data_stamp(dataset))


def data_stamp(dataset: Any) -> tuple:
    """The data's part of model_stamp: the values (length and sum), the split and the
    transform; the same for every model trained on the same data."""
    split = dataset.split
    return (len(dataset.values), float(dataset.values.sum()), split.look_back, split.n_train,
            split.n_val, split.n_test, split.lag, dataset.transform)  # fmt: skip


# Everything computed from the current model: dropped with it, so no picture of an older
# model survives a new training, an import or a data change.
MODEL_DERIVED = (
    "fit_result", "evaluation", "snapshots", "gates_trace", "gates_whole", "gates_clamp",
    "gates_experiment", "gates_ablation", "gates_memory", "learn_experiments", "learn_trace",
    "gates_inputs", "gates_input_clamp", "importance", "learn_input",
)  # fmt: skip


def forget_model() -> None:
    """Drop the model and everything derived from it."""
    drop("bundle", "dataset", *MODEL_DERIVED)


def set_model(bundle: Any, dataset: Any, note: str) -> None:
    """The one way a new model becomes the session's: the old one and everything derived
    from it go first (train, Learn page, import)."""
    forget_model()
    put("bundle", bundle)
    put("dataset", dataset)
    put("model_note", note)


def drop(*keys: str) -> None:
    """Forget keys (e.g. the model when the series changes)."""
    for k in keys:
        st.session_state.pop(k, None)
