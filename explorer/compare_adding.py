"""The Compare page's section "Long memory, the classic test": the adding problem
(Hochreiter & Schmidhuber 1997, experiment 4; the form of Le, Jaitly & Hinton 2015) for
LSTM, GRU and RNN at one T, the trained LSTM caught in the act, and a sweep over T.
Both run as this visitor's job (explorer/compare_jobs.py); this module only draws.

Widgets (kept across page switches): cmp_add_length, cmp_add_hidden, cmp_add_budget,
cmp_add_seed, cmp_sweep_lengths; buttons cmp_add_run, cmp_sweep_run (and the live panels'
adding_stop, adding_sweep_stop).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import compare_ui
from explorer.figures import table_cells
from explorer.task_figures import (
    clamp_sentences,
    gate_heatmaps_figure,
    gate_sentences,
    run_sentence,
    sequence_figure,
    solved_curves_figure,
    sweep_table,
)
from explorer.widgets import PERSIST, number_table
from lstm_core.experiments.tasks import MIN_LENGTH
from lstm_core.inside.gates import CELL_LABELS

LENGTHS = (25, 50, 100, 200)  # the sweep's choices of T (compare_jobs.ADDING_LENGTHS)
SWEEP_CHOICES = (10, 20, 25, 50, 100, 150, 200, 300, 400)

INTRO = (
    "The experiment from the paper that introduced the LSTM (Hochreiter & Schmidhuber 1997, "
    "experiment 4, in the form of Le, Jaitly & Hinton 2015). Each sequence has **T** steps; "
    "at every step the cell reads a random number between 0 and 1 and a marker. Exactly two "
    "steps are marked, one in each half, and at the end the cell must answer **the sum of "
    "the two marked numbers**. Everything between them is noise to ignore, so the first "
    "number has to be kept for up to T steps. A test sequence counts as solved when the "
    "answer is within 0.04 of the sum; always answering 1 (the average sum) solves about "
    "8 % of them. Each cell trains on fresh sequences until it solves 95 % of a fixed test "
    "set of 1,000, or until it has seen its budget."
)


def settings() -> dict[str, int]:
    c = st.columns(4)
    length = c[0].number_input("Sequence length T", 10, 400, value=100, step=10,
                               key="cmp_add_length", **PERSIST)  # fmt: skip
    hidden = c[1].number_input("LSTM units", 1, 128, value=16, key="cmp_add_hidden",
                               help="GRU and RNN get the size closest to its parameter count.",
                               **PERSIST)  # fmt: skip
    budget = c[2].number_input("Budget (sequences per cell)", 64, 2_000_000, value=320_000,
                               step=32_000, key="cmp_add_budget", **PERSIST)  # fmt: skip
    seed = c[3].number_input("Seed", 0, 10**6, value=0, key="cmp_add_seed", **PERSIST)
    return {"length": int(length), "hidden": int(hidden), "budget": int(budget),
            "seed": int(seed)}  # fmt: skip


def section() -> None:
    from explorer.compare_jobs import AddingRequest

    st.subheader("Long memory, the classic test")
    st.markdown(INTRO)
    chosen = settings()
    st.caption(
        "Time: at T = 100 with 16 units the LSTM solved it in 6–9 s on one core of a quiet "
        "machine and the RNN used its whole 320,000 sequences (70–80 s) without learning "
        "(measured with three seeds); in the app the three cells together took 2½–4 minutes "
        "on a shared 2-core server, longer when it is busy."
    )
    compare_ui.start_button("adding", "Run the adding problem: LSTM, GRU and RNN", "cmp_add_run",
                            lambda: AddingRequest(**chosen))  # fmt: skip
    compare_ui.show("adding", draw_adding)
    sweep(chosen)


def draw_adding(result: Any, live: bool) -> None:
    """The curves; once runs ended, their sentences; then the LSTM caught in the act."""
    st.plotly_chart(solved_curves_figure(result.curves, result.baseline_solved),
                    key="cmp_add_curves_live" if live else "cmp_add_curves")  # fmt: skip
    if live:
        return
    st.caption(f"T = {result.length}, up to {result.budget:,} training sequences per cell.")
    for cell in ("lstm", "gru", "rnn"):
        if cell in result.runs:
            st.text(run_sentence(result.runs[cell], result.baseline_solved))
    caught(result)


def caught(result: Any) -> None:
    """One test sequence with its marks, the LSTM's i, f, c under it, and the two clamps."""
    if result.example is None:
        return
    st.markdown("**The LSTM caught in the act**")
    lstm = result.runs.get("lstm")
    if lstm is not None and lstm.status != "solved":
        shorter = " (or a shorter T)" if result.length > MIN_LENGTH else ""
        st.info(
            f"The LSTM did not solve the task in this run ({lstm.solved:.1%} solved): its "
            f"gates below are those of a model still learning. A larger budget{shorter} gives "
            "it the time."
        )
    act, ex = result.act, result.example
    st.plotly_chart(sequence_figure(ex), key="cmp_add_sequence")
    st.plotly_chart(gate_heatmaps_figure(ex, act.gates.memory_unit), key="cmp_add_gates")
    for line in gate_sentences(act):
        st.text(line)
    st.markdown(
        "**Two clamps** (lstm_core/experiments/taskgates.py: the gate held at 0 on the whole "
        "test set)"
    )
    for line in clamp_sentences(act, ex):
        st.text(line)


def sweep(chosen: dict[str, int]) -> None:
    from explorer.compare_jobs import SweepRequest

    st.markdown("**How long a gap? The same three cells at several T**")
    st.caption(
        "With the size, budget and seed above. The table fills in as each run ends. A cell "
        "that does not solve a T uses its whole budget there: with the defaults the sweep "
        "took about 9 minutes on this server's CPU, most of it such runs (70–150 s each)."
    )
    lengths = st.multiselect("Lengths T", SWEEP_CHOICES, default=list(LENGTHS),
                             key="cmp_sweep_lengths", **PERSIST)  # fmt: skip
    request = lambda: SweepRequest(tuple(sorted(lengths)), chosen["hidden"],  # noqa: E731
                                   chosen["budget"], chosen["seed"])  # fmt: skip
    compare_ui.start_button(
        "adding_sweep", "Run the sweep over T", "cmp_sweep_run", request, ok=bool(lengths)
    )
    compare_ui.show("adding_sweep", draw_sweep)


def draw_sweep(result: Any, live: bool) -> None:
    table = sweep_table(result)
    number_table(table_cells(table, "{:.1f} %", missing="…"),
                 key="cmp_sweep_table_live" if live else "cmp_sweep_table")  # fmt: skip
    if live:
        return
    st.caption(f"Share of the test set solved (%) by each run's weights at its end, up to "
               f"{result.budget:,} sequences per run. A share can rise and fall while a run "
               "trains; the line shown during the sweep is its latest check.")  # fmt: skip
    for cell in ("lstm", "gru", "rnn"):
        done = [(t, result.cells[(cell, t)]) for t in result.lengths if (cell, t) in result.cells]
        if not done:
            continue
        ok = [str(t) for t, r in done if r.status == "solved"]
        no = [str(t) for t, r in done if r.status != "solved"]
        said = f"solved at T = {', '.join(ok)}" if ok else "solved at none of these T"
        if ok and no:
            said += f"; not within the budget at T = {', '.join(no)}"
        st.text(f"{CELL_LABELS[cell]}: {said}.")
