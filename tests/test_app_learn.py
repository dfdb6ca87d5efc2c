"""AppTest of the Learn page through the real router: no model, an LSTM, a GRU, the example."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
from streamlit.testing.v1 import AppTest

from explorer.i18n import STRINGS
from explorer.router import PAGES
from lstm_core.experiments.compare import param_count
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestep import explain_step
from lstm_core.inside.intervene import Clamp, intervene, run_clamped

from .test_app import APP, decode, figures, settle, start, state, texts, train

EN, ZH = STRINGS["en"], STRINGS["zh"]


def learn(at: AppTest) -> AppTest:
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    return at


def conveyor(at: AppTest) -> dict | None:
    return next((f for f in figures(at) if f["layout"].get("meta") == "conveyor"), None)


def chart(at: AppTest, key: str) -> dict[str, np.ndarray]:
    """Trace name -> y of the chart drawn with `key`."""
    (el,) = (e for e in at.get("plotly_chart") if e.proto.id.endswith(f"-{key}"))
    return {d["name"]: np.array(decode(d["y"])) for d in json.loads(el.proto.spec)["data"]}


def check_experiments(at: AppTest, w: int, unit: int) -> None:
    """Input gates closed: c = 0 and one raw output, the bias; forget gates open: c as the
    engine runs it; output gates shut: c still moves, the forecast is the bias again."""
    bundle, dataset = state(at, "bundle"), state(at, "dataset")
    bias = float(bundle.model.head.bias.detach()[0])
    for name, gate, value in (("input", "i", 0.0), ("forget", "f", 1.0), ("output", "o", 0.0)):
        clamps = [Clamp(0, gate, "all", value)]
        expected = intervene(bundle, dataset, clamps, "test")
        preds = chart(at, f"learn_x_{name}_pred")
        np.testing.assert_allclose(preds[EN["x_after"]], expected.after, rtol=1e-6)
        np.testing.assert_allclose(preds[EN["x_before"]], expected.before, rtol=1e-6)
        c = run_clamped(bundle.model, dataset.X[w : w + 1], clamps, keep=True).layers[0]["c"]
        cell = chart(at, f"learn_x_{name}_cell")[EN["x_after"]]
        np.testing.assert_allclose(cell, c[0, :, unit], atol=1e-6)
        if name != "forget":
            raw = run_clamped(bundle.model, dataset.part("test")[0], clamps).y
            np.testing.assert_allclose(raw, bias, atol=1e-6)  # one output: the read-out's bias
            assert f"is **{bias:.4f}** for every test window" in " ".join(texts(at.markdown))
        assert np.all(cell == 0) == (name == "input")  # shut o: the cell still moves
    assert EN["x_title"] in texts(at.subheader)
    assert (EN["x_levels"] in texts(at.caption)) == (bundle.transform.kind != "none")


def test_without_a_model_the_story_shows_with_an_info_then_in_chinese():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    learn(at)
    assert EN["no_model"] in texts(at.info)
    assert EN["title"] in texts(at.title)
    assert len(at.get("latex")) == 6 + 4  # the LSTM's equations, then the GRU's
    assert conveyor(at) is None
    links = [e.proto.page for e in at.get("page_link")]
    assert {"data", "train", "compare"} <= set(links)
    at.radio(key="learn_lang").set_value("zh").run()
    assert not at.exception, at.exception
    assert texts(at.title) == [ZH["title"]]
    assert ZH["no_model"] in texts(at.info)
    assert "梯度消失" in " ".join(texts(at.markdown))


def test_an_lstm_fills_in_the_conveyor_belt_and_the_equations():
    at = learn(train(start("pages/train.py"), epochs=1, hidden=4))
    at.number_input(key="learn_window").set_value(3)
    at.number_input(key="learn_unit").set_value(2)
    at.slider(key="learn_t").set_value(5).run()
    assert not at.exception, at.exception
    bundle, dataset = state(at, "bundle"), state(at, "dataset")
    assert at.session_state["learn_trace"]["key"][1] == 3  # the window, with the model stamp
    trace = trace_gates(bundle.model, dataset.X[3:4])

    fig = conveyor(at)
    kept, written = (np.array(decode(d["y"])) for d in fig["data"] if d["type"] == "bar")
    (line,) = (np.array(decode(d["y"])) for d in fig["data"] if d["type"] == "scatter")
    np.testing.assert_array_equal(kept + written, line)
    np.testing.assert_allclose(line, trace.layers[0]["c"][0, :, 2], atol=1e-5)

    step = explain_step(bundle.model, trace, 0, 5, 2)
    latex = [x.strip("$\n") for x in texts(at.get("latex"))]  # st.latex wraps in $$
    for key in "ifo":
        tex = next(x for x in latex if x.startswith(f"{key}_t"))
        assert tex.endswith(f"= {step[key]['value']:.4f}"), (key, tex)
        assert f"({step[key]['pre']:.4f})" in tex.replace("\\sigma(", "(")
    assert next(x for x in latex if x.startswith("C_t")).endswith(f"= {step['c_check']:.4f}")
    assert next(x for x in latex if x.startswith("h_t = o")).endswith(f"= {step['h']:.4f}")
    keeps = f"{100 * step['f']['value']:.0f}%"
    assert any(keeps in c and "previous cell state" in c for c in texts(at.caption))
    assert EN["s4_numbers"].format(w=3, unit=2, t=5) in texts(at.caption)  # three terms, no uₜ
    check_experiments(at, 3, 2)

    at.radio(key="learn_lang").set_value("zh").run()
    assert ZH["x_title"] in texts(at.subheader) and ZH["x_after"] in chart(at, "learn_x_input_cell")
    assert "保留 f·C(t−1)" in [d["name"] for d in conveyor(at)["data"]]
    assert any(keeps in c and "保留了" in c for c in texts(at.caption))


def test_gru_skips_the_lstm_numbers_then_the_example_trains_an_lstm():
    at = start("pages/train.py")
    at.selectbox(key="train_cell").set_value("gru")
    at = learn(train(at, epochs=1, hidden=4))
    assert EN["not_lstm"].format(cell="GRU") in texts(at.info)
    assert conveyor(at) is None
    counts = f"LSTM **{param_count('lstm', 4):,}** parameters, GRU **{param_count('gru', 4):,}**"
    assert any(f"At hidden size 4 with 1 layer: {counts}" in m for m in texts(at.markdown))

    rnn = SimpleNamespace(cell="rnn", grad_init=np.ones(3), grad_trained=np.array([1, 0.1, 0.01]))
    at.session_state["compare"] = {"label": "level <b>", "results": [rnn]}  # Compare's shape
    at.number_input(key="learn_epochs").set_value(1)
    at.button(key="learn_train").click().run()
    settle(at)  # it trains as this visitor's job
    assert state(at, "source")["key"] == "temperature"
    bundle = state(at, "bundle")
    assert bundle.model_config.cell == "lstm" and len(bundle.history) == 1
    assert EN["s5_active"] in texts(at.caption)
    assert conveyor(at) is not None
    assert "Results for level <b>" in texts(at.text)  # a name from a file stays plain text
    assert len(figures(at)) == 3 + 6  # first window, conveyor, gradient by lag; experiments
    at.switch_page("pages/data.py").run()  # the Data page keeps the example's series and model
    assert not at.exception, at.exception
    assert state(at, "bundle") is bundle and state(at, "source")["key"] == "temperature"


ENGLISH = re.compile(r"[A-Za-z]{3,}(?:[ ,]+[A-Za-z]{2,})+")  # two English words in a row


def test_the_chinese_page_has_no_english_sentence_left():
    at = start("pages/train.py")
    train(at, epochs=1, train_cell="gru")
    rnn = SimpleNamespace(cell="rnn", grad_init=np.ones(5), grad_trained=np.ones(5) / 2)
    at.session_state["compare"] = {"label": "passengers", "results": [rnn]}
    at = learn(at)
    at.radio(key="learn_lang").set_value("zh").run()
    assert not at.exception, at.exception
    shown = []
    for kind in ("markdown", "caption", "text", "info", "warning", "header", "subheader",
                 "title", "latex"):  # fmt: skip
        shown += [e.value for e in at.main.get(kind)]
    for fig in figures(at):
        layout = fig.get("layout", {})
        shown += [str((layout.get(a) or {}).get("title", {}).get("text", ""))
                  for a in ("title", "xaxis", "yaxis")]  # fmt: skip
        shown.append(str(layout.get("title", {}).get("text", "")))
        shown += [t.get("name", "") for t in fig["data"]]
    # the file's names, the kinds, and a button and a page title of the English UI as it reads
    names = ("passengers", "sdiff", "logdiff", "diff", "none", "Fit the classic references",
             "Compare cells")  # fmt: skip
    left = []
    for text in shown:
        plain = re.sub(r"\\[A-Za-z]+", " ", text).replace("\\", "")  # LaTeX commands out
        for name in names:
            plain = plain.replace(name, "")
        left += ENGLISH.findall(plain)
    assert left == []


def test_the_chinese_text_names_the_english_pages_and_button_as_the_sidebar_shows_them():
    from explorer.i18n import STRINGS

    zh = " ".join(v for v in STRINGS["zh"].values() if isinstance(v, str))
    assert "“拟合经典参照方法”" not in zh and "“Fit the classic references”" in zh
    pages = re.findall(r"“[^”]{1,4}”(?:（([^）]+)）)?页", zh)
    titles = {title for _, title, _ in PAGES}
    assert pages and set(pages) <= titles, pages  # each page named with its sidebar title
    en = " ".join(v for v in STRINGS["en"].values() if isinstance(v, str))
    named = set(re.findall(r"(?:the|The) ([A-Z][\w /]*?) page", en))
    assert named and named <= titles, named


def test_the_gradient_curve_is_described_by_its_own_numbers():
    """Which curve keeps the most at the longest lag and which is flattest come from the
    measurement, both ways round: no conclusion is written in advance."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    steep, flat = np.array([0.6, 0.06, 0.0006]), np.array([0.6, 0.3, 0.06])

    def shown(lstm, rnn):
        results = [SimpleNamespace(cell="lstm", grad_init=np.ones(3), grad_trained=lstm),
                   SimpleNamespace(cell="rnn", grad_init=np.ones(3), grad_trained=rnn)]  # fmt: skip
        at.session_state["compare"] = {"label": "passengers", "results": results}
        learn(at)
        return " ".join(texts(at.markdown))

    text = shown(steep, flat)
    assert "Trained: LSTM 0.6 → 0.0006 (0.1%); RNN 0.6 → 0.06 (10%)." in text
    assert "At k = 2 the trained RNN keeps the most" in text
    assert "the flattest trained curve is the RNN's" in text
    assert EN["s7_not_lstm"].format(flat="RNN") in text
    assert EN["s7_caveat"].format(steps=3) in text
    text = shown(flat, steep)
    assert "the trained LSTM keeps the most" in text and "curve is the LSTM's" in text
    assert "does not contradict" not in text


def test_the_contents_line_links_every_section_by_its_anchor_in_both_languages():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    learn(at)
    for lang in ("en", "zh"):
        at.radio(key="learn_lang").set_value(lang).run()
        anchors = [h.proto.anchor for h in at.header]
        assert anchors[-1] == "learn-worth" and len(anchors) == 8, anchors
        line = next(m for m in texts(at.markdown) if m.startswith(STRINGS[lang]["contents"]))
        links = re.findall(r"\[([^\]]+)\]\(#([\w-]+)\)", line)
        assert [a for _, a in links] == anchors
        assert [title for title, _ in links] == [h.value for h in at.header]
