"""The Compare page's classic test in a real browser (Chromium via Playwright, as in
tests/test_browser.py, whose server, helpers and skip rule it uses): the adding problem at
T = 20 runs as a job, and its three curves, the marked sequence and the LSTM's i, f, c
heatmaps appear. Screenshots go to tests/_artifacts/compare_adding_*.png."""

from __future__ import annotations

import re

import pytest

from .test_browser import (  # noqa: F401  (server, browser: the module's fixtures)
    TIMEOUT_MS,
    _nav,
    _set_number,
    _shot,
    _visit,
    _wait_idle,
    browser,
    server,
)

pytestmark = pytest.mark.browser

TRACES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    title: el.layout && el.layout.title ? el.layout.title.text : '',
    traces: (el._fullData || []).map(t => ({type: t.type, name: t.name,
        rows: t.z ? t.z.length : 0, cols: t.z && t.z.length ? t.z[0].length : 0})),
    shapes: ((el.layout && el.layout.shapes) || []).map(s => s.x0)}))"""


def test_the_adding_problem_at_t20_shows_three_curves_and_the_lstms_gates(browser, server):  # noqa: F811
    with _visit(browser, server, "compare_adding") as page:
        _nav(page, "Compare cells", "RNN vs GRU vs LSTM")
        page.get_by_role("heading", name="Long memory, the classic test").wait_for()
        _set_number(page, "Sequence length T", 20)
        _set_number(page, "Budget (sequences per cell)", 32000)
        _wait_idle(page)
        page.get_by_role("button", name="Run the adding problem: LSTM, GRU and RNN").click()
        page.get_by_text("The LSTM caught in the act", exact=True).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".some(el => (el._fullData || []).some(t => t.type === 'heatmap'))"
        )
        _wait_idle(page)
        figs = {re.sub(r"</?b>", "", f["title"]): f for f in page.evaluate(TRACES_JS)}
        curves = figs["Adding problem: share of the test sequences solved (|error| < 0.04)"]
        assert [t["name"] for t in curves["traces"]] == ["LSTM", "GRU", "RNN"]
        heat = figs["Inside the trained LSTM on that sequence (orange frames: the two marks)"]
        maps = [t for t in heat["traces"] if t["type"] == "heatmap"]
        assert [t["name"] for t in maps] == ["i", "f", "c"]
        assert all((t["rows"], t["cols"]) == (16, 20) for t in maps)  # units × steps
        seq = next(f for title, f in figs.items() if title.startswith("One test sequence"))
        a, b = seq["shapes"]
        assert 0 <= a < 10 <= b < 20
        # each mark's column framed through i, f, c and the memory unit's line
        assert sorted(heat["shapes"]) == [a - 0.5] * 4 + [b - 0.5] * 4
        page.get_by_text("Close the forget gate between the marks").wait_for()
        _shot(page, page.get_by_role("heading", name="Long memory, the classic test"),
              "compare_adding_curves.png", "start")  # fmt: skip
        _shot(page, page.get_by_text("The LSTM caught in the act", exact=True),
              "compare_adding_gates.png", "start")  # fmt: skip
        _shot(page, page.get_by_text("Close the forget gate between the marks"),
              "compare_adding_clamps.png", "end")  # fmt: skip
