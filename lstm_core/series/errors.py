"""The error every step from a file to training windows raises for input the user can fix.

A leaf module: lstm_core.series.data (which re-exports it, its usual import), inputs, transforms,
scaling and windows all raise it, and none of them needs another to do so.
"""

from __future__ import annotations

__all__ = ["DataError"]


class DataError(ValueError):
    """Input cannot become a series; str(e) is ONE clear sentence: what is wrong and what to do."""
