"""With inputs beside the series (input_size = 1 + F), the step equations split the x-term
into the series' own part and the inputs' part, and show the inputs they read (walk 11,
item 1: the whole W·x term sat beside the series value alone, so it could not be redone)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer import equations as eq
from explorer.i18n import t
from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestep import explain_step

F = 3
H = 4
NAMES = ["TEMP", "PRES_x", "Iws"]


def _setup(cell: str = "lstm", layers: int = 1, n_inputs: int = F):
    model = build_model(ModelConfig(cell, H, layers, n_inputs=n_inputs), seed=2).eval()
    rng = np.random.default_rng(5)
    scale = np.array([1.0, 0.5, 2.0, -1.5][: 1 + n_inputs], np.float32)
    x = torch.from_numpy(rng.standard_normal((2, 8, 1 + n_inputs)).astype(np.float32) * scale)
    return model, x, trace_gates(model, x)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_explain_step_splits_the_x_term_into_series_and_inputs(cell):
    model, x, trace = _setup(cell)
    step = explain_step(model, trace, 0, 5, 3, b=1)
    assert step["ok"]
    xv = x[1, 5].double().numpy()
    assert step["u_t"] == pytest.approx(list(xv[1:]), abs=0)
    w_ih = model.rnn.weight_ih_l0.detach().double().numpy()  # [G·H, 1 + F], gates i|f|g|o
    names = {"lstm": "ifgo", "gru": ("r", "z", "n"), "rnn": ("a",)}[cell]
    for k, name in enumerate(names):
        row = k * H + 3
        gate = step[name]
        assert gate["w_series"] == pytest.approx(w_ih[row, 0] * xv[0], abs=1e-12)
        assert gate["w_inputs"] == pytest.approx(float(w_ih[row, 1:] @ xv[1:]), abs=1e-12)
        assert gate["w_series"] + gate["w_inputs"] == pytest.approx(gate["w_x"], abs=1e-12)
        assert abs(gate["w_inputs"]) > 1e-3  # the inputs' part is a real number here


def test_without_inputs_or_above_layer_0_nothing_is_split():
    model, _, trace = _setup(n_inputs=0)
    step = explain_step(model, trace, 0, 5, 3)
    assert step["u_t"] is None and set(step["f"]) == {"w_x", "w_h", "b", "pre", "value"}
    model, _, trace = _setup(layers=2)
    step = explain_step(model, trace, 1, 5, 3)
    assert step["u_t"] is None and "w_series" not in step["f"]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_gates_page_equations_show_both_parts_and_the_inputs(cell):
    model, _, trace = _setup(cell)
    step = explain_step(model, trace, 0, 5, 3, b=1)
    lines = eq.step_equations(step, NAMES)
    text = " ".join(tex for tex, _ in lines)
    head_tex, head = lines[0]
    u = ", ".join(f"{v:.4f}" for v in step["u_t"])
    assert f"x_t = {step['x_t']:.4f}" in head_tex and f"u_t = ({u})" in head_tex
    assert "the 3 inputs beside the series" in head and "TEMP, PRES\\_x, Iws" in head
    for name in {"lstm": "ifgo", "gru": "rzn", "rnn": "a"}[cell]:
        g = step[name]
        assert f"{abs(g['w_series']):.4f}" in text and f"{abs(g['w_inputs']):.4f}" in text
    assert "u_t}" in text  # the inputs' term is labelled W^u u_t
    assert all(sentence.endswith(".") for _, sentence in lines)
    # no names: the count still says what u_t is
    assert "the 3 inputs beside the series (" not in eq.step_equations(step)[0][1]
    assert "the 3 inputs beside the series" in eq.step_equations(step)[0][1]


def test_gates_page_lstm_line_reads_as_four_terms():
    model, _, trace = _setup()
    step = explain_step(model, trace, 0, 5, 3, b=1)
    f = step["f"]
    tex = eq.step_equations(step, NAMES)[1][0]
    want = (
        f"\\underbrace{{{eq._n(f['w_h'])}}}_{{W_{{f}}^{{h}}h_{{t-1}}}}"
        f" + \\underbrace{{{eq._n(f['w_series'])}}}_{{W_{{f}}^{{x}}x_t}}"
        f" + \\underbrace{{{eq._n(f['w_inputs'])}}}_{{W_{{f}}^{{u}}u_t}}"
        f" + \\underbrace{{{eq._n(f['b'])}}}_{{b_f}}"
    )
    assert want in tex


def test_many_inputs_wrap_their_values():
    step = {"x_t": 0.5, "u_t": [0.1 * k for k in range(14)], "h_prev_unit": 0.0, "c_prev": 0.0}
    step.update(cell="lstm", layer=0, t=3)
    tex = eq._head(step, None)[0]
    assert tex.count("\\\\") == 3  # x_t, h, C; then 14 values in rows of 6
    assert "1.3000" in tex


def test_learn_page_equations_and_caption_with_inputs():
    model, _, trace = _setup()
    step = explain_step(model, trace, 0, 5, 3, b=1)
    latex = eq.gate_latex(step)
    for key in "figo":
        g = step[key]
        terms = (
            f"{eq._n(g['w_h'])} + {eq._n(g['w_series'])} + {eq._n(g['w_inputs'])} + {eq._n(g['b'])}"
        )
        assert f"({terms})" in latex[key]
        assert "u_t]" in latex[key]
    fields = eq.input_fields(step, NAMES)
    assert fields["x"] == eq._text(step["x_t"]) and fields["values"].count(", ") == F - 1
    for lang in ("en", "zh"):
        text = t("s4_inputs", lang, **fields)
        assert "TEMP, PRES\\_x, Iws" in text and eq._text(step["u_t"][2]) in text


def test_nothing_changes_without_inputs():
    model, _, trace = _setup(n_inputs=0)
    step = explain_step(model, trace, 0, 5, 3)
    lines = eq.step_equations(step, NAMES)
    assert lines == eq.step_equations(step)
    assert "u_t" not in " ".join(tex for tex, _ in lines)
    assert "the value fed in" in lines[0][1]
    assert "u_t" not in " ".join(eq.gate_latex(step).values())


def test_the_gates_and_learn_pages_show_the_split_with_the_inputs_named():
    from .test_app_explain import INPUTS, gates_with_inputs

    at = gates_with_inputs()
    tex = " ".join(el.proto.body for el in at.get("latex"))
    assert "W_{f}^{u}u_t" in tex and "W_{o}^{x}x_t" in tex and "[h_{t-1}, x_t, u_t]" in tex
    captions = " ".join(c.value for c in at.caption)
    assert f"the {len(INPUTS)} inputs beside the series $u_t$ ({', '.join(INPUTS)})" in captions
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert f"uₜ = ({', '.join(INPUTS)}) = (" in captions
    # the lead-in names the four terms inside the brackets, not the three of a model without
    assert "the series' xₜ term, the inputs' uₜ term and the bias" in captions
    assert "the xₜ term and the bias" not in captions
    assert any("x_t, u_t]" in el.proto.body for el in at.get("latex"))


def test_a_negative_cell_state_is_written_once_inside_tanh():
    model, _, trace = _setup()
    steps = [explain_step(model, trace, 0, t, u, b=b) for t in range(8) for u in range(H)
             for b in range(2)]  # fmt: skip
    negative = [s for s in steps if s["c_check"] < 0]
    assert negative  # the case this checks occurs here
    for s in negative:
        shown = eq.gate_latex(s)["h"] + " ".join(tex for tex, _ in eq.step_equations(s))
        assert f"\\tanh({eq._v(s['c_check'])})" in shown and "tanh((" not in shown
