"""The app's pages and layout, in one place. app.py runs it on every request; a page that
Streamlit ran on its own, before app.py ever did (a deep link as a fresh server's first
request), runs it too (explorer.ui.route_through_app)."""

from __future__ import annotations

import streamlit as st

PAGES = (  # (script, title, icon); the first is the home page
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/learn.py", "Learn", ":material/school:"),
    ("pages/data.py", "Data", ":material/table_chart:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/gates.py", "Gates", ":material/memory:"),
    ("pages/forecast.py", "Forecast", ":material/trending_up:"),
    ("pages/compare.py", "Compare cells", "⚖️"),
    ("pages/export.py", "Export / import", ":material/import_export:"),
)


def run() -> None:
    """Wide layout, the navigation, and the page the URL names."""
    st.set_page_config(page_title="LSTM Explorer", page_icon=":material/neurology:",
                       layout="wide")  # fmt: skip
    pages = [
        st.Page(path, title=title, icon=icon, default=k == 0)
        for k, (path, title, icon) in enumerate(PAGES)
    ]
    st.navigation(pages).run()
