"""Small pieces of the one-sentence messages every step of reading a file writes.

`quoted_names(columns)` -> "'a', 'b', 'c'" (at most 10, then "..."). Counts with their noun
("1 value", "2,043 rows", "2 entries") are `lstm_core.metrics.count`, shared with the pages.
"""

from __future__ import annotations


def quoted_names(columns: object) -> str:
    """Column names for a message: "'a', 'b', 'c'" (at most 10, then "...")."""
    names = [repr(str(c)) for c in columns]  # type: ignore[attr-defined]
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
