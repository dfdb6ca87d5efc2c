"""The adding problem (issue 21): LSTM vs GRU vs RNN at matched parameter counts.

    python -m benchmarks.adding [--quick] [--json] [--length T] [--hidden H] [--seeds N]
                                [--cells lstm,gru,rnn]

Each cell trains with lstm_core.experiments.tasks' defaults (16 LSTM units, GRU and RNN at the
closest
parameter count, Adam lr 0.01, batch 32, clipping 1.0, a budget of 320,000 sequences, a
check on the fixed 1,000-sequence test set every 512) on seeds 0..N-1, on one thread
(lstm_core.runtime.threads.pin(1)), the cells' order reversed on odd seeds so that drift on a
shared machine falls on each. A trained LSTM is then caught in the act
(lstm_core.experiments.taskgates). The issue's target: the LSTM solves >= 95 % of the test set and
the
RNN stays below 30 % in at least 2 of 3 seeds, the LSTM within 3 minutes.
--quick: T = 10, a budget of 2,048 sequences, one seed (what the tests run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lstm_core.runtime import threads  # noqa: E402

threads.early_setup()  # as the app and the CLI do before torch loads

CELLS = ("lstm", "gru", "rnn")
LSTM_SECONDS = 180.0  # the time limit for the LSTM
SOLVED, RNN_BELOW = 0.95, 0.3


def _run(cfg, test, say) -> dict:
    """One cell and seed: the run's numbers, its solved-share curve and, for the LSTM, its
    gates caught in the act."""
    from lstm_core.experiments.taskgates import caught_in_the_act
    from lstm_core.experiments.tasks import train_adding

    r = train_adding(cfg, test=test)
    t0 = time.perf_counter()
    caught = caught_in_the_act(r.model, test).to_dict() if cfg.cell == "lstm" else None
    out = {
        "cell": cfg.cell, "seed": cfg.seed, "hidden": r.hidden, "params": r.params,
        "status": r.status, "sequences_seen": r.sequences_seen, "seconds": r.seconds,
        "test_mse": r.test_mse, "baseline_mse": r.baseline_mse, "solved": r.solved,
        "best_solved": max((p.solved for p in r.history), default=0.0),
        "curve": [[p.sequences_seen, p.solved] for p in r.history],
        "caught": caught, "caught_seconds": time.perf_counter() - t0 if caught else None,
    }  # fmt: skip
    say(f"{cfg.cell:5} seed {cfg.seed}: {r.status:7} {r.sequences_seen:>8,} sequences "
        f"{r.seconds:7.1f} s  solved {r.solved:6.1%}  test MSE {r.test_mse:.5f}")  # fmt: skip
    return out


def _summary(runs: list[dict]) -> dict:
    lstm = [r for r in runs if r["cell"] == "lstm"]
    rnn = [r for r in runs if r["cell"] == "rnn"]
    need = (len(lstm) * 2 + 2) // 3  # 2 of 3
    lstm_ok = sum(r["solved"] >= SOLVED and r["seconds"] <= LSTM_SECONDS for r in lstm)
    rnn_ok = sum(r["solved"] < RNN_BELOW for r in rnn)
    return {
        "lstm_solved_runs": sum(r["solved"] >= SOLVED for r in lstm),
        "lstm_solved_in_time_runs": lstm_ok,
        "rnn_below_0.3_runs": rnn_ok,
        "lstm_max_seconds": max((r["seconds"] for r in lstm), default=0.0),
        "runs_per_cell": len(lstm),
        "target_met": lstm_ok >= need and rnn_ok >= need,
    }


def _table(res: dict) -> str:
    if not res["runs"]:
        return "no runs"
    head = f"{'cell':5} {'seed':>4} {'hidden':>6} {'params':>6} {'status':>7} {'sequences':>10} "
    head += f"{'seconds':>8} {'solved':>7} {'test MSE':>9}"
    lines = [head]
    for r in res["runs"]:
        lines.append(
            f"{r['cell']:5} {r['seed']:>4} {r['hidden']:>6} {r['params']:>6} {r['status']:>7} "
            f"{r['sequences_seen']:>10,} {r['seconds']:>8.1f} {r['solved']:>7.1%} "
            f"{r['test_mse']:>9.5f}"
        )
    lines += [_caught_line(r["seed"], r["caught"]) for r in res["runs"] if r["caught"]]
    lines.append(f"baseline (always 1): {res['runs'][0]['baseline_mse']:.4f}; {res['summary']}")
    return "\n".join(lines)


def _caught_line(seed: int, c: dict) -> str:
    """One LSTM's gates (means over units, then its memory unit) and clamped test MSEs."""
    u = c["memory_unit"]
    return (
        f"LSTM seed {seed}: i {c['input_gate_at_marks']:.3f} at the marks, "
        f"{c['input_gate_elsewhere']:.3f} elsewhere; f {c['forget_gate_between_marks']:.3f} "
        f"between; unit {u}: i {c['memory_unit_input_at_marks']:.3f} / "
        f"{c['memory_unit_input_elsewhere']:.3f}, f {c['memory_unit_forget_between_marks']:.3f}"
        f"; MSE {c['unclamped_mse']:.5f}, f = 0 between {c['clamp_forget_between_marks_mse']:.4f}, "
        f"i = 0 at the 2nd {c['clamp_input_at_second_mark_mse']:.4f}; corr with the 1st, 2nd "
        f"value: f = 0 {c['clamp_forget_corr_first']:.2f}, {c['clamp_forget_corr_second']:.2f}"
        f", i = 0 {c['clamp_input_corr_first']:.2f}, {c['clamp_input_corr_second']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.adding")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--length", type=int, help="T (default 100; 10 with --quick)")
    p.add_argument("--hidden", type=int, help="LSTM units (default: lstm_core.experiments.tasks')")
    p.add_argument("--seeds", type=int, help="seeds 0..N-1 (default 3; 1 with --quick)")
    p.add_argument("--cells", default=",".join(CELLS), help="e.g. lstm (default: all three)")
    a = p.parse_args(argv)
    threads.pin(1)  # like-for-like: one intra-op thread for every cell

    from lstm_core.experiments.tasks import AddingConfig, adding_test_set

    cfg = AddingConfig(length=a.length or (10 if a.quick else 100))
    if a.quick:
        cfg = replace(cfg, budget=2_048)
    if a.hidden:
        cfg = replace(cfg, hidden=a.hidden)
    seeds = list(range(a.seeds or (1 if a.quick else 3)))
    cells = [c for c in CELLS if c in a.cells.split(",")]

    def say(line: str) -> None:
        if not a.quiet:
            print(line, file=sys.stderr, flush=True)

    test = adding_test_set(cfg.length, cfg.test_seed)
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    runs = []
    for seed in seeds:
        for cell in cells if seed % 2 == 0 else cells[::-1]:
            runs.append(_run(replace(cfg, cell=cell, seed=seed), test, say))
    res = {
        "length": cfg.length, "hidden": cfg.hidden, "budget": cfg.budget, "lr": cfg.lr,
        "batch_size": cfg.batch_size, "check_every": cfg.check_every, "seeds": seeds,
        "threads": 1, "load_before": load0, "load_after": os.getloadavg()[0],
        "wall_seconds": time.perf_counter() - t0, "runs": runs, "summary": _summary(runs),
    }  # fmt: skip
    print(json.dumps(res) if a.json else _table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
