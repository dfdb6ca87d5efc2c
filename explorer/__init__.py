"""UI-side helpers of LSTM Explorer: session state (state.py) and pure figure builders
(figures*.py). Figures take data and return `plotly.graph_objects.Figure`; they never call
streamlit, so they are tested without it."""
