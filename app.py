"""LSTM Explorer: the router. Pages live in pages/; shared helpers in explorer/."""

# Before torch is first imported (by a page): how OpenMP threads wait; each training then
# takes the cores free of other work (lstm_core/threads.py, benchmarks/README.md "Threads").
from lstm_core.threads import early_setup

early_setup()

import streamlit as st  # noqa: E402

st.set_page_config(page_title="LSTM Explorer", page_icon=":material/neurology:", layout="wide")

st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
        st.Page("pages/data.py", title="Data", icon=":material/table_chart:"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/gates.py", title="Gates", icon=":material/memory:"),
        st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
        st.Page("pages/compare.py", title="Compare cells", icon="⚖️"),
        st.Page("pages/export.py", title="Export / import", icon=":material/import_export:"),
    ]
).run()
