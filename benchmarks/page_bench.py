"""The Gates page, rerun by rerun, the memory of its whole-series view, and the Train
page's cost per epoch.

Data and Forecast pages: one rerun of each over the same long series (their charts).

Page timings: one fresh process runs `app.py` in Streamlit's AppTest with a model of
`hidden` units on windows of `look_back` points already in session state (weights as
initialised: tracing costs the same whatever their values), switches to the Gates page and
times its reruns:

* window change: the window slider moves to a window not seen before (a new trace, its
  heatmaps, the unit lines and the equations);
* cached rerun: nothing changed (what any other widget's rerun costs at least);
* whole series: the view switches to the whole series (default span), then the span grows
  to the whole series; then a cached rerun of that view.

A time is AppTest's `run()`: the script run plus AppTest's own parsing of the result, an
upper bound of the server's work per rerun. AppTest compiles the scripts again on every run
(a new ScriptCache each time; 30-40 ms for app.py and the Gates page, with Streamlit's
"magic" rewrite) where a server compiles them once: here one ScriptCache is shared, as in
a server, and `--fresh-compile` keeps AppTest's behaviour. "Sent" is the size of the
element protos after the rerun (the page's full output, a lower bound of what the server
sends).

Memory: fresh processes trace a `points`-step run with a `hidden`-unit LSTM for the
whole-series view, either chunk by chunk (`summarise_run`, what the page does) or as one
full trace then downsampled (what it did before); each reports its peak RSS added by the
view (`VmHWM` after minus before) and the bytes the view keeps.

Train page: see `train_child`: the page's seconds per epoch over `fit`'s alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.app_bench import proto_bytes  # noqa: E402
from benchmarks.stats import summarize  # noqa: E402


def _hwm_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def _session(points: int, look_back: int, hidden: int) -> dict:
    from lstm_core.config import DataConfig, ModelConfig, TrainConfig
    from lstm_core.fitting.pipeline import start_run
    from lstm_core.series.data import series_from_values
    from lstm_core.series.synthetic import sine_series

    values = sine_series(points, period=24, noise=0.1, seed=0)
    bundle, dataset = start_run(
        values, "sine", DataConfig(look_back=look_back, transform="none"),
        ModelConfig(hidden_size=hidden),
        TrainConfig(epochs=1, seed=0, device="cpu"),
    )  # fmt: skip
    return {"bundle": bundle, "dataset": dataset, "series": series_from_values(values)}


def _timed(at, step) -> tuple[float, int]:
    t = time.perf_counter()
    step()
    dt = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")
    return dt, proto_bytes(at)[0]


def _share_script_cache() -> None:
    """Make AppTest reuse one ScriptCache across runs, as a server's Runtime does."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared


def page_child(
    points: int, look_back: int, hidden: int, reruns: int, threads: int, compile_once: bool
) -> dict:
    from streamlit.testing.v1 import AppTest

    if threads:
        from lstm_core.runtime.threads import pin as pin_threads

        pin_threads(threads)  # fit's policy keeps it too
    if compile_once:
        _share_script_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in _session(points, look_back, hidden).items():
        at.session_state[k] = v
    at.run()
    other = {}  # the Data and Forecast pages over the same long series: a rerun of each
    for name in ("data", "forecast"):
        at.switch_page(f"pages/{name}.py").run()  # first render (Forecast: the evaluation)
        other[f"{name}_rerun_s"], other[f"{name}_rerun_bytes"] = _timed(at, at.run)
    at.switch_page("pages/gates.py")
    first, first_bytes = _timed(at, at.run)  # the page's first render (the first trace)
    n_windows = at.session_state["dataset"].split.n_windows
    slider = lambda w: lambda: at.slider(key="gates_window").set_value(w).run()  # noqa: E731
    window = [_timed(at, slider(n_windows - 2 - i)) for i in range(reruns)]
    cached = [_timed(at, at.run) for _ in range(reruns)]
    hwm = _hwm_mib()
    view = at.radio(key="gates_view")
    default_span = _timed(at, lambda: view.set_value("Whole series").run())
    span = at.slider(key="gates_span").value
    whole = _timed(at, lambda: at.slider(key="gates_span").set_value((0, points)).run())
    whole_cached = [_timed(at, at.run) for _ in range(reruns)]
    return {
        "points": points, "look_back": look_back, "hidden": hidden, "threads": threads,
        "compile_once": compile_once, "first_render_s": first, "first_render_bytes": first_bytes,
        "window_change_s": [t for t, _ in window], "window_change_bytes": window[-1][1],
        "cached_rerun_s": [t for t, _ in cached], "cached_rerun_bytes": cached[-1][1],
        "default_span": list(span), "default_span_s": default_span[0],
        "default_span_bytes": default_span[1], "whole_series_s": whole[0],
        "whole_series_bytes": whole[1], "whole_cached_s": [t for t, _ in whole_cached],
        "whole_view_peak_added_mib": _hwm_mib() - hwm, **other,
    }  # fmt: skip


def memory_child(points: int, hidden: int, mode: str, threads: int) -> dict:
    """Peak RSS the whole-series view adds for a `points`-step run, and what it keeps."""
    import numpy as np

    from explorer import gate_figures as gf
    from lstm_core.config import ModelConfig
    from lstm_core.fitting.models import build_model
    from lstm_core.inside.gates import trace_gates
    from lstm_core.inside.gatestats import saturation, unit_correlations
    from lstm_core.inside.gatesummary import summarise_run

    if threads:
        from lstm_core.runtime.threads import pin as pin_threads

        pin_threads(threads)  # fit's policy keeps it too
    model = build_model(ModelConfig(hidden_size=hidden), seed=0)
    x = np.sin(np.arange(points) / 7).astype(np.float32)
    cols = gf.max_cols_for(hidden, 6)
    gf.span_summary(summarise_run(model, x[:2000], cols), x[:2000])  # warm-up: first calls
    before = _hwm_mib()
    t = time.perf_counter()
    if mode == "chunked":
        kept = gf.span_summary(summarise_run(model, x, cols), x.astype(np.float64))
    else:  # before (the old span_summary): one full trace; bins, tables from the full arrays
        trace = trace_gates(model, x)
        full = gf.window_layers(trace.layers)

        def units(g: dict) -> object:
            corr = unit_correlations(g["h"][:-1], trace.x[0][:-1], trace.x[0][1:])
            return gf.unit_stats(saturation(g), corr["input"], corr["target"])

        kept = {
            "layers": [{n: gf.downsample_time(a, cols)[0] for n, a in lay.items()} for lay in full],
            "saturation": [gf.saturation(g, trace.names) for g in full],
            "units": [units(g) for g in full],
            "values": gf.downsample_time(x.astype(np.float64), cols)[0],
        }
        del trace, full
    seconds = time.perf_counter() - t
    kept_bytes = sum(a.nbytes for lay in kept["layers"] for a in lay.values())
    return {
        "mode": mode, "points": points, "hidden": hidden, "seconds": seconds,
        "peak_added_mib": _hwm_mib() - before, "kept_bytes": kept_bytes,
        "full_trace_bytes": points * hidden * 6 * 4,
    }  # fmt: skip


def train_child(
    points: int,
    look_back: int,
    hidden: int,
    batch: int,
    epochs: tuple[int, int],
    reps: int,
    threads: int,
) -> dict:
    """The Train page's cost per epoch against `fit` alone, in one process.

    Each sample trains a new model from a click on Train (AppTest; live chart, progress bar
    and gate snapshots as a person sees them) or with `start_run` + `train_run` and no
    callback in a thread (AppTest runs the page in one too), for two epoch counts. The
    per-epoch cost is the slope between the two counts, so what a run pays once (building
    the windows and model, the final redraw, the verdict) cancels out. Sides alternate.
    """
    from streamlit.testing.v1 import AppTest

    from lstm_core.config import DataConfig, ModelConfig, TrainConfig
    from lstm_core.fitting import pipeline
    from lstm_core.fitting.pipeline import start_run
    from lstm_core.series.data import series_from_values
    from lstm_core.series.synthetic import sine_series

    if threads:
        from lstm_core.runtime.threads import pin as pin_threads

        pin_threads(threads)  # fit's policy keeps it too
    _share_script_cache()
    values = sine_series(points, period=24, noise=0.1, seed=0)
    callback_s: dict[int, list[float]] = {}  # epochs -> seconds spent in the page's callback
    real_train_run = pipeline.train_run

    def timed_train_run(bundle, dataset, cfg=None, callback=None):
        """The page's train_run, timing the UI callback it passes (redraws, snapshots)."""
        spent = [0.0]

        def timed(p):
            t = time.perf_counter()
            try:
                return callback(p)
            finally:
                spent[0] += time.perf_counter() - t

        try:
            return real_train_run(bundle, dataset, cfg, callback=timed if callback else None)
        finally:
            if callback is not None:
                callback_s.setdefault(cfg.epochs, []).append(spent[0])

    pipeline.train_run = timed_train_run  # the page imports it from lstm_core.fitting.pipeline
    data_cfg = DataConfig(look_back=look_back, transform="none")
    model_cfg = ModelConfig(hidden_size=hidden)

    def page(n: int) -> float:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        session = {
            "series": series_from_values(values, name="sine"), "data_cfg": data_cfg,
            "model_cfg": model_cfg, "train_cfg": TrainConfig(epochs=n, batch_size=batch),
        }  # fmt: skip
        for k, v in session.items():
            at.session_state[k] = v
        at.run()
        at.switch_page("pages/train.py").run()
        t = time.perf_counter()
        at.button(key="train_btn").click().run()  # starts the visitor's training job
        at.session_state["job"].join()
        at.run()  # the page takes over the model
        dt = time.perf_counter() - t
        history = at.session_state["bundle"].history
        if at.exception or len(history) != n:
            raise RuntimeError(f"the Train page did not train {n} epochs: {at.exception}")
        return dt

    def bare(n: int) -> float:
        """start_run + train_run in a non-main thread, as AppTest (and a server) runs pages."""
        out: list[float] = []

        def work() -> None:
            t = time.perf_counter()
            bundle, dataset = start_run(
                values, "sine", data_cfg, model_cfg, TrainConfig(epochs=n, batch_size=batch)
            )
            real_train_run(bundle, dataset)
            out.append(time.perf_counter() - t)

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        return out[0]

    bare(1)  # warm-up: lazy imports, first allocations
    times: dict[str, dict[int, list[float]]] = {"page": {}, "fit": {}}
    for r in range(reps):
        for side in ("page", "fit") if r % 2 == 0 else ("fit", "page"):
            for n in epochs:
                times[side].setdefault(n, []).append((page if side == "page" else bare)(n))
    lo, hi = epochs
    slopes = {
        side: [(b - a) / (hi - lo) for a, b in zip(t[lo], t[hi], strict=True)]
        for side, t in (*times.items(), ("callback", callback_s))
    }
    return {
        "points": points, "look_back": look_back, "hidden": hidden, "batch": batch,
        "epochs": list(epochs), "reps": reps,
        "seconds": {side: {str(n): v for n, v in t.items()} for side, t in times.items()},
        "page_s_per_epoch": slopes["page"], "fit_s_per_epoch": slopes["fit"],
        "page_over_fit": [a / b for a, b in zip(slopes["page"], slopes["fit"], strict=True)],
        "callback_s_per_epoch": slopes["callback"],
        "callback_over_fit": [
            a / b for a, b in zip(slopes["callback"], slopes["fit"], strict=True)
        ],
        "callback_seconds": {str(n): v for n, v in callback_s.items()},
    }  # fmt: skip


def _child(args: list[str], timeout: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.page_bench", *args]
    # the children import torch before AppTest runs app.py, which would set this first
    env = {"OMP_WAIT_POLICY": "PASSIVE", **os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"page_bench child failed ({p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def bench_page(
    points: int,
    look_back: int,
    hidden: int,
    reruns: int,
    samples: int,
    threads: int,
    log,
    fresh_compile: bool = False,
) -> dict:
    """The Gates page timings over `samples` fresh processes, and the memory comparison."""
    runs = []
    for i in range(samples):
        args = ["--page", f"{points},{look_back},{hidden},{reruns}", "--threads", str(threads)]
        runs.append(_child(args + ["--fresh-compile"] * fresh_compile, timeout=900))
        log(f"  gates page {i + 1}/{samples}: window change {runs[-1]['window_change_s']}")
    flat = lambda key: [t for r in runs for t in (r[key] if isinstance(r[key], list) else [r[key]])]  # noqa: E731
    out = {
        "points": points, "look_back": look_back, "hidden": hidden, "samples": samples,
        "reruns": reruns, "default_span": runs[-1]["default_span"],
        "compile_once": not fresh_compile,
        **{k: summarize(flat(k)).to_dict() for k in (
            "first_render_s", "window_change_s", "cached_rerun_s", "default_span_s",
            "whole_series_s", "whole_cached_s", "whole_view_peak_added_mib",
            "data_rerun_s", "forecast_rerun_s",
        )},
        **{k: runs[-1][k] for k in runs[-1] if k.endswith("_bytes")},
    }  # fmt: skip
    memory = {}
    for mode in ("full", "chunked", "full", "chunked")[: 2 if samples == 1 else 4]:
        r = _child(["--memory", f"{points},{hidden},{mode}", "--threads", str(threads)], 900)
        memory.setdefault(mode, []).append(r)
        log(f"  whole-series memory, {mode}: +{r['peak_added_mib']:.0f} MiB, {r['seconds']:.2f}s")
    train = (1_500, 10, 16, 64, 1, 3, 1) if samples == 1 else (5_000, 10, 50, 64, 3, 30, 3)
    t = _child(["--train", ",".join(map(str, train)), "--threads", str(threads)], 1800)
    log(f"  train page per epoch / fit per epoch: {t['page_over_fit']}")
    out["train_page"] = {
        **{k: t[k] for k in ("points", "look_back", "hidden", "batch", "epochs", "reps")},
        **{k: summarize(t[k]).to_dict() for k in ("page_s_per_epoch", "fit_s_per_epoch")},
        "page_over_fit": summarize(t["page_over_fit"]).to_dict(),
        "callback_over_fit": summarize(t["callback_over_fit"]).to_dict(),
        "callback_s_per_epoch": summarize(t["callback_s_per_epoch"]).to_dict(),
    }
    out["memory"] = {
        mode: {
            "peak_added_mib": summarize([r["peak_added_mib"] for r in rs]).to_dict(),
            "seconds": summarize([r["seconds"] for r in rs]).to_dict(),
            "kept_bytes": rs[-1]["kept_bytes"],
            "full_trace_bytes": rs[-1]["full_trace_bytes"],
        }
        for mode, rs in memory.items()
    }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.page_bench")
    ap.add_argument("--page", metavar="POINTS,LOOK_BACK,HIDDEN,RERUNS")
    ap.add_argument("--memory", metavar="POINTS,HIDDEN,MODE")
    ap.add_argument("--train", metavar="POINTS,LOOK_BACK,HIDDEN,BATCH,EPOCHS1,EPOCHS2,REPS")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fresh-compile", action="store_true", help="AppTest's compile per run")
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    if a.page:
        points, look_back, hidden, reruns = (int(v) for v in a.page.split(","))
        out = page_child(points, look_back, hidden, reruns, a.threads, not a.fresh_compile)
    elif a.train:
        points, look_back, hidden, batch, e1, e2, reps = (int(v) for v in a.train.split(","))
        out = train_child(points, look_back, hidden, batch, (e1, e2), reps, a.threads)
    else:
        points, hidden, mode = a.memory.split(",")
        out = memory_child(int(points), int(hidden), mode, a.threads)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
