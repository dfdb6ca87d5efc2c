"""The Streamlit app end to end with AppTest (no browser): pages, training, uploads, files."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer.training import TrainRequest
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.bundle import bundle_bytes
from lstm_core.series.data import default_columns, read_table

APP = str(Path(__file__).resolve().parent.parent / "app.py")

GOOD_CSV = b"date,sales,price\n" + b"".join(
    f"2020-01-{d:02d},{100 + d * (d % 5)},{d}\n".encode() if d != 7 else b"2020-01-07,,7\n"
    for d in range(1, 31)
)


# --------------------------------------------------------------------------- helpers


def decode(values: object) -> list:
    """A Plotly JSON array: plain list, or Plotly 7's base64 {dtype, bdata, shape}."""
    if isinstance(values, dict) and "bdata" in values:
        raw = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        return raw.tolist()
    return list(values)


def figures(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page as its figure dict."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def traces(fig: dict) -> dict[str, dict]:
    return {t.get("name"): t for t in fig["data"]}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def start(page: str = "pages/data.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def settle(at: AppTest) -> AppTest:
    """Wait for this visitor's training job (it trains in its own thread), then redraw: the
    page takes over its model and outcome."""
    job = state(at, "job")
    if job is not None:
        assert job.join(120), "the training job did not finish"
        at.run()
    assert not at.exception, at.exception
    return at


def train(at: AppTest, epochs: int = 2, hidden: int = 8, **widgets: object) -> AppTest:
    """On the Train page: small settings, click Train, wait for the job."""
    at.number_input(key="train_epochs").set_value(epochs)
    at.number_input(key="train_hidden").set_value(hidden)
    for key, value in widgets.items():
        at.session_state[key] = value
    at.button(key="train_btn").click().run()
    return settle(at)


def continue_training(at: AppTest) -> AppTest:
    at.button(key="continue_btn").click().run()
    return settle(at)


def state(at: AppTest, key: str):
    return at.session_state[key] if key in at.session_state else None  # noqa: SIM401


# --------------------------------------------------------------------------- default flow


def test_home_explains_and_links_to_data():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert texts(at.title) == ["LSTM Explorer"]
    assert len(at.get("latex")) >= 6
    assert "forget" in " ".join(texts(at.markdown))
    from explorer.equations import GENERIC  # the notation of the Learn and Gates pages

    shown = [e.value.strip("$\n") for e in at.get("latex")]  # st.latex wraps it in $$
    assert [tex.split(r" \quad")[0] for tex in shown[:6]] == [GENERIC[k] for k in "figcoh"]


def test_data_page_opens_with_air_passengers_split_in_three():
    at = start()
    fig = figures(at)[0]
    parts = traces(fig)
    assert list(parts) == ["train", "validation", "test"]
    n = sum(len(decode(t["y"])) for t in fig["data"]) - 2  # parts share a boundary point
    assert n == 144
    assert texts(at.metric)[:4] == ["144", "92", "20", "20"]
    assert at.query_params["src"] == "air_passengers"


def test_train_a_small_model_live():
    at = start("pages/train.py")
    train(at)
    parts = traces(figures(at)[0])
    assert decode(parts["train"]["x"]) == [1, 2]
    assert len(decode(parts["validation"]["y"])) == 2
    bundle = state(at, "bundle")
    best = min(bundle.history, key=lambda r: r.val_loss).epoch
    assert texts(at.success) == [
        f"Trained 2 epochs. The weights of epoch {best}, the lowest validation loss, were kept."
    ]
    assert parts[f"kept: epoch {best}"]["x"] == [best]  # the kept epoch is marked
    assert any("baseline" in m for m in texts(at.markdown))
    # auto chose what the model sees, and the page says so with every candidate's score
    assert set(bundle.transform_scores) == {"none", "diff", "logdiff", "sdiff"}
    line = next(c for c in texts(at.caption) if c.startswith("What the model sees"))
    assert "auto chose it by validation RMSE" in line
    assert "2 epochs" in " ".join(texts(at.sidebar.caption))
    assert state(at, "model_note") == "trained here"


def test_every_train_control_reaches_the_model_and_the_url():
    at = start("pages/train.py")
    at.checkbox(key="train_fbias").uncheck().run()  # LSTM only: set before the cell changes
    at.selectbox(key="train_cell").set_value("gru")
    at.number_input(key="train_layers").set_value(2)
    at.number_input(key="train_bs").set_value(16)
    at.number_input(key="train_lr").set_value(0.01)
    at.number_input(key="train_patience").set_value(1)
    at.number_input(key="train_seed").set_value(3)
    train(at, epochs=2)
    bundle = state(at, "bundle")
    assert bundle.model_config == ModelConfig("gru", 8, 2, False)
    t = bundle.train_config
    assert (t.epochs, t.batch_size, t.lr, t.patience, t.seed) == (2, 16, 0.01, 1, 3)
    assert at.query_params["cell"] == "gru" and at.query_params["hidden"] == "8"
    at.toggle(key="train_log").set_value(True).run()
    assert figures(at)[0]["layout"]["yaxis"]["type"] == "log"


def test_stop_keeps_weights_then_continue_numbers_epochs_on():
    at = train(start("pages/train.py"))
    at.number_input(key="train_epochs").set_value(5000)
    at.button(key="continue_btn").click().run()
    assert state(at, "job").active and not at.button(key="stop_btn").disabled
    at.button(key="stop_btn").click().run()
    settle(at)
    bundle = state(at, "bundle")
    n = len(bundle.history)
    assert 2 <= n < 5002
    best = min(bundle.history, key=lambda r: r.val_loss).epoch
    assert texts(at.warning) == [
        f"Stopped at epoch {n} — the weights of epoch {best}, the lowest validation loss, are kept."
    ]
    assert state(at, "snapshots")[-1].epoch == n  # the last picture is of the stopping epoch
    at.number_input(key="train_epochs").set_value(2)
    continue_training(at)
    assert decode(traces(figures(at)[0])["train"]["x"]) == list(range(1, n + 3))
    best = min(state(at, "bundle").history, key=lambda r: r.val_loss).epoch
    assert texts(at.success) == [
        f"Trained 2 epochs. The weights of epoch {best}, the lowest validation loss, were kept."
    ]


def _wait(cond, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_training_goes_on_across_pages_and_stops_from_any_of_them():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["data_cfg"] = DataConfig(transform="none")  # straight to the epochs
    at.run()
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_epochs").set_value(50_000)
    at.number_input(key="train_hidden").set_value(8)
    at.button(key="train_btn").click().run()
    job = state(at, "job")
    _wait(lambda: job.progress is not None and job.progress.epoch >= 2)
    for page in ("pages/learn.py", "pages/gates.py", "pages/data.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert state(at, "job") is job and job.active, page  # still the same run
        assert at.button(key="job_stop_sidebar").label == "Stop training"
        assert state(at, "bundle") is not None  # a copy of the model as it is now
    reached = job.progress.epoch
    # and it goes on training meanwhile: a later epoch finished (one only begun when Stop
    # comes is not recorded, so waiting for it to begin raced with the click)
    _wait(lambda: len(job.progress.history) > reached)
    at.switch_page("pages/train.py").run()  # while it runs only Stop can be clicked
    assert at.button(key="train_btn").disabled and at.button(key="continue_btn").disabled
    assert not at.button(key="stop_btn").disabled
    at.switch_page("pages/data.py").run()
    at.button(key="job_stop_sidebar").click().run()
    settle(at)
    assert state(at, "job") is None and job.status == "stopped"
    n = len(state(at, "bundle").history)
    assert n > reached
    at.switch_page("pages/train.py").run()
    assert texts(at.warning)[0].startswith(f"Stopped at epoch {n} — ")


def _start_twice() -> None:
    """Two starts in one run (two clicks before the page could redraw): the second is refused."""
    import numpy as np
    import streamlit as st

    from explorer import session
    from explorer.training import TrainRequest
    from lstm_core.config import DataConfig, ModelConfig, TrainConfig

    values = np.sin(np.arange(200) / 3.0)
    req = TrainRequest(values, "s", DataConfig(transform="none"), ModelConfig(hidden_size=4),
                       TrainConfig(epochs=5000))  # fmt: skip
    first = session.start(req)
    job = session.job()
    second = session.start(req)
    st.text(f"{first} | {second} | {session.job() is job}")
    session.stop()
    job.join(60)


def test_a_second_training_cannot_start_while_one_runs():
    at = AppTest.from_function(_start_twice, default_timeout=60).run()
    assert not at.exception, at.exception
    assert texts(at.text) == [
        "None | A training is already running for you: stop it first, or wait for it to "
        "finish. | True"
    ]


def test_new_run_keeps_the_old_one_for_the_overlay():
    at = train(start("pages/train.py"))
    train(at, epochs=3)
    ms = at.multiselect(key="train_overlays")
    assert ms.options == ["LSTM h8 l1 lr0.01 #1"]
    ms.set_value(ms.options).run()
    names = list(traces(figures(at)[0]))
    assert names[:2] == ["LSTM h8 l1 lr0.01 #1 · train", "LSTM h8 l1 lr0.01 #1 · val"]


def test_a_diverging_run_says_so():
    at = train(start("pages/train.py"), train_lr=1e25)
    assert len(at.error) == 1
    assert "the loss became NaN or infinite" in at.error[0].value


# --------------------------------------------------------------------------- data


def test_upload_a_csv_then_a_bad_file_keeps_the_good_series():
    at = start()
    at.radio(key="data_mode").set_value("Upload a CSV").run()
    at.file_uploader(key="data_upload").set_value(("sales.csv", GOOD_CSV, "text/csv")).run()
    assert not at.exception and not at.error
    series = state(at, "series")
    assert series.name == "sales" and len(series.values) == 30
    notes = " ".join(texts(at.caption)).replace("\\", "")  # shown markdown-escaped
    assert "1 missing value filled by time interpolation." in notes
    assert len(at.dataframe) == 1  # the preview
    at.selectbox(key=at.selectbox[0].key).set_value("price").run()
    assert state(at, "series").name == "price"

    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    at.file_uploader(key="data_upload").set_value(("evil.csv", png, "text/csv")).run()
    assert texts(at.error) == [
        "This looks like a PNG image file, not a CSV: export the data as CSV text and upload that."
    ]
    assert state(at, "series").name == "price"
    assert state(at, "source")["kind"] == "upload"


def test_hostile_column_names_are_shown_as_text():
    at = start()
    at.radio(key="data_mode").set_value("Upload a CSV").run()
    csv = b"t,![x](http://evil/a.png) <b>hi</b>\n" + b"".join(
        f"{i},{i}\n".encode() for i in range(40)
    )
    at.file_uploader(key="data_upload").set_value(("x.csv", csv, "text/csv")).run()
    assert not at.exception and not at.error
    md = " ".join(texts(at.markdown) + texts(at.sidebar.caption))
    assert "![x](http" not in md  # escaped wherever markdown shows it
    hostile = "![x](http://evil/a.png) <b>hi</b>"
    at.selectbox[0].set_value(hostile).run()
    assert "![x](http" not in " ".join(texts(at.caption) + texts(at.sidebar.caption))
    line = f"Using {hostile!r} as the values, as you chose; the suggestion was 't'."
    assert line in shown(at)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    """On the Data page: choose "Upload a CSV" and send one file."""
    at.radio(key="data_mode").set_value("Upload a CSV").run()
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> list[str]:
    """The page's captions as a reader sees them (they are shown markdown-escaped)."""
    return [c.replace("\\", "") for c in texts(at.caption)]


WAVE = [round(1000 + 800 * np.sin(i / 1.7), 1) for i in range(30)]


def csv_of(header: str, row: Callable[[int, float], str]) -> bytes:
    """A file: the header line, then row(i, v) for each value of WAVE."""
    return "".join([header, *(f"\n{row(i, v)}" for i, v in enumerate(WAVE)), "\n"]).encode()


COLUMN_FILES = {  # name: (file, the value column, the page's line on it)
    "pandas to_csv": (
        pd.DataFrame({"lynx": WAVE}).to_csv().encode(),
        "lynx",
        "Using 'lynx' as the values; 'column 1' looks like a row index (0, 1, 2, …) and was "
        "skipped.",
    ),
    "Datum;Temperatur": (
        csv_of("Datum;Temperatur", lambda i, v: f"{i};{v / 100:.2f}".replace(".", ",")),
        "Temperatur",
        "Using 'Temperatur' as the values; 'Datum' is a counter (0, 1, 2, …) and was skipped.",
    ),
    "Jahr,Wert": (
        csv_of("Jahr,Wert", lambda i, v: f"{1990 + i},{v}"),
        "Wert",
        "Using 'Wert' as the values and 'Jahr' as the dates.",
    ),
    "时间,温度": (
        csv_of("时间,温度", lambda i, v: f"{1990 + i},{v / 100}"),
        "温度",
        "Using '温度' as the values and '时间' as the dates.",
    ),
    "only a counter": (
        csv_of("label,n", lambda i, v: f"x{i},{i}"),
        "n",
        "Using 'n' as the values, although 'n' is a counter (0, 1, 2, …): it is the only numeric "
        "column.",
    ),
}


@pytest.mark.parametrize("name", list(COLUMN_FILES))
def test_upload_selects_the_engines_value_column_and_says_why(name):
    data, column, line = COLUMN_FILES[name]
    at = upload(start(), "f.csv", data)
    assert not at.error, texts(at.error)
    assert default_columns(read_table(data)).value == column
    assert at.selectbox[0].value == column
    assert state(at, "series").name == column
    assert line in shown(at)


def test_the_users_column_choice_is_kept_while_they_stay_on_that_file():
    hares = pd.DataFrame({"lynx": WAVE, "hare": np.array(WAVE) / 2 + 7}).to_csv().encode()
    at = upload(start(), "h.csv", hares)
    value, date = at.selectbox[0], at.selectbox[1]  # then the transform's
    assert (value.options, value.value) == (["lynx", "hare"], "lynx")
    assert date.options == ["(none: use the row order)", "hare"]  # not the row index
    value.set_value("hare").run()
    line = "Using 'hare' as the values, as you chose; the suggestion was 'lynx'."
    assert state(at, "series").name == "hare" and line in shown(at)

    at.switch_page("pages/train.py").run()  # drops the Data page's widget state
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(("h.csv", hares, "text/csv")).run()
    assert at.selectbox[0].value == "hare" and line in shown(at)
    assert state(at, "series").name == "hare"

    wert = COLUMN_FILES["Jahr,Wert"][0]
    at.file_uploader(key="data_upload").set_value(("w.csv", wert, "text/csv")).run()
    assert at.selectbox[0].value == "Wert"  # another file starts from its own default


def test_the_missing_values_choice_is_kept_while_they_stay_on_that_file():
    at = upload(start(), "sales.csv", GOOD_CSV)  # one missing value (2020-01-07)
    assert len(state(at, "series").values) == 30
    at.radio[-1].set_value("drop").run()
    assert len(state(at, "series").values) == 29
    at.switch_page("pages/train.py").run()  # drops the Data page's widget state
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(("sales.csv", GOOD_CSV, "text/csv")).run()
    assert at.radio[-1].value == "drop" and len(state(at, "series").values) == 29


def test_synthetic_parameters_and_a_bad_one():
    at = start()
    at.selectbox(key="data_builtin").set_value("sine").run()
    at.number_input(key="data_p_sine_n").set_value(120).run()
    assert len(state(at, "series").values) == 120
    at.number_input(key="data_p_sine_n").set_value(5).run()
    assert texts(at.error) == [
        "n must be a whole number of at least 10 and at most 5000000, got 5."
    ]
    assert len(state(at, "series").values) == 120


def test_changing_the_look_back_drops_the_model():
    at = train(start("pages/train.py"))
    at.switch_page("pages/data.py").run()
    assert state(at, "bundle") is not None and not at.info  # visiting changes nothing
    at.number_input(key="data_look_back").set_value(6).run()
    assert state(at, "bundle") is None
    assert "The model was cleared" in texts(at.info)[0]
    assert state(at, "data_cfg").look_back == 6


def test_settings_come_from_the_url_and_bad_values_are_ignored():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"hidden": "16", "lb": "bad", "src": "sine", "p.n": "200"})
    at.run()
    at.switch_page("pages/train.py").run()
    assert at.number_input(key="train_hidden").value == 16
    assert state(at, "data_cfg") == DataConfig()
    assert len(state(at, "series").values) == 200


# --------------------------------------------------------------------------- forecast, export


def test_forecast_page_metrics_verdict_and_horizon():
    at = train(start("pages/train.py"))
    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.index) == ["model", "naive (last value)", "seasonal naive", "mean of train"]
    assert list(table.columns) == ["RMSE", "MAE", "sMAPE %", "MASE"]
    assert "baseline" in at.info[0].value
    pred = figures(at)[0]
    assert list(traces(pred)) == ["truth", "model (validation)", "model (test)"]
    at.toggle(key="fc_baselines").set_value(True).run()
    assert "naive (last value)" in traces(figures(at)[0])
    at.slider(key="fc_horizon").set_value(5).run()
    future = next(f for f in figures(at) if "forecast" in traces(f))
    assert len(decode(traces(future)["forecast"]["y"])) == 6  # last point + 5
    # each band: 5 upper then 5 lower points, lower below upper
    band = decode(traces(future)["80% interval"]["y"])
    assert len(band) == 10 and all(u >= lo for u, lo in zip(band[:5], band[:4:-1], strict=True))
    assert "95% interval" in traces(future)


def test_forecast_page_backtest_by_horizon():
    at = train(start("pages/train.py"))
    at.switch_page("pages/forecast.py").run()
    ev = state(at, "evaluation")["evaluation"]
    assert ev.backtest.horizon == 10  # one season (12), at most half the 20 test points
    by_step = next(f for f in figures(at) if f["layout"]["xaxis"]["title"]["text"] == "steps ahead")
    lines = traces(by_step)
    assert list(lines) == [
        "reference: AutoETS",
        "reference: AutoTheta",
        "reference: AutoARIMA",
        "naive (last value)",
        "seasonal naive",
        "mean of train",
        "model",
    ]
    np.testing.assert_allclose(decode(lines["model"]["y"]), ev.backtest.rmse_by_step())
    assert ev.verdict_parts[0] in texts(at.info)[0]  # the verdict also names the best reference
    assert "over forecasts 1–10 steps ahead from 11 test origins" in ev.verdict
    assert "The model saw " in ev.verdict
    cov = next(c for c in texts(at.caption) if c.startswith("Prediction intervals"))
    assert "the 80% band holds" in cov and "from the 20 validation targets" in cov
    assert ("raised to those" in cov) == ev.backtest.intervals.floored  # the floor is named
    at.slider(key="fc_bt_horizon").set_value(3).run()
    assert state(at, "evaluation")["evaluation"].backtest.horizon == 3
    assert "over forecasts 1–3 steps ahead from 18 test origins" in " ".join(texts(at.info))


def test_forecast_without_a_model_points_to_train():
    at = start("pages/forecast.py")
    assert "no trained model" in at.info[0].value


class Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def use_opened_model(at: AppTest) -> AppTest:
    """It was trained on another series (a sine): use it anyway."""
    at.button(key="ex_use_anyway").click().run()
    assert not at.exception, at.exception
    return at


def test_a_model_of_another_series_asks_first_and_says_so_everywhere():
    at = train(start("pages/train.py"), epochs=1)
    trained = state(at, "bundle")
    assert trained.fingerprint and trained.trained_at
    data = bundle_bytes(trained)
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_builtin").set_value("sunspots").run()
    at.switch_page("pages/export.py").run()
    at.file_uploader(key="ex_model_upload").set_value(("air.pt", data, "x")).run()
    assert not any(b.key == "ex_use_model" for b in at.button)  # the question comes first
    question = (
        "This model was trained on 'passengers' (144 points), not on the current series "
        "'sunspots' (309 points): its predictions and gates here are of a model that never "
        "saw these values."
    )
    assert [w.replace("\\", "") for w in texts(at.warning)] == [question]
    assert state(at, "bundle") is None  # nothing is used before the visitor chooses
    at.button(key="ex_use_anyway").click().run()
    assert state(at, "model_note") == "uploaded file air.pt, trained on another series"
    for page in ("pages/gates.py", "pages/forecast.py", "pages/export.py"):
        at.switch_page(page).run()
        assert question in [w.replace("\\", "") for w in texts(at.warning)], page
        line = next(c for c in texts(at.caption) if c.startswith("Trained on"))
        assert "passengers \\(144 points, fingerprint " in line, line
    assert "trained on another series" in " ".join(texts(at.sidebar.caption))
    # the other way: switch the data to the series it was trained on (a built-in)
    at.file_uploader(key="ex_model_upload").set_value(("air.pt", data, "x")).run()
    at.button(key="ex_use_switch").click().run()
    assert not at.exception, at.exception
    assert (
        state(at, "series").name == "passengers" and state(at, "source")["key"] == "air_passengers"
    )
    assert state(at, "model_note") == "uploaded file air.pt"
    at.switch_page("pages/gates.py").run()
    assert not any("never saw these values" in w for w in texts(at.warning))


def _model_file(look_back: int = 6) -> bytes:
    from lstm_core.fitting.pipeline import start_run

    values = np.sin(np.arange(300) / 4)
    data_cfg = DataConfig(look_back=look_back, transform="none")
    bundle, _ = start_run(values, "v", data_cfg, ModelConfig(hidden_size=4), TrainConfig(epochs=1))
    return bundle_bytes(bundle)


def test_export_downloads_and_model_upload_good_and_hostile():
    at = train(start("pages/train.py"))
    at.switch_page("pages/export.py").run()
    assert [b.proto.label for b in at.get("download_button")] == [
        "Model file (.pt)",
        "Predictions (CSV)",
        "Forecast (CSV)",
    ]
    up = at.file_uploader(key="ex_model_upload")

    buf = io.BytesIO()
    torch.save({"x": Evil()}, buf)
    up.set_value(("evil.pt", buf.getvalue(), "application/octet-stream")).run()
    assert texts(at.error) == [
        "This file would run code when loaded, so it was refused: only model files saved by "
        "LSTM Explorer (plain weights and settings) can be opened."
    ]
    assert state(at, "model_note") == "trained here"

    at.file_uploader(key="ex_model_upload").set_value(("m.pt", b"junk", "x")).run()
    assert "is not a model file saved by LSTM Explorer" in at.error[0].value

    at.file_uploader(key="ex_model_upload").set_value(("long.pt", _model_file(200), "x")).run()
    use_opened_model(at)
    assert texts(at.error) == [
        "The series has 144 points, but a look-back of 200 needs at least 203 (one window "
        "each for training, validation and test): use a smaller look-back or a longer "
        "series."
    ]
    assert state(at, "model_note") == "trained here"

    at.file_uploader(key="ex_model_upload").set_value(("good.pt", _model_file(), "x")).run()
    assert not at.error
    use_opened_model(at)
    assert not at.exception
    assert state(at, "model_note") == "uploaded file good.pt, trained on another series"
    assert state(at, "data_cfg").look_back == 6
    assert state(at, "bundle").model_config.hidden_size == 4
    assert len(state(at, "dataset").values) == 144


@pytest.mark.parametrize("page", ["pages/train.py", "pages/forecast.py", "pages/export.py"])
def test_pages_render_without_errors(page):
    at = start(page)
    assert not at.exception and not at.error


def test_home_path_does_not_import_torch():
    code = (
        "import sys, explorer.ui, explorer.params, explorer.equations; "
        "print('torch' in sys.modules)"
    )
    root = Path(APP).parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_links_clamp_widget_bounds_and_refuse_huge_synthetic_series():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"bs": "1000000", "seed": "-5", "src": "sine", "p.n": "100000000"})
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert at.number_input(key="train_bs").value == 65_536
    assert at.number_input(key="train_seed").value == 0
    assert len(state(at, "series").values) == 400  # the default n, not 10^8


def test_watch_the_gates_learn_and_scrub_through_epochs():
    at = start("pages/train.py")
    train(at, epochs=3)
    snaps = state(at, "snapshots")
    assert [s.epoch for s in snaps] == [0, 1, 2, 3]  # auto: 0 and 1 from the winner's trial
    gates = next(f for f in figures(at) if "probe window" in f["layout"]["title"]["text"])
    assert "after epoch 3" in gates["layout"]["title"]["text"]
    z = np.array(decode(traces(gates)["f"]["z"])).reshape(-1)
    np.testing.assert_allclose(np.sort(z), np.sort(snaps[-1].gates["f"].reshape(-1)), rtol=1e-6)
    at.select_slider(key="train_snap_epoch").set_value(0).run()
    gates = next(f for f in figures(at) if "probe window" in f["layout"]["title"]["text"])
    assert "after epoch 0" in gates["layout"]["title"]["text"]
    assert len(at.dataframe) >= 1  # the saturation table of that snapshot
    continue_training(at)
    assert [s.epoch for s in state(at, "snapshots")] == [0, 1, 2, 3, 4, 5, 6]  # all kept


def test_the_echo_task_warns_when_the_window_is_shorter_than_the_lag():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"src": "echo", "lb": "12"})
    at.run()
    at.switch_page("pages/data.py").run()
    hint = (
        "Each spike comes back 15 steps later, but a window holds only 12 steps: the model "
        "can never see a spike and its echo together. Set the look-back above 15 (e.g. 20)."
    )
    assert hint in texts(at.warning)
    at.number_input(key="data_look_back").set_value(20).run()
    assert hint not in texts(at.warning)


def test_using_an_opened_model_replaces_the_no_model_line_at_once():
    at = start("pages/export.py")
    assert "There is no model yet" in texts(at.info)[0]
    at.file_uploader(key="ex_model_upload").set_value(("good.pt", _model_file(), "x")).run()
    use_opened_model(at)
    assert not any("There is no model yet" in i for i in texts(at.info))
    assert texts(at.success) == [
        "This model is now the current one: see it on the Gates and Forecast pages."
    ]
    assert next(b.proto.label for b in at.get("download_button")) == "Model file (.pt)"


def test_nothing_of_an_older_model_survives_a_data_change_or_an_import():
    at = train(start("pages/train.py"), epochs=2)
    at.switch_page("pages/forecast.py").run()
    assert state(at, "snapshots") and state(at, "evaluation") is not None
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_builtin").set_value("nile").run()  # the series changes
    for key in ("bundle", "dataset", "fit_result", "snapshots", "evaluation", "gates_trace"):
        assert state(at, key) is None, key
    at.switch_page("pages/train.py").run()
    assert not any("probe window" in f["layout"]["title"]["text"] for f in figures(at)
                   if isinstance(f["layout"].get("title"), dict))  # fmt: skip
    at = train(at, epochs=2)
    at.switch_page("pages/export.py").run()
    at.file_uploader(key="ex_model_upload").set_value(("good.pt", _model_file(), "x")).run()
    use_opened_model(at)
    assert state(at, "model_note") == "uploaded file good.pt, trained on another series"
    assert state(at, "snapshots") is None and state(at, "evaluation") is None


def test_a_train_that_fails_on_the_data_says_why_and_leaves_stop_disabled():
    at = start()
    at.number_input(key="data_look_back").set_value(200).run()  # > the 144 passengers
    at.switch_page("pages/train.py").run()
    at.button(key="train_btn").click().run()
    assert not at.exception
    assert texts(at.error) == [
        "The series has 144 points, but a look-back of 200 needs at least 203 (one window "
        "each for training, validation and test): use a smaller look-back or a longer "
        "series."
    ]
    assert at.button(key="stop_btn").disabled and state(at, "bundle") is None


def test_a_training_too_big_for_a_shared_server_is_refused_in_one_sentence():
    from lstm_core.series.data import series_from_values

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["series"] = series_from_values(np.sin(np.arange(200_000) / 7.0), name="big")
    at.session_state["data_cfg"] = DataConfig(look_back=1000, transform="none")
    at.run()
    at.switch_page("pages/train.py").run()
    at.button(key="train_btn").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(
        "A look-back of 1,000 over 200,000 points is 200,000,000 timesteps per epoch, over "
        "this app's limit of 50,000,000 for one visitor: use a look-back of at most 250 here"
    )
    assert state(at, "job") is None and state(at, "bundle") is None


class _Waiting:
    """A job's work that has published no model yet (like "auto" still trying transforms)
    until it is stopped."""

    published, trial, fresh, snapshots = None, None, True, []
    request = TrainRequest(np.zeros(3), "x", DataConfig(), ModelConfig(), TrainConfig())

    def __call__(self, job):
        from types import SimpleNamespace

        while not job.report(None):
            time.sleep(0.01)
        return SimpleNamespace(status="stopped", message="Training stopped by request.")


def test_pages_say_a_model_is_on_its_way_while_the_job_has_none_yet():
    from lstm_core.runtime.jobs import Job, Slots

    job = Job(_Waiting(), Slots(1)).start()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["job"] = job
    at.run()
    on_its_way = (
        "A model is training now (its progress is in the sidebar): it appears here when the "
        "training ends, or at your next click once its first epochs are done."
    )
    for page in ("pages/gates.py", "pages/forecast.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert on_its_way in texts(at.info), page
    at.button(key="job_stop_sidebar").click().run()
    assert job.join(10) and job.status == "stopped"
    at.run()
    assert state(at, "job") is None
    assert texts(at.info)[0] == "There is no trained model yet: train one first."


def test_the_data_page_warns_before_training_on_a_tiny_test_part():
    at = start()
    assert not at.warning
    at.number_input(key="data_look_back").set_value(120).run()
    assert [w.value for w in at.warning] == [
        "The test part has only 4 windows: a model judged on so few points says little (at "
        "least 20 are needed). Use a smaller look-back, a larger test share or a longer series."
    ]
