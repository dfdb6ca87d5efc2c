"""What the input explanations cost (issue 20): integrated gradients of one window and of
the test part, on one and two threads, and a whole `python -m lstm_core explain` process.

    python -m benchmarks.explain_bench [--quick] [--json] [--repeats N]

One window: 64 units, look-back 168, 8 inputs beside the target, 32 Gauss-Legendre steps
(lstm_core.inside.explain.attribute), the median of N runs after a warm-up, at 1 and 2 intra-op
threads and as the thread policy decides (lstm_core/runtime/threads.py), alternately. The test
part: lstm_core.inside.explain.MAX_WINDOWS windows of the same model in one call. The CLI: a model
trained on the Beijing file's last 3,000 hours with its five weather columns and calendar
inputs (look-back 24, hidden 32), then `explain` timed as a whole process (imports, reading
the file, weights, attributions, importance).
--quick: hidden 8, look-back 24, 2 repeats, no CLI run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lstm_core.runtime import threads  # noqa: E402

threads.early_setup()  # as the app and the CLI do before torch loads

from benchmarks.stats import median_range, summarize  # noqa: E402


def _window_times(hidden: int, look_back: int, n_inputs: int, repeats: int) -> dict:
    """Seconds for one window's attributions at 1 and 2 threads (alternately), and for a
    batch of MAX_WINDOWS windows at 1 thread."""
    import torch

    from lstm_core.config import ModelConfig
    from lstm_core.fitting.models import build_model
    from lstm_core.inside.explain import MAX_WINDOWS, attribute

    model = build_model(ModelConfig(hidden_size=hidden, n_inputs=n_inputs), seed=0).eval()
    gen = torch.Generator().manual_seed(0)
    one = torch.randn(1, look_back, 1 + n_inputs, generator=gen)
    base = torch.zeros(look_back, 1 + n_inputs)
    attribute(model, one, base)  # warm-up (and Captum's import)
    times: dict[str, list[float]] = {"1": [], "2": [], "policy": []}
    for r in range(repeats):
        for n in ("1", "2", "policy") if r % 2 == 0 else ("policy", "2", "1"):
            threads.pin(0 if n == "policy" else int(n))  # 0: the thread policy decides
            t0 = time.perf_counter()
            attribute(model, one, base)
            times[n].append(time.perf_counter() - t0)
    threads.pin(1)
    batch = torch.randn(MAX_WINDOWS, look_back, 1 + n_inputs, generator=gen)
    t0 = time.perf_counter()
    att = attribute(model, batch, base)
    test_part = time.perf_counter() - t0
    return {
        "one_window_s": {str(n): asdict(summarize(v)) for n, v in times.items()},
        "test_part_s": test_part,
        "test_part_windows": MAX_WINDOWS,
        "completeness_error": att.completeness_error,
    }


def _cli_time() -> dict:
    """Train a Beijing model (last 3,000 hours, weather + calendar), then time `explain`."""
    src = (ROOT / "data" / "beijing_pm25_hourly.csv").read_text().splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        csv, model = Path(tmp) / "bj.csv", Path(tmp) / "bj.pt"
        csv.write_text("\n".join([src[0], *src[-3000:]]) + "\n")
        cmd = [sys.executable, "-m", "lstm_core"]
        subprocess.run([*cmd, "train", csv, "--out", model, "--inputs", "DEWP,TEMP,PRES,cbwd,Iws",
                        "--calendar", "--epochs", "3", "--look-back", "24", "--transform", "none"],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        t0 = time.perf_counter()
        r = subprocess.run([*cmd, "explain", model, csv, "--json"], cwd=ROOT, check=True,
                           capture_output=True, text=True)  # fmt: skip
        seconds = time.perf_counter() - t0
    out = json.loads(r.stdout)
    return {"seconds": seconds, "windows": out["windows"], "inputs": len(out["inputs"]),
            "completeness_error": out["completeness_error"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.explain_bench")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="(accepted: nothing goes to stderr)")
    p.add_argument("--repeats", type=int, default=7)
    a = p.parse_args(argv)
    size = (8, 24, 8) if a.quick else (64, 168, 8)
    res = {"size": dict(zip(("hidden", "look_back", "inputs"), size, strict=True)),
           **_window_times(*size, 2 if a.quick else a.repeats)}  # fmt: skip
    if not a.quick:
        res["cli"] = _cli_time()
    if a.json:
        print(json.dumps(res))
        return 0
    one = res["one_window_s"]
    print(f"one window {res['size']}: 1 thread {median_range(one['1'])} s, "
          f"2 threads {median_range(one['2'])} s, the thread policy "
          f"{median_range(one['policy'])} s")  # fmt: skip
    print(f"{res['test_part_windows']} windows in one batch (1 thread): {res['test_part_s']:.2f} s")
    if "cli" in res:
        c = res["cli"]
        print(f"python -m lstm_core explain (Beijing, {c['inputs']} inputs, {c['windows']} "
              f"windows): {c['seconds']:.2f} s as a whole process")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
