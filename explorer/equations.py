"""The equation writer: an LSTM (GRU, RNN) step as LaTeX with the model's numbers, for the
Gates page (`step_equations`: every term labelled, one plain sentence per line) and the
Learn page (`gate_latex`: the lecture's notation, `step_fields`: the numbers its translated
sentences quote). One home for both, so the two pages format numbers alike.

Input: an `lstm_core.inside.gatestep.explain_step` result. No streamlit import (tested without it).
"""

from __future__ import annotations

import math

from explorer.escape import md_escape
from lstm_core.metrics import count

__all__ = [
    "GENERIC",
    "GRU_LATEX",
    "fmt_value",
    "gate_latex",
    "input_fields",
    "step_equations",
    "step_fields",
]

#: The GRU in PyTorch's form (z near 1 keeps the old hidden state).
GRU_LATEX = (
    r"r_t = \sigma(W_r\cdot[h_{t-1}, x_t] + b_r) \quad \text{reset gate}",
    r"z_t = \sigma(W_z\cdot[h_{t-1}, x_t] + b_z) \quad \text{update gate}",
    r"n_t = \tanh(W_{n}x_t + b_{n} + r_t\odot(U_{n}h_{t-1} + b'_{n})) \quad \text{candidate}",
    r"h_t = (1 - z_t)\odot n_t + z_t\odot h_{t-1}",
)

GENERIC = {
    "f": r"f_t = \sigma(W_f\cdot[h_{t-1}, x_t] + b_f)",
    "i": r"i_t = \sigma(W_i\cdot[h_{t-1}, x_t] + b_i)",
    "g": r"\tilde{C}_t = \tanh(W_C\cdot[h_{t-1}, x_t] + b_C)",
    "c": r"C_t = f_t\odot C_{t-1} + i_t\odot\tilde{C}_t",
    "o": r"o_t = \sigma(W_o\cdot[h_{t-1}, x_t] + b_o)",
    "h": r"h_t = o_t\odot\tanh(C_t)",
}


# --------------------------------------------------------------------------- numbers


def fmt_value(v: float) -> str:
    """A result to 4 decimals for LaTeX (-0.0000 shown as 0.0000)."""
    s = f"{v:.4f}"
    return "0.0000" if s == "-0.0000" else s


_v = fmt_value


def _text(v: float) -> str:
    """A result to 4 decimals for a sentence: negatives with the minus sign (U+2212) the
    equations beside it render, not a hyphen."""
    return _v(v).replace("-", "\u2212")


def _n(v: float) -> str:
    """A term to 4 decimals for LaTeX; negatives in parentheses (safe in sums and products)."""
    s = _v(v)
    return f"({s})" if s.startswith("-") else s


def _p(v: float) -> str:
    """A share as a whole percentage for a sentence: 0.934 -> "93%"."""
    return f"{100 * v:.0f}%"


# --------------------------------------------------------------------------- Gates page


def _brace(value: float, label: str) -> str:
    return f"\\underbrace{{{_n(value)}}}_{{{label}}}"


def _x_braces(g: dict[str, float], sup: str, xin: str) -> str:
    """The x-term of a gate, labelled: `W^x x_t`, or with inputs beside the series its two
    parts, the series' own `W^x x_t` and the inputs' `W^u u_t` (sup: "W_{f}^" or "W^")."""
    if "w_series" not in g:
        return _brace(g["w_x"], f"{sup}{{x}}{xin}")
    return f"{_brace(g['w_series'], sup + '{x}x_t')} + {_brace(g['w_inputs'], sup + '{u}u_t')}"


def _gate_tex(sym: str, sub: str, act: str, g: dict[str, float], layer: int) -> str:
    """`sym = act(W·[h_{t-1}, x_t] + b) = act(terms) = act(pre) = value` for one gate."""
    xin = "x_t" if layer == 0 else "h^{(l-1)}_t"
    if "w_series" in g:
        xin = "x_t, u_t"
    return (
        f"{sym} = \\{act}\\big(W_{sub}\\cdot[h_{{t-1}}, {xin}] + b_{sub}\\big)"
        f" = \\{act}\\big({_brace(g['w_h'], 'W_{' + sub + '}^{h}h_{t-1}')}"
        f" + {_x_braces(g, 'W_{' + sub + '}^', xin)}"
        f" + {_brace(g['b'], 'b_' + sub)}\\big)"
        f" = \\{act}({_v(g['pre'])}) = {_v(g['value'])}"
    )


_ROW = 6  # input values per LaTeX row in the step's head


def _names(names, n: int) -> str:
    """The inputs' names, escaped for a caption, as "A, B, C"; "" when not n of them."""
    if names is None or len(names) != n:
        return ""
    return ", ".join(md_escape(x) for x in names)


def _head(step: dict, names=None) -> tuple[str, str]:
    """The step's inputs (x_t, with inputs beside the series u_t, h_{t-1}, C_{t-1}) as LaTeX,
    and the sentence saying what they are."""
    cell = step["cell"]
    given = (
        f"x_t = {_v(step['x_t'])}" if step["x_t"] is not None else "x_t = h^{(l-1)}_t\\ (vector)"
    )
    state = f",\\quad h_{{t-1}} = {_v(step['h_prev_unit'])}" + (
        f",\\quad C_{{t-1}} = {_v(step['c_prev'])}" if cell == "lstm" else ""
    )
    first = " (zero at the first step)" if step["t"] == 0 else ""
    recurrent = (
        r"Each $W^h h_{t-1}$ below sums over every unit's previous state, not only this "
        r"unit's, so it need not look like this $h_{t-1}$ times a weight."
    )
    u = step.get("u_t")
    if not u:
        return (
            given + state,
            f"The inputs of this step: the value fed in, and this unit's state one step "
            f"earlier{first}. {recurrent}",
        )
    rows = [", ".join(_v(v) for v in u[k : k + _ROW]) for k in range(0, len(u), _ROW)]
    values = f"u_t = ({rows[0]}" + "".join(f",\\\\ &\\qquad {r}" for r in rows[1:]) + ")"
    tex = f"\\begin{{aligned}}&{given}{state} \\\\ &{values}\\end{{aligned}}"
    listed = _names(names, len(u))
    named = f" ({listed})" if listed else ""
    return (
        tex,
        f"The inputs of this step: the series' value $x_t$, the {count(len(u), 'input')} "
        f"beside the series $u_t${named} at this step, scaled as the model reads them, and this "
        f"unit's state one step earlier{first}. Each $x$ term below is split in two: "
        f"$W^x x_t$ is the series' part, $W^u u_t$ the inputs' part. {recurrent}",
    )


def step_equations(step: dict, input_names=None) -> list[tuple[str, str]]:
    """The cell's equations for one `explain_step` result, as (LaTeX, plain sentence) pairs.

    Numbers are shown to 4 decimals; the sentence says in words what the line means. With
    inputs beside the series (step["u_t"]) each x-term is split into the series' part and
    the inputs' part, and the first line lists u_t; `input_names` (the F inputs' names, in
    order) are then named in its sentence.
    """
    cell, layer = step["cell"], step["layer"]
    xin = "x_t" if layer == 0 else "h^{(l-1)}_t"
    head = _head(step, input_names)
    if cell == "lstm":
        i, f, g, o = (step[k] for k in "ifgo")
        c_prev, c = step["c_prev"], step["c_check"]
        return [
            head,
            (
                _gate_tex("f_t", "f", "sigma", f, layer),
                f"The forget gate keeps {_p(f['value'])} of the previous cell state "
                f"({_text(c_prev)} → {_text(f['value'] * c_prev)}).",
            ),
            (
                _gate_tex("i_t", "i", "sigma", i, layer),
                f"The input gate lets in {_p(i['value'])} of the candidate.",
            ),
            (
                _gate_tex("\\tilde{C}_t", "C", "tanh", g, layer),
                f"The candidate proposes {_text(g['value'])}; the cell state receives "
                f"{_text(i['value'] * g['value'])} of it.",
            ),
            (
                f"C_t = f_t\\cdot C_{{t-1}} + i_t\\cdot\\tilde{{C}}_t = {_n(f['value'])}"
                f"\\cdot{_n(c_prev)} + {_n(i['value'])}\\cdot{_n(g['value'])} = {_v(c)}",
                f"So the cell state moves from {_text(c_prev)} to {_text(c)}.",
            ),
            (
                _gate_tex("o_t", "o", "sigma", o, layer),
                f"The output gate shows {_p(o['value'])} of $\\tanh(C_t)$.",
            ),
            (
                f"h_t = o_t\\cdot\\tanh(C_t) = {_n(o['value'])}\\cdot\\tanh({_v(c)})"
                f" = {_n(o['value'])}\\cdot{_n(math.tanh(c))} = {_v(step['h_check'])}",
                f"The unit outputs $h_t$ = {_text(step['h_check'])}"
                f" ({_p(o['value'])} of $\\tanh(C_t)$ = {_text(math.tanh(c))}).",
            ),
        ]
    if cell == "gru":
        r, z, n = step["r"], step["z"], step["n"]
        hp = step["h_prev_unit"]
        nx, n_wx = f"W_n^{{x}}{xin}", _n(n["w_x"])
        if "w_series" in n:
            nx, n_wx = "W_n^{x}x_t + W_n^{u}u_t", f"{_n(n['w_series'])} + {_n(n['w_inputs'])}"
        return [
            head,
            (
                _gate_tex("r_t", "r", "sigma", r, layer),
                f"The reset gate lets {_p(r['value'])} of the recurrent term into the candidate.",
            ),
            (
                _gate_tex("z_t", "z", "sigma", z, layer),
                f"The update gate keeps {_p(z['value'])} of the previous hidden state.",
            ),
            (
                # two lines: on one, the numbers ran past a 1400 px window's page width
                f"\\begin{{aligned}}n_t &= \\tanh\\big({nx} + b_n^{{x}} + r_t\\cdot"
                f"(W_n^{{h}}h_{{t-1}} + b_n^{{h}})\\big) \\\\ &= \\tanh\\big({n_wx} + "
                f"{_n(n['b_x'])} + {_n(n['r'])}\\cdot({_n(n['w_h'])} + {_n(n['b_h'])})\\big)"
                f" = \\tanh({_v(n['pre'])}) = {_v(n['value'])}\\end{{aligned}}",
                f"The candidate proposes {_text(n['value'])}.",
            ),
            (
                f"h_t = (1 - z_t)\\cdot n_t + z_t\\cdot h_{{t-1}} = (1 - {_n(z['value'])})"
                f"\\cdot{_n(n['value'])} + {_n(z['value'])}\\cdot{_n(hp)}"
                f" = {_v(step['h_check'])}",
                f"The new state mixes {_p(1 - z['value'])} candidate with "
                f"{_p(z['value'])} old state: $h_t$ = {_text(step['h_check'])}.",
            ),
        ]
    a = step["a"]
    act = "tanh" if abs(math.tanh(a["pre"]) - a["value"]) < 1e-9 else "relu"
    act_tex = "\\tanh" if act == "tanh" else "\\operatorname{relu}"
    generic = f"W^{{x}}{xin}" if "w_series" not in a else "W^{x}x_t + W^{u}u_t"
    return [
        head,
        (
            f"h_t = {act_tex}\\big(W^{{h}}h_{{t-1}} + {generic} + b\\big) = {act_tex}\\big("
            f"{_brace(a['w_h'], 'W^{h}h_{t-1}')} + {_x_braces(a, 'W^', xin)}"
            f" + {_brace(a['b'], 'b')}\\big) = {act_tex}({_v(a['pre'])}) = {_v(a['value'])}",
            "A plain RNN has no gates: it squashes the weighted sum into "
            f"$h_t$ = {_text(a['value'])}.",
        ),
    ]


# --------------------------------------------------------------------------- Learn page


def _gate(key: str, act: str, gate: dict[str, float]) -> str:
    """`generic = act(w_h + w_x + b) = act(pre) = value` for one gate of `explain_step`; with
    inputs beside the series, `act(w_h + series part + inputs part + b)` over [h, x_t, u_t]."""
    generic, wx = GENERIC[key], _n(gate["w_x"])
    if "w_series" in gate:
        generic = generic.replace("x_t]", "x_t, u_t]")
        wx = f"{_n(gate['w_series'])} + {_n(gate['w_inputs'])}"
    terms = f"{_n(gate['w_h'])} + {wx} + {_n(gate['b'])}"
    return f"{generic} = \\{act}({terms}) = \\{act}({_v(gate['pre'])}) = {_v(gate['value'])}"


def gate_latex(step: dict | None = None) -> dict[str, str]:
    """The LSTM's six equations (keys f, i, g, c, o, h) as LaTeX; with an LSTM `explain_step`
    result (layer 0) each one is followed by the model's numbers, 4 decimals."""
    if step is None:
        return dict(GENERIC)
    i, f, g, o = (step[k] for k in "ifgo")
    c_prev, c = step["c_prev"], step["c_check"]
    return {
        "f": _gate("f", "sigma", f),
        "i": _gate("i", "sigma", i),
        "g": _gate("g", "tanh", g),
        "c": f"{GENERIC['c']} = {_n(f['value'])}\\cdot{_n(c_prev)} + "
        f"{_n(i['value'])}\\cdot{_n(g['value'])} = {_v(c)}",
        "o": _gate("o", "sigma", o),
        "h": f"{GENERIC['h']} = {_n(o['value'])}\\cdot\\tanh({_v(c)}) = {_v(step['h_check'])}",
    }


def step_fields(step: dict) -> dict[str, str]:
    """The numbers the Learn page's sentences quote, formatted (shares as whole percents)."""
    i, f, g, o = (step[k]["value"] for k in "ifgo")
    c_prev, c = step["c_prev"], step["c_check"]
    return {
        "pct_f": _p(f),
        "pct_i": _p(i),
        "pct_o": _p(o),
        "c_prev": _text(c_prev),
        "kept": _text(f * c_prev),
        "g": _text(g),
        "written": _text(i * g),
        "c": _text(c),
        "tanh_c": _text(math.tanh(c)),
        "h": _text(step["h_check"]),
    }


def input_fields(step: dict, names=None) -> dict[str, object] | None:
    """With inputs beside the series, the fields of the Learn page's sentence on them (names,
    values, x); None without. Names are escaped for a caption, in order."""
    u = step.get("u_t")
    if not u:
        return None
    return {
        "names": _names(names, len(u)) or ", ".join(f"input {k + 1}" for k in range(len(u))),
        "values": ", ".join(_text(v) for v in u),
        "x": _text(step["x_t"]),
    }
