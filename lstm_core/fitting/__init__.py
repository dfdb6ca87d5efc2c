"""lstm_core.fitting: the model and its training: the networks, fit(), the long-series rule,
the pipeline every caller takes, model files.
"""
