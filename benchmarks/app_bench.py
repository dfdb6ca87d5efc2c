"""The app: cold start of a fresh process until the first page has rendered, then until
the first chart has (the Data page's series, one click away), rerun times, and an estimate
of what one rerun sends.

Each sample is a fresh `python -m benchmarks.app_bench --child ...` process that imports
Streamlit's AppTest and runs the script once: cold start = from the parent's spawn to the
end of that first run (wall clock, same machine); also timed inside (import + first run).
"Sent per rerun" is the total size of the serialised element protos in AppTest's tree: a
lower bound of what the server sends (no ForwardMsg framing, no media files), cheap to
compute.

Hook for page timings (e.g. the gates page): --app-page pages/<page>.py switches to that
page after the first render and times --app-reruns reruns of it; --app-setup module:function
names a function called with the AppTest before those reruns (to pick a model, move a slider).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stats import summarize  # noqa: E402


def proto_bytes(at) -> tuple[int, int]:
    """(total serialised bytes, element count) of the element protos in AppTest's tree."""
    total = count = 0
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()
            count += 1
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
    return total, count


def child(script: str, page: str | None, reruns: int, setup: str | None, timeout: float) -> dict:
    t0 = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    t_import = time.perf_counter() - t0
    at = AppTest.from_file(str(ROOT / script), default_timeout=timeout).run()
    first = time.perf_counter() - t0
    first_at = time.time()  # wall clock, for the parent's process-start-to-render time
    size, count = proto_bytes(at)
    out: dict = {
        "import_s": t_import,
        "first_render_s": first,
        "first_render_at": first_at,
        "exceptions": [str(e.value) for e in at.exception],
        "proto_bytes": size,
        "elements": count,
        "torch_imported": "torch" in sys.modules,
    }
    if script == "app.py":  # the first chart: the Data page's series, one click away
        t = time.perf_counter()
        at.switch_page("pages/data.py").run()
        out["first_chart_s"] = time.perf_counter() - t
        out["first_chart_charts"] = len(at.get("plotly_chart"))
        out["torch_imported_by_chart"] = "torch" in sys.modules
    if page or reruns:
        if page:
            at.switch_page(page)
            at.run()
        if setup:
            mod, _, fn = setup.partition(":")
            getattr(importlib.import_module(mod), fn)(at)
        times = []
        for _ in range(reruns):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        size, count = proto_bytes(at)
        out.update(
            page=page,
            rerun_s=times,
            rerun_proto_bytes=size,
            rerun_elements=count,
            rerun_exceptions=[str(e.value) for e in at.exception],
        )
    return out


def bench_app(
    script: str = "app.py",
    samples: int = 3,
    page: str | None = None,
    reruns: int = 0,
    setup: str | None = None,
    timeout: float = 120.0,
    log=lambda s: None,
) -> dict:
    path = ROOT / script
    if not path.is_file():
        return {"skipped": f"{script} not found: the app is not there yet, nothing timed."}
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.app_bench",
        "--child",
        script,
        "--reruns",
        str(reruns),
        "--timeout",
        str(timeout),
    ]
    if page:
        cmd += ["--page", page]
    if setup:
        cmd += ["--setup", setup]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    colds, walls, runs = [], [], []
    for i in range(samples):
        t_spawn, t0 = time.time(), time.perf_counter()
        p = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout * (2 + reruns)
        )
        walls.append(time.perf_counter() - t0)
        if p.returncode != 0:
            return {"error": f"app child failed ({p.returncode}): {p.stderr[-2000:]}"}
        runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
        colds.append(runs[-1]["first_render_at"] - t_spawn)
        log(f"  app cold start {i + 1}/{samples}: {colds[-1]:.2f}s")
    out = {
        "script": script,
        "samples": samples,
        "cold_start_s": summarize(colds).to_dict(),  # process start to first render
        "process_s": summarize(walls).to_dict(),  # the whole child, reruns and exit included
        "first_render_in_process_s": summarize([r["first_render_s"] for r in runs]).to_dict(),
        "streamlit_import_s": summarize([r["import_s"] for r in runs]).to_dict(),
        "proto_bytes": runs[-1]["proto_bytes"],
        "elements": runs[-1]["elements"],
        "exceptions": runs[-1]["exceptions"],
        "torch_imported": runs[-1]["torch_imported"],
    }
    if "first_chart_s" in runs[-1]:
        out["first_chart_s"] = summarize([r["first_chart_s"] for r in runs]).to_dict()
        out["first_chart_charts"] = runs[-1]["first_chart_charts"]
        out["torch_imported_by_chart"] = runs[-1]["torch_imported_by_chart"]
    if reruns:
        out["page"] = page
        out["rerun_s"] = summarize([t for r in runs for t in r["rerun_s"]]).to_dict()
        out["rerun_proto_bytes"] = runs[-1]["rerun_proto_bytes"]
        out["rerun_exceptions"] = runs[-1]["rerun_exceptions"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.app_bench")
    ap.add_argument("--child", metavar="SCRIPT", required=True)
    ap.add_argument("--page", default=None)
    ap.add_argument("--reruns", type=int, default=0)
    ap.add_argument("--setup", default=None)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    print(json.dumps(child(a.child, a.page, a.reruns, a.setup, a.timeout)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
