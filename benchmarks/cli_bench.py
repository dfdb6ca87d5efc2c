"""Whole processes, the way users run them: `python -m lstm_core train` and `gates` against
bare PyTorch processes doing the same work, on a quiet machine and beside busy processes.

    python -m benchmarks.cli_bench [--quick] [--json] [--busy 0,2] [--reps 3]
                                   [--variants policy,passive] [--gates]

  train   `python -m lstm_core train CSV --transform none` (50,000 points, look_back 50,
          hidden 64, batch 256, 3 epochs; --quick: 5,000 points, 1 epoch) against
          benchmarks/bare_train.py (torch's defaults: its thread count, libgomp's wait);
          each CLI variant is an environment: "policy" (lstm_core/runtime/threads.py, the default),
          "passive" (OMP_WAIT_POLICY=PASSIVE, the old default), "active", "one" (1 thread)
  gates   `python -m lstm_core gates MODEL CSV --start 0 --length 100000` against a process
          that reads the series, runs one nn.LSTM forward and writes arrays of the same shape

Busy processes are pure-Python loops, started before a measurement and killed after it (and
at exit). Sides alternate (A B B A ...); a ratio is the median of per-pair ratios, with its
min-max; the load average is recorded with each result. For the training sides, the
epoch lines both print split each run into phases: until the first epoch ended (imports,
reading, epoch 1), per later epoch, and after the last epoch (evaluation, saving, exit).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import median_range, summarize  # noqa: E402

VARIANTS = {
    "policy": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "active": {"OMP_WAIT_POLICY": "ACTIVE"},
    "one": {"LSTM_CORE_THREADS": "1"},
    "spin2e7": {"GOMP_SPINCOUNT": "20000000"},
    "spin2e8": {"GOMP_SPINCOUNT": "200000000"},
}
_busy: list[subprocess.Popen] = []


def start_busy(n: int) -> None:
    for _ in range(n):
        _busy.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))


def stop_busy() -> None:
    while _busy:
        p = _busy.pop()
        p.kill()
        p.wait()


atexit.register(stop_busy)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "LSTM_CORE_THREADS")}  # fmt: skip
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def timed(cmd: list[str], env: dict[str, str], timeout: float, marks: list | None = None) -> float:
    """Wall seconds of one process; a process still running after `timeout` is killed and
    counted as `timeout` (a lower bound: the report says "≥"). `marks` receives the seconds
    at which the process printed each line starting with "epoch" (both trainers do, the
    CLI on stderr, the bare script on stdout), for `phases`."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        for line in p.stdout:  # type: ignore[union-attr]
            if line.startswith("epoch") and marks is not None:
                marks.append(time.perf_counter() - t)
        rc = p.wait()
    finally:
        timer.cancel()
    if time.perf_counter() - t >= timeout:
        return float(timeout)
    if rc != 0:
        raise subprocess.CalledProcessError(rc, cmd)
    return time.perf_counter() - t


def phases(marks: list[float], total: float) -> dict[str, float] | None:
    """Where a training process's time went, from its epoch lines: until the first epoch
    ended (imports, reading, the first epoch), per later epoch (with two or more), after
    the last epoch (evaluation, backtest, saving, exit). None without an epoch line."""
    if not marks:
        return None
    out = {"to_first_epoch": marks[0], "after_last_epoch": total - marks[-1]}
    if len(marks) > 1:
        out["per_epoch"] = (marks[-1] - marks[0]) / (len(marks) - 1)
    return out


def compare(
    sides: dict[str, tuple[list[str], dict]], reps: int, timeout: float
) -> tuple[dict, dict]:
    """Every side `reps` times, in an order that alternates; per side the seconds, and
    per side the `phases` of each run that had them."""
    names = list(sides)
    out: dict[str, list[float]] = {k: [] for k in names}
    parts: dict[str, list[dict]] = {k: [] for k in names}
    for r in range(reps):
        for name in names if r % 2 == 0 else names[::-1]:
            cmd, env = sides[name]
            marks: list[float] = []
            out[name].append(timed(cmd, env, timeout, marks))
            if (ph := phases(marks, out[name][-1])) is not None:
                parts[name].append(ph)
    return out, parts


def phase_summary(parts: dict[str, list[dict]]) -> dict:
    """Per side and phase, the summary of the runs' seconds."""
    return {side: {k: summarize([r[k] for r in runs]).to_dict() for k in runs[0]}
            for side, runs in parts.items() if runs}  # fmt: skip


def ratios(a: list[float], b: list[float]) -> dict:
    return summarize([x / y for x, y in zip(a, b, strict=True)]).to_dict()


def write_csv(path: Path, n: int) -> None:
    from benchmarks.common import sine_series

    path.write_text("value\n" + "\n".join(f"{v:.8g}" for v in sine_series(n)) + "\n")


def train_bench(tmp: Path, a: argparse.Namespace, busy: int, log) -> dict:
    n, epochs = (5_000, 1) if a.quick else (50_000, 3)
    csv = tmp / "series.csv"
    write_csv(csv, n)
    args = ["--look-back", "50", "--hidden", "64", "--batch-size", "256", "--epochs", str(epochs)]
    sides = {"bare": ([sys.executable, "benchmarks/bare_train.py", str(csv), str(tmp / "b.pt"),
                       *args], _env({}))}  # fmt: skip
    for v in a.variants:
        cmd = [sys.executable, "-m", "lstm_core", "train", str(csv), "--out", str(tmp / "m.pt"),
               "--transform", "none", *args]  # fmt: skip
        sides[f"cli_{v}"] = (cmd, _env(VARIANTS[v]))
    start_busy(busy)
    try:
        load0 = os.getloadavg()[0]
        secs, parts = compare(sides, a.reps, a.timeout)
        load1 = os.getloadavg()[0]
    finally:
        stop_busy()
    res = {
        "points": n, "epochs": epochs, "busy": busy, "load": [load0, load1],
        "seconds": {k: summarize(v).to_dict() for k, v in secs.items()},
        "over_bare": {k: ratios(v, secs["bare"]) for k, v in secs.items() if k != "bare"},
        "phases": phase_summary(parts),
    }  # fmt: skip
    log(f"train busy={busy}: {json.dumps(res['over_bare'])}")
    return res


BARE_GATES = """
import sys, numpy as np, pandas as pd, torch
v = pd.read_csv(sys.argv[1]).iloc[:, -1].to_numpy(np.float32)[: int(sys.argv[3])]
lstm = torch.nn.LSTM(1, int(sys.argv[4]), batch_first=True)
x = torch.from_numpy((v - v.min()) / (v.max() - v.min()))[None, :, None]
with torch.no_grad():
    h, _ = lstm(x)
h = h[0].numpy()
np.savez(sys.argv[2], x=x[0, :, 0].numpy(), **{f"{k}_l0": h for k in "ifgoch"})
"""


def gates_bench(tmp: Path, a: argparse.Namespace, busy: int, log) -> dict:
    n = 10_000 if a.quick else 100_000
    csv = tmp / "gates.csv"
    write_csv(csv, n + 100)
    model = tmp / "g.pt"
    subprocess.run([sys.executable, "-m", "lstm_core", "train", str(csv), "--out", str(model),
                    "--epochs", "1", "--hidden", "64", "--batch-size", "1024", "--transform",
                    "none"], cwd=ROOT, env=_env({}), check=True, capture_output=True)  # fmt: skip
    sides = {
        "bare": ([sys.executable, "-c", BARE_GATES, str(csv), str(tmp / "b.npz"), str(n), "64"],
                 _env({})),
        "cli": ([sys.executable, "-m", "lstm_core", "gates", str(model), str(csv), "--out",
                 str(tmp / "g.npz"), "--start", "0", "--length", str(n)], _env({})),
    }  # fmt: skip
    start_busy(busy)
    try:
        secs, _ = compare(sides, a.reps, a.timeout)
    finally:
        stop_busy()
    res = {
        "steps": n, "busy": busy, "seconds": {k: summarize(v).to_dict() for k, v in secs.items()},
        "cli_over_bare": ratios(secs["cli"], secs["bare"]),
    }  # fmt: skip
    log(f"gates busy={busy}: {json.dumps(res['cli_over_bare'])}")
    return res


def report(res: dict) -> str:
    lines = ["| | busy | load | " + " | ".join(res["train"][0]["over_bare"]) + " |",
             "|---|---|---|" + "---|" * len(res["train"][0]["over_bare"])]  # fmt: skip
    for t in res["train"]:
        cells = [median_range(r, "{:.2f}") for r in t["over_bare"].values()]
        lines.append(f"| train / bare | {t['busy']} | {t['load'][0]:.1f}–{t['load'][1]:.1f} | "
                     + " | ".join(cells) + " |")  # fmt: skip
    for t in res["train"]:
        for side, ph in t.get("phases", {}).items():
            cells = ", ".join(f"{k} {median_range(v, '{:.2f}')}" for k, v in ph.items())
            lines.append(f"| {side} phases, s | {t['busy']} | | {cells} |")
    for g in res.get("gates", []):
        lines.append(
            f"| gates / bare | {g['busy']} | | {median_range(g['cli_over_bare'], '{:.2f}')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.cli_bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, one pair (CI)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--busy", default="0,2", help="busy processes beside, per measurement")
    ap.add_argument("--reps", type=int, default=3, help="runs per side")
    ap.add_argument("--variants", default="policy,passive", help=f"CLI sides, of {list(VARIANTS)}")
    ap.add_argument("--gates", action="store_true", help="also the gate export")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per process at most")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    a.variants = [v for v in a.variants.split(",") if v]
    if a.quick:
        a.reps = min(a.reps, 2)

    def log(s: str) -> None:
        if not a.quiet:
            print(s, file=sys.stderr, flush=True)

    busy = [int(b) for b in a.busy.split(",")]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        res = {"train": [train_bench(tmp, a, b, log) for b in busy]}
        if a.gates:
            res["gates"] = [gates_bench(tmp, a, b, log) for b in busy]
    print(json.dumps(res) if a.json else report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
