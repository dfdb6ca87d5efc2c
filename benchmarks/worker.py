"""One training run in a fresh process, for settings that hold process-wide.

    python -m benchmarks.worker --config B [--epochs 1] [--threads N] [--in-thread]

glibc's malloc settings (tuned by lstm_core.fitting.train.fit unless LSTM_CORE_TUNE_MALLOC=0, which
the parent sets for the "default" side) and the peak resident memory (VmHWM) belong to
the whole process, so each setting gets its own. Prints one JSON object: per-epoch wall,
user and system CPU seconds, peak RSS in MiB, the final validation loss and whether malloc
was tuned.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CONFIGS, SEED, AppLikeCallback, sine_series  # noqa: E402


def _status_mib(field: str) -> float | None:
    """A memory line of /proc/self/status ("VmRSS", "VmHWM") in MiB; None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _rss_mib() -> float:
    """Current resident set size in MiB (0.0 where unknown)."""
    return _status_mib("VmRSS") or 0.0


def _peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB.

    VmHWM where Linux has it: ru_maxrss is no good in a child process, since Linux carries
    the parent's peak into it across fork and exec (a child of a 2 GiB parent reports 2 GiB).
    """
    hwm = _status_mib("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_once(config: str, epochs: int | None, threads: int | None, in_thread: bool) -> dict:
    import torch

    from lstm_core.config import DataConfig, ModelConfig, TrainConfig
    from lstm_core.fitting.models import build_model
    from lstm_core.fitting.train import fit
    from lstm_core.runtime import perf
    from lstm_core.series.windows import make_dataset

    if threads:
        from lstm_core.runtime.threads import pin as pin_threads

        pin_threads(threads)  # fit's policy keeps it too
    cfg = CONFIGS[config]
    data = make_dataset(sine_series(cfg.n_points), DataConfig(look_back=cfg.look_back))
    model = build_model(ModelConfig(hidden_size=cfg.hidden), seed=SEED)
    tcfg = TrainConfig(epochs=epochs or cfg.epochs, batch_size=cfg.batch, seed=SEED, device="cpu")
    # warm-up: the first optimiser step of a process imports torch._dynamo (seconds, once)
    tiny = make_dataset(sine_series(300), DataConfig(look_back=5))
    fit(
        build_model(ModelConfig(hidden_size=4), seed=SEED),
        tiny,
        TrainConfig(epochs=1, device="cpu"),
    )
    rss_before = _peak_rss_mib()
    marks = [(time.perf_counter(), os.times())]
    app_cb = AppLikeCallback()

    def callback(p) -> bool:
        app_cb(p)
        if p.kind == "epoch":
            marks.append((time.perf_counter(), os.times()))
        return False

    out: dict = {}

    def work() -> None:
        out["result"] = fit(model, data, tcfg, callback=callback)

    if in_thread:  # like Streamlit, which runs the page script in a thread of its own
        t = threading.Thread(target=work)
        t.start()
        t.join()
    else:
        work()
    res = out["result"]
    rss_after = _rss_mib()
    released = perf.release_memory()
    rss_trimmed = _rss_mib()
    epochs_out = [
        {
            "wall_s": b[0] - a[0],
            "user_s": b[1].user - a[1].user,
            "sys_s": b[1].system - a[1].system,
        }
        for a, b in itertools.pairwise(marks)
    ]
    return {
        "config": config,
        "epochs": epochs_out,
        "maxrss_mib": _peak_rss_mib(),
        "maxrss_before_fit_mib": rss_before,
        "rss_after_fit_mib": rss_after,
        "rss_after_release_mib": rss_trimmed,
        "released": released,
        "val_loss": res.history[-1].val_loss,
        "malloc_tuned": perf.malloc_tuned(),
        "threads": torch.get_num_threads(),
        "in_thread": in_thread,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--in-thread", action="store_true")
    a = ap.parse_args(argv)
    print(json.dumps(train_once(a.config, a.epochs, a.threads, a.in_thread)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
