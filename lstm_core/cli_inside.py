"""The commands that read inside a model: gates, intervene, explain, task.

    cmd_gates:     every gate and state over a span of the CSV -> a .npz file
    cmd_intervene: a gate, a state or an input held at a value -> the errors against the
                   model's own (a summary, or --json)
    cmd_explain:   which input beside the series drives which gate, and by how much
    cmd_task:      the adding problem trained from scratch; an LSTM's gates caught in the act

Each takes the parsed arguments (lstm_core.cli's parser) and returns the exit status.
"""

from __future__ import annotations

import argparse
import json
import sys

from lstm_core.cli_common import UserError, clean, series_for_model
from lstm_core.fitting.bundle import load_bundle
from lstm_core.fitting.pipeline import dataset_for, model_inputs
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatesfile import write_gates_npz
from lstm_core.inside.inputclamp import InputClamp
from lstm_core.inside.intervene import Clamp, intervene


def cmd_gates(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = series_for_model(a.csv, a.column, bundle)
    lag = bundle.transform.lag
    seen = model_inputs(bundle, series.values, series.inputs)  # [M] or [M, 1 + F]
    n, lb = lag + len(seen), bundle.data_config.look_back  # positions the model can read
    length = a.length if a.length is not None else min(lb, n)
    start = a.start if a.start is not None else n - length
    if start < 0 or length < 1 or start + length > n:
        raise UserError(
            f"The span --start {start} --length {length} does not fit in the series of {n} "
            "points: choose start >= 0, length >= 1 and start + length <= the series length."
        )
    if start < lag:
        raise UserError(
            f"The model sees {bundle.transform.label(bundle.column)}, which starts at point "
            f"{lag}: choose --start {lag} or later."
        )
    x = seen[start - lag : start - lag + length]  # [T] or [T, 1 + F]
    trace = trace_gates(bundle.model, x[None] if x.ndim == 2 else x)
    sees = f"{bundle.transform.label(bundle.column)}, scaled"
    names = [bundle.transform.label(bundle.column), *(i.name for i in bundle.inputs)]
    if bundle.inputs:
        sees += f"; then the inputs {', '.join(names[1:])}, each scaled"
    layers = [{name: arr[0] for name, arr in layer.items()} for layer in trace.layers]
    # [1, L, H] -> [L, H] each, written as they are (no copies)
    arrays = write_gates_npz(a.out, x, layers, sees, compress=a.compress,
                             x_names=names if bundle.inputs else ())  # fmt: skip
    print(
        f"Wrote {len(arrays) - 2 - bool(bundle.inputs)} arrays of shape ({length}, "
        f"{bundle.model_config.hidden_size}) "
        f"for points {start}..{start + length - 1} to {a.out}; x is what the model sees: {sees}.",
        file=sys.stderr,
    )
    return 0


def _units(text: str) -> tuple[int, ...] | str:
    """--units: "all" or comma-separated unit numbers (checked against the model later)."""
    if text.strip() == "all":
        return "all"
    try:
        return tuple(int(u) for u in text.split(","))
    except ValueError:
        raise UserError(
            f"--units takes all or unit numbers separated by commas (e.g. 0,3,7), got {text!r}."
        ) from None


def cmd_intervene(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = series_for_model(a.csv, a.column, bundle)
    if a.input is not None:
        value = a.value if a.value in ("mean", "shuffle") or a.value.startswith("row:") else (
            _number(a.value, "--value"))  # fmt: skip
        clamp = InputClamp(a.input, value, a.from_step)
    else:
        if a.units is None:
            raise UserError("--gate needs --units: all, or unit numbers such as 0,3,7.")
        clamp = Clamp(a.layer, a.gate, _units(a.units), _number(a.value, "--value"), a.from_step)
    result = intervene(bundle, dataset_for(bundle, series.values, series.inputs), [clamp])
    if a.json:
        print(json.dumps(clean(result.to_dict())))
    else:
        print(result.summary())
    return 0


def _number(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{flag} takes a number here, got {text!r}.") from None


def cmd_explain(a: argparse.Namespace) -> int:
    from lstm_core.inside import explain

    bundle = load_bundle(a.model)
    if not bundle.inputs:
        raise UserError(
            "This model reads no inputs beside the series: train one with --inputs, "
            "--future-inputs or --calendar to explain which input drives which gate."
        )
    series = series_for_model(a.csv, a.column, bundle)
    data = dataset_for(bundle, series.values, series.inputs)
    names = explain.channel_names(data, bundle.column)
    weights = explain.gate_weights(bundle.model, names)
    profile = explain.lag_profile(bundle.model, data, bundle.column)
    imp = explain.importance(bundle.model, data)
    out = {
        "inputs": names[1:],
        "gate_weights": weights.to_dict(),
        "attribution": {n: v for n, v in profile.to_dict().items() if n != bundle.column},
        "attribution_lags": {n: profile.lags[c].tolist() for c, n in enumerate(names) if c},
        "completeness_error": profile.completeness_error,
        "importance": imp.to_dict(),
        "rmse": imp.rmse,
        "windows": profile.windows,
        "units": "attributions are of the model's scaled inputs (integrated gradients)",
    }
    if a.json:
        print(json.dumps(clean(out)))
        return 0
    for line in weights.strongest():
        print(line)
    print("\nHow far back each input moves the forecast (mean |integrated gradient|, peak lag):")
    for n in names[1:]:
        print(f"  {n}: peak at lag {profile.peak_lag(n)}")
    print(f"Completeness error: {profile.completeness_error:.2%} over {profile.windows} windows.")
    print("\nTest RMSE with each input held at its training mean (and shuffled):")
    for line in imp.ranked():
        print(f"  {line}")
    for note in imp.notes():
        print(note)
    return 0


def cmd_task(a: argparse.Namespace) -> int:
    from lstm_core.experiments.taskgates import CAUGHT_KEYS, caught_in_the_act
    from lstm_core.experiments.tasks import (
        AddingConfig,
        TaskProgress,
        adding_test_set,
        train_adding,
    )

    given = {k: v for k, v in (("hidden", a.hidden), ("budget", a.budget)) if v is not None}
    cfg = AddingConfig(length=a.length, cell=a.cell, seed=a.seed, **given)
    every = max(cfg.check_every, cfg.budget // 20)  # about 20 progress lines at most
    mark = [every]

    def progress(p: TaskProgress) -> None:
        if p.sequences_seen >= mark[0]:
            mark[0] += every
            print(f"{p.sequences_seen:,} sequences  loss {p.loss:.5f}  test MSE "
                  f"{p.test_mse:.5f}  solved {p.solved:.1%}  {p.elapsed:.1f}s",
                  file=sys.stderr)  # fmt: skip

    test = adding_test_set(cfg.length, cfg.test_seed)
    r = train_adding(cfg, progress, test)
    act = caught_in_the_act(r.model, test).to_dict() if cfg.cell == "lstm" else {}
    out = {
        "task": a.name, "length": cfg.length, "cell": cfg.cell, "hidden": r.hidden,
        "params": r.params, "status": r.status, "sequences_seen": r.sequences_seen,
        "seconds": r.seconds, "test_mse": r.test_mse, "baseline_mse": r.baseline_mse,
        "solved": r.solved,
        **{k: act.get(k) for k in CAUGHT_KEYS},  # null for GRU and RNN
    }  # fmt: skip
    if a.json:
        print(json.dumps(clean(out)))
        return 0
    print(f"{cfg.cell.upper()} ({r.hidden} units, {r.params:,} parameters), T = {cfg.length}: "
          f"{r.solved:.1%} of {len(test):,} test sequences solved (|error| < 0.04) after "
          f"{r.sequences_seen:,} sequences in {r.seconds:.1f} s; test MSE {r.test_mse:.4g} "
          f"(always 1: {r.baseline_mse:.4g}).")  # fmt: skip
    if act:
        print(f"Input gate: {act['input_gate_at_marks']:.3f} at the marks, "
              f"{act['input_gate_elsewhere']:.3f} elsewhere; forget gate between the marks "
              f"{act['forget_gate_between_marks']:.3f} (means over all units). Unit "
              f"{act['memory_unit']}: input gate {act['memory_unit_input_at_marks']:.3f} at "
              f"the marks, {act['memory_unit_input_elsewhere']:.3f} elsewhere, forget gate "
              f"{act['memory_unit_forget_between_marks']:.3f} between them.")  # fmt: skip
        print(f"Forget gate held at 0 between the marks: test MSE "
              f"{act['clamp_forget_between_marks_mse']:.4g}; the answers' correlation with the "
              f"first value {act['clamp_forget_corr_first']:.2f}, with the second "
              f"{act['clamp_forget_corr_second']:.2f}.")  # fmt: skip
        print(f"Input gate held at 0 at the second mark: test MSE "
              f"{act['clamp_input_at_second_mark_mse']:.4g}; the answers' correlation with the "
              f"first value {act['clamp_input_corr_first']:.2f}, with the second "
              f"{act['clamp_input_corr_second']:.2f}.")  # fmt: skip
    return 0
