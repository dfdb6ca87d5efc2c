"""Command line: train, export gates, forecast and evaluate without the app.

    python -m lstm_core train CSV --out MODEL.pt [--transform auto|none|diff|logdiff|sdiff]
                              [--inputs COL,...] [--future-inputs COL,...] [--calendar]
                              [--references] ...
    python -m lstm_core gates MODEL.pt CSV --out GATES.npz [--column C] [--start S] [--length L]
    python -m lstm_core forecast MODEL.pt CSV --horizon H [--out FORECAST.csv]
    python -m lstm_core evaluate MODEL.pt CSV [--horizon H] [--without-inputs]
                                 [--no-references] [--json]
    python -m lstm_core intervene MODEL.pt CSV --gate G --units all|K[,K...] --value V
                                  [--layer L] [--from-step T] [--json]
    python -m lstm_core intervene MODEL.pt CSV --input NAME --value V|mean|shuffle|row:K
    python -m lstm_core explain MODEL.pt CSV [--json]
    python -m lstm_core task adding --length T --cell lstm|gru|rnn [--hidden H] [--budget N]
                             [--seed S] [--json]

Exit 0 on success; 2 with one line on stderr for bad input or a bad model file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from lstm_core.config import TRANSFORMS, ConfigError, DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.backtest import check_horizon, default_horizon
from lstm_core.evaluation.forecast import evaluate, forecast
from lstm_core.evaluation.references import for_dataset as references_for
from lstm_core.fitting import sizing
from lstm_core.fitting.bundle import BundleError, ModelBundle, load_bundle, save_bundle
from lstm_core.fitting.pipeline import dataset_for, model_inputs, run, validate
from lstm_core.fitting.train import Progress
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatesfile import write_gates_npz
from lstm_core.inside.inputclamp import InputClamp
from lstm_core.inside.intervene import Clamp, intervene
from lstm_core.runtime.threads import ThreadPolicy
from lstm_core.series.data import (
    DataError,
    Series,
    default_columns,
    read_table,
    series_from_table,
    using_columns,
)
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import plan_split


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lstm_core", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    d, m, t = DataConfig(), ModelConfig(), TrainConfig()

    tr = sub.add_parser("train", help="train a model on a CSV column and save it")
    tr.add_argument("csv")
    tr.add_argument("--out", required=True, help="model file to write (.pt)")
    tr.add_argument("--column", help="value column (default: the engine's choice, said why)")
    tr.add_argument("--date-column", help="date/time column (default: detected)")
    tr.add_argument(
        "--inputs", type=_columns, default=(), metavar="COL[,COL...]",
        help="other columns fed beside the values, known only up to now (read at step t)",
    )  # fmt: skip
    tr.add_argument(
        "--future-inputs", type=_columns, default=(), metavar="COL[,COL...]",
        help="other columns known ahead (a holiday flag, a weather forecast): read at t + 1; "
        "rows after the last value give their future for forecasts",
    )  # fmt: skip
    tr.add_argument(
        "--calendar", action="store_true",
        help="calendar inputs from the dates (sin/cos of hour, weekday, day of year), known ahead",
    )  # fmt: skip
    tr.add_argument("--cell", choices=["lstm", "gru", "rnn"], default=m.cell)
    tr.add_argument("--look-back", type=int, default=d.look_back)
    tr.add_argument("--hidden", type=int, default=m.hidden_size)
    tr.add_argument("--layers", type=int, default=m.num_layers)
    tr.add_argument("--epochs", type=int, default=t.epochs)
    tr.add_argument("--batch-size", type=int, default=t.batch_size)
    tr.add_argument("--lr", type=float, default=t.lr)
    tr.add_argument(
        "--no-scale-long", dest="scale_long", action="store_false",
        help="on a long series, train with --batch-size and --lr as given (default: batches "
        "grow to about 128 steps an epoch, the lr with them, and auto's trials to 10 epochs)",
    )  # fmt: skip
    tr.add_argument(
        "--no-scale-short", dest="scale_short", action="store_false",
        help="on a short series, train with --batch-size as given (default: the batch halves "
        "until an epoch has 16 steps, down to 4)",
    )  # fmt: skip
    tr.add_argument(
        "--references", action="store_true",
        help="also fit the classic references (AutoETS, AutoTheta, AutoARIMA) on the training "
        "and validation parts: the verdict names the best, and --json adds `references` "
        "(`evaluate` fits them by default)",
    )  # fmt: skip
    tr.add_argument("--val-fraction", type=float, default=d.val_fraction)
    tr.add_argument("--test-fraction", type=float, default=d.test_fraction)
    tr.add_argument("--patience", type=int, default=t.patience, help="0 = no early stopping")
    tr.add_argument("--seed", type=int, default=t.seed)
    tr.add_argument("--scaler", choices=["minmax", "standard"], default=d.scaler)
    tr.add_argument(
        "--transform", choices=TRANSFORMS, default=d.transform,
        help="what the model sees: auto (chosen on the validation part), none (the values), "
        "diff, logdiff (positive series) or sdiff (seasonal difference)",
    )  # fmt: skip
    tr.add_argument(
        "--keep-last", action="store_true",
        help="end with the last epoch's weights (default: the lowest validation loss)",
    )  # fmt: skip
    tr.add_argument("--device", choices=["auto", "cpu", "cuda"], default=t.device)
    tr.add_argument("--json", action="store_true", help="print a JSON summary on stdout")

    ga = sub.add_parser("gates", help="export every gate and state over a span to .npz")
    ga.add_argument("model")
    ga.add_argument("csv")
    ga.add_argument("--out", required=True, help=".npz file to write")
    ga.add_argument("--column", help="value column (default: the one the model was trained on)")
    ga.add_argument("--start", type=int, help="first point of the span (default: last look_back)")
    ga.add_argument("--length", type=int, help="points in the span (default: look_back)")
    ga.add_argument(
        "--compress", action="store_true",
        help="zlib-compress the .npz (smaller by a few %% for gate values, several times slower)",
    )  # fmt: skip

    fo = sub.add_parser("forecast", help="forecast H steps past the end of the series")
    fo.add_argument("model")
    fo.add_argument("csv")
    fo.add_argument("--horizon", type=int, required=True)
    fo.add_argument("--column")
    fo.add_argument("--out", help="CSV file to write (default: print to stdout)")

    ev = sub.add_parser("evaluate", help="test-part errors against the baselines")
    ev.add_argument("model")
    ev.add_argument("csv")
    ev.add_argument("--column")
    ev.add_argument(
        "--horizon", type=int,
        help="backtest H-step forecasts from every test origin (default: one season, at most "
        "half the test part)",
    )  # fmt: skip
    ev.add_argument(
        "--without-inputs", action="store_true",
        help="also train the same settings without the inputs and score it (do they help?)",
    )  # fmt: skip
    ev.add_argument(
        "--no-references", action="store_true",
        help="leave out the classic references (AutoETS, AutoTheta, AutoARIMA, fitted on the "
        "training and validation parts)",
    )  # fmt: skip
    ev.add_argument("--json", action="store_true")

    iv = sub.add_parser("intervene", help="clamp a gate, a state or an input; compare errors")
    iv.add_argument("model")
    iv.add_argument("csv")
    iv.add_argument("--column")
    what = iv.add_mutually_exclusive_group(required=True)
    what.add_argument("--gate", help="LSTM i, f, g, o, c or h; GRU r, z, n or h; RNN h")
    what.add_argument("--input", help="an input beside the series (a column or a one-hot input)")
    iv.add_argument("--units", help="with --gate: all, or unit numbers such as 0,3,7")
    iv.add_argument("--value", required=True,
                    help="σ gates 0-1, g, n and h -1-1; an input: a number (its units), mean, "
                    "shuffle or row:K (window K's values)")  # fmt: skip
    iv.add_argument("--layer", type=int, default=0)
    iv.add_argument("--from-step", type=int, default=0, help="first clamped step of a window")
    iv.add_argument("--json", action="store_true")

    ex = sub.add_parser("explain", help="which input drives which gate, and by how much")
    ex.add_argument("model")
    ex.add_argument("csv")
    ex.add_argument("--column")
    ex.add_argument("--json", action="store_true")

    tk = sub.add_parser("task", help="train on a memory task with a known answer; gates caught")
    tk.add_argument("name", choices=["adding"], help="adding: Hochreiter & Schmidhuber's adding "
                    "problem (the sum of two marked values among T)")  # fmt: skip
    tk.add_argument("--length", type=int, default=100, help="T, steps per sequence (10-400)")
    tk.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    tk.add_argument("--hidden", type=int, help="LSTM units (default 16); GRU and RNN get the "
                    "size with the closest parameter count")  # fmt: skip
    tk.add_argument("--budget", type=int, help="training sequences at most (default 320,000)")
    tk.add_argument("--seed", type=int, default=0)
    tk.add_argument("--json", action="store_true")
    return p


def _columns(text: str) -> tuple[str, ...]:
    """--inputs / --future-inputs: column names separated by commas."""
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _load(csv: str, a: argparse.Namespace) -> tuple[Series, str]:
    """The CSV's series (with the inputs asked for) and one line on its columns: --column,
    or the engine's default."""
    table = read_table(csv)
    extra = {"inputs": a.inputs, "future_inputs": a.future_inputs, "calendar": a.calendar}
    date_column = a.date_column or "auto"
    if a.column is None:
        choice = default_columns(table, date_column)
        return series_from_table(table, choice.value, choice.date, **extra), choice.reason
    series = series_from_table(table, a.column, date_column, **extra)
    date = series.time.name if series.time is not None else None
    return series, f"{using_columns(series.name, date)}, as asked."


def _series_for_model(csv: str, column: str | None, bundle: ModelBundle) -> Series:
    """The CSV's column the model was trained on unless --column says otherwise; with the
    model's inputs beside it. Never another column in silence: a CSV without the model's
    column is a UserError that says so and names --column."""
    table = read_table(csv)
    if column is not None:
        return series_from_table(table, column, specs=bundle.inputs)
    try:
        return series_from_table(table, bundle.column, specs=bundle.inputs)
    except DataError as e:
        if bundle.column in table.frame.columns:
            raise  # the column is there; what is wrong with it is in the message
        raise UserError(
            f"{e} The model was trained on column {bundle.column!r}; pass --column NAME to "
            "read another one."
        ) from e


def _clean(x: Any) -> Any:
    """NaN/inf -> None so the JSON is standard."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def cmd_train(a: argparse.Namespace) -> int:
    series, columns = _load(a.csv, a)
    dcfg = DataConfig(a.look_back, a.val_fraction, a.test_fraction, a.scaler, a.transform,
                      a.inputs, a.future_inputs, a.calendar)  # fmt: skip
    mcfg = ModelConfig(a.cell, a.hidden, a.layers)
    tcfg = TrainConfig(a.epochs, a.batch_size, a.lr, a.patience, seed=a.seed, device=a.device,
                       restore_best=not a.keep_last, scale_long=a.scale_long,
                       scale_short=a.scale_short)  # fmt: skip
    validate(series.values, dcfg, series.inputs)  # bad settings: one line, nothing before it
    long = sizing.describe(tcfg, plan_split(len(series.values), dcfg).n_train)
    for note in (columns, *series.notes, *([long] if long else [])):
        print(note, file=sys.stderr)

    def progress(p: Progress) -> None:
        if p.kind == "epoch":
            r = p.history[-1]
            print(
                f"epoch {r.epoch}/{p.last_epoch}  train {r.train_loss:.6f}  "
                f"val {r.val_loss:.6f}  {r.seconds:.2f}s",
                file=sys.stderr,
            )

    def trial(tf: Transform, i: int, k: int, p: Progress) -> None:
        if p.kind == "epoch" and p.epoch == p.last_epoch:
            print(f"auto: tried {tf.kind} ({i + 1}/{k}), {p.epoch} epochs", file=sys.stderr)

    bundle, data, result, choice = run(series.values, series.name, dcfg, mcfg, tcfg, progress,
                                       trial, inputs=series.inputs)  # fmt: skip
    if choice is not None:
        print(choice.summary(), file=sys.stderr)
    print(result.message, file=sys.stderr)
    save_bundle(bundle, a.out)
    refs = None
    if a.references:
        print("Fitting the references (AutoETS, AutoTheta, AutoARIMA)...", file=sys.stderr)
        refs = references_for(data)
    ev = evaluate(bundle.model, data, horizon=default_horizon(data, "auto"), references=refs)
    print(f"{ev.verdict} Model saved to {a.out}.", file=sys.stderr)
    if a.json:
        sp = data.split
        out = {
            "history": [r.to_dict() for r in result.history],
            "status": result.status,
            "message": result.message,
            "best_epoch": result.best_epoch,
            "device": result.device,
            "series": {
                "column": series.name,
                "n_points": len(series.values),
                "n_missing_filled": series.n_missing_filled,
                "n_dropped": series.n_dropped,
                "n_duplicates": series.n_duplicates,
            },
            "windows": {"train": sp.n_train, "val": sp.n_val, "test": sp.n_test},
            "inputs": [{"name": i.name, "kind": i.kind, "column": i.column} for i in bundle.inputs],
            **ev.to_dict(),
            "model_file": a.out,
        }
        if choice is not None:
            out["transform_scores"] = choice.scores
        print(json.dumps(_clean(out)))
    return 0


def cmd_gates(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = _series_for_model(a.csv, a.column, bundle)
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


def cmd_forecast(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = _series_for_model(a.csv, a.column, bundle)
    if a.horizon < 1:
        raise UserError(f"--horizon must be at least 1, got {a.horizon}.")
    fc = forecast(bundle.model, dataset_for(bundle, series.values, series.inputs), a.horizon)
    if fc.note:
        print(fc.note, file=sys.stderr)
    h = len(fc.values)
    cols = ["forecast", *fc.bands]
    rows = np.column_stack([fc.values, *(_pad(b, h) for b in fc.bands.values())])
    lines = ["step," + ",".join(cols)]
    lines += [f"{k + 1}," + ",".join(_num(v) for v in row) for k, row in enumerate(rows)]
    text = "\n".join(lines) + "\n"
    if a.out:
        with open(a.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _pad(band: np.ndarray, n: int) -> np.ndarray:
    """A band of H' <= n steps padded with NaN (no interval past the calibrated steps)."""
    return np.concatenate([band, np.full(n - len(band), np.nan)])


def _num(v: float) -> str:
    return f"{v:.10g}" if math.isfinite(v) else ""


def cmd_evaluate(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = _series_for_model(a.csv, a.column, bundle)
    data = dataset_for(bundle, series.values, series.inputs)
    if a.horizon is not None and a.horizon < 1:
        raise UserError(f"--horizon must be at least 1, got {a.horizon}.")
    horizon = a.horizon or default_horizon(data, "auto")
    check_horizon(horizon, data.split.n_test)  # before the references' fits
    refs = None
    if not a.no_references:
        print("Fitting the references (AutoETS, AutoTheta, AutoARIMA)...", file=sys.stderr)
        refs = references_for(data)
    ev = evaluate(bundle.model, data, horizon=horizon, references=refs)
    without = _without_inputs(bundle, series) if a.without_inputs else None
    if a.json:
        out = ev.to_dict()
        if without is not None:
            out["without_inputs"] = {"test": without.table["model"]}
        print(json.dumps(_clean(out)))
        return 0
    print(f"{'':16}{'RMSE':>12}{'MAE':>12}{'sMAPE %':>10}{'MASE':>8}")
    for name, s in ev.table.items():
        print(f"{name:16}{s['rmse']:12.4g}{s['mae']:12.4g}{s['smape']:10.2f}{s['mase']:8.3f}")
    if ev.reference_forms:
        print("Classic references (fitted on the training and validation parts):")
    for name, s in ev.references.items():
        print(f"{name:16}{s['rmse']:12.4g}{s['mae']:12.4g}{s['smape']:10.2f}{s['mase']:8.3f}")
    for name, form in ev.reference_forms.items():
        print(f"  {name}: {form}")
    bt = ev.backtest
    print(f"\nBacktest, RMSE by steps ahead ({len(bt.origins)} test origins):")
    print(f"{'step':16}" + "".join(f"{k + 1:>9}" for k in range(bt.horizon)))
    d = bt.to_dict()
    for name, r in [("model", bt.rmse_by_step()), *d["baselines"].items(),
                    *d["references"].items()]:  # fmt: skip
        print(f"{name:16}" + "".join(f"{v:9.4g}" for v in r))
    cov = ", ".join(f"{float(k):.0%} band {v:.0%}" for k, v in bt.coverage().items())
    print(f"Interval coverage on the test part: {cov}.")
    print(ev.verdict)
    if without is not None:
        print(
            f"Without the inputs, the same settings reach a test RMSE of "
            f"{without.table['model']['rmse']:.4g} (with them {ev.table['model']['rmse']:.4g})."
        )
    return 0


def _without_inputs(bundle: ModelBundle, series: Series):
    """The same settings trained without the inputs, evaluated (one-step) on the test part."""
    if not bundle.inputs:
        raise UserError("This model reads no inputs beside the values: --without-inputs has "
                        "nothing to leave out.")  # fmt: skip
    print("Training the same settings without the inputs...", file=sys.stderr)
    dcfg = replace(bundle.data_config, inputs=(), future_inputs=(), calendar=False)
    b, data, _, _ = run(series.values, series.name, dcfg, bundle.model_config, bundle.train_config)
    return evaluate(b.model, data)


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
    series = _series_for_model(a.csv, a.column, bundle)
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
        print(json.dumps(_clean(result.to_dict())))
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
    series = _series_for_model(a.csv, a.column, bundle)
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
        print(json.dumps(_clean(out)))
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
        print(json.dumps(_clean(out)))
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


COMMANDS = {"train": cmd_train, "gates": cmd_gates, "forecast": cmd_forecast,
            "evaluate": cmd_evaluate, "intervene": cmd_intervene,
            "explain": cmd_explain, "task": cmd_task}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with ThreadPolicy():  # threads for the cores free now, for the whole command
            return COMMANDS[args.command](args)
    except (DataError, BundleError, ConfigError, UserError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}", file=sys.stderr)
        return 2
