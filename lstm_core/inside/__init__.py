"""lstm_core.inside: reading inside a trained model: the cell maths, every gate and state,
summaries and statistics, the gates file, interventions and clamps, ablation, memory
horizon, gradient flow, input attributions.
"""
