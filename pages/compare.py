"""Compare: RNN vs GRU vs LSTM on the same series — the lecture's claims, measured.

Reads (explorer.state): series, data_cfg, model_cfg, train_cfg. Writes: compare
({"results": [CellResult], "label": str}) and memory ([MemoryPoint]). Trains in the script
run (never in a callback or thread); a click elsewhere interrupts it like on the Train page.
"""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from explorer import session, state, ui
from explorer.compare_figures import (
    CELL_LABELS,
    compare_table,
    gradient_by_lag_figure,
    hidden_gradient_figure,
    memory_figure,
    val_curves_figure,
)
from lstm_core.compare import compare_cells, memory_sweep, param_count
from lstm_core.config import ConfigError, ModelConfig, TrainConfig
from lstm_core.data import DataError
from lstm_core.limits import app_work_error

REDRAW_SECONDS = 0.25
LAG_CHOICES = (2, 3, 5, 8, 10, 15, 20, 30, 40, 60)


def settings() -> tuple[ModelConfig, TrainConfig, bool] | None:
    """The shared size and training settings (defaults from the Train page's)."""
    _, mcfg, tcfg = ui.configs()
    c = st.columns(5)
    hidden = c[0].number_input("LSTM hidden size", 1, 512, key=ui.remember("cmp_hidden", 16))
    layers = c[1].number_input("Layers", 1, 3, key=ui.remember("cmp_layers", mcfg.num_layers))
    epochs = c[2].number_input("Epochs", 1, 2000, key=ui.remember("cmp_epochs", 20))
    lr = c[3].number_input("Learning rate", 1e-6, 1.0, format="%g",
                           key=ui.remember("cmp_lr", 0.01))  # fmt: skip
    seed = c[4].number_input("Seed", 0, 10**6, key=ui.remember("cmp_seed", tcfg.seed))
    match = st.checkbox("Match parameter counts (GRU and RNN get more units)",
                        key=ui.remember("cmp_match", True))  # fmt: skip
    fbias = st.checkbox("LSTM: start with forget gates open (bias 1)",
                        key=ui.remember("cmp_fbias", True))  # fmt: skip
    try:
        m = ModelConfig("lstm", int(hidden), int(layers), bool(fbias))
        t = TrainConfig(int(epochs), tcfg.batch_size, float(lr), seed=int(seed))
    except ConfigError as e:
        st.error(str(e))
        return None
    data_cfg, series = ui.configs()[0], ui.active_series()
    too_big = app_work_error(len(series.values), data_cfg.look_back, m.hidden_size, m.num_layers)
    if too_big:
        st.error(too_big)
        return None
    st.caption(f"LSTM: {param_count('lstm', m.hidden_size, m.num_layers):,} parameters.")
    return m, t, bool(match)


def live_callback(chart, status):
    """Redraw the overlaid validation curves while the cells train, one after another."""
    curves: dict = {}
    last = {"t": 0.0}

    def cb(cell, p):
        curves[cell] = p.history
        now = time.monotonic()
        if p.kind == "epoch" and now - last["t"] >= REDRAW_SECONDS:
            last["t"] = now
            status.text(f"Training {CELL_LABELS[cell]} · epoch {p.epoch}/{p.last_epoch}")
            chart.plotly_chart(val_curves_figure(curves), key=f"cmp_live_{cell}_{p.epoch}")
        return False

    return cb


def three_cells() -> None:
    """Train the three cells and show curves, table and gradient flow."""
    st.subheader("Same series, same split, same seed")
    series = ui.active_series()
    data_cfg = ui.configs()[0]
    st.text(
        f"Series: {series.name} ({len(series.values):,} points), look-back {data_cfg.look_back}"
    )
    if data_cfg.transform == "auto":
        st.caption("The cells see the values themselves ('auto' is not tried per cell here).")
    chosen = settings()
    go = st.button("Train LSTM, GRU and RNN", type="primary", disabled=chosen is None,
                   key="cmp_run")  # fmt: skip
    status, chart = st.empty(), st.empty()
    if go and chosen is not None:
        m, t, match = chosen
        try:
            with session.training_slot(status):  # a busy server: wait for a free slot
                results = compare_cells(series.values, data_cfg, m, t, match_params=match,
                                        callback=live_callback(chart, status))  # fmt: skip
        except DataError as e:
            st.error(str(e))
            return
        status.empty()
        state.put("compare", {"results": results, "label": f"{series.name}, look-back "
                              f"{data_cfg.look_back}"})  # fmt: skip
    show_results(chart)


def show_results(chart) -> None:
    found = state.get("compare")
    if not found:
        st.caption("Press the button to train the three cells; curves appear live.")
        return
    results = found["results"]
    st.caption(f"Results for {found['label']}.")
    chart.plotly_chart(val_curves_figure({r.cell: r.fit.history for r in results}),
                       key="cmp_curves")  # fmt: skip
    st.dataframe(compare_table(results).style.format("{:.4g}"), key="cmp_table")
    for r in results:
        st.text(f"{CELL_LABELS[r.cell]}: {r.evaluation.verdict}")
    st.plotly_chart(
        gradient_by_lag_figure({r.cell: (r.grad_init, r.grad_trained) for r in results}),
        key="cmp_grad_lag",
    )
    st.caption(
        "The vanishing gradient, drawn: a curve that falls steeply with the lag means the "
        "prediction barely feels older inputs, so training cannot teach the cell to use them."
    )
    st.plotly_chart(hidden_gradient_figure({r.cell: r.hidden_trained for r in results}),
                    key="cmp_grad_hidden")  # fmt: skip


def memory_task() -> None:
    """Echo series: find the distance K at which each cell stops learning."""
    st.subheader("Memory task: the echo series")
    st.markdown(
        "Random spikes come back exactly **K** steps later. The echo is the only predictable "
        "part, so a cell that cannot carry a value K steps scores like the mean (ratio 1)."
    )
    c = st.columns(4)
    lags = c[0].multiselect("Distances K", LAG_CHOICES, default=[3, 8, 15], key="cmp_lags")
    noise = c[1].number_input("Noise", 0.0, 1.0, 0.05, format="%g", key="cmp_noise")
    epochs = c[2].number_input("Epochs", 1, 500, 30, key="cmp_mem_epochs")
    hidden = c[3].number_input("Hidden size", 1, 256, 32, key="cmp_mem_hidden")
    if st.button("Run the memory task", disabled=not lags, key="cmp_mem_run"):
        bar = st.progress(0.0)
        total = len(lags) * 3 * int(epochs)
        done = {"n": 0}

        def cb(cell, lag, p):
            if p.kind == "epoch":
                done["n"] += 1
                bar.progress(min(1.0, done["n"] / total), text=f"{CELL_LABELS[cell]}, K={lag}")

        tcfg = ui.configs()[2]
        m = ModelConfig("lstm", int(hidden), 1, bool(st.session_state.get("cmp_fbias", True)))
        t = replace(tcfg, epochs=int(epochs), lr=0.01, patience=0)
        with session.training_slot(bar):
            points = memory_sweep(sorted(lags), m, t, noise=float(noise), callback=cb)
        state.put("memory", points)
        bar.empty()
    points = state.get("memory")
    if points:
        st.plotly_chart(memory_figure(points), key="cmp_memory")
        for cell in dict.fromkeys(p.cell for p in points):
            ok = [p.lag for p in points if p.cell == cell and p.learned]
            lags = ", ".join(str(k) for k in ok) if ok else "none of these"
            st.text(f"{CELL_LABELS[cell]}: learned at K = {lags}")


ui.setup()
st.title("Why LSTM? RNN vs GRU vs LSTM")
st.markdown(
    "A plain RNN's gradient fades (or explodes) as it flows back through time, so it "
    "struggles to use inputs far back; the LSTM's cell state and gates carry them; the GRU "
    "is a lighter variant. Here you can see it on your own series."
)
three_cells()
memory_task()
ui.finish()
