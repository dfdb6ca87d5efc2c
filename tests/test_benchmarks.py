"""The benchmarks' arithmetic (summaries, the headline ratios) in this process, and, opt-in,
the benchmarks themselves run and report consistent numbers. No timing is asserted: timings
belong in benchmarks/README.md, not in a test that runs on a shared, noisy machine.

The benchmark runs take minutes each (subprocesses with 600 s timeouts): they run only with
LSTM_EXPLORER_BENCHMARK_TESTS=1, e.g. before recording numbers in benchmarks/README.md.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from benchmarks import run as bench_run
from benchmarks.stats import median_range, summarize
from lstm_core.runtime import perf

from .conftest import ROOT

ENV_RUN = "LSTM_EXPLORER_BENCHMARK_TESTS"
opt_in = pytest.mark.skipif(
    os.environ.get(ENV_RUN) != "1", reason=f"runs the benchmarks (minutes): set {ENV_RUN}=1"
)


def _positive_finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _on_glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False


def _summary_ok(s: dict) -> bool:
    keys = {"median", "lo", "hi", "q1", "q3", "n"}
    return keys <= set(s) and s["n"] >= 1 and s["lo"] <= s["median"] <= s["hi"]


@pytest.fixture(scope="module")
def quick() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


@opt_in
def test_quick_json_has_every_section(quick):
    assert {"meta", "training", "gates", "app", "page", "malloc", "cli", "ratios"} <= set(quick)
    meta = quick["meta"]
    assert meta["mode"] == "quick" and meta["nproc"] >= 1 and meta["torch"]
    assert set(meta["section_seconds"]) == {"train", "gates", "app", "page", "malloc", "cli"}


@opt_in
def test_quick_cli_compares_whole_processes_doing_the_same_work(quick):
    (t,) = quick["cli"]["train"]
    assert t["busy"] == 0 and t["points"] == 5_000 and t["epochs"] == 1
    assert set(t["seconds"]) == {"bare", "cli_policy"}
    assert all(t["seconds"][side]["n"] == 1 for side in ("bare", "cli_policy"))
    secs = {side: t["seconds"][side]["median"] for side in ("bare", "cli_policy")}
    assert all(_positive_finite(v) for v in secs.values())  # both processes ran to the end
    ratio = t["over_bare"]["cli_policy"]["median"]  # one pair: the ratio of its two times
    assert math.isclose(ratio, secs["cli_policy"] / secs["bare"], rel_tol=1e-9)


@opt_in
def test_quick_training_compares_the_same_work(quick):
    (t,) = quick["training"]
    assert t["config"]["name"] == "Q" and t["epochs"] == 1
    for key in ("trainer_seconds", "bare_seconds", "trainer_over_bare"):
        assert _summary_ok(t[key])
    assert t["callbacks_per_run"] > 0  # the live callback really ran
    # same seed, same shuffles: both sides end at the same validation loss
    assert t["same_work_val_rel_diff"] < 1e-3
    fb = t["full_batch"]
    assert "skipped" in fb or (fb["steps"] >= 1 and isinstance(fb["reached"], bool))


@opt_in
def test_quick_gates_report_ratio_and_exactness(quick):
    assert len(quick["gates"]) >= 2
    for g in quick["gates"]:
        assert _summary_ok(g["trace_over_forward"])
        assert g["max_abs_h_error"] >= 0 and isinstance(g["exact_within_1e-5"], bool)


@opt_in
def test_quick_app_is_timed_or_skipped_with_a_note(quick):
    app = quick["app"]
    if "skipped" in app:
        assert "app.py" in app["skipped"]
    else:
        assert "error" not in app, app.get("error")
        assert _summary_ok(app["cold_start_s"]) and app["proto_bytes"] >= 0
        assert _summary_ok(app["first_chart_s"]) and app["first_chart_charts"] >= 1
        # heavy imports stay off the path to the first page and the first chart
        assert app["torch_imported"] is False and app["torch_imported_by_chart"] is False


@opt_in
def test_quick_gates_page_times_reruns_and_compares_memory(quick):
    p = quick["page"]
    assert p["compile_once"] is True and p["hidden"] == 16 and p["samples"] == 1
    for key in ("first_render_s", "window_change_s", "cached_rerun_s", "whole_series_s"):
        assert _summary_ok(p[key]), key
    assert p["window_change_s"]["n"] == p["reruns"] == 2
    # the whole-series view sends more than one window, and both carry the heatmaps
    assert p["default_span_bytes"] > p["window_change_bytes"] > 10_000
    assert set(p["memory"]) == {"full", "chunked"}
    assert _summary_ok(p["train_page"]["page_over_fit"])
    # the page's callback ran while it trained and its cost per epoch is reported (how it
    # compares with an epoch of fit is a benchmark's finding, not an assertion here)
    assert _summary_ok(p["train_page"]["callback_s_per_epoch"])
    assert _summary_ok(p["train_page"]["fit_s_per_epoch"])
    for m in p["memory"].values():  # both keep the same bins, far less than the full trace
        assert m["kept_bytes"] == p["memory"]["full"]["kept_bytes"] < m["full_trace_bytes"]


@opt_in
def test_quick_malloc_compares_tuned_and_default_processes(quick):
    (m,) = quick["malloc"]
    assert m["a"]["settings"]["tuned"] is False and m["b"]["settings"]["tuned"] is True
    assert m["a"]["malloc_tuned"] is False  # LSTM_CORE_TUNE_MALLOC=0 was honoured
    for side in ("a", "b"):
        assert _summary_ok(m[side]["maxrss_mib"]) and _summary_ok(m[side]["wall_s_per_epoch"])


@opt_in
def test_quick_ratios_are_the_sections_medians(quick):
    ratios = quick["ratios"]
    assert ratios == bench_run.ratios(quick)  # the headline is read from the sections
    (t,) = quick["training"]
    assert ratios["train_Q_trainer_over_bare"] == t["trainer_over_bare"]["median"]
    assert any(k.startswith("gates_") for k in ratios)
    assert any(k.startswith("malloc_") for k in ratios)
    for name, value in ratios.items():
        assert _positive_finite(value), (name, value)


def test_summaries_are_the_median_extremes_and_quartiles():
    s = summarize([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (s.median, s.lo, s.hi, s.q1, s.q3, s.n) == (3.0, 1.0, 5.0, 2.0, 4.0, 5)
    few = summarize([2.0, 8.0])  # fewer than 4 runs: the quartiles are the extremes
    assert (few.median, few.q1, few.q3) == (5.0, 2.0, 8.0)
    assert median_range(s.to_dict()) == "3 (1–5)"
    assert median_range(summarize([2.5]).to_dict()) == "2.5"
    with pytest.raises(ValueError, match="no values"):
        summarize([])


def test_the_headline_ratios_are_the_medians_of_their_sections():
    out = {
        "training": [{"config": {"name": "Q"}, "trainer_over_bare": {"median": 1.25}}],
        "gates": [{"name": "h 8", "trace_over_forward": {"median": 3.5}}],
    }
    assert bench_run.ratios(out) == {
        "train_Q_trainer_over_bare": 1.25,
        "gates_h_8_trace_over_forward": 3.5,
    }


def test_run_py_works_as_a_script():
    r = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0 and "--quick" in r.stdout


def test_tune_malloc_tunes_glibc_once_and_release_memory_gives_back():
    glibc = sys.platform.startswith("linux") and _on_glibc()
    expected = glibc and os.environ.get("LSTM_CORE_TUNE_MALLOC") != "0"
    first = perf.tune_malloc()
    assert first is expected and perf.tune_malloc() is first and perf.malloc_tuned() is first
    if not glibc:
        assert perf.release_memory() is False
    elif first:  # tuned: a freed 64 MiB block stays in the process until it is trimmed
        block = bytearray(64 << 20)
        del block
        assert perf.release_memory() is True


def test_tune_malloc_can_be_switched_off():
    code = "from lstm_core import perf; print(perf.tune_malloc(), perf.malloc_tuned())"
    env = {**os.environ, "LSTM_CORE_TUNE_MALLOC": "0", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.split() == ["False", "False"]


def _quick_json(module: str, timeout: int) -> dict:
    """`python -m <module> --quick --json --quiet` as a subprocess: its JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", module, "--quick", "--json", "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


@opt_in
def test_quality_quick_scores_before_and_after_and_the_cost_of_auto():
    res = _quick_json("benchmarks.quality", 600)
    q = res["quality"]["air_passengers"]
    for key in ("before_one_step", "before_backtest", "after_one_step", "after_backtest"):
        assert _positive_finite(q[key])
    assert 0 <= q["coverage_80"] <= q["coverage_95"] <= 1
    assert 0 <= q["coverage_no_floor_80"] <= q["coverage_80"]  # the floor only widens
    assert _positive_finite(q["score_ratio_80"]) and q["beats_best"] in (0.0, 1.0)
    assert q["transforms"][0] in {"none", "diff", "logdiff", "sdiff"} and q["horizon"] == 10
    cost = res["cost"]["air_passengers"]
    assert _summary_ok(cost["cli_auto_over_none"]) and _summary_ok(cost["fit_auto_over_none"])


@opt_in
def test_inputs_quick_scores_with_and_without_inputs_and_the_cost_per_epoch():
    res = _quick_json("benchmarks.inputs", 120)
    assert res["seeds"] == [0] and len(res["quality"]) == 2
    for q in res["quality"].values():
        assert q["n_inputs"] == 1 and q["points"] == 600 and len(q["runs"]) == 1
        for key in ("with_over_best", "without_over_best", "with_over_without"):
            assert _positive_finite(q[key])
        run = q["runs"][0]
        for key in ("with_rmse", "without_rmse", "best_baseline", "best_baseline_without"):
            assert _positive_finite(run[key])
        assert run["best_baseline"] == run["best_baseline_without"]  # the same test targets
    cost = res["cost"]
    assert set(cost["F"]) == {"0", "4"} and cost["threads"] == 1
    for d in cost["F"].values():
        for s in (d["seconds_per_epoch"], d["ratio_to_f0"]):
            assert _summary_ok(s) and _positive_finite(s["median"])
    assert cost["F"]["0"]["ratio_to_f0"]["median"] == 1.0


@opt_in
def test_explain_quick_times_one_window_and_a_batch():
    res = _quick_json("benchmarks.explain_bench", 120)
    assert res["size"] == {"hidden": 8, "look_back": 24, "inputs": 8}
    for n in ("1", "2", "policy"):
        assert _summary_ok(res["one_window_s"][n])
    assert _positive_finite(res["test_part_s"]) and res["test_part_windows"] == 200
    assert res["completeness_error"] < 0.01


def test_the_before_after_table_groups_series_into_development_and_held_out():
    from benchmarks.references import before_after_table

    def rows(series, one, back, secs):
        return [{"series": series, "one_step": o, "backtest": back, "seconds": secs}
                for o in one]  # fmt: skip

    before = rows("austres", [2.0, 0.5], 1.0, 1.0) + rows("nile", [1.0], 1.0, 2.0)
    after = rows("austres", [1.0, 1.0], 0.9, 3.0) + rows("nile", [1.1], 1.0, 4.0)
    lines = before_after_table(before, after).splitlines()
    assert lines[2] == "| austres | 2 | 1.00 → 1.00 | 1.00 → 0.90 | 1.0 → 3.0 |"  # geometric
    assert lines[3] == "| nile | 1 | 1.00 → 1.10 | 1.00 → 1.00 | 2.0 → 4.0 |"
    assert lines[4].startswith("| **development set** | 2 | 1.00 → 1.00 |")  # austres only
    assert lines[5].startswith("| **held out** | 1 | 1.00 → 1.10 |")


def test_the_yardsticks_say_how_far_each_reference_and_the_validation_pick_stand_from_the_best():
    from benchmarks.references import yardsticks

    refs = {"AutoETS": 2.0, "AutoTheta": 1.0, "AutoARIMA": 4.0}
    runs = [  # best on test: Theta in the first run, ARIMA in the second
        {"references": refs, "reference": 1.0, "val_reference": "AutoETS"},
        {"references": {**refs, "AutoARIMA": 0.5}, "reference": 0.5, "val_reference": "AutoARIMA"},
    ]
    # ETS: 2/1, 2/0.5 -> sqrt(8); Theta: 1, 2 -> sqrt(2); ARIMA: 4, 1 -> 2; picked: 2, 1 -> sqrt(2)
    assert yardsticks(runs) == [
        "AutoETS 2.83", "AutoTheta 1.41", "AutoARIMA 2.00", "picked on validation 1.41"
    ]  # fmt: skip


def test_validation_rmse_scores_the_references_on_the_validation_targets_only():
    import numpy as np

    from benchmarks.references import validation_rmse
    from lstm_core.config import DataConfig
    from lstm_core.series.windows import make_dataset

    values = np.arange(60, dtype=float) ** 1.5
    data = make_dataset(values, DataConfig(look_back=4, transform="diff"))
    seen = []

    class Refs:  # predicts every target one too high, and records what it was asked
        def one_step(self, v, targets):
            seen.append(np.asarray(targets))
            return {"AutoETS": v[targets] + 1.0, "AutoARIMA": v[targets] - 2.0}

    assert validation_rmse(Refs(), data) == {"AutoETS": 1.0, "AutoARIMA": 2.0}
    sp = data.split
    assert seen[0].tolist() == list(range(sp.train_end, sp.val_end))  # levels' positions
