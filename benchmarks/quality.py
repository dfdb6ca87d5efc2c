"""Forecast quality against the baselines, before and after issue 9, and the cost of `auto`.

    python -m benchmarks.quality [--quick] [--json] [--seeds 0,1,2] [--cuts 1,0.9,0.8,0.7]
                                 [--csv FILE ...]

For each series (the three built-in real ones, the synthetic trend and a random walk, and
any --csv files), cut at each of --cuts (the first 100 %, 90 %, ... of its points: each
cut puts a different stretch in the test part, so one lucky or unlucky test part does not
decide) and trained with the CLI's defaults in this process:
  before   the levels ("none"), last epoch's weights (the defaults before issue 9)
  after    the defaults now: transform "auto", best weights kept
Scores, all on the test part, in original units:
  one-step   test RMSE / the best baseline's (naive, seasonal naive, mean)
  backtest   mean over steps 1..H of RMSE / the best baseline's mean (H = one season, at
             most half the test part), and the share of test points inside the 80 % and
             95 % intervals (after only): the bands the backtest reports (validation, then
             online: the test targets known before each origin), and, for comparison, the
             same without the in-sample floor (intervals.raise_to) and the interval score
             of both (width + 2/α × miss; its ratio, floor over none, below 1 is better)
Below 1 beats every baseline. Means over --seeds and --cuts.

The cost of `auto`: `python -m lstm_core train CSV --transform auto` against `--transform
none` as whole processes, the way a user runs it (same settings, alternated), and the
training alone in this process; ratios are medians of per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import median_range, summarize  # noqa: E402
from lstm_core.config import DataConfig, ModelConfig, TrainConfig  # noqa: E402
from lstm_core.evaluation.backtest import Backtest, default_horizon  # noqa: E402
from lstm_core.evaluation.forecast import evaluate  # noqa: E402
from lstm_core.evaluation.intervals import Intervals, online, step_scores  # noqa: E402
from lstm_core.fitting.pipeline import run  # noqa: E402
from lstm_core.series.data import load_series, series_from_values  # noqa: E402
from lstm_core.series.datasets import load_builtin  # noqa: E402
from lstm_core.series.synthetic import random_walk  # noqa: E402

BUILTIN = ("air_passengers", "sunspots", "nile", "trend")


def series_set(csvs: list[str]) -> dict[str, np.ndarray]:
    out = {key: load_builtin(key).values for key in BUILTIN}
    out["random_walk"] = series_from_values(random_walk(n=500, seed=0)).values
    for path in csvs:
        out[Path(path).stem] = load_series(path).values
    return out


def unfloored(model, data, bt: Backtest) -> Intervals:
    """The backtest's online bands without the in-sample floor (for comparison)."""
    val, n_val = step_scores(model, data, bt.horizon, "val")
    iv = bt.intervals
    q, capped = online([val] * len(iv.levels), bt.origins, bt.truth, bt.predictions, iv.log)
    return Intervals(iv.levels, q, iv.log, n_val, capped)


def score(values: np.ndarray, data_cfg: DataConfig, train_cfg: TrainConfig) -> dict:
    """One training with these settings and its test scores against the baselines."""
    bundle, data, _, choice = run(values, "v", data_cfg, ModelConfig(), train_cfg)
    ev = evaluate(bundle.model, data, horizon=default_horizon(data))
    bt = ev.backtest
    one = ev.table["model"]["rmse"] / min(v["rmse"] for k, v in ev.table.items() if k != "model")
    multi = bt.mean_rmse() / min(bt.mean_rmse(k) for k in bt.baselines)
    bare = unfloored(bundle.model, data, bt)
    ours, theirs = bt.interval_score(), bt.interval_score(bare)
    return {
        "one_step": one,
        "backtest": multi,
        "horizon": bt.horizon,
        "coverage": bt.coverage(),
        "coverage_no_floor": bt.coverage(bare),
        "score_ratio": {k: ours[k] / theirs[k] for k in ours},
        "transform": bundle.transform.kind,
        "scores": choice.scores if choice else {},
    }


def _mean(runs: list[dict], key: str, of: str | None = None) -> float:
    """The mean of run[key] (or run[key][of]) over the runs."""
    return float(np.mean([r[key] if of is None else r[key][of] for r in runs]))


def _geo(xs: list[float]) -> float:
    return float(np.exp(np.mean(np.log(xs))))


def quality(
    series: dict[str, np.ndarray], seeds: list[int], epochs: int, log, cuts: list[float]
) -> dict:
    before_d = DataConfig(transform="none")
    before_t = TrainConfig(epochs=epochs, restore_best=False)
    after_d, after_t = DataConfig(), TrainConfig(epochs=epochs)
    out = {}
    for name, full in series.items():
        rows = {"before": [], "after": []}
        for cut in cuts:
            values = full[: round(cut * len(full))]
            for seed in seeds:
                rows["before"].append(score(values, before_d, replace(before_t, seed=seed)))
                rows["after"].append(score(values, after_d, replace(after_t, seed=seed)))
        before, after = rows["before"], rows["after"]
        out[name] = {
            "points": len(full),
            "before_one_step": _mean(before, "one_step"),
            "before_backtest": _mean(before, "backtest"),
            "after_one_step": _mean(after, "one_step"),
            "after_backtest": _mean(after, "backtest"),
            "horizon": after[0]["horizon"],
            "coverage_80": _mean(after, "coverage", "0.8"),
            "coverage_95": _mean(after, "coverage", "0.95"),
            "coverage_no_floor_80": _mean(after, "coverage_no_floor", "0.8"),
            "coverage_no_floor_95": _mean(after, "coverage_no_floor", "0.95"),
            "score_ratio_80": _geo([r["score_ratio"]["0.8"] for r in after]),
            "score_ratio_95": _geo([r["score_ratio"]["0.95"] for r in after]),
            "beats_best": float(np.mean([r["one_step"] < 1 for r in after])),
            "transforms": [r["transform"] for r in after],
        }
        log(f"{name}: {json.dumps(out[name])}")
    return out


def _cli_seconds(csv: Path, transform: str, epochs: int, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lstm_core", "train", str(csv), "--out", str(out),
         "--epochs", str(epochs), "--transform", transform],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - t


def _fit_seconds(values: np.ndarray, transform: str, epochs: int) -> float:
    t = time.perf_counter()
    run(values, "v", DataConfig(transform=transform), ModelConfig(), TrainConfig(epochs=epochs))
    return time.perf_counter() - t


def auto_cost(series: dict[str, np.ndarray], keys: list[str], epochs: int, reps: int, log) -> dict:
    """auto over none: whole CLI processes and training alone, alternated (A B B A ...)."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            csv = Path(tmp) / f"{key}.csv"
            csv.write_text("v\n" + "\n".join(f"{v:.10g}" for v in series[key]) + "\n")
            model = Path(tmp) / "m.pt"
            cli, fit = [], []
            for r in range(reps):
                order = ("auto", "none") if r % 2 == 0 else ("none", "auto")
                c = {k: _cli_seconds(csv, k, epochs, model) for k in order}
                f = {k: _fit_seconds(series[key], k, epochs) for k in order}
                cli.append((c["auto"], c["none"]))
                fit.append((f["auto"], f["none"]))
            out[key] = {
                "cli_auto_over_none": summarize([a / b for a, b in cli]).to_dict(),
                "fit_auto_over_none": summarize([a / b for a, b in fit]).to_dict(),
                "cli_none_seconds": summarize([b for _, b in cli]).to_dict(),
                "fit_none_seconds": summarize([b for _, b in fit]).to_dict(),
            }
            log(f"auto cost {key}: {json.dumps(out[key])}")
    return out


def report(res: dict) -> str:
    lines = [
        f"Epochs {res['epochs']}, seeds {res['seeds']}, cuts {res['cuts']}; test RMSE / best "
        "baseline (below 1 beats naive, seasonal naive and mean)",
        "",
        "| series | points | before: one-step | before: backtest | after: one-step | "
        "after: backtest | after: one-step below 1 | H | 80 % band | 95 % band | "
        "without the floor: 80 % / 95 % | interval score, floor / none: 80 % / 95 % | "
        "auto chose |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, q in res["quality"].items():
        chose = ", ".join(sorted(set(q["transforms"]), key=q["transforms"].index))
        lines.append(
            f"| {name} | {q['points']} | {q['before_one_step']:.2f} | {q['before_backtest']:.2f} "
            f"| {q['after_one_step']:.2f} | {q['after_backtest']:.2f} | {q['beats_best']:.0%} "
            f"| {q['horizon']} | {q['coverage_80']:.0%} | {q['coverage_95']:.0%} "
            f"| {q['coverage_no_floor_80']:.0%} / {q['coverage_no_floor_95']:.0%} "
            f"| {q['score_ratio_80']:.2f} / {q['score_ratio_95']:.2f} | {chose} |"
        )
    qs = list(res["quality"].values())
    lines.append(
        f"| **mean** | | | | | | {np.mean([q['beats_best'] for q in qs]):.0%} | "
        f"| **{np.mean([q['coverage_80'] for q in qs]):.0%}** "
        f"| **{np.mean([q['coverage_95'] for q in qs]):.0%}** "
        f"| {np.mean([q['coverage_no_floor_80'] for q in qs]):.0%} / "
        f"{np.mean([q['coverage_no_floor_95'] for q in qs]):.0%} "
        f"| {_geo([q['score_ratio_80'] for q in qs]):.2f} / "
        f"{_geo([q['score_ratio_95'] for q in qs]):.2f} | |"
    )
    lines += ["", "| series | auto / none, whole CLI process | auto / none, training alone |",
              "|---|---|---|"]  # fmt: skip
    for name, c in res["cost"].items():
        a, b = (median_range(c[k], "{:.2f}") for k in ("cli_auto_over_none", "fit_auto_over_none"))
        lines.append(f"| {name} | {a} | {b} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="2 epochs, one seed, one series (CI)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    ap.add_argument("--reps", type=int, default=4, help="alternated runs per side (cost)")
    ap.add_argument("--csv", nargs="*", default=[], help="more series to score")
    ap.add_argument("--cuts", default="1", help="shares of each series to score, e.g. 1,0.9,0.8")
    ap.add_argument("--no-cost", action="store_true", help="skip the cost of auto")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    from lstm_core.runtime.threads import pin

    pin(1)  # as the other benchmarks: ratios, not the machine's load

    def log(s: str) -> None:
        if not a.quiet:
            print(s, file=sys.stderr, flush=True)

    seeds = [0] if a.quick else [int(s) for s in a.seeds.split(",")]
    epochs = 2 if a.quick else a.epochs
    series = series_set(a.csv)
    if a.quick:
        series = {"air_passengers": series["air_passengers"]}
    res = {
        "epochs": epochs,
        "seeds": seeds,
        "cuts": [float(c) for c in a.cuts.split(",")],
    }
    res["quality"] = quality(series, seeds, epochs, log, res["cuts"])
    reps = 2 if a.quick else a.reps
    res["cost"] = {} if a.no_cost else auto_cost(series, ["air_passengers"], epochs, reps, log)
    res = json.loads(json.dumps(res, default=float), parse_constant=lambda c: None)
    print(json.dumps(res) if a.json else report(res))
    return 0 if all(math.isfinite(q["after_backtest"]) for q in res["quality"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
