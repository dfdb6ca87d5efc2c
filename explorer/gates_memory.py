"""The Gates page's memory horizon: how many steps each unit remembers, beside the series'
autocorrelation and the gradient by lag, with a look-back suggestion and the echo check
(lstm_core.inside.memory.measure_memory computes it all). Streamlit UI, called by pages/gates.py.

Session state (explorer/state.py): gates_memory, the derived entry {"key": (stamp, layer),
"memory": MemoryHorizon} its button fills (explorer/derived.py). Widget key: gates_memory_run.
"""

from __future__ import annotations

import streamlit as st

from explorer import experiment_figures as ef
from explorer.derived import on_click
from lstm_core.inside.memory import measure_memory

PLOTLY = {"displaylogo": False}


def memory_horizon(bundle, dataset, layer: int, stamp: tuple) -> None:
    """The section in its expander; measured when its button is pressed, kept per model and
    layer."""
    with st.expander("Memory horizon: how many steps each unit remembers"):
        st.caption(
            "A unit's time constant τ = −1 / ln(mean forget gate) is the number of steps after "
            "which its cell keeps 1/e (37%) of what it held, with the input gate shut. Beside "
            "it: how far back the series correlates with itself, and how much the prediction "
            "moves with an input k steps back."
        )
        key = (stamp, layer)
        clicked = st.button("Measure the memory", key="gates_memory_run")
        measure = lambda: {"memory": measure_memory(bundle, dataset, layer)}  # noqa: E731
        got = on_click(clicked, "gates_memory", key, measure, st.info)
        if got is None:
            return
        mem, advice = got["memory"], got["memory"].advice
        fig = ef.memory_figure(mem.tau, mem.acf, mem.grad, dataset.split.look_back,
                               advice.look_back)  # fmt: skip
        st.plotly_chart(fig, config=PLOTLY, key="gates_memory_chart")
        st.info(advice.reason)
        if mem.echo.warning:
            st.warning(mem.echo.warning)
        else:
            st.caption(f"The predictions do not merely repeat the last input (they sit "
                       f"{mem.echo.share:.0%} of the way onto the naive forecast).")  # fmt: skip
