"""lstm_core.series: the data side: reading files, inputs beside the series, transforms,
windows and scaling, synthetic and built-in series.
"""
