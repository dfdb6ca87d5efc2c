"""The app in a real browser: Debian's Chromium driven by Playwright.

Starts `streamlit run app.py` on a free loopback port, waits for /_stcore/health, and uses
the app the way a person does: sidebar links (a fresh page.goto would open a new session),
a CSV through the page's file input, a few epochs of training, the Gates page's heatmaps
read back from the page (`el._fullData`). Screenshots go to tests/_artifacts/.

Without Chromium or playwright the tests are skipped with the reason; CI sets
LSTM_EXPLORER_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LSTM_EXPLORER_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = ROOT / "tests" / "_artifacts"
TIMEOUT_MS = 120_000


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("LSTM_EXPLORER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    spawned: float  # time.perf_counter() when `streamlit run` was spawned
    ready_s: float  # seconds from spawn until /_stcore/health answered "ok"
    pid: int = 0  # the server process

    def peak_rss_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM), MiB."""
        with open(f"/proc/{self.pid}/status") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
        return kib / 1024

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as r:
            return r.read().strip() == b"ok"


@contextlib.contextmanager
def _serve(log_name: str = "server.log") -> Iterator[Server]:
    """A fresh `streamlit run app.py` on a free loopback port, until /_stcore/health is ok."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / log_name, "w") as log:
        spawned = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit did not start:\n" + (ARTIFACTS / log_name).read_text())
                time.sleep(0.1)
            yield Server(url, spawned, time.perf_counter() - spawned, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def server():
    _require_browser()
    with _serve() as s:
        yield s


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, server: Server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.get_by_role("heading", name="LSTM Explorer").first.wait_for()
    return ctx, page


@contextlib.contextmanager
def _visit(browser, server: Server, name: str) -> Iterator:
    """A new visitor's page; on a failure its screenshot goes to FAILED_<name>.png."""
    ctx, page = _open(browser, server)
    try:
        yield page
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"FAILED_{name}.png"), full_page=True)
        raise
    finally:
        ctx.close()


def _nav(page, title, heading=None):
    """Follow a sidebar link, as a person would (keeps the session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=heading or title).first.wait_for()


def _upload(page, path: Path, column: str):
    _nav(page, "Data")
    page.get_by_text("Upload a CSV").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text(f"Active series: {column}").wait_for()


def _set_number(page, label, value):
    page.wait_for_function(  # a rerun in flight can show the old input beside the new one
        'l => document.querySelectorAll(`input[aria-label="${l}"]`).length === 1', arg=label
    )
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")


def _wait_idle(page):
    """Until Streamlit's 'running' indicator is gone."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )


def _train_small(page, epochs: int):
    """On the Train page: a small model, trained until the page says so."""
    _nav(page, "Train")
    _set_number(page, "Epochs", epochs)
    _set_number(page, "Hidden size", 8)
    _wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(rf"^Trained {epochs} epochs\.")).wait_for()
    _wait_idle(page)


PLOTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el =>
    (el._fullData || []).map(t => ({type: t.type, name: t.name,
        z: t.z ? Array.from(t.z, r => Array.from(r)) : null,
        y: t.y ? Array.from(t.y) : null})))"""


def _csv(tmp: Path, name: str, column: str, n: int = 160) -> Path:
    """A monthly series with a date column, like a person's own export."""
    import numpy as np
    import pandas as pd

    t = np.arange(n)
    v = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.2 * np.random.default_rng(0).standard_normal(n)
    dates = pd.date_range("2010-01-01", periods=n, freq="MS").strftime("%Y-%m-%d")
    p = tmp / name
    rows = "\n".join(f"{d},{x:.4f}" for d, x in zip(dates, v, strict=True))
    p.write_text(f"date,{column}\n{rows}\n")
    return p


CHART_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .some(el => (el._fullData || []).some(t => t.y && t.y.length > 100))"""
# points of the Data page's series chart (traces train/validation/test), not of the preview
POINTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(el => (el._fullData || []).some(t => t.name === 'train'))
    .map(el => (el._fullData || []).reduce((n, t) => n + (t.y ? t.y.length : 0), 0))
    .reduce((a, b) => Math.max(a, b), 0)"""


def test_cold_start_first_page_and_first_chart(browser):
    """Measured, not asserted (a shared machine's timings would make a flaky test): a server
    of its own, fresh, until the first page is drawn, then the first chart (the Data page's
    series). Written to tests/_artifacts/cold_start.json and printed."""
    with _serve("server_cold.log") as fresh:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            t0 = time.perf_counter()
            page.goto(fresh.url)
            page.get_by_role("heading", name="LSTM Explorer").first.wait_for()
            page.get_by_text("The LSTM cell").wait_for()
            first_page = time.perf_counter() - t0
            t1 = time.perf_counter()
            _nav(page, "Data")
            page.wait_for_function(CHART_JS)
            first_chart = time.perf_counter() - t1
            points = page.evaluate(POINTS_JS)
        finally:
            ctx.close()
    result = {
        "server_ready_s": round(fresh.ready_s, 3),
        "first_page_s": round(first_page, 3),
        "cold_start_s": round(fresh.ready_s + first_page, 3),
        "first_chart_after_click_s": round(first_chart, 3),
        "note": "a fresh `streamlit run app.py`: spawn to /_stcore/health, then page.goto to "
        "the home page drawn; then the sidebar link to Data until its series chart is drawn",
    }
    (ARTIFACTS / "cold_start.json").write_text(json.dumps(result, indent=1))
    print("\ncold start in the browser:", result)
    # the chart drawn is the default series, every point of it (its parts share 2 points)
    assert points == 144 + 2, points


def test_upload_train_and_read_every_gate(browser, server, tmp_path):
    with _visit(browser, server, "upload_train") as page:
        _upload(page, _csv(tmp_path, "river.csv", "river_level"), "river_level")
        page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)

        _nav(page, "Train")
        _set_number(page, "Epochs", 3)
        _set_number(page, "Hidden size", 8)
        _wait_idle(page)
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("Trained 3 epochs.").wait_for()
        _wait_idle(page)
        plots = page.evaluate(PLOTS_JS)
        loss = [t for fig in plots for t in fig if t["type"] == "scatter" and t["y"]]
        assert any(len(t["y"]) == 3 for t in loss), loss
        page.screenshot(path=str(ARTIFACTS / "train.png"), full_page=True)

        _nav(page, "Gates")
        _wait_idle(page)
        # read once all six heatmaps are drawn, in the same step (a rerun, e.g. when the
        # references' job ends, redraws the charts: read apart, they could be gone)
        heat = page.wait_for_function(
            "() => { const heat = {}; for (const el of document.querySelectorAll("
            "'.js-plotly-plot')) for (const t of (el._fullData || [])) if (t.type === "
            "'heatmap') heat[t.name] = Array.from(t.z, r => Array.from(r)); return "
            "['i','f','g','o','c','h'].every(n => n in heat) ? heat : null; }",
            timeout=TIMEOUT_MS,
        ).json_value()
        assert set(heat) >= {"i", "f", "g", "o", "c", "h"}, heat.keys()
        for name in "ifo":
            vals = [v for row in heat[name] for v in row]
            assert len(vals) == 8 * 12 and min(vals) >= 0 and max(vals) <= 1, name
        for name in "gh":
            vals = [v for row in heat[name] for v in row]
            assert min(vals) >= -1 and max(vals) <= 1, name
        page.screenshot(path=str(ARTIFACTS / "gates.png"), full_page=True)


AXIS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(el => el._fullLayout && el._fullLayout.yaxis && el._fullLayout.yaxis.title
        ? el._fullLayout.yaxis.title.text : null)"""


def test_pandas_csv_shows_its_real_column(browser, server, tmp_path):
    """A file written by pandas' to_csv() (unnamed index first): the series is `lynx`."""
    import numpy as np
    import pandas as pd

    t = np.arange(114)
    lynx = 1500 + 1400 * np.sin(2 * np.pi * t / 9.6) + 50 * np.random.default_rng(1).random(114)
    path = tmp_path / "lynx.csv"
    pd.DataFrame({"lynx": lynx.round(1)}).to_csv(path)
    assert path.read_text().startswith(",lynx\n0,")
    with _visit(browser, server, "pandas_csv") as page:
        _upload(page, path, "lynx")
        page.get_by_text(
            "Using 'lynx' as the values; 'column 1' looks like a row index (0, 1, 2, …) and "
            "was skipped."
        ).wait_for()
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Series: lynx · 114 points").wait_for()
        page.wait_for_function(f"() => ({POINTS_JS})() === 114 + 2")  # its parts share 2
        _wait_idle(page)
        assert page.evaluate(AXIS_JS)[0] == "lynx"  # the Data page series chart's value axis
        page.screenshot(path=str(ARTIFACTS / "data_pandas_csv_columns.png"))
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "data_pandas_csv_chart.png"))


def test_compare_page_draws_three_curves_and_the_gradient_by_lag(browser, server):
    with _visit(browser, server, "compare") as page:
        _nav(page, "Compare cells", "RNN vs GRU vs LSTM")
        _set_number(page, "LSTM hidden size", 6)
        page.get_by_label("Epochs", exact=True).first.fill("3")
        page.get_by_label("Epochs", exact=True).first.press("Enter")
        _wait_idle(page)
        page.get_by_role("button", name="Train LSTM, GRU and RNN").click()
        page.get_by_text("Results for").wait_for()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".some(el => (el._fullData || []).some(t => t.name === 'RNN trained'))"
        )
        _wait_idle(page)
        traces = {}
        for fig in page.evaluate(PLOTS_JS):
            for t in fig:
                traces.setdefault(t["name"], []).append(t)
        for cell in ("LSTM", "GRU", "RNN"):
            assert any(len(t["y"]) == 3 for t in traces[cell]), cell  # 3 epochs of val loss
            assert f"{cell} trained" in traces and f"{cell} at init" in traces
        page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)


def test_two_visitors_do_not_see_each_others_data(browser, server, tmp_path):
    ctx_a, a = _open(browser, server)
    ctx_b, b = _open(browser, server)
    try:
        _upload(a, _csv(tmp_path, "a.csv", "alpha_secret"), "alpha_secret")
        _nav(b, "Data")
        b.get_by_text("Active series: passengers").wait_for()
        _wait_idle(b)
        assert "alpha_secret" not in b.content()
        _nav(a, "Data")  # A still has its own series
        a.get_by_text("Active series: alpha_secret").wait_for()
    finally:
        ctx_a.close()
        ctx_b.close()


FIGS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
    x: el.layout && el.layout.xaxis && el.layout.xaxis.title ? el.layout.xaxis.title.text : null,
    names: (el._fullData || []).map(t => t.name)}))"""


def _figs(page, has: str) -> list[dict]:
    """The page's Plotly charts (x-axis title, trace names), once one has a trace `has`."""
    page.wait_for_function(
        "name => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".some(el => (el._fullData || []).some(t => t.name === name))",
        arg=has,
    )
    _wait_idle(page)
    return page.evaluate(FIGS_JS)


def _shot(page, locator, name: str, block: str = "center"):
    """A viewport screenshot with `locator` scrolled to `block` (the app scrolls inside)."""
    locator.evaluate("(el, block) => el.scrollIntoView({block})", block)
    page.screenshot(path=str(ARTIFACTS / name))


def _train(page) -> str:
    """Click Train and wait for the outcome; returns the success line."""
    _set_number(page, "Epochs", 12)
    _set_number(page, "Hidden size", 8)
    _wait_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    done = page.get_by_text(re.compile(r"^Trained 12 epochs\. The weights of epoch \d+, "))
    done.wait_for()
    _wait_idle(page)
    return done.inner_text()


def test_auto_transform_backtest_verdict_and_intervals(browser, server):
    """Air passengers with the default 'auto': what the model sees on Data, the kept epoch and
    auto's choice on Train, the backtest by steps ahead, its verdict and the 80 % band on
    Forecast; then 'diff' picked by hand clears the model and Gates says Δ passengers."""
    with _visit(browser, server, "auto_transform") as page:
        _nav(page, "Data")
        page.get_by_text("Active series: passengers").wait_for()
        sees = page.get_by_role("combobox", name="What the model sees")
        assert sees.input_value().startswith("auto"), sees.input_value()
        page.get_by_text("What the model will see: 'auto' tries").wait_for()
        preview = _figs(page, "logdiff")[-1]["names"]
        assert {"diff", "logdiff"} <= set(preview), preview
        _shot(page, page.locator(".js-plotly-plot").last, "auto_data.png")

        _nav(page, "Train")
        line = _train(page)
        kept = int(re.search(r"weights of epoch (\d+)", line)[1])
        assert f"kept: epoch {kept}" in {n for f in _figs(page, "validation") for n in f["names"]}
        page.get_by_text(re.compile(r"— auto chose it by validation RMSE \(")).wait_for()
        _shot(page, page.locator('[data-testid="stAlert"]').first, "auto_train.png")

        _nav(page, "Forecast")
        figs = _figs(page, "80% interval")
        horizon = [f for f in figs if f["x"] == "steps ahead"]
        assert len(horizon) == 1 and {"model", "naive (last value)", "seasonal naive"} <= set(
            horizon[0]["names"]
        ), figs
        assert any("95% interval" in f["names"] for f in figs), figs
        verdict = page.locator('[data-testid="stAlert"]').filter(has_text="steps ahead from")
        assert "The model saw" in verdict.inner_text(), verdict.inner_text()
        heading = page.get_by_role("heading", name="How far ahead does it forecast well?")
        _shot(page, heading, "auto_forecast_backtest.png", "start")
        _shot(page, page.locator(".js-plotly-plot").last, "auto_forecast_future.png")

        _nav(page, "Data")
        page.get_by_role("combobox", name="What the model sees").click()
        page.get_by_role("option", name="diff: change from last step").click()
        page.get_by_text("The model was cleared: train again on the Train page.").wait_for()
        page.wait_for_function(  # the preview: only the series as the model will now see it
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(el =>"
            " (el._fullData || []).map(t => t.name).join() === 'diff')"
        )
        _shot(page, page.get_by_role("heading", name="Windows and split"), "auto_data_diff.png")

        _nav(page, "Train")
        _train(page)
        sees_diff = "What the model sees: the change from the last step (diff), scaled."
        page.get_by_text(sees_diff, exact=True).wait_for()
        _nav(page, "Gates", "Inside the gates")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".some(el => (el._fullData || []).some(t => t.type === 'heatmap'))"
        )
        _wait_idle(page)
        caption = page.get_by_text("The model sees Δ passengers, scaled")
        caption.wait_for()
        _shot(page, caption, "auto_gates.png")


NAV_TITLES = ["Home", "Learn", "Data", "Train", "Gates", "Forecast", "Compare cells",
              "Export / import"]  # fmt: skip


def _nav_titles(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]


def test_deep_links_are_routed_by_the_app_on_a_fresh_server(browser):
    """A link straight to a page, as the very first request of a fresh server, gets the
    app's own navigation, wide layout and the link's settings (not the pages/ folder's raw
    file names)."""
    with _serve("server_deeplink.log") as fresh:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = ctx.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{fresh.url}/gates")  # the first request this server gets
            page.get_by_role("heading", name="Inside the gates").wait_for()
            page.get_by_text("There is no trained model yet").wait_for()
            assert _nav_titles(page) == NAV_TITLES
            page.screenshot(path=str(ARTIFACTS / "deeplink_gates.png"))
            page = ctx.new_page()
            page.goto(f"{fresh.url}/data?src=nile&lb=6")
            page.get_by_role("heading", name="Windows and split").wait_for()
            assert _nav_titles(page) == NAV_TITLES
            page.get_by_text("Active series: flow (100 points)").wait_for()
            look_back = page.get_by_role("spinbutton", name="Look-back (timesteps per window)")
            assert look_back.input_value() == "6"
            page = ctx.new_page()
            page.goto(f"{fresh.url}/train?hidden=16")
            page.get_by_role("heading", name="Train").first.wait_for()
            assert page.get_by_role("spinbutton", name="Hidden size").input_value() == "16"
            assert _nav_titles(page) == NAV_TITLES
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "deeplink_failure.png"))
            raise
        finally:
            ctx.close()


METRIC_JS = """label => {
    const m = Array.from(document.querySelectorAll('[data-testid="stMetric"]')).find(
        el => el.querySelector('[data-testid="stMetricLabel"]').innerText.trim() === label);
    return m ? m.querySelector('[data-testid="stMetricValue"]').innerText.trim() : null; }"""


def test_clamp_a_gate_and_undo_it(browser, server):
    """Gates page, issue 12: shut every forget gate, see the prediction after differ from the
    one before (heatmaps before | after, the test part's lines), then undo it."""
    with _visit(browser, server, "clamp") as page:
        _train_small(page, 3)
        _nav(page, "Gates", "Inside the gates")
        heading = page.get_by_role("heading", name="Experiment: clamp a gate")
        heading.wait_for()
        _wait_idle(page)
        page.get_by_role("button", name="Clamp and run").click()
        names = {n for f in _figs(page, "after the clamp") for n in f["names"]}
        assert {"truth", "before the clamp"} <= names, names
        before, after = (page.evaluate(METRIC_JS, k) for k in ("Prediction before",
                                                                 "Prediction after"))  # fmt: skip
        assert before and after and before != after, (before, after)
        page.get_by_text("With the forget gate f of every unit in layer 0 held at 0").wait_for()
        _shot(page, heading, "clamp_gates.png", "start")
        page.locator(".js-plotly-plot").last.evaluate("el => el.scrollIntoView({block: 'end'})")
        page.screenshot(path=str(ARTIFACTS / "clamp_gates_test.png"))

        page.get_by_role("button", name="Undo the clamp").click()
        page.get_by_text("No clamp applied: the model runs as trained.").wait_for()
        page.wait_for_function(  # stale elements go at the end of the rerun
            "() => !Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".some(el => (el._fullData || []).some(t => t.name === 'after the clamp'))"
        )
        _wait_idle(page)
        assert page.evaluate(METRIC_JS, "Prediction after") is None
        assert page.evaluate(METRIC_JS, "Prediction") == before

        page.get_by_text("Which units matter").click()  # the ablation and the memory horizon
        page.get_by_role("button", name="Rank the units").click()
        look = page.get_by_role("button", name=re.compile(r"^Look at unit \d+ \(rank 1\)$"))
        look.click()  # issue 23, item 5: the unit's lines appear where the button is
        shown = page.get_by_text(re.compile(r"^Unit \d+ in window \d+, layer 0: its gates"))
        shown.wait_for()
        _wait_idle(page)
        top = page.evaluate(  # the unit's lines: the chart drawn under the buttons
            """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
                .filter(el => el.querySelector('.gtitle')
                        && /^unit \\d+/.test(el.querySelector('.gtitle').textContent))
                .map(el => el.getBoundingClientRect().top)"""
        )
        # the last: the one under the buttons (the Unit box's own chart is far above), drawn
        # right where the clicked button is, not 3,000 px away
        button = look.bounding_box()
        assert top and 0 <= top[-1] - (button["y"] + button["height"]) < 150, (top, button)
        page.get_by_text("Memory horizon: how many steps").click()
        page.get_by_role("button", name="Measure the memory").click()
        _figs(page, "series autocorrelation")
        _shot(page, page.locator(".js-plotly-plot").last, "clamp_memory.png", "end")


STATUS_RE = re.compile(r"^(Training: epoch (\d+)/|Choosing what the model sees: trying \w+ "
                       r"\((\d+) of \d+\), epoch (\d+)/)")  # fmt: skip


def _progress(text: str) -> tuple[int, int]:
    """Where the sidebar line says the run is, comparable: (trial or 99, epoch)."""
    m = STATUS_RE.match(text)
    assert m, text
    return (99, int(m.group(2))) if m.group(2) else (int(m.group(3)), int(m.group(4)))


def test_training_goes_on_while_the_visitor_reads_other_pages(browser, server):
    """Issue 14: Train a long run, read Learn, Gates and Data meanwhile (each shows the live
    line with Stop in the sidebar), come back: still training, further on; Stop from the
    sidebar of another page ends it and keeps the weights."""
    with _visit(browser, server, "job") as page:
        _nav(page, "Train")
        _set_number(page, "Epochs", 20000)
        _set_number(page, "Hidden size", 8)
        _wait_idle(page)
        page.get_by_role("button", name="Train", exact=True).click()
        sidebar = page.locator('[data-testid="stSidebar"]')
        status = page.get_by_text(STATUS_RE).first  # Train's own panel, the sidebar elsewhere
        status.wait_for()
        seen = [_progress(status.inner_text())]
        pages = (("Learn", "Learn: the LSTM, told with your own model"),
                 ("Gates", "Inside the gates"), ("Data", "Windows and split"))  # fmt: skip
        for title, heading in pages:
            _nav(page, title, heading)
            sidebar.get_by_text(STATUS_RE).wait_for()
            sidebar.get_by_role("button", name="Stop training").wait_for()
            page.wait_for_timeout(1500)
            seen.append(_progress(status.inner_text()))
            if title == "Gates":
                page.screenshot(path=str(ARTIFACTS / "job_on_gates.png"))
        _nav(page, "Train")
        page.wait_for_timeout(1500)
        seen.append(_progress(status.inner_text()))
        assert seen == sorted(seen) and seen[-1] > seen[0], seen
        assert page.get_by_role("button", name="Stop", exact=True).is_enabled()
        page.screenshot(path=str(ARTIFACTS / "job_on_train.png"), full_page=True)
        _nav(page, "Data", "Windows and split")
        sidebar.get_by_role("button", name="Stop training").click()
        page.wait_for_function(
            "() => !Array.from(document.querySelectorAll('[data-testid=\"stSidebar\"] p'))"
            ".some(p => p.innerText.startsWith('Training: epoch') "
            "|| p.innerText.startsWith('Choosing what'))"
        )
        _nav(page, "Train")
        stopped = r"^(Stopped at epoch \d+ — |Training stopped by request while choosing)"
        page.get_by_text(re.compile(stopped)).wait_for()
        _wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / "job_stopped.png"), full_page=True)


LOAD_VISITORS = 6  # train at once on the built-in series
LOAD_MEMORY_MIB = 2048  # the server's peak resident memory over the whole load test


def _million_csv(tmp: Path) -> Path:
    """A spreadsheet-like export: a million hourly readings with their timestamps (~30 MB)."""
    import numpy as np
    import pandas as pd

    n = 1_000_000
    t = np.arange(n)
    values = 20 + 5 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(1).standard_normal(n)
    frame = pd.DataFrame(
        {"time": pd.date_range("2000-01-01", periods=n, freq="h"), "load": values.round(3)}
    )
    path = tmp / "million.csv"
    frame.to_csv(path, index=False)
    return path


def test_six_visitors_train_at_once_while_one_asks_too_much(browser, tmp_path):
    """Issue 10: one fresh server; six visitors press Train at the same time while a seventh
    uploads a million points and asks for a look-back of 1000. Each of the six gets a
    finished run, the seventh one sentence saying the limit and what to change; the server
    stays up and under LOAD_MEMORY_MIB."""
    big = _million_csv(tmp_path)
    with _serve("server_load.log") as srv:
        visitors, pages = [], []
        try:
            for _ in range(LOAD_VISITORS + 1):
                ctx, page = _open(browser, srv)
                visitors.append(ctx)
                pages.append(page)
            trainers, heavy = pages[:LOAD_VISITORS], pages[LOAD_VISITORS]
            for page in trainers:
                _nav(page, "Train")
                _set_number(page, "Epochs", 30)
                _set_number(page, "Hidden size", 8)
                _wait_idle(page)
            for page in trainers:  # as close together as one driver can click
                page.get_by_role("button", name="Train", exact=True).click()
            trainers[-1].screenshot(path=str(ARTIFACTS / "load_waiting.png"))

            _upload(heavy, big, "load")  # meanwhile: a million points, then a long look-back
            heavy.get_by_text("Active series: load (1,000,000 points)").wait_for()
            _wait_idle(heavy)  # the page's elements of the run before are gone
            _set_number(heavy, "Look-back (timesteps per window)", 1000)
            refusal = re.compile(
                r"^A look-back of 1,000 over 1,000,000 points is 1,000,000,000 timesteps per "
                r"epoch, over this app's limit of 50,000,000 for one visitor: use a look-back "
                r"of at most 50 here"
            )
            heavy.get_by_text(refusal).wait_for()
            _nav(heavy, "Train")
            _wait_idle(heavy)
            heavy.get_by_role("button", name="Train", exact=True).click()
            heavy.get_by_text(refusal).wait_for()
            heavy.screenshot(path=str(ARTIFACTS / "load_refused.png"), full_page=True)

            for page in trainers:
                page.get_by_text(re.compile(r"^Trained 30 epochs\.")).wait_for()
            assert srv.healthy()
            peak = srv.peak_rss_mib()
            print(f"\nload test: server peak RSS {peak:.0f} MiB")
            assert peak < LOAD_MEMORY_MIB, peak
        except Exception:
            for k, page in enumerate(pages):
                page.screenshot(path=str(ARTIFACTS / f"FAILED_load_{k}.png"), full_page=True)
            raise
        finally:
            for ctx in visitors:
                ctx.close()


def test_the_forecast_download_has_the_steps_on_screen(browser, server):
    """Issue 14: change "Forecast steps", press Enter, download: the file has that many rows
    (it is built from the value shown, when the button is clicked)."""
    with _visit(browser, server, "download") as page:
        _train_small(page, 2)
        _nav(page, "Export / import", "Export / import")
        for steps in (500, 3000, 7):
            _set_number(page, "Forecast steps", steps)
            _wait_idle(page)
            lines = _download_lines(page, "Forecast (CSV)")
            assert len(lines) == 1 + steps, (steps, len(lines), lines[:2])


def _download_lines(page, button: str) -> list[str]:
    """Click a download button and read the file. A click that lands on the button of a
    run a rerun is replacing (a busy machine: the 'running' mark can come late) asks for a
    file Streamlit has just dropped ("Deferred file ... not found" in its log) and nothing
    comes: then the button, redrawn, is clicked once more."""
    for attempt in range(2):
        try:
            with page.expect_download(timeout=60_000 if attempt == 0 else TIMEOUT_MS) as dl:
                page.get_by_role("button", name=button).click()
            return Path(dl.value.path()).read_text().strip().splitlines()
        except Exception:
            if attempt:
                raise
            _wait_idle(page)
    return []


def _pick(page, label: str, option: str):
    """Choose one option of a multiselect, as a person does: open it, click the option."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _wait_idle(page)


def test_the_beijing_file_with_its_weather_as_inputs(browser, server):
    with _visit(browser, server, "inputs") as page:
        _nav(page, "Data")
        page.get_by_text("Upload a CSV").click()
        page.get_by_role("button", name="Or open an example with inputs").click()
        page.get_by_text("Active series: pm2.5 (43,800 points)").wait_for()
        page.get_by_text("as the dates (put together from 4 columns)").first.wait_for()
        page.get_by_text("2,043 missing values filled by time interpolation.").wait_for()
        _pick(page, "Known only up to now (read at t)", "cbwd")
        _pick(page, "Known only up to now (read at t)", "Iws")
        page.get_by_text(
            re.compile(r"^The model will read 5 inputs beside the values: cbwd=cv")
        ).wait_for()
        figs = _figs(page, "cbwd=NW")
        panels = [name for f in figs for name in f["names"]]
        assert {"pm2.5", "cbwd=cv", "cbwd=NE", "cbwd=NW", "cbwd=SE", "Iws"} <= set(panels)
        _shot(
            page,
            page.get_by_role("heading", name="Inputs beside the series"),
            "inputs_data.png",
            "start",
        )
        _nav(page, "Train")
        page.get_by_text("Inputs beside it: cbwd, Iws").wait_for()
        _train_small(page, 1)
        _nav(page, "Gates")
        page.get_by_text("Inputs beside the series in this window").first.wait_for()
        explain_inputs_on_the_gates_page(page)
        _nav(page, "Forecast")
        page.get_by_text(
            "Forecasts stop at one step: 'cbwd', 'Iws' are known only up to now"
        ).first.wait_for()
        page.get_by_role("button", name="Train the same settings without the inputs").click()
        page.get_by_text(
            re.compile(r"^Test RMSE \(one step ahead\): .* with the inputs")
        ).wait_for()
        _shot(page, page.get_by_role("heading", name="Do the inputs help?"), "inputs_forecast.png")


def explain_inputs_on_the_gates_page(page):
    """Under the input panel: the attributions; the input weights by gate; clamp Iws at its
    mean and undo it (issue 20)."""
    page.get_by_text(re.compile(r"completeness error")).first.wait_for()
    page.get_by_text("Which input drives which gate: the first layer's input weights").click()
    page.get_by_text(re.compile(r" mostly drives the ")).first.wait_for()
    heat = page.evaluate(PLOTS_JS)
    rows = [t["y"] for f in heat for t in f if t["type"] == "heatmap" and t["y"]]
    assert any(r[-5:] == ["cbwd=cv", "cbwd=NE", "cbwd=NW", "cbwd=SE", "Iws"] for r in rows)
    _shot(page, page.get_by_text("Which input drives which gate").first, "inputs_gates.png")
    box = page.get_by_role("combobox", name="Input", exact=True)
    box.click()
    box.fill("Iws")
    page.keyboard.press("Enter")
    _wait_idle(page)
    page.get_by_role("button", name="Clamp the input and run").click()
    page.get_by_text(
        re.compile(r"^With the input 'Iws' held at its training mean")
    ).first.wait_for()
    _shot(
        page,
        page.get_by_role("heading", name="Experiment: clamp an input"),
        "inputs_clamp.png",
        "start",
    )
    page.get_by_role("button", name="Undo the input clamp").click()
    page.get_by_text(re.compile(r"^With the input 'Iws' held")).first.wait_for(state="detached")
