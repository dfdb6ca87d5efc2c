"""Process-wide settings, one fresh process per sample (benchmarks.worker): glibc malloc
tuned or not, peak RSS, torch's thread count, training in a non-main thread (as Streamlit
runs pages). Samples of the two settings alternate; ratios are taken per adjacent pair."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.stats import summarize

ROOT = Path(__file__).resolve().parent.parent


def run_worker(
    config: str,
    epochs: int,
    tuned: bool = True,
    threads: int | None = None,
    in_thread: bool = False,
    omp: str | None = None,
    timeout: float = 3600,
) -> dict:
    """One worker process; omp: its OMP_WAIT_POLICY (None: unset, libgomp's default spin)."""
    cmd = [sys.executable, "-m", "benchmarks.worker", "--config", config, "--epochs", str(epochs)]
    if threads:
        cmd += ["--threads", str(threads)]
    if in_thread:
        cmd.append("--in-thread")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LSTM_CORE_TUNE_MALLOC": "1" if tuned else "0"}
    env.pop("OMP_WAIT_POLICY", None)
    if omp:
        env["OMP_WAIT_POLICY"] = omp
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"worker failed ({p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _per_epoch(run: dict, key: str) -> float:
    eps = run["epochs"]
    return sum(e[key] for e in eps) / len(eps)


def _side(runs: list[dict]) -> dict:
    return {
        "wall_s_per_epoch": summarize([_per_epoch(r, "wall_s") for r in runs]).to_dict(),
        "user_s_per_epoch": summarize([_per_epoch(r, "user_s") for r in runs]).to_dict(),
        "sys_s_per_epoch": summarize([_per_epoch(r, "sys_s") for r in runs]).to_dict(),
        "cpu_s_per_epoch": summarize(
            [_per_epoch(r, "user_s") + _per_epoch(r, "sys_s") for r in runs]
        ).to_dict(),
        "maxrss_mib": summarize([r["maxrss_mib"] for r in runs]).to_dict(),
        "maxrss_before_fit_mib": summarize([r["maxrss_before_fit_mib"] for r in runs]).to_dict(),
        "training_peak_mib": summarize(
            [r["maxrss_mib"] - r["maxrss_before_fit_mib"] for r in runs]
        ).to_dict(),
        "rss_after_fit_mib": summarize([r["rss_after_fit_mib"] for r in runs]).to_dict(),
        "rss_after_release_mib": summarize([r["rss_after_release_mib"] for r in runs]).to_dict(),
        "val_loss": runs[-1]["val_loss"],
        "malloc_tuned": runs[-1]["malloc_tuned"],
        "threads": runs[-1]["threads"],
    }


# Spins until its parent is gone, so that a benchmark killed by a signal leaves nothing behind.
_SPIN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass\n"


@contextlib.contextmanager
def busy(n: int):
    """n processes that each keep one CPU busy (a shared machine's load) while inside."""
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(max(0, n)):
            procs.append(subprocess.Popen([sys.executable, "-c", _SPIN]))
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def compare(
    config: str, epochs: int, reps: int, a: dict, b: dict, log=lambda s: None, label: str = ""
) -> dict:
    """Alternate worker runs with settings a and b (run_worker kwargs); b over a ratios."""
    runs_a, runs_b = [], []
    for r in range(reps):
        for side in ("a", "b") if r % 2 == 0 else ("b", "a"):
            kw = a if side == "a" else b
            res = run_worker(config, epochs, **kw)
            (runs_a if side == "a" else runs_b).append(res)
            log(
                f"  {label} {config} run {r + 1}/{reps} {side} {kw}: "
                f"{_per_epoch(res, 'wall_s'):.2f}s/epoch, {res['maxrss_mib']:.0f} MiB"
            )

    def paired(key: str) -> dict:
        return summarize(
            [_per_epoch(x, key) / _per_epoch(y, key) for x, y in zip(runs_a, runs_b, strict=True)]
        ).to_dict()

    def cpu(x: dict) -> float:
        return _per_epoch(x, "user_s") + _per_epoch(x, "sys_s")

    return {
        "config": config,
        "epochs": epochs,
        "reps": reps,
        "a": {"settings": a, **_side(runs_a)},
        "b": {"settings": b, **_side(runs_b)},
        "a_over_b_wall": paired("wall_s"),
        "a_over_b_cpu": summarize(
            [cpu(x) / cpu(y) for x, y in zip(runs_a, runs_b, strict=True)]
        ).to_dict(),
        "b_over_a_training_peak": summarize(
            [
                (y["maxrss_mib"] - y["maxrss_before_fit_mib"])
                / max(1e-9, x["maxrss_mib"] - x["maxrss_before_fit_mib"])
                for x, y in zip(runs_a, runs_b, strict=True)
            ]
        ).to_dict(),
        "b_over_a_maxrss": summarize(
            [y["maxrss_mib"] / x["maxrss_mib"] for x, y in zip(runs_a, runs_b, strict=True)]
        ).to_dict(),
    }
