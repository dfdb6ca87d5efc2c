"""Compare: RNN vs GRU vs LSTM — the lecture's claims, measured.

Reads (explorer.state): series, data_cfg, model_cfg, train_cfg, bundle (its transform).
Every section runs as this visitor's job, like Train (explorer/compare_jobs.py, started
through explorer/session.py): it waits for a server slot, trains in its own thread, goes on
while the visitor is on other pages, stops by Stop or after 30 minutes, and sync puts its
result under compare, memory, adding or adding_sweep. Nothing trains in this script.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from explorer import compare_adding, compare_ui, state, ui
from explorer.active import active_series
from explorer.compare_figures import (
    gradient_by_lag_figure,
    hidden_gradient_figure,
    memory_figure,
    seed_curves_figure,
    spread_table,
    val_curves_figure,
)
from explorer.escape import md_escape
from explorer.session import series_fingerprint
from explorer.widgets import PERSIST, remember
from lstm_core.config import ConfigError, ModelConfig, TrainConfig
from lstm_core.experiments.compare import param_count, seed_verdict, spreads
from lstm_core.inside.gates import CELL_LABELS
from lstm_core.series.transforms import Transform

LAG_CHOICES = (2, 3, 5, 8, 10, 15, 20, 30, 40, 60)
SEEDS_HELP = "Each cell trains once per seed (first seed, the next, ...): the spread is noise."


def settings() -> tuple[ModelConfig, TrainConfig, int, bool] | None:
    """The shared size and training settings (defaults from the Train page's)."""
    _, mcfg, tcfg = ui.configs()
    c = st.columns(6)
    hidden = c[0].number_input("LSTM hidden size", 1, 512, key=remember("cmp_hidden", 16),
                               **PERSIST)  # fmt: skip
    layers = c[1].number_input("Layers", 1, 3, key=remember("cmp_layers", mcfg.num_layers),
                               **PERSIST)  # fmt: skip
    epochs = c[2].number_input("Epochs", 1, 2000, key=remember("cmp_epochs", 20), **PERSIST)
    lr = c[3].number_input("Learning rate", 1e-6, 1.0, format="%g",
                           key=remember("cmp_lr", 0.01), **PERSIST)  # fmt: skip
    seed = c[4].number_input("First seed", 0, 10**6, key=remember("cmp_seed", tcfg.seed),
                             **PERSIST)  # fmt: skip
    seeds = c[5].number_input("Seeds", 1, 5, key=remember("cmp_seeds", 3), help=SEEDS_HELP,
                              **PERSIST)  # fmt: skip
    match = st.checkbox("Match parameter counts (GRU and RNN get more units)",
                        key=remember("cmp_match", True), **PERSIST)  # fmt: skip
    fbias = st.checkbox("LSTM: start with forget gates open (bias 1)",
                        key=remember("cmp_fbias", True), **PERSIST)  # fmt: skip
    try:
        m = ModelConfig("lstm", int(hidden), int(layers), bool(fbias))
        t = TrainConfig(int(epochs), tcfg.batch_size, float(lr), seed=int(seed),
                        scale_long=tcfg.scale_long, scale_short=tcfg.scale_short)  # fmt: skip
    except ConfigError as e:
        st.error(str(e))
        return None
    st.caption(f"LSTM: {param_count('lstm', m.hidden_size, m.num_layers):,} parameters.")
    return m, t, int(seeds), bool(match)


AUTO_LINE = (
    "All three cells see one transform: the Data page says auto, so auto first tries the "
    "candidates with the LSTM, and its pick is used for all three (no model of this series "
    "yet to take it from)."
)


def what_they_see() -> tuple[Transform | None, str, str]:
    """What all three cells see, chosen once: (the transform, or None for the job to find:
    the Data page's, or auto's pick with the LSTM; where it comes from; the line said before
    the click). With "auto" and a model of this series, the model's transform."""
    data_cfg, series = ui.configs()[0], active_series()
    if data_cfg.transform != "auto":
        line = f"All three cells see the transform set on the Data page ({data_cfg.transform})."
        return None, "", line
    bundle = state.get("bundle")
    fp = series_fingerprint(series)
    if bundle is None or bundle.mismatch(series.values, series.name, fp):
        return None, "", AUTO_LINE
    note = "the current model's (chosen when it was trained)"
    return bundle.transform, note, f"All three cells see {bundle.transform.describe()}: {note}."


def three_cells() -> None:
    """Train the three cells on a few seeds, as a job; show curves, spread and gradients."""
    from explorer.compare_jobs import CellsRequest

    st.subheader("Same series, same split, same seeds")
    series = active_series()
    data_cfg = ui.configs()[0]
    st.text(
        f"Series: {series.name} ({len(series.values):,} points), look-back {data_cfg.look_back}"
    )
    chosen = settings()
    tf, note, line = what_they_see()
    st.caption(line)

    def request():
        m, t, n, match = chosen
        label = f"{series.name}, look-back {data_cfg.look_back}"
        return CellsRequest(series.values, series.name, data_cfg, m, t,
                            tuple(range(t.seed, t.seed + n)), match, tf, note, label)  # fmt: skip

    compare_ui.start_button(
        "compare", "Train LSTM, GRU and RNN", "cmp_run", request, ok=chosen is not None
    )
    compare_ui.show("compare", show_results, live_curves)


def live_curves(work) -> None:
    """While the job runs: the running seed's validation curves so far."""
    if work.curves:
        st.plotly_chart(val_curves_figure(work.curves), key="cmp_curves_live")


def show_results(found, live: bool) -> None:
    runs = found.get("runs") or [found["results"]]
    seeds = found.get("seeds") or (0,)
    results = runs[0]
    seen = found.get("seen", "the values themselves")
    st.caption(f"Results for {md_escape(found['label'])}. The cells saw {seen}.")
    st.plotly_chart(seed_curves_figure(runs, seeds), key="cmp_curves")
    found_spreads = spreads(runs)
    table = spread_table(runs, found_spreads)
    st.dataframe(table.style.format("{:.4g}"), key="cmp_table")
    st.info(seed_verdict(found_spreads, CELL_LABELS))
    for r in results:
        st.text(f"{CELL_LABELS[r.cell]}, seed {seeds[0]}: {r.evaluation.verdict}")
    st.plotly_chart(
        gradient_by_lag_figure({r.cell: (r.grad_init, r.grad_trained) for r in results}),
        key="cmp_grad_lag",
    )
    st.caption(
        f"Seed {seeds[0]}: mean |∂ŷ/∂x(t−k)| over up to 256 validation windows, not "
        "normalised. The vanishing gradient, drawn: a curve that falls steeply with the lag "
        "means the prediction barely feels older inputs, so training can hardly teach the cell "
        "to use them. After training a curve also shows which inputs the model learned to use, "
        "so a flat one over a short window is not by itself a long memory: the adding problem "
        "below tests long distances."
    )
    st.plotly_chart(hidden_gradient_figure({r.cell: r.hidden_trained for r in results}),
                    key="cmp_grad_hidden")  # fmt: skip


def memory_task() -> None:
    """Echo series: find the distance K at which each cell stops learning, as a job."""
    from explorer.compare_jobs import EchoRequest

    st.subheader("Memory task: the echo series")
    st.markdown(
        "Random spikes come back exactly **K** steps later; the model sees the last K + 5 "
        "values. The echo is the only predictable part, so a cell that cannot carry a value "
        "K steps scores like the mean (ratio 1). *Learned* below means a validation MSE at "
        "least 15 % under the mean's after the epochs set here, with one seed and one size: "
        "it says what these runs reached, not what a cell could reach with more training."
    )
    c = st.columns(4)
    lags = c[0].multiselect("Distances K", LAG_CHOICES, default=[3, 8, 15], key="cmp_lags",
                            **PERSIST)  # fmt: skip
    noise = c[1].number_input("Noise", 0.0, 1.0, 0.05, format="%g", key="cmp_noise", **PERSIST)
    epochs = c[2].number_input("Epochs", 1, 500, 30, key="cmp_mem_epochs", **PERSIST)
    hidden = c[3].number_input("Hidden size", 1, 256, 32, key="cmp_mem_hidden", **PERSIST)

    def request():
        tcfg = ui.configs()[2]
        m = ModelConfig("lstm", int(hidden), 1, bool(st.session_state.get("cmp_fbias", True)))
        t = replace(tcfg, epochs=int(epochs), lr=0.01, patience=0)
        return EchoRequest(tuple(sorted(lags)), m, t, float(noise))

    compare_ui.start_button("memory", "Run the memory task", "cmp_mem_run", request, ok=bool(lags))
    compare_ui.show("memory", show_memory)


def show_memory(points, live: bool) -> None:
    st.plotly_chart(memory_figure(points), key="cmp_memory")
    for line in memory_lines(points):
        st.text(line)
    st.caption(
        "The echo asks for one value copied K steps later, with the whole gap in view; the "
        "adding problem below asks for a sum of two values up to T steps apart, with a "
        "distractor at every step. One result does not imply the other: each is shown as "
        "measured."
    )


def memory_lines(points) -> list[str]:
    """Per cell: the ratio measured at each K, and where it counts as learned."""
    out = []
    for cell in dict.fromkeys(p.cell for p in points):
        mine = sorted((p for p in points if p.cell == cell), key=lambda p: p.lag)
        ratios = ", ".join(f"{p.ratio:.2f} at K = {p.lag}" for p in mine)
        ok = [str(p.lag) for p in mine if p.learned]
        said = f"learned at K = {', '.join(ok)}" if ok else "learned at none of these K"
        out.append(f"{CELL_LABELS[cell]}: val MSE / mean's {ratios}; {said}.")
    return out


ui.setup()
st.title("Why LSTM? RNN vs GRU vs LSTM")
st.markdown(
    "The lecture's claim: a plain RNN's gradient fades (or explodes) as it flows back "
    "through time, so it struggles to use inputs far back, while the LSTM's cell state and "
    "gates are built to carry them; the GRU is a lighter variant. Each section below tests "
    "it with runs you start here, and its sentences say only what those runs showed. Each "
    "run is a job like Train: it goes on while you visit other pages."
)
three_cells()
memory_task()
compare_adding.section()
ui.finish()
