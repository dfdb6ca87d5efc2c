"""Home: what the app does, the LSTM cell's equations, and where to start. No torch here."""

import streamlit as st

from explorer import active, ui
from explorer.equations import GENERIC

ui.setup()
active.active_series()  # the sidebar names the series as every other page does (its column)

st.title("LSTM Explorer")
st.markdown(
    """
Pick a built-in series or **upload a CSV**, **train** a small LSTM on it live in your
browser session, and **look inside** the network: every gate — forget *f*, input *i*,
output *o*, the candidate *C̃* — and the cell state *C* and hidden state *h*, at every
timestep, with the real numbers the model computed.

1. **Learn** — the LSTM explained step by step, with your own model's numbers (English or
   中文).
2. **Data** — choose a series, the window length (look-back) and the train / validation /
   test split.
3. **Train** — watch the loss fall epoch by epoch; stop, continue, compare runs.
4. **Gates** — see what each gate does on any window.
5. **Forecast** — predictions against the truth and against simple baselines.
6. **Compare cells** — an LSTM, a GRU and a plain RNN of the same size on your series, and
   the classic long-memory test.
7. **Export / import** — download the model, reload it later.
"""
)

st.subheader("The LSTM cell")
st.caption(r"At each timestep $t$, with input $x_t$ and the previous hidden state $h_{t-1}$:")
NAMES = {"f": "forget gate", "i": "input gate", "g": "candidate", "c": "cell state",
         "o": "output gate", "h": "hidden state"}  # fmt: skip
for key, name in NAMES.items():  # the same equations as the Learn and Gates pages
    st.latex(GENERIC[key] + rf" \quad \text{{{name}}}")
st.markdown(
    "The forecast is a linear read-out of the last hidden state: "
    r"$\hat y = w^\top h_T + b$. Gates near 1 let information through, near 0 block it."
)

st.page_link("pages/data.py", label="Start: choose your data", icon=":material/arrow_forward:")
ui.finish()
