"""lstm_core.evaluation: judging a model: predictions and forecasts, the verdict against the
baselines, backtests and intervals, the classic references (the metrics themselves are
lstm_core.metrics, a leaf every layer may use).
"""
