"""lstm_core.fitting: the model and its training: the networks, fit(), the short- and
long-series rules, the pipeline every caller takes, model files.
"""
