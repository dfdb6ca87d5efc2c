"""Inputs beside the series (issue 19): do they help, and what do they cost per epoch.

    python -m benchmarks.inputs [--quick] [--json] [--seeds 0,1,2] [--quiet]
                                [--only synthetic,beijing,calendar,cost] [--beijing-rows N]
    python -m benchmarks.inputs --report run.json   # the tables of a saved --json run

Quality: each series is trained with and without its inputs (same settings, transform
"auto", seeds 0, 1, 2) and scored on the test part, in original units:
  with / best   test RMSE of the model with inputs / the best baseline's (naive, seasonal
                naive, mean); below 1 beats them all
  without / best  the same model without inputs
  with / without  the two models' test RMSEs (below 1: the inputs help)
Series: synthetic y(t) = 0.8 x(t-3) + noise (sd 0.1), x an AR(1) (0.7, N(0, 1)), 600
points, x known only up to now (read at t) or known ahead (read at t + 1), look_back 8,
hidden 16, 30 epochs; Beijing PM2.5, its last 8,760 hours (one year; --beijing-rows 0: all
43,800), DEWP, TEMP, PRES, cbwd, Iws known only up to now plus calendar inputs, or calendar
inputs alone, look_back 24, 20 epochs; the quarterly development series and air passengers
with calendar inputs alone (they have no other column), the defaults (look_back 12, 100
epochs).

Cost: seconds per epoch with F = 0, 4, 16, 32 inputs (AR(1) columns known only up to now)
on a sine of 20,000 points (period 24, noise 0.1), look_back 24, the default model,
transform "none", 3 epochs, one intra-op thread; the F values run alternately (forward,
then backward, ...), and each ratio to F = 0 is the median of per-repeat ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import median_range, summarize  # noqa: E402
from lstm_core.config import DataConfig, ModelConfig, TrainConfig  # noqa: E402
from lstm_core.evaluation.forecast import evaluate  # noqa: E402
from lstm_core.fitting.pipeline import run, start_run, train_run  # noqa: E402
from lstm_core.series.data import Series, Table, read_table, series_from_table  # noqa: E402
from lstm_core.series.inputs import Inputs  # noqa: E402
from lstm_core.series.synthetic import sine_series  # noqa: E402

Log = Callable[[str], None]
BEIJING = ROOT / "data" / "beijing_pm25_hourly.csv"
BEIJING_COLS = ("DEWP", "TEMP", "PRES", "cbwd", "Iws")
YEAR = 8760  # hours: the Beijing slice
DEV = ROOT.parent / "shared" / "datasets"
CALENDAR_ONLY = {
    "ausbeer": DEV / "ausbeer_quarterly.csv",
    "austres": DEV / "austres_quarterly.csv",
    "woolyrnq": DEV / "woolyrnq_quarterly.csv",
    "us_realgdp": DEV / "us_realgdp_quarterly.csv",
    "air_passengers": ROOT / "data" / "air_passengers.csv",
}


@dataclass(frozen=True)
class Variant:
    """One way of reading a series: its values, its inputs (None: none) and settings."""

    values: np.ndarray  # [N]
    inputs: Inputs | None
    data: DataConfig


@dataclass(frozen=True)
class Case:
    """A series with inputs against the same series without, same model and training."""

    name: str
    what: str  # the inputs, in words
    without: str  # key of the shared run without inputs
    variant: Variant
    model: ModelConfig
    train: TrainConfig


# --------------------------------------------------------------------------- series


def ar1(n: int, rng: np.random.Generator, phi: float = 0.7) -> np.ndarray:
    """[n] x[t] = phi x[t-1] + N(0, 1), started at 0."""
    x, e = np.zeros(n), rng.normal(size=n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def csv_text(columns: dict[str, np.ndarray]) -> str:
    """CSV text with a counter column t (no dates) and the given columns."""
    names = list(columns)
    rows = zip(*(columns[k] for k in names), strict=True)
    body = "".join(f"{i}," + ",".join(f"{v:.7g}" for v in r) + "\n" for i, r in enumerate(rows))
    return "t," + ",".join(names) + "\n" + body


def lagged_table(n: int = 600, lag: int = 3, seed: int = 0) -> Table:
    """y(t) = 0.8 x(t - lag) + N(0, 0.1²), x an AR(1): a Table with columns t, y, x."""
    rng = np.random.default_rng(seed)
    x = ar1(n + lag, rng)
    y = 0.8 * x[:n] + 0.1 * rng.normal(size=n)
    return read_table(csv_text({"y": y, "x": x[lag:]}))


def last(s: Series, k: int) -> Variant:
    """The series' last k points and inputs (no future rows), settings to fill in."""
    i = s.inputs
    sl = None if i is None else Inputs(i.specs, i.values[-k:], i.observed[-k:], 0, i.time[-k:],
                                       i.step, ())  # fmt: skip
    return Variant(s.values[-k:], sl, DataConfig())


Cases = tuple[dict[str, Variant], list[Case]]  # the runs without inputs (by key), the cases


def synthetic_cases(epochs: int) -> Cases:
    """x known only up to now, then known ahead, against y alone."""
    syn = lagged_table()
    small, short = ModelConfig(hidden_size=16), TrainConfig(epochs=epochs)
    lb8 = DataConfig(look_back=8)
    y = series_from_table(syn, "y").values
    past = series_from_table(syn, "y", inputs=["x"]).inputs
    ahead = series_from_table(syn, "y", future_inputs=["x"]).inputs
    return {"synthetic": Variant(y, None, lb8)}, [
        Case("synthetic, x known up to now", "x (past)", "synthetic",
             Variant(y, past, replace(lb8, inputs=("x",))), small, short),
        Case("synthetic, x known ahead", "x (future)", "synthetic",
             Variant(y, ahead, replace(lb8, future_inputs=("x",))), small, short),
    ]  # fmt: skip


def beijing_cases(rows: int) -> Cases:
    """Five columns known only up to now plus calendar inputs, or calendar inputs alone, on
    the last `rows` hours (0: all)."""
    t = read_table(BEIJING)
    k = rows or len(series_from_table(t, "pm2.5").values)
    name = f"beijing pm2.5, {'1 year' if k == YEAR else f'{k:,} hours'}"
    lb24, e20 = DataConfig(look_back=24), TrainConfig(epochs=20)
    full = last(series_from_table(t, "pm2.5", inputs=list(BEIJING_COLS), calendar=True), k)
    cal = last(series_from_table(t, "pm2.5", calendar=True), k)
    return {"beijing": replace(last(series_from_table(t, "pm2.5"), k), data=lb24)}, [
        Case(name, "5 columns + calendar", "beijing",
             replace(full, data=replace(lb24, inputs=BEIJING_COLS, calendar=True)),
             ModelConfig(), e20),
        Case(name, "calendar", "beijing",
             replace(cal, data=replace(lb24, calendar=True)), ModelConfig(), e20),
    ]  # fmt: skip


def calendar_cases() -> Cases:
    """Calendar inputs alone on the series without other columns, the defaults."""
    base, out = {}, []
    for key, path in CALENDAR_ONLY.items():
        tab = read_table(path)
        base[key] = Variant(series_from_table(tab, None).values, None, DataConfig())
        s = series_from_table(tab, None, calendar=True)
        v = Variant(s.values, s.inputs, DataConfig(calendar=True))
        out.append(Case(key, "calendar", key, v, ModelConfig(), TrainConfig()))
    return base, out


# --------------------------------------------------------------------------- quality


def score(v: Variant, model: ModelConfig, train: TrainConfig) -> dict:
    """One training and its test RMSEs: the model's and the best baseline's."""
    bundle, data, _, _ = run(v.values, "y", v.data, model, train, inputs=v.inputs)
    table = evaluate(bundle.model, data).table
    best = min(table[k]["rmse"] for k in table if k != "model")
    return {"rmse": table["model"]["rmse"], "best_baseline": best,
            "transform": bundle.transform.kind}  # fmt: skip


def quality(base: dict[str, Variant], cs: list[Case], seeds: list[int], log: Log) -> dict:
    """Per case: each seed's scores with and without the inputs, and their means."""
    without: dict[tuple[str, int], dict] = {}
    out = {}
    for c in cs:
        runs = []
        for seed in seeds:
            train = replace(c.train, seed=seed)
            if (c.without, seed) not in without:
                without[c.without, seed] = score(base[c.without], c.model, train)
            w, wo = score(c.variant, c.model, train), without[c.without, seed]
            runs.append({
                "seed": seed,
                "with_rmse": w["rmse"],
                "without_rmse": wo["rmse"],
                "best_baseline": w["best_baseline"],
                "best_baseline_without": wo["best_baseline"],
                "with_over_best": w["rmse"] / w["best_baseline"],
                "without_over_best": wo["rmse"] / wo["best_baseline"],
                "with_over_without": w["rmse"] / wo["rmse"],
                "transform_with": w["transform"],
                "transform_without": wo["transform"],
            })  # fmt: skip
        key = f"{c.name} | {c.what}"
        out[key] = {
            "series": c.name,
            "inputs": c.what,
            "n_inputs": len(c.variant.inputs.specs),
            "points": len(c.variant.values),
            "look_back": c.variant.data.look_back,
            "hidden": c.model.hidden_size,
            "epochs": c.train.epochs,
            **{k: float(np.mean([r[k] for r in runs]))
               for k in ("with_over_best", "without_over_best", "with_over_without")},
            "runs": runs,
        }  # fmt: skip
        log(f"{key}: {json.dumps({k: v for k, v in out[key].items() if k != 'runs'})}")
    return out


# --------------------------------------------------------------------------- cost


def timing_variant(n: int, f: int, seed: int = 0) -> Variant:
    """A sine of n points with f AR(1) columns known only up to now."""
    rng = np.random.default_rng(seed)
    y = sine_series(n=n, period=24, noise=0.1, seed=seed)
    if f == 0:
        return Variant(y, None, DataConfig(look_back=24, transform="none"))
    names = [f"x{j}" for j in range(f)]
    s = series_from_table(read_table(csv_text({"y": y, **{k: ar1(n, rng) for k in names}})),
                          "y", inputs=names)  # fmt: skip
    return Variant(s.values, s.inputs, DataConfig(look_back=24, transform="none",
                                                  inputs=tuple(names)))  # fmt: skip


def seconds_per_epoch(v: Variant, epochs: int) -> float:
    """Median wall seconds of `epochs` epochs (validation included), the dataset built first."""
    train = TrainConfig(epochs=epochs, seed=0)
    bundle, data = start_run(v.values, "y", v.data, ModelConfig(), train, inputs=v.inputs)
    train_run(bundle, data, train)
    return float(np.median([r.seconds for r in bundle.history]))


def cost(n: int, fs: list[int], epochs: int, repeats: int, log: Log) -> dict:
    """Seconds per epoch per F, run alternately; ratios to F = 0 per repeat."""
    variants = {f: timing_variant(n, f) for f in fs}
    secs: dict[int, list[float]] = {f: [] for f in fs}
    for r in range(repeats):
        for f in fs if r % 2 == 0 else fs[::-1]:
            secs[f].append(seconds_per_epoch(variants[f], epochs))
            log(f"cost repeat {r} F={f}: {secs[f][-1]:.3f} s/epoch")
    return {
        "points": n,
        "look_back": 24,
        "epochs": epochs,
        "repeats": repeats,
        "threads": 1,
        "F": {
            str(f): {
                "seconds_per_epoch": summarize(secs[f]).to_dict(),
                "ratio_to_f0": summarize(
                    [a / b for a, b in zip(secs[f], secs[0], strict=True)]
                ).to_dict(),
            }
            for f in fs
        },
    }


# --------------------------------------------------------------------------- report


def quality_table(res: dict) -> list[str]:
    lines = [
        f"Seeds {res['seeds']}; test RMSE, means over the seeds (below 1 beats every baseline; "
        "with / without below 1: the inputs help)",
        "",
        "| series | inputs | F | points | look_back | epochs | with / best baseline | "
        "without / best baseline | with / without | per seed: with / without |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for q in res["quality"].values():
        per = ", ".join(f"{r['with_over_without']:.2f}" for r in q["runs"])
        lines.append(
            f"| {q['series']} | {q['inputs']} | {q['n_inputs']} | {q['points']:,} "
            f"| {q['look_back']} | {q['epochs']} | {q['with_over_best']:.2f} "
            f"| {q['without_over_best']:.2f} | **{q['with_over_without']:.2f}** | {per} |"
        )
    return lines


def cost_table(c: dict) -> list[str]:
    lines = [
        f"Seconds per epoch, {c['points']:,} points, look_back {c['look_back']}, "
        f"{c['epochs']} epochs × {c['repeats']} repeats, {c['threads']} thread",
        "",
        "| F | s/epoch | / F = 0 |",
        "|---|---|---|",
    ]
    for f, d in c["F"].items():
        s, r = median_range(d["seconds_per_epoch"]), median_range(d["ratio_to_f0"], "{:.2f}")
        lines.append(f"| {f} | {s} | {r}× |")
    return lines


def report(res: dict) -> str:
    parts = [quality_table(res)] if res["quality"] else []
    parts += [cost_table(res["cost"])] if "cost" in res else []
    return "\n\n".join("\n".join(p) for p in parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.inputs", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="synthetic series only, tiny (CI)")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--only", default="synthetic,beijing,calendar,cost", help="sections to run")
    ap.add_argument("--beijing-rows", type=int, default=YEAR, help="last hours (0: all)")
    ap.add_argument("--report", metavar="FILE", help="print the tables of a saved --json run")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.report:
        print(report(json.loads(Path(a.report).read_text())))
        return 0
    from lstm_core.runtime.threads import pin

    pin(1)  # torch.set_num_threads(1), and fit's thread policy kept from changing it

    def log(s: str) -> None:
        if not a.quiet:
            print(s, file=sys.stderr, flush=True)

    seeds = [0] if a.quick else [int(s) for s in a.seeds.split(",")]
    only = {"synthetic"} if a.quick else set(a.only.split(","))
    groups = [
        synthetic_cases(4 if a.quick else 30) if "synthetic" in only else ({}, []),
        beijing_cases(a.beijing_rows) if "beijing" in only else ({}, []),
        calendar_cases() if "calendar" in only else ({}, []),
    ]
    base = {k: v for b, _ in groups for k, v in b.items()}
    res: dict = {"seeds": seeds, "quality": quality(base, [c for _, cs in groups for c in cs],
                                                    seeds, log)}  # fmt: skip
    if a.quick:
        res["cost"] = cost(2000, [0, 4], 2, 2, log)
    elif "cost" in only:
        res["cost"] = cost(20_000, [0, 4, 16, 32], 3, 3, log)
    res = json.loads(json.dumps(res, default=float), parse_constant=lambda c: None)
    print(json.dumps(res) if a.json else report(res))
    finite = [q["with_over_without"] for q in res["quality"].values()]
    return 0 if all(isinstance(x, float) and math.isfinite(x) for x in finite) else 1


if __name__ == "__main__":
    raise SystemExit(main())
