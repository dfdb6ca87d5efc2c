"""The Learn page's words on the measured gradient-by-lag curves (pure: computed from the
numbers, never a verdict fixed in advance; tested without Streamlit)."""

from __future__ import annotations

from explorer.i18n import t
from lstm_core.inside.gates import CELL_LABELS

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _num(v: float) -> str:
    """Two significant digits, small ones as a power of ten: "0.58", "8×10⁻⁵"."""
    text = f"{v:.2g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(SUPERSCRIPT)}"


def _share(x: float) -> str:
    """A share as a percent: "109%", "5.2%", "0.017%"."""
    return f"{100 * x:.0f}%" if x >= 0.1 else f"{100 * x:.2g}%"


def gradient_words(grads: dict, lang: str) -> list[str]:
    """What the measured curves show, in sentences computed from their numbers (which curve
    keeps the most at the longest lag, which is flattest), never a verdict fixed in advance.
    grads: cell -> (init [L], trained [L]) mean |∂ŷ/∂x(t−k)| by lag k."""
    lag = min((len(pair[1]) for pair in grads.values()), default=0) - 1
    if lag < 1:
        return []

    def kept(g) -> float:  # the share of the k = 0 value left at the longest lag
        return g[lag] / g[0] if g[0] > 0 else 0.0

    def curves(which: int) -> str:  # "LSTM 0.58 → 0.0001 (0.017%); GRU ..."
        return t("s7_sep", lang).join(
            f"{CELL_LABELS.get(c, c)} {_num(g[which][0])} → {_num(g[which][lag])} "
            f"({_share(kept(g[which])) if g[which][0] > 0 else '—'})"
            for c, g in grads.items()
        )

    top = max(grads, key=lambda c: grads[c][1][lag])
    flat = max(grads, key=lambda c: kept(grads[c][1]))
    name = {c: CELL_LABELS.get(c, c) for c in grads}
    measured = dict(lag=lag, init=curves(0), trained=curves(1), top=name[top], flat=name[flat])
    lines = [t("s7_measured", lang, **measured), t("s7_caveat", lang, steps=lag + 1)]
    if flat != "lstm" and "lstm" in grads:
        lines.append(t("s7_not_lstm", lang, flat=name[flat]))
    return lines
