"""lstm_core.experiments: the lecture's claims tested: RNN vs GRU vs LSTM, the echo and adding
tasks with their gates caught in the act.
"""
