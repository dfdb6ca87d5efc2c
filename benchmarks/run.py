"""LSTM Explorer benchmarks: `python -m benchmarks [--quick] [--json] [--large]`
(or `python benchmarks/run.py ...`).

Sections (--only picks some):
  train    trainer vs bare PyTorch loop vs the lecture's full-batch loop (configs A, B; C
           with --large; a tiny Q with --quick), in this process
  gates    trace_gates vs one nn.LSTM forward, and its exactness, in this process
  app      cold start of app.py until the first page renders (fresh processes); proto bytes
  page     the Gates page in AppTest: rerun on a window change (64 units × look_back 100), a
           cached rerun, the whole-series view, bytes per rerun; the whole-series view's
           peak memory, chunked vs one full trace; the Train page's seconds per epoch vs
           fit alone (fresh processes)
  malloc   glibc malloc tuned (lstm_core.runtime.perf.tune_malloc) vs default: time per epoch,
           user/sys CPU, peak RSS (fresh processes; B, and C with --large)
  threads  torch's default intra-op threads vs 1 thread; malloc in a non-main thread
           (as Streamlit trains) tuned vs default (fresh processes)
  cli      whole processes as users run them (benchmarks/cli_bench.py): `python -m lstm_core
           train` against a bare PyTorch script, quiet and beside two busy processes, and
           the gate export against one nn.LSTM forward (--quick: one small quiet pair)

torch runs with 1 intra-op thread here and in the workers unless --threads says otherwise
(0: torch's default): on a shared 2-core machine torch's 2 threads swing from 2× faster to
20× slower with the load, which would drown every other ratio; section 5 measures it.
`--report FILE` prints the table of a saved --json run.

Progress goes to stderr; the report (a table, or one JSON object with --json) to stdout.
Timings are medians with min–max over repeated runs; ratios are medians of per-pair ratios
of runs that alternate sides. No timing is asserted anywhere: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CONFIGS  # noqa: E402
from benchmarks.stats import finite_positive, median_range, table  # noqa: E402

SECTIONS = ("train", "gates", "app", "page", "malloc", "threads", "cli")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meta(args: argparse.Namespace) -> dict:
    import numpy
    import torch

    try:
        import streamlit

        st_version = streamlit.__version__
    except ImportError:  # pragma: no cover
        st_version = None
    return {
        "date": _dt.date.today().isoformat(),
        "command": " ".join([Path(sys.executable).name, "-m", "benchmarks", *sys.argv[1:]]),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "streamlit": st_version,
        "platform": platform.platform(),
        "libc": " ".join(platform.libc_ver()),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "torch_threads": torch.get_num_threads(),
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "mode": "quick" if args.quick else ("large" if args.large else "default"),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 1 epoch (CI, < ~60 s)")
    ap.add_argument("--large", action="store_true", help="add config C (takes many minutes)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument(
        "--only", default=None, help=f"sections, of {SECTIONS} (--quick: all but threads)"
    )
    ap.add_argument("--configs", default=None, help="training configs, e.g. A,B (default by mode)")
    ap.add_argument("--repeats", type=int, default=None, help="runs per side (default per config)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads here and in workers; 0: torch's default (see section 5)",
    )
    ap.add_argument("--malloc-reps", type=int, default=None, help="processes per malloc setting")
    ap.add_argument(
        "--busy", type=int, default=2, help="busy processes beside the loaded thread runs"
    )
    ap.add_argument(
        "--full-batch-budget",
        type=float,
        default=3.0,
        help="stop the full-batch loop after this many times the trainer's time",
    )
    ap.add_argument(
        "--full-batch-max-gb",
        type=float,
        default=10.0,
        help="skip the full-batch loop when a step needs more memory",
    )
    ap.add_argument("--app-script", default="app.py")
    ap.add_argument("--app-samples", type=int, default=None)
    ap.add_argument("--app-page", default=None, help="page to time reruns of (e.g. gates page)")
    ap.add_argument("--app-reruns", type=int, default=0, help="reruns to time after first render")
    ap.add_argument("--app-setup", default=None, help="module:function called with the AppTest")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ap.add_argument("--report", metavar="JSON", default=None, help="print the table of a saved run")
    a = ap.parse_args(argv)
    only = a.only or ",".join(s for s in SECTIONS if not (a.quick and s == "threads"))
    a.sections = [s.strip() for s in only.split(",") if s.strip()]
    bad = set(a.sections) - set(SECTIONS)
    if bad:
        ap.error(f"unknown sections {sorted(bad)}; choose from {SECTIONS}")
    return a


def collect(a: argparse.Namespace) -> dict:

    def log(s: str) -> None:
        if not a.quiet:
            print(s, file=sys.stderr, flush=True)

    if a.threads:
        from lstm_core.runtime.threads import pin as pin_threads

        pin_threads(a.threads)  # fit's policy keeps it too
    if a.configs:
        configs = [c.strip() for c in a.configs.split(",")]
    else:
        configs = ["Q"] if a.quick else ["A", "B"] + (["C"] if a.large else [])
    t_start = time.perf_counter()
    out: dict = {"meta": _meta(a)}
    spent: dict[str, float] = {}
    for section in SECTIONS:
        if section in a.sections:
            t0 = time.perf_counter()
            log(section)
            SECTION_RUNNERS[section](a, out, configs, log)
            spent[section] = time.perf_counter() - t0
    out["meta"]["section_seconds"] = spent
    out["meta"]["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    out["meta"]["seconds"] = time.perf_counter() - t_start
    out["ratios"] = ratios(out)
    return out


def _train(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    from benchmarks.training import bench_training, run_trainer, setup

    run_trainer(*setup(CONFIGS["Q"]))  # warm-up: first allocations, lazy imports (torch._dynamo)
    out["training"] = [
        bench_training(
            CONFIGS[name],
            repeats=a.repeats,
            full_batch_budget=a.full_batch_budget,
            full_batch_max_gb=a.full_batch_max_gb,
            log=log,
        )
        for name in configs
    ]


def _gates(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    from benchmarks.gates_bench import bench_all_gates

    out["gates"] = bench_all_gates(a.quick, a.repeats or (3 if a.quick else 5), log=log)


def _app(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    from benchmarks.app_bench import bench_app

    out["app"] = bench_app(
        a.app_script,
        samples=a.app_samples or (1 if a.quick else 3),
        page=a.app_page,
        reruns=a.app_reruns,
        setup=a.app_setup,
        log=log,
    )


def _page(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    from benchmarks.page_bench import bench_page

    size = (3_000, 20, 16, 2, 1) if a.quick else (100_000, 100, 64, 5, a.app_samples or 3)
    out["page"] = bench_page(*size, threads=a.threads or 0, log=log)


def _proc_plan(a: argparse.Namespace) -> tuple[list[str], int, dict]:
    """Configs, processes per setting and thread setting of the fresh-process sections."""
    cfgs = ["Q"] if a.quick else ["B"] + (["C"] if a.large else [])
    reps = a.malloc_reps or (1 if a.quick else 2)
    return cfgs, reps, {"threads": a.threads} if a.threads else {}


def _malloc(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    from benchmarks.procs import compare

    cfgs, reps, thr = _proc_plan(a)
    out["malloc"] = [
        compare(
            name,
            1,
            1 if name == "C" and not a.malloc_reps else reps,  # C: minutes per process
            {"tuned": False, **thr},
            {"tuned": True, **thr},
            log,
            "malloc",
        )
        for name in cfgs
    ]


def _threads(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    """torch's default threads (2 here) with libgomp's default spin-wait and with
    OMP_WAIT_POLICY=PASSIVE (what app.py and the CLI set) vs 1 thread, on a quiet machine
    and beside `--busy` processes that each keep a core busy (a shared machine's load)."""
    from benchmarks.procs import busy, compare

    cfgs, reps, thr = _proc_plan(a)
    name = cfgs[0]
    out["threads"] = {"default_vs_1": compare(name, 1, reps, {}, {"threads": 1}, log, "threads")}
    small = "Q" if a.quick else "A"  # loaded runs of B take minutes per epoch when threads spin
    for load in sorted({0, a.busy}):
        with busy(load):
            label = f"load {load}"
            out["threads"][f"spin_vs_passive_load{load}"] = compare(
                small, 3, reps, {}, {"omp": "PASSIVE"}, log, f"spin/passive {label}"
            )
            out["threads"][f"passive_vs_1_load{load}"] = compare(
                small, 3, reps, {"omp": "PASSIVE"}, {"threads": 1}, log, f"passive/1 {label}"
            )
        if not load:
            out["threads"]["busy"] = a.busy
    if not a.quick:  # malloc when fit runs in a non-main thread, as in Streamlit
        out["threads"]["in_thread_malloc"] = compare(
            name,
            1,
            reps,
            {"tuned": False, "in_thread": True, **thr},
            {"tuned": True, "in_thread": True, **thr},
            log,
            "in-thread",
        )


def _cli(a: argparse.Namespace, out: dict, configs: list[str], log) -> None:
    """Whole processes with their own environments (threads as users get them, never the
    pin of this process): benchmarks/cli_bench.py, bounded in time, busy processes stopped
    at the end."""
    import tempfile
    from pathlib import Path

    from benchmarks import cli_bench

    ns = argparse.Namespace(quick=a.quick, reps=1 if a.quick else 3, variants=["policy"],
                            timeout=300 if a.quick else 900)  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        tmp, busy = Path(d), [0] if a.quick else [0, 2]
        res = {"train": [cli_bench.train_bench(tmp, ns, b, log) for b in busy]}
        if not a.quick:
            res["gates"] = [cli_bench.gates_bench(tmp, ns, 0, log)]
    out["cli"] = res


SECTION_RUNNERS = {
    "train": _train,
    "gates": _gates,
    "app": _app,
    "page": _page,
    "malloc": _malloc,
    "threads": _threads,
    "cli": _cli,
}


def ratios(out: dict) -> dict[str, float]:
    """The headline ratios, flat (name -> median ratio); all positive and finite."""
    r: dict[str, float] = {}
    for t in out.get("training", []):
        name = t["config"]["name"]
        r[f"train_{name}_trainer_over_bare"] = t["trainer_over_bare"]["median"]
        if "val_pass" in t:
            r[f"val_pass_{name}_before_over_now"] = t["val_pass"]["old_over_new"]["median"]
        fb = t.get("full_batch", {})
        if fb.get("full_batch_over_trainer"):
            r[f"train_{name}_full_batch_over_trainer"] = fb["full_batch_over_trainer"]
    for g in out.get("gates", []):
        key = g["name"].replace(" ", "_")
        r[f"gates_{key}_trace_over_forward"] = g["trace_over_forward"]["median"]
    for m in out.get("malloc", []):
        r[f"malloc_{m['config']}_default_over_tuned_wall"] = m["a_over_b_wall"]["median"]
        r[f"malloc_{m['config']}_default_over_tuned_cpu"] = m["a_over_b_cpu"]["median"]
        r[f"malloc_{m['config']}_tuned_over_default_maxrss"] = m["b_over_a_maxrss"]["median"]
        r[f"malloc_{m['config']}_tuned_over_default_fit_peak"] = m["b_over_a_training_peak"][
            "median"
        ]
    th = out.get("threads")
    if th:
        c = th["default_vs_1"]["config"]
        r[f"threads_{c}_default_over_1_wall"] = th["default_vs_1"]["a_over_b_wall"]["median"]
        for key, cmp_ in th.items():
            if key.startswith(("spin_vs_passive", "passive_vs_1")):
                r[f"threads_{cmp_['config']}_{key}_wall"] = cmp_["a_over_b_wall"]["median"]
        if "in_thread_malloc" in th:
            it = th["in_thread_malloc"]
            r[f"in_thread_{c}_default_over_tuned_wall"] = it["a_over_b_wall"]["median"]
    return {k: float(v) for k, v in r.items() if finite_positive(v)}


# --------------------------------------------------------------------------------------------
# The readable report


_t = median_range  # 'median (min–max)', used all through the report


def _x(s: dict) -> str:
    return _t(s, "{:.2f}") + "×" if isinstance(s, dict) else f"{s:.2f}×"


def report(out: dict) -> str:
    m = out["meta"]
    lines = [
        f"LSTM Explorer benchmarks — {m['date']}, mode {m['mode']}, {m['seconds']:.0f} s ("
        + ", ".join(f"{k} {v:.0f}" for k, v in m["section_seconds"].items())
        + ")",
        f"{m['cpu']}, {m['nproc']} CPUs, torch {m['torch']} ({m['torch_threads']} threads), "
        f"Python {m['python']}, {m['libc']}",
        "load average at start / end: "
        + " / ".join(
            ", ".join(f"{x:.1f}" for x in la) for la in (m["loadavg_start"], m["loadavg_end"]) if la
        ),
        "Times: median (min–max) over runs; ratios: median (min–max) of per-pair ratios.",
        *(
            ["--quick: tiny sizes that check the machinery; their ratios are noise."]
            if m["mode"] == "quick"
            else []
        ),
        "",
    ]
    if out.get("training"):
        rows = []
        for t in out["training"]:
            c = t["config"]
            rows.append(
                [
                    f"{c['name']}: {c['n_points']:,} pts, L {c['look_back']}, H {c['hidden']}, "
                    f"bs {c['batch']}",
                    f"{t['epochs']}×{t['repeats']}",
                    _t(t["trainer_seconds"]),
                    _t(t["bare_seconds"]),
                    _x(t["trainer_over_bare"]),
                    f"{t['trainer_windows_per_s']:,.0f}",
                    f"{t['same_work_val_rel_diff']:.0e}",
                ]
            )
        lines += [
            "1. Training: trainer (fit + app-like callback) vs bare PyTorch loop, seconds per run",
            table(
                [
                    "config",
                    "ep×runs",
                    "trainer s",
                    "bare s",
                    "trainer/bare",
                    "windows/s",
                    "Δval rel",
                ],
                rows,
            ),
            "",
        ]
        rows = []
        for t in out["training"]:
            fb = t.get("full_batch", {})
            name = t["config"]["name"]
            if "skipped" in fb:
                rows.append([name, "skipped: " + fb["skipped"], "", ""])
            elif fb:
                what = (
                    f"reached in {fb['steps']} steps, {fb['seconds_to_target']:.1f} s"
                    if fb["reached"]
                    else f"not reached in {fb['steps']} steps ({fb['seconds']:.1f} s; best val "
                    f"{fb['best_val_loss']:.3g} vs {fb['target_val_loss']:.3g})"
                )
                ratio = f"{fb['full_batch_over_trainer']:.2f}×" if fb["reached"] else "—"
                rows.append([name, what, f"{fb['seconds_per_step']:.2f}", ratio])
        if rows:
            lines += [
                "   Lecture's full-batch loop, to the trainer's final validation loss",
                table(["config", "result", "s/step", "time/trainer's"], rows),
                "",
            ]
    if out.get("training"):
        rows = [
            [
                t["config"]["name"],
                f"{v['rows']:,} / {v['old_rows']:,}",
                _t(v["seconds"]),
                _t(v["old_seconds"]),
                _x(v["old_over_new"]),
                f"{v['output_mib_per_pass']:.0f} / {v['old_output_mib_per_pass']:.0f}",
            ]
            for t in out["training"]
            if (v := t.get("val_pass"))
        ]
        lines += [
            "   One validation pass: fit's passes (eval_rows) vs 8192-window passes (before)",
            table(
                [
                    "config",
                    "rows now/before",
                    "now s",
                    "before s",
                    "before/now",
                    "LSTM out MiB/pass",
                ],
                rows,
            ),
            "",
        ]
    if out.get("gates"):
        rows = [
            [
                g["name"],
                _t(g["lstm_forward_seconds"]),
                _t(g["trace_gates_seconds"]),
                _x(g["trace_over_forward"]),
                f"≤ {g['target_ratio']:g}×" if g["target_ratio"] else "—",
                f"{g['max_abs_h_error']:.1e}",
            ]
            for g in out["gates"]
        ]
        lines += [
            "2. Gates: trace_gates vs one nn.LSTM forward (seconds)",
            table(["case", "nn.LSTM s", "trace_gates s", "ratio", "target", "max|Δh|"], rows),
            "",
        ]
    if "app" in out:
        app = out["app"]
        lines.append("3. App")
        if "skipped" in app or "error" in app:
            lines.append("   " + app.get("skipped", app.get("error", "")))
        else:
            lines.append(
                f"   cold start (fresh process to first render) {_t(app['cold_start_s'])} s; "
                f"of which importing Streamlit's AppTest {_t(app['streamlit_import_s'])} s; "
                f"{app['elements']} elements, {app['proto_bytes']:,} proto bytes"
                + (f"; exceptions: {app['exceptions']}" if app["exceptions"] else "")
                + f"; torch imported: {app['torch_imported']}"
            )
            if "first_chart_s" in app:
                lines.append(
                    f"   then the first chart (Data page, its first render) "
                    f"{_t(app['first_chart_s'])} s, {app['first_chart_charts']} chart(s); "
                    f"torch imported: {app['torch_imported_by_chart']}"
                )
            if "rerun_s" in app:
                lines.append(
                    f"   reruns of {app['page'] or app['script']}: {_t(app['rerun_s'])} s, "
                    f"{app['rerun_proto_bytes']:,} proto bytes"
                )
        lines.append("")
    if "page" in out:
        lines += _page_report(out["page"])
    if out.get("malloc"):
        rows = []
        for mm in out["malloc"]:
            for label, side in (("default", mm["a"]), ("tuned", mm["b"])):
                rows.append(
                    [
                        f"{mm['config']} {label}",
                        _t(side["wall_s_per_epoch"]),
                        _t(side["user_s_per_epoch"]),
                        _t(side["sys_s_per_epoch"]),
                        _t(side["maxrss_mib"], "{:.0f}"),
                        _t(side["training_peak_mib"], "{:.0f}"),
                        _t(side["rss_after_fit_mib"], "{:.0f}"),
                    ]
                )
            rows.append(
                [
                    f"{mm['config']} default/tuned",
                    _x(mm["a_over_b_wall"]),
                    "cpu " + _x(mm["a_over_b_cpu"]),
                    "",
                    "tuned/default " + _x(mm["b_over_a_maxrss"]),
                    _x(mm["b_over_a_training_peak"]),
                    "",
                ]
            )
        lines += [
            "4. Memory and glibc malloc (fresh process per run, 1 epoch each; per epoch; peak",
            "   RSS = VmHWM; 'fit peak' = peak minus the process's peak before fit)",
            table(
                [
                    "config",
                    "wall s",
                    "user s",
                    "sys s",
                    "peak RSS MiB",
                    "fit peak MiB",
                    "RSS after fit",
                ],
                rows,
            ),
            "",
        ]
    th = out.get("threads")
    if th:
        rows = []
        cases = [("intra-op threads", th["default_vs_1"], "torch default", "1 thread")]
        for load in sorted({0, th.get("busy", 0)}):
            if f"spin_vs_passive_load{load}" in th:
                cases += [
                    (f"load +{load}", th[f"spin_vs_passive_load{load}"], "spin", "PASSIVE"),
                    (f"load +{load}", th[f"passive_vs_1_load{load}"], "PASSIVE", "1 thread"),
                ]
        if "in_thread_malloc" in th:
            cases.append(("fit in a thread", th["in_thread_malloc"], "malloc default", "tuned"))
        for label, cmp_, a_l, b_l in cases:
            rows.append(
                [
                    f"{label} ({cmp_['config']})",
                    f"{a_l}: {_t(cmp_['a']['wall_s_per_epoch'])}",
                    f"{b_l}: {_t(cmp_['b']['wall_s_per_epoch'])}",
                    _x(cmp_["a_over_b_wall"]),
                    _x(cmp_["a_over_b_cpu"]),
                ]
            )
        lines += [
            "5. Threads (fresh process per run; wall s per epoch; 'spin' = libgomp's default",
            "   OMP_WAIT_POLICY, 'load +n' = n busy processes beside the runs)",
            table(["setting", "a", "b", "a/b wall", "a/b cpu"], rows),
            "",
        ]
    return "\n".join(lines)


def _page_report(p: dict) -> list[str]:
    span = p["default_span"]
    rows = [
        ["first render (first trace)", _t(p["first_render_s"]), p["first_render_bytes"]],
        ["window change (new trace)", _t(p["window_change_s"]), p["window_change_bytes"]],
        ["rerun, nothing changed", _t(p["cached_rerun_s"]), p["cached_rerun_bytes"]],
        [
            f"whole series, default span ({span[1] - span[0]:,} points)",
            _t(p["default_span_s"]),
            p["default_span_bytes"],
        ],
        [f"whole series, all {p['points']:,} points", _t(p["whole_series_s"]),
         p["whole_series_bytes"]],
        ["whole series, rerun, nothing changed", _t(p["whole_cached_s"]), ""],
        [f"Data page rerun ({p['points']:,} points)", _t(p["data_rerun_s"]),
         p["data_rerun_bytes"]],
        [f"Forecast page rerun ({p['points']:,} points)", _t(p["forecast_rerun_s"]),
         p["forecast_rerun_bytes"]],
    ]  # fmt: skip
    mem = [
        [
            mode,
            _t(m["peak_added_mib"], "{:.0f}"),
            _t(m["seconds"]),
            f"{m['kept_bytes']:,}",
            f"{m['full_trace_bytes']:,}",
        ]
        for mode, m in p["memory"].items()
    ]
    return [
        f"3b. Gates, Data, Forecast pages in AppTest ({p['hidden']} units, "
        f"look_back {p['look_back']}, "
        f"{p['points']:,} points; {p['samples']} processes × {p['reruns']} reruns; scripts "
        + ("compiled once, as a server does)" if p["compile_once"] else "compiled per run)"),
        table(
            ["rerun", "seconds", "proto bytes"], [[a, b, f"{c:,}" if c else ""] for a, b, c in rows]
        ),
        f"   Whole-series view of {p['points']:,} steps, fresh processes: peak RSS it adds",
        table(["trace", "peak added MiB", "seconds", "bytes kept", "full trace bytes"], mem),
        *_train_page_report(p.get("train_page")),
        "",
    ]


def _train_page_report(t: dict | None) -> list[str]:
    if not t:
        return []
    return [
        f"   Train page vs fit alone, {t['points']:,} pts, L {t['look_back']}, H {t['hidden']}, "
        f"bs {t['batch']}; s/epoch = slope between {t['epochs'][0]} and {t['epochs'][1]} epochs "
        f"({t['reps']} pairs): page {_t(t['page_s_per_epoch'])}, fit {_t(t['fit_s_per_epoch'])}"
        f", page/fit {_x(t['page_over_fit'])}; the page's callback (redraws, snapshots) per "
        f"epoch: {_t(t['callback_s_per_epoch'])} s = {_t(t['callback_over_fit'], '{:.1%}')} "
        "of fit's epoch",
    ]


def _clean(v):
    """JSON-safe: NaN and infinities become None."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.report:
        print(report(json.loads(Path(a.report).read_text())))
        return 0
    out = collect(a)
    if a.json:
        print(json.dumps(_clean(out), default=str, allow_nan=False))
    else:
        print(report(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
