"""The classic references' cost (issue 24): AutoETS, AutoTheta and AutoARIMA fitted and
scored on 144, 5,000 and 50,000 points, and the numba warm-up once.

    python -m benchmarks.references [--sizes 144,5000,50000] [--json] [--cold]

Each size: the default split (lstm_core.config.DataConfig: look-back 12, 15 % validation,
15 % test), the season detected on the training part, each reference fitted on at most
ReferenceConfig.fit_points points before the test part (time: `fit`), then its one-step
predictions of every test point (`one_step`) and its H-step paths from the default
backtest's origins (`paths`, H = one season at most half the test part, at most 500
origins; ARIMA's are bounded by ReferenceConfig.path_seconds). 144 points: air passengers;
longer: an hourly-like series (season 24, a trend, a weekly swell, noise; seed 0).
--cold: the warm-up in two fresh processes with an empty numba cache (NUMBA_CACHE_DIR in a
temporary folder): the first compiles Theta's code, the second loads it from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lstm_core.config import DataConfig  # noqa: E402
from lstm_core.evaluation import references  # noqa: E402
from lstm_core.evaluation.paths import spaced  # noqa: E402
from lstm_core.metrics import detect_season, rmse  # noqa: E402
from lstm_core.series.windows import plan_split  # noqa: E402

SIZES = (144, 5000, 50000)


def series(n: int) -> np.ndarray:
    """Air passengers (144) or the hourly-like synthetic series of n points."""
    if n == 144:
        from lstm_core.series.data import load_series

        return load_series(ROOT / "data" / "air_passengers.csv").values
    t = np.arange(n)
    rng = np.random.default_rng(0)
    return (100 + 0.002 * t + 10 * np.sin(2 * np.pi * t / 24) + 4 * np.sin(2 * np.pi * t / 168)
            + rng.normal(0, 1.5, n))  # fmt: skip


def one_size(n: int) -> dict:
    """Fit and score every reference on n points: times and test RMSE per reference."""
    v = series(n)
    sp = plan_split(len(v), DataConfig())
    season = detect_season(v[: sp.train_end])
    targets = np.arange(sp.val_end, len(v))
    horizon = max(1, min(season or 12, sp.n_test // 2))
    origins = spaced(sp.n_train + sp.n_val, sp.n_windows - horizon + 1)
    t0 = sp.first_target + origins
    out = {"n": n, "season": season, "test_points": len(targets), "horizon": horizon,
           "origins": len(origins), "references": {}}  # fmt: skip
    for name in references.NAMES:
        a = time.perf_counter()
        refs = references.fit_references(v, sp.val_end, season, names=(name,))
        fit = time.perf_counter() - a
        r = refs.items[name]
        row = {"fit": fit, "form": r.form, "note": r.note}
        if r.fitted:
            a = time.perf_counter()
            pred = refs.one_step(v, targets)[name]
            row["one_step"] = time.perf_counter() - a
            a = time.perf_counter()
            _, notes = refs.paths(v, t0, horizon)
            row["paths"] = time.perf_counter() - a
            row["paths_note"] = notes.get(name, "")
            row["rmse"] = rmse(v[targets], pred)
        out["references"][name] = row
    return out


COLD = "from lstm_core import references; print(references.warm_up())"


def cold() -> list[float]:
    """The warm-up's seconds in two fresh processes sharing an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        runs = []
        for _ in range(2):
            r = subprocess.run([sys.executable, "-c", COLD], env=env, capture_output=True,
                               text=True, check=True)  # fmt: skip
            runs.append(float(r.stdout.strip().splitlines()[-1]))
        return runs


QUARTERLY = ("ausbeer", "austres", "woolyrnq", "us_realgdp")  # ../shared/datasets/*_quarterly
HELD_OUT = {"sunspots": "sunspots_yearly.csv", "nile": "nile_flow.csv"}  # never tuned on


def quality_files(held_out: bool = False) -> dict[str, Path]:
    """Air passengers and the quarterly development series; with `held_out`, also the two
    real series no setting was chosen on."""
    shared = ROOT.parent / "shared" / "datasets"
    files = {"air_passengers": ROOT / "data" / "air_passengers.csv"}
    files.update({k: shared / f"{k}_quarterly.csv" for k in QUARTERLY})
    if held_out:
        files.update({k: shared / f for k, f in HELD_OUT.items()})
    return files


def quality_runs(
    cuts: list[float], seeds: list[int], say, short_rule: bool = True, held_out: bool = False
) -> list[dict]:
    """The default LSTM (lstm_core.config defaults, transform auto; `short_rule` False: without
    the short-series rule, lstm_core/fitting/sizing.py) against the references on
    quality_files(held_out), each cut at `cuts` of its length and trained on `seeds`: test
    RMSE (one step) and the backtest's mean RMSE, the model's over the best reference's
    (below 1: the LSTM wins), and the training's seconds (auto's trials included); also each
    reference's validation RMSE and the model over the reference a forecaster would have
    picked there (`vs_val_pick`), since the best on the test part is known only afterwards."""
    from lstm_core.config import ModelConfig, TrainConfig
    from lstm_core.evaluation.backtest import default_horizon
    from lstm_core.evaluation.forecast import evaluate
    from lstm_core.fitting.pipeline import part_rmse, run
    from lstm_core.series.data import load_series

    out = []
    for name, path in quality_files(held_out).items():
        full = load_series(path).values
        for cut in cuts:
            values = full[: round(cut * len(full))]
            data_refs = None
            for seed in seeds:
                t0 = time.perf_counter()
                cfg = TrainConfig(seed=seed, scale_short=short_rule)
                bundle, data, _, _ = run(values, name, DataConfig(), ModelConfig(), cfg)
                seconds = time.perf_counter() - t0
                data_refs = data_refs or references.for_dataset(data)
                ev = evaluate(bundle.model, data, horizon=default_horizon(data),
                              references=data_refs)  # fmt: skip
                bt = ev.backtest
                best = min(ev.references, key=lambda k: ev.references[k]["rmse"])
                best_bt = min(bt.references, key=bt.mean_rmse)
                on_val = validation_rmse(data_refs, data)
                picked = min(on_val, key=on_val.get)  # what a forecaster could pick beforehand
                row = {"series": name, "cut": cut, "seed": seed, "points": len(values),
                       "short_rule": short_rule, "seconds": seconds,
                       "transform": data.transform.kind, "model": ev.table["model"]["rmse"],
                       "best_reference": best, "reference": ev.references[best]["rmse"],
                       "one_step": ev.table["model"]["rmse"] / ev.references[best]["rmse"],
                       "backtest": bt.mean_rmse() / bt.mean_rmse(best_bt),
                       "best_reference_backtest": best_bt,
                       "model_val": part_rmse(bundle, data, "val"), "references_val": on_val,
                       "val_reference": picked,
                       "vs_val_pick": ev.table["model"]["rmse"] / ev.references[picked]["rmse"],
                       "references": {k: v["rmse"] for k, v in ev.references.items()},
                       "baseline": min(v["rmse"] for k, v in ev.table.items()
                                       if k != "model")}  # fmt: skip
                say(f"{name:16} cut {cut:.1f} seed {seed}: model {row['model']:.4g}, {best} "
                    f"{row['reference']:.4g} -> {row['one_step']:.2f}; backtest "
                    f"{row['backtest']:.2f} ({best_bt}); {row['transform']}; "
                    f"{seconds:.1f} s")  # fmt: skip
                out.append(row)
    return out


def validation_rmse(refs: references.References, data) -> dict[str, float]:
    """Each fitted reference's one-step RMSE on the validation part (the targets the LSTM's
    validation windows predict): what a forecaster sees before the test part. The references
    are fitted on training and validation, so this is their in-sample fit there."""
    targets = data.target_index[data.split.windows("val")]
    y = data.values[targets]
    return {k: rmse(y, p) for k, p in refs.one_step(data.values, targets).items()}


def before_after_table(before: list[dict], after: list[dict]) -> str:
    """Per series: one-step and backtest ratios without and with the short-series rule
    (geometric means), and the mean training seconds of each."""
    lines = ["| series | runs | one-step: before → after | backtest: before → after | "
             "training s: before → after |", "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
    groups = {name: [name] for name in dict.fromkeys(r["series"] for r in after)}
    groups["**development set**"] = list(quality_files())
    if any(r["series"] in HELD_OUT for r in after):
        groups["**held out**"] = list(HELD_OUT)
    for label, names in groups.items():
        b = [r for r in before if r["series"] in names]
        a = [r for r in after if r["series"] in names]
        cells = [f"{_geo([r[k] for r in b]):.2f} → {_geo([r[k] for r in a]):.2f}"
                 for k in ("one_step", "backtest")]  # fmt: skip
        secs = " → ".join(f"{np.mean([r['seconds'] for r in x]):.1f}" for x in (b, a))
        lines.append(f"| {label} | {len(a)} | {cells[0]} | {cells[1]} | {secs} |")
    return "\n".join(lines)


def table(res: list[dict]) -> str:
    lines = [f"{'points':>7} {'reference':10} {'fit s':>7} {'1-step s':>9} {'paths s':>8} "
             f"{'test RMSE':>10}  form"]  # fmt: skip
    for s in res:
        for name, r in s["references"].items():
            lines.append(
                f"{s['n']:>7} {name:10} {r['fit']:7.2f} {r.get('one_step', float('nan')):9.3f} "
                f"{r.get('paths', float('nan')):8.2f} {r.get('rmse', float('nan')):10.4g}  "
                f"{r['form'] or r['note']}{'; ' + r['paths_note'] if r.get('paths_note') else ''}"
            )
    return "\n".join(lines)


def _geo(xs: list[float]) -> float:
    return float(np.exp(np.mean(np.log(xs))))


def quality_table(runs: list[dict]) -> str:
    """Per series: geometric means of the ratios, the share of runs the LSTM wins, and which
    reference was best how often."""
    lines = ["| series | points | runs | one-step: LSTM / best reference | backtest: LSTM / best "
             "reference | LSTM wins (one-step) | LSTM / reference picked on validation | "
             "LSTM / best baseline | best reference |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for name in dict.fromkeys(r["series"] for r in runs):
        rs = [r for r in runs if r["series"] == name]
        base = _geo([r["model"] / r["baseline"] for r in rs])
        wins = np.mean([r["one_step"] < 1 for r in rs])
        best = {}
        for r in rs:
            best[r["best_reference"]] = best.get(r["best_reference"], 0) + 1
        names = ", ".join(f"{k} {v}" for k, v in sorted(best.items(), key=lambda kv: -kv[1]))
        one, multi = _geo([r["one_step"] for r in rs]), _geo([r["backtest"] for r in rs])
        picked = _geo([r["vs_val_pick"] for r in rs])
        lines.append(f"| {name} | {rs[0]['points']} | {len(rs)} | {one:.2f} | {multi:.2f} | "
                     f"{wins:.0%} | {picked:.2f} | {base:.2f} | {names} |")  # fmt: skip
    each = {k: _geo([r["model"] / r["references"][k] for r in runs]) for k in references.NAMES}
    lines.append("\nLSTM / each reference, one step, all runs: "
                 + ", ".join(f"{k} {v:.2f}" for k, v in each.items()))  # fmt: skip
    lines.append("Each reference / the best reference, one step, all runs (the bar no single "
                 "method can know beforehand): " + ", ".join(yardsticks(runs)))  # fmt: skip
    return "\n".join(lines)


def yardsticks(runs: list[dict]) -> list[str]:
    """How far each reference alone, and the one a forecaster picks on validation, stand from
    the best reference chosen on the test part (geometric means, 1 = always the best)."""
    alone = {k: _geo([r["references"][k] / r["reference"] for r in runs]) for k in references.NAMES}
    picked = _geo([r["references"][r["val_reference"]] / r["reference"] for r in runs])
    return [f"{k} {v:.2f}" for k, v in alone.items()] + [f"picked on validation {picked:.2f}"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.references")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)))
    p.add_argument("--json", action="store_true")
    p.add_argument("--cold", action="store_true", help="also time the numba warm-up, cold")
    p.add_argument("--quality", action="store_true",
                   help="instead: the default LSTM against the references on the quarterly "
                   "development series (minutes)")  # fmt: skip
    p.add_argument("--cuts", default="1,0.9,0.8,0.7")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--held-out", action="store_true",
                   help="with --quality: also sunspots and the Nile, never tuned on")  # fmt: skip
    p.add_argument("--before", action="store_true",
                   help="with --quality: also without the short-series rule, in the same run, "
                   "and a before/after table")  # fmt: skip
    a = p.parse_args(argv)
    if a.quality:
        cuts, seeds = [float(c) for c in a.cuts.split(",")], [int(x) for x in a.seeds.split(",")]
        say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        runs = quality_runs(cuts, seeds, say, held_out=a.held_out)
        before = quality_runs(cuts, seeds, say, False, a.held_out) if a.before else []
        if a.json:
            print(json.dumps(runs + before))
        else:
            dev = [r for r in runs if r["series"] not in HELD_OUT]
            held = [r for r in runs if r["series"] in HELD_OUT]
            print(quality_table(dev))
            if held:
                print("\nHeld out:\n" + quality_table(held))
            if before:
                print("\n" + before_after_table(before, runs))
        return 0
    out: dict = {"warm_up_in_process": references.warm_up()}
    if a.cold:
        out["warm_up_cold"], out["warm_up_cached"] = cold()
    out["sizes"] = [one_size(int(n)) for n in a.sizes.split(",")]
    if a.json:
        print(json.dumps(out))
    else:
        print(f"warm-up in this process: {out['warm_up_in_process']:.1f} s")
        if a.cold:
            print(f"warm-up, empty numba cache: {out['warm_up_cold']:.1f} s; from the cache: "
                  f"{out['warm_up_cached']:.1f} s")  # fmt: skip
        print(table(out["sizes"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
