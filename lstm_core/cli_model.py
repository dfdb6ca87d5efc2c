"""The commands that make a model and forecast with it: train, forecast, evaluate.

    cmd_train:    a CSV column -> a trained model file (notes and epochs on stderr; --json)
    cmd_forecast: a model file and a CSV -> H steps past the end, with the intervals, as CSV
    cmd_evaluate: a model file and a CSV -> test-part errors against the baselines and the
                  references, an H-step backtest and interval coverage (a table, or --json)

Each takes the parsed arguments (lstm_core.cli's parser) and returns the exit status.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace

import numpy as np

from lstm_core.cli_common import UserError, clean, series_for_model
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.backtest import check_horizon, default_horizon
from lstm_core.evaluation.forecast import evaluate, forecast
from lstm_core.evaluation.references import for_dataset as references_for
from lstm_core.fitting import sizing
from lstm_core.fitting.bundle import ModelBundle, load_bundle, save_bundle
from lstm_core.fitting.pipeline import dataset_for, run, validate
from lstm_core.fitting.train import Progress
from lstm_core.metrics import BASELINE_NAMES, count, decimals
from lstm_core.series.data import (
    Series,
    default_columns,
    flat_warning,
    read_table,
    series_from_table,
    using_columns,
)
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import plan_split


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
    for note in (columns, *series.notes, *(x for x in (long, flat_warning(series)) if x)):
        print(note, file=sys.stderr)

    printed = [0]  # the last epoch printed: auto's winner goes on from its trial's epochs

    def progress(p: Progress) -> None:
        if p.kind != "epoch":
            return
        for r in (r for r in p.history if r.epoch > printed[0]):
            print(
                f"epoch {r.epoch}/{p.last_epoch}  train {r.train_loss:.6f}  "
                f"val {r.val_loss:.6f}  {r.seconds:.2f}s",
                file=sys.stderr,
            )
        printed[0] = p.history[-1].epoch

    def trial(tf: Transform, i: int, k: int, p: Progress) -> None:
        if p.kind == "epoch" and p.epoch == p.last_epoch:
            print(
                f"auto: tried {tf.kind} ({i + 1}/{k}), {count(p.epoch, 'epoch')}", file=sys.stderr
            )

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
        print(json.dumps(clean(out)))
    return 0


def cmd_forecast(a: argparse.Namespace) -> int:
    bundle = load_bundle(a.model)
    series = series_for_model(a.csv, a.column, bundle)
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
    series = series_for_model(a.csv, a.column, bundle)
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
        print(json.dumps(clean(out)))
        return 0
    k = decimals(ev.table["model"]["rmse"])  # one format for every error: the model's 4 digits
    print(f"{'':{W}}{'RMSE':>12}{'MAE':>12}{'sMAPE %':>10}{'MASE':>8}")
    for name, s in ev.table.items():
        print(_score_row(name, s, k))
    if ev.reference_forms:
        print("Classic references (fitted on the training and validation parts):")
    for name, s in ev.references.items():
        print(_score_row(name, s, k))
    for name, form in ev.reference_forms.items():
        print(f"  {name}: {form}")
    bt = ev.backtest
    print(f"\nBacktest, RMSE by steps ahead ({len(bt.origins)} test origins):")
    print(f"{'step':{W}}" + "".join(f"{k + 1:>9}" for k in range(bt.horizon)))
    d = bt.to_dict()
    for name, r in [("model", bt.rmse_by_step()), *d["baselines"].items(),
                    *d["references"].items()]:  # fmt: skip
        print(f"{_label(name):{W}}" + "".join(f"{v:9.{k}f}" for v in r))
    cov = ", ".join(f"{float(k):.0%} band {v:.0%}" for k, v in bt.coverage().items())
    print(f"Interval coverage on the test part: {cov}.")
    print(ev.verdict)
    if without is not None:
        print(
            f"Without the inputs, the same settings reach a test RMSE of "
            f"{without.table['model']['rmse']:.4g} (with them {ev.table['model']['rmse']:.4g})."
        )
    return 0


W = 20  # width of the evaluate tables' name column: "naive (last value)" and a margin


def _score_row(name: str, s: dict[str, float], k: int) -> str:
    """One row of the evaluate table: RMSE and MAE with `k` decimals, sMAPE, MASE."""
    errors = f"{s['rmse']:12.{k}f}{s['mae']:12.{k}f}"
    return f"{_label(name):{W}}{errors}{s['smape']:10.2f}{s['mase']:8.3f}"


def _label(name: str) -> str:
    """A row's name as the app's tables write it: "naive (last value)", "AutoETS"."""
    return BASELINE_NAMES.get(name, name)


def _without_inputs(bundle: ModelBundle, series: Series):
    """The same settings trained without the inputs, evaluated (one-step) on the test part."""
    if not bundle.inputs:
        raise UserError("This model reads no inputs beside the values: --without-inputs has "
                        "nothing to leave out.")  # fmt: skip
    print("Training the same settings without the inputs...", file=sys.stderr)
    dcfg = replace(bundle.data_config, inputs=(), future_inputs=(), calendar=False)
    b, data, _, _ = run(series.values, series.name, dcfg, bundle.model_config, bundle.train_config)
    return evaluate(b.model, data)
