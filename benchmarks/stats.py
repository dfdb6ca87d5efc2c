"""Medians, spreads and ratios of repeated timings; small formatting helpers."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Summary:
    """Repeated measurements of one quantity."""

    median: float
    lo: float  # minimum
    hi: float  # maximum
    q1: float  # lower quartile (equals lo for fewer than 4 runs)
    q3: float  # upper quartile
    n: int  # runs

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def spread(self, fmt: str = "{:.3g}") -> str:
        """'min–max' for a few runs."""
        if self.n < 2:
            return "(1 run)"
        return f"{fmt.format(self.lo)}–{fmt.format(self.hi)}"


def median_range(s: dict, fmt: str = "{:.3g}") -> str:
    """A summary dict as 'median (min–max)' (the median alone for one run)."""
    if s["n"] < 2:
        return fmt.format(s["median"])
    return f"{fmt.format(s['median'])} ({fmt.format(s['lo'])}–{fmt.format(s['hi'])})"


def summarize(values: list[float]) -> Summary:
    """Median, min, max and quartiles of `values` (at least one finite number)."""
    v = sorted(float(x) for x in values)
    if not v:
        raise ValueError("no values to summarize")
    if len(v) >= 4:
        q1, _, q3 = statistics.quantiles(v, n=4, method="inclusive")
    else:
        q1, q3 = v[0], v[-1]
    return Summary(statistics.median(v), v[0], v[-1], q1, q3, len(v))


def finite_positive(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table, columns padded, first column left-aligned, others right."""
    cols = [headers, *rows]
    widths = [max(len(str(r[i])) for r in cols) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])
