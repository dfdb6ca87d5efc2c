"""lstm_core.runtime: the server's machinery: training jobs and slots, thread policy, malloc
tuning, every size limit.
"""
