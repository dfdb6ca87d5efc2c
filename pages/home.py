"""Home: what the app does, the LSTM cell's equations, and where to start. No torch here."""

import streamlit as st

from explorer import active, ui

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
st.latex(r"f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f) \quad \text{forget gate}")
st.latex(r"i_t = \sigma(W_i x_t + U_i h_{t-1} + b_i) \quad \text{input gate}")
st.latex(r"\tilde C_t = \tanh(W_c x_t + U_c h_{t-1} + b_c) \quad \text{candidate}")
st.latex(r"C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t \quad \text{cell state}")
st.latex(r"o_t = \sigma(W_o x_t + U_o h_{t-1} + b_o) \quad \text{output gate}")
st.latex(r"h_t = o_t \odot \tanh(C_t) \quad \text{hidden state}")
st.markdown(
    "The forecast is a linear read-out of the last hidden state: "
    r"$\hat y = w^\top h_T + b$. Gates near 1 let information through, near 0 block it."
)

st.page_link("pages/data.py", label="Start: choose your data", icon=":material/arrow_forward:")
ui.finish()
