"""Small pieces of the one-sentence messages every step of reading a file writes.

`quoted_names(columns)` -> "'a', 'b', 'c'" (at most 10, then "..."); `plural(n, word)` ->
"1 value", "3 values", "2 entries".
"""

from __future__ import annotations

import re


def quoted_names(columns: object) -> str:
    """Column names for a message: "'a', 'b', 'c'" (at most 10, then "...")."""
    names = [repr(str(c)) for c in columns]  # type: ignore[attr-defined]
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")


def plural(n: int, word: str) -> str:
    """ "1 value", "3 values", "2 entries"."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if re.search(r"[^aeiou]y$", word) else f"{n} {word}s"
