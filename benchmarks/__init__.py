"""Benchmarks for LSTM Explorer: `python -m benchmarks [--quick] [--json] [--large]`.

Everything a comparison needs runs side by side in one process run and is reported as
medians, spreads and ratios (see benchmarks/README.md). Process-wide settings (glibc's
malloc, peak memory) are measured in subprocesses, one per setting, via `benchmarks.worker`.
"""
