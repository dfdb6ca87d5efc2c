"""The active series as the pages read it beside a model (issue 22: one home).

A model's data may be another series than the active one (a model file used anyway, a
series changed since): the active series' timestamps label a model's points only when
there are as many of them.
"""

from __future__ import annotations

from typing import Any

from explorer import state


def series_time(n: int) -> Any:
    """The active series' timestamps (pandas DatetimeIndex) if there are n of them, else None."""
    series = state.get("series")
    time = getattr(series, "time", None)
    return time if time is not None and len(time) == n else None
