"""The Learn page's pure parts: strings in both languages, the conveyor belt, the equations."""

from __future__ import annotations

import math
import re
import string

import numpy as np
import pytest
import torch

from explorer import equations as eq
from explorer import learn_figures as lf
from explorer.i18n import LANGS, STRINGS, t
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestep import explain_step


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_languages_have_the_same_keys_and_format_fields():
    assert set(STRINGS) == set(LANGS)
    assert STRINGS["en"].keys() == STRINGS["zh"].keys()
    for key, en in STRINGS["en"].items():
        assert _fields(en) == _fields(STRINGS["zh"][key]), key
        assert en != STRINGS["zh"][key] or key == "lang_label", key


def test_t_fills_fields_and_falls_back_to_english():
    assert t("s2_body", "zh", look_back=7).count("7") == 1
    assert t("title", "fr") == STRINGS["en"]["title"]
    assert "Cₜ₋₁" in t("s3_body", "en") and "_" not in t("s3_body", "en")  # no raw C_{t−1}


@pytest.fixture(scope="module")
def lstm_trace():
    torch.manual_seed(0)
    model = torch.nn.LSTM(1, 3, batch_first=True)
    with torch.no_grad():
        model.bias_ih_l0[3:6] += 1.0  # a forget gate that keeps a good share
    x = np.sin(np.arange(10) / 2.0).astype(np.float32)[None]
    return model, trace_gates(model, x)


def test_conveyor_contributions_sum_to_the_cell_state(lstm_trace):
    _, trace = lstm_trace
    layer = {k: v[0] for k, v in trace.layers[0].items()}
    c_prev, f, i, g = lf.cell_inputs(layer, 1)
    assert c_prev[0] == 0.0 and np.array_equal(c_prev[1:], layer["c"][:-1, 1])
    fig = lf.conveyor_figure(c_prev, f, i, g, mark=4, unit=1)
    bars = [d for d in fig.data if d.type == "bar"]
    (line,) = (d for d in fig.data if d.type == "scatter")
    assert len(bars) == 2 and fig.layout.barmode == "relative"
    kept, written = (np.asarray(b.y) for b in bars)
    np.testing.assert_array_equal(kept + written, np.asarray(line.y))  # exactly
    np.testing.assert_allclose(kept, f * c_prev)
    np.testing.assert_allclose(line.y, layer["c"][:, 1], atol=1e-5)  # the traced c
    assert "Unit 1" in fig.layout.title.text


def test_conveyor_labels_follow_the_language():
    fig = lf.conveyor_figure([0.0, 0.5], [0.9, 0.8], [0.1, 0.2], [0.3, -0.4], lang="zh")
    assert [d.name for d in fig.data] == ["保留 f·C(t−1)", "写入 i·C̃", "记忆单元状态 Cₜ"]


def test_timesteps_figure_labels_every_step_and_marks_the_target():
    fig = lf.timesteps_figure(np.arange(6.0), 5)
    x_in, target = fig.data
    assert list(x_in.y) == [0, 1, 2, 3, 4] and list(target.x) == [5]
    assert list(fig.layout.xaxis.ticktext) == [f"t={k}" for k in range(6)]
    assert lf.timesteps_figure(np.arange(60.0), 50).layout.xaxis.ticktext is None


def test_equations_show_explain_steps_numbers(lstm_trace):
    model, trace = lstm_trace
    step = explain_step(model, trace, 0, 6, 2)
    tex = eq.gate_latex(step)
    for key in "fio":
        gate = step[key]
        for term in ("value", "pre"):
            assert f"{gate[term]:.4f}".lstrip("-") in tex[key], (key, term)
    assert tex["g"].endswith(f"= {step['g']['value']:.4f}")
    assert tex["c"].endswith(f"= {step['c_check']:.4f}")
    assert tex["h"].endswith(f"= {step['h_check']:.4f}")
    assert set(eq.gate_latex()) == set(tex)  # generic equations without a model
    fields = eq.step_fields(step)
    assert fields["pct_f"] == f"{100 * step['f']['value']:.0f}%"
    minus = str.maketrans({"-": "\u2212"})  # sentences write the minus the equations render
    assert fields["kept"] == f"{step['f']['value'] * step['c_prev']:.4f}".translate(minus)
    assert f"{step['f']['value']:.4f}" in tex["c"].split("=")[2]  # f_t · C_{t-1} comes first
    assert fields["tanh_c"] == f"{math.tanh(step['c_check']):.4f}".translate(minus)
    assert fields["pct_f"] in t("forget_says", "en", **fields)
    steps = [explain_step(model, trace, 0, t, u) for t in range(6) for u in range(3)]
    step = next(s for s in steps if min(s["c_check"], s["g"]["value"], s["h_check"]) < -5e-5)
    said = " ".join(sentence for _, sentence in eq.step_equations(step))
    assert "\u2212" in said  # a step with negatives
    assert not re.search(
        r"(?<![\w{])-\d", said
    )  # the equations' minus, not a hyphen ($h_{t-1}$ aside)


def test_sentences_write_negatives_with_the_minus_sign_of_the_equations():
    gate = {"value": 0.5, "pre": 0.0, "w_h": 0.0, "w_x": 0.0, "b": 0.0}
    step = {**{k: dict(gate) for k in "ifo"}, "g": {**gate, "value": -0.25},
            "c_prev": -0.0133, "c_check": -0.0051, "h_check": -0.0008}  # fmt: skip
    fields = eq.step_fields(step)
    assert (fields["c_prev"], fields["written"], fields["h"]) == (
        "\u22120.0133",
        "\u22120.1250",
        "\u22120.0008",
    )
    assert not any("-" in v for v in fields.values())


def test_experiment_fields_quote_the_real_numbers():
    from types import SimpleNamespace

    test = SimpleNamespace(rmse_before=1.23456, rmse_after=7.0)
    c_before = np.array([[0.5, -1.0], [0.25, 2.0]])  # [T, H]
    c_after = np.array([[0.0, -3.0], [0.0, 1.5]])
    f = lf.experiment_fields(test, np.array([0.125, 0.125, 0.5]), c_before, c_after, unit=1)
    assert f["c_max"] == "3.0000" and f["out"] == "0.1250" and f["spread"] == "0.3750"
    assert (f["n"], f["c_before"], f["c_after"]) == ("3", "2.0000", "1.5000")
    assert (f["rmse_before"], f["rmse_after"]) == ("1.235", "7")
    for name in ("input", "forget", "output"):  # every field a sentence asks for is there
        t(f"x_{name}_result", "zh", **f)


def test_experiment_sentence_says_which_way_the_rmse_moved():
    """Walk 10 item 7: f = 1 took the RMSE from 18.71 to 17.06 under "memory piles up", and
    nothing said the clamp had helped. The numbers decide the words, in both languages."""
    from types import SimpleNamespace

    c = np.zeros((2, 1))
    out = np.array([0.5, 0.5])

    def result(before, after, lang):
        test = SimpleNamespace(rmse_before=before, rmse_after=after)
        return t("x_forget_result", lang, **lf.experiment_fields(test, out, c, c, 0, lang))

    assert result(18.71, 17.06, "en") == (
        "Result: unit 0 ends the window with C = **0.0000** instead of 0.0000; the test RMSE "
        "goes from 18.71 to **17.06**. The clamp made the forecast **better** here: the test "
        "RMSE is 9% lower, so on this test part the model did not need what the gate did as "
        "trained."
    )
    assert result(18.71, 66.0, "en").endswith(
        "The clamp made the forecast **worse**: the test RMSE is 253% higher."
    )
    assert result(18.71, 19.0, "en").endswith(
        "The clamp barely changes the forecast: the test RMSE moves by 2%."
    )
    assert result(18.71, 17.06, "zh").endswith(
        "测试 RMSE 从 18.71 变为 **17.06**。在这里固定之后预测反而**变好**了：测试 RMSE 低了 9%，"
        "说明在这段测试数据上，模型并不需要这个门在训练中学到的作用。"
    )
    assert result(18.71, 66.0, "zh").endswith("固定之后预测**变差**了：测试 RMSE 高了 253%。")
    assert lf.rmse_change(10.0, 10.5) == ("same", "5%")
    assert lf.rmse_change(10.0, 9.4) == ("better", "6%")
    assert lf.rmse_change(0.0, 0.0) == ("same", "0%")
