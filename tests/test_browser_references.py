"""The Forecast page's classic references in a real browser (Chromium via Playwright, as in
tests/test_browser.py, whose server, helpers and skip rule it uses): after one Train on the
built-in series (its job fits the references after the training), the Forecast page shows
the table of AutoETS, AutoTheta and AutoARIMA, their dashed lines in the backtest chart, and
a verdict that names the best. Screenshots go to tests/_artifacts/references_*.png."""

from __future__ import annotations

import pytest

from .test_browser import (  # noqa: F401  (server, browser: the module's fixtures)
    TIMEOUT_MS,
    _nav,
    _shot,
    _train_small,
    _visit,
    _wait_idle,
    browser,
    server,
)

pytestmark = pytest.mark.browser

NAMES = ("AutoETS", "AutoTheta", "AutoARIMA")
LINES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    x: el.layout && el.layout.xaxis && el.layout.xaxis.title ? el.layout.xaxis.title.text : '',
    lines: (el._fullData || []).map(t => ({name: t.name, y: t.y ? Array.from(t.y) : [],
        dash: t.line ? t.line.dash : null}))}))"""


def test_the_forecast_page_shows_the_references_and_names_the_best(browser, server):  # noqa: F811
    with _visit(browser, server, "references") as page:
        _train_small(page, 3)

        _nav(page, "Forecast")  # the training's job fitted the references after it
        page.get_by_text("Classic references", exact=False).first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(  # the backtest chart has the three dashed reference lines
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(el =>"
            " (el._fullData || []).filter(t => (t.name || '').startsWith('reference: '))"
            ".length === 3)",
            timeout=TIMEOUT_MS,
        )
        _wait_idle(page)
        chart = next(f for f in page.evaluate(LINES_JS) if f["x"] == "steps ahead")
        lines = {t["name"]: t for t in chart["lines"]}
        assert [f"reference: {n}" for n in NAMES] == [k for k in lines if k.startswith("ref")]
        assert all(lines[f"reference: {n}"]["dash"] == "dash" for n in NAMES)
        mean = {n: sum(lines[f"reference: {n}"]["y"]) / len(lines[f"reference: {n}"]["y"])
                for n in NAMES}  # fmt: skip
        best = min(mean, key=mean.get)
        verdict = page.locator('[data-testid="stAlert"]').filter(has_text="steps ahead from")
        text = verdict.inner_text()
        assert best in text and ("better here" in text or "classic reference" in text), text
        table = page.locator('[data-testid="stDataFrame"]').nth(1)
        table.wait_for()
        _shot(page, page.get_by_role("heading", name="How far ahead does it forecast well?"),
              "references_backtest.png", "start")  # fmt: skip
        _shot(page, table, "references_table.png")
