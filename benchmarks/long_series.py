"""Long series (issue 23, item 3): a default run with the long-series rule and without it.

    python -m benchmarks.long_series [--quick] [--json] [--seeds 0] [--only beijing,synthetic]
    python -m benchmarks.long_series --report run.json   # the table of a saved --json run

Each run is a whole process, as a user runs it: `python -m lstm_core train CSV --out m.pt
--json` with the defaults (transform auto, 100 epochs, batch 16, lr 0.01), once as it is
(the rule: lstm_core/fitting/sizing.py) and once with `--no-scale-long` (batch 16 on every series,
auto's trials E / (2 (k - 1)) epochs). The two alternate per seed (rule first on even
seeds); each pair's time ratio is taken within the pair. Series: the Beijing PM2.5 file
(43,800 hourly points, pm2.5 alone), and 50,000 synthetic points (a daily-like cycle of 24
steps, noise 0.15, a slow trend; the same series as the helper study behind the rule).
Reported: seconds per run (wall clock, process start to exit), test RMSE, test RMSE / the
best baseline's, and per pair rule / off for both. `--quick`: 6,000 synthetic points, 4
epochs (a smoke test of the script, not a measurement).
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

from benchmarks.stats import table  # noqa: E402
from lstm_core.series.synthetic import sine_series  # noqa: E402

BEIJING = ROOT / "data" / "beijing_pm25_hourly.csv"
SYNTHETIC_POINTS = 50_000


def synthetic_csv(folder: Path, n: int) -> Path:
    """The synthetic series as a CSV with one value column."""
    path = folder / f"synthetic_{n}.csv"
    values = sine_series(n=n, period=24, noise=0.15, trend=2e-5, seed=0)
    np.savetxt(path, values, header="value", comments="", fmt="%.6f")
    return path


def train_once(csv: Path, column: str, seed: int, rule: bool, epochs: int | None) -> dict:
    """One `python -m lstm_core train` process: its wall time and what --json reports."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "lstm_core", "train", str(csv), "--column", column,
               "--out", f"{tmp}/m.pt", "--json", "--seed", str(seed)]  # fmt: skip
        if epochs:
            cmd += ["--epochs", str(epochs)]
        if not rule:
            cmd.append("--no-scale-long")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=3600)
        seconds = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"train failed ({p.returncode}): {p.stderr[-1500:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    best = min(out["baselines"], key=lambda k: out["baselines"][k]["rmse"])
    return {
        "rule": rule,
        "seed": seed,
        "seconds": seconds,
        "load": load,
        "epochs": len(out["history"]),
        "transform": out["transform"],
        "rmse": out["test"]["rmse"],
        "best_baseline": best,
        "vs_best": out["test"]["rmse"] / out["baselines"][best]["rmse"],
        "long_note": next((ln for ln in p.stderr.splitlines() if "A long series" in ln), None),
    }


def measure(series: dict[str, tuple[Path, str]], seeds: list[int], epochs: int | None,
            log) -> list[dict]:  # fmt: skip
    rows = []
    for name, (csv, column) in series.items():
        for seed in seeds:
            order = (True, False) if seed % 2 == 0 else (False, True)
            pair = {}
            for rule in order:
                r = train_once(csv, column, seed, rule, epochs)
                r["series"] = name
                pair[rule] = r
                rows.append(r)
                log(f"{name} seed {seed} {'rule' if rule else 'off '}: {r['seconds']:.1f} s, "
                    f"test RMSE {r['rmse']:.4g} ({r['vs_best']:.3f} x {r['best_baseline']}), "
                    f"{r['epochs']} epochs, {r['transform']}, load {r['load']:.1f}")  # fmt: skip
            pair[True]["time_ratio"] = pair[True]["seconds"] / pair[False]["seconds"]
            pair[True]["rmse_ratio"] = pair[True]["rmse"] / pair[False]["rmse"]
    return rows


def report(rows: list[dict]) -> str:
    out = []
    for r in rows:
        mode = "rule" if r["rule"] else "off (batch 16)"
        ratio = f"{r['time_ratio']:.3f} / {r['rmse_ratio']:.3f}" if r["rule"] else ""
        out.append([r["series"], str(r["seed"]), mode, f"{r['seconds']:.1f}",
                    str(r["epochs"]), r["transform"], f"{r['rmse']:.4g}",
                    f"{r['vs_best']:.3f}", ratio, f"{r['load']:.1f}"])  # fmt: skip
    heads = ["series", "seed", "run", "seconds", "epochs", "transform", "test RMSE",
             "/ best baseline", "rule/off: time / RMSE", "load"]  # fmt: skip
    return table(heads, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--only", default="beijing,synthetic")
    ap.add_argument("--report")
    a = ap.parse_args(argv)
    if a.report:
        print(report(json.loads(Path(a.report).read_text())["rows"]))
        return 0

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        n = 6_000 if a.quick else SYNTHETIC_POINTS
        series = {
            "beijing": (BEIJING, "pm2.5"),
            "synthetic": (synthetic_csv(Path(tmp), n), "value"),
        }
        if a.quick:  # the script's smoke test: the short synthetic series only
            series.pop("beijing")
        series = {k: v for k, v in series.items() if k in a.only.split(",")}
        rows = measure(series, [int(s) for s in a.seeds.split(",")], 4 if a.quick else None, log)
    if a.json:
        print(json.dumps({"rows": rows, "cpus": os.cpu_count()}))
    else:
        print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
