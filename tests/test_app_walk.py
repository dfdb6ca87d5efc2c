"""Defects a new user met walking through the app (AppTest): the Data page keeps the series
and model when a file is refused, remembers the active upload across page switches; the
Train page counts the inputs' parameters; the sidebar names the learning rate used; the
Gates page's window follows the model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explorer import session
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.experiments.compare import param_count
from lstm_core.fitting import sizing
from lstm_core.fitting.pipeline import start_run, train_run
from lstm_core.series.synthetic import sine_series

from .test_app import GOOD_CSV, WAVE, shown, start, state, texts, train, upload
from .test_app_inputs import choose, demand_csv


def test_the_train_page_counts_the_parameters_of_the_inputs_beside_the_series():
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp", "wind"], ["holiday"], True)
    assert len(state(at, "series").inputs.specs) == 9
    at.switch_page("pages/train.py").run()
    want = param_count("lstm", 8, 1, 9)
    at.number_input(key="train_hidden").set_value(8).run()
    line = next(c for c in texts(at.caption) if " parameters · device" in c)
    assert line.startswith(f"{want:,} parameters"), line
    train(at, epochs=1)
    model = state(at, "bundle").model
    assert sum(p.numel() for p in model.parameters()) == want
    assert want != param_count("lstm", 8, 1)  # the single-input figure it showed before


def test_the_sidebar_names_the_learning_rate_the_long_series_rule_used():
    """6,000 points, look-back 4: 4,198 training windows, batches of 32 at lr 0.01 × √2."""
    values = sine_series(n=6_000, period=24, noise=0.1, seed=0)
    cfg = TrainConfig(epochs=1, batch_size=16, lr=0.01, seed=0, device="cpu")
    data_cfg = DataConfig(look_back=4, transform="none")
    bundle, dataset = start_run(values, "wave", data_cfg, ModelConfig("lstm", 2), cfg)
    train_run(bundle, dataset)
    used = sizing.effective(cfg, dataset.split.n_train).lr
    assert f"lr {used:g}: a long series" in bundle.provenance() and used != cfg.lr
    at = start("pages/train.py")
    for k, v in {"bundle": bundle, "dataset": dataset, "data_cfg": data_cfg}.items():
        at.session_state[k] = v
    at.run()
    model = next(c for c in texts(at.sidebar.caption) if c.startswith("**Model:**"))
    assert f"LSTM h2 l1 lr{used:g} · 1 epoch ·" in model.replace("\\", ""), model
    assert session.bundle_label(bundle, 2) == f"LSTM h2 l1 lr{used:g} #2"  # the overlay's too


FIVE_ROWS = b"value\n1\n2\n3\n4\n5\n"


def test_a_file_too_short_for_the_look_back_is_refused_and_keeps_series_and_model():
    at = upload(start(), "sales.csv", GOOD_CSV)
    at.switch_page("pages/train.py").run()
    train(at, epochs=1)
    bundle = state(at, "bundle")
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload").set_value(("five.csv", FIVE_ROWS, "text/csv")).run()
    assert not at.exception, at.exception
    assert [e.replace("\\", "") for e in texts(at.error)] == [
        "five.csv gives 5 points, too few for a look-back of 12 (at least 15: one window each "
        "for training, validation and test), so the current series and model stay: lower the "
        "look-back below to 2 or less and this file is used, or upload a longer series."
    ]
    assert not at.info  # no "The series changed. The model was cleared"
    assert state(at, "bundle") is bundle and state(at, "source")["name"] == "sales.csv"
    assert len(state(at, "series").values) == 30
    sidebar = " ".join(texts(at.sidebar.caption))
    assert "sales · 30 points" in sidebar and "none yet" not in sidebar
    at.number_input(key="data_look_back").set_value(2).run()  # as the sentence says
    assert not at.error and len(state(at, "series").values) == 5
    assert state(at, "source")["name"] == "five.csv" and state(at, "bundle") is None


def test_a_series_too_short_for_any_look_back_says_how_long_it_must_be():
    at = upload(start(), "sales.csv", GOOD_CSV)
    at.file_uploader(key="data_upload").set_value(("3.csv", b"v\n1\n2\n3\n", "text/csv")).run()
    assert texts(at.error)[0].replace("\\", "").endswith(": upload a series of at least 4 points.")
    assert state(at, "source")["name"] == "sales.csv"


def test_the_active_upload_keeps_its_columns_and_inputs_after_a_page_switch():
    hares = pd.DataFrame({"lynx": WAVE, "hare": np.array(WAVE) / 2 + 7}).to_csv().encode()
    at = upload(start(), "h.csv", hares)
    at.selectbox[0].set_value("hare").run()
    at.switch_page("pages/train.py").run()
    train(at, epochs=1)
    bundle = state(at, "bundle")
    at.switch_page("pages/data.py").run()  # the uploader forgot the file
    assert at.file_uploader(key="data_upload").value is None
    assert at.selectbox[0].value == "hare" and at.selectbox[0].options == ["lynx", "hare"]
    assert any("Using h.csv, uploaded earlier" in c for c in shown(at))
    assert state(at, "bundle") is bundle and not at.info  # coming back changes nothing
    at.selectbox[0].set_value("lynx").run()  # and the choice can be changed
    assert state(at, "series").name == "lynx" and state(at, "bundle") is None

    # a refused file in between: the active upload and its choice are still there
    at.file_uploader(key="data_upload").set_value(("five.csv", FIVE_ROWS, "text/csv")).run()
    assert at.error and state(at, "series").name == "lynx"
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/data.py").run()
    assert not at.error and at.selectbox[0].value == "lynx"
    assert state(at, "source")["name"] == "h.csv"

    at.radio(key="data_mode").set_value("Built-in series").run()  # a built-in drops the file
    assert state(at, "upload") is None and state(at, "source")["kind"] == "builtin"


def test_the_active_uploads_inputs_stay_ticked_and_changeable_after_a_page_switch():
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp"], ["holiday"])
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/data.py").run()
    assert at.multiselect[0].value == ["temp"] and at.multiselect[1].value == ["holiday"]
    assert state(at, "series").inputs.names == ["temp", "holiday"]
    choose(at, ["temp", "wind"], ["holiday"])
    assert state(at, "series").inputs.names[:2] == ["temp", "wind=E"]


def test_the_data_page_says_plainly_when_known_ahead_inputs_leave_no_forecast_past_the_end():
    at = upload(start(), "demand.csv", demand_csv(future=0))
    at = choose(at, ["temp"], ["holiday"])  # no rows after the last load: no future
    line = next(c for c in texts(at.caption) if c.startswith("The model will read"))
    line = line.replace("\\", "")  # markdown escapes
    assert line.startswith("The model will read 2 inputs beside the values: ")
    assert "No forecast past the end: the known-ahead inputs have no rows after the last " in line
    assert "reach 0 steps" not in line
    at = choose(upload(start(), "demand.csv", demand_csv(future=1)), [], ["holiday"])
    line = next(c for c in texts(at.caption) if c.startswith("The model will read"))
    line = line.replace("\\", "")
    assert "1 input beside the values" in line and "reach 1 step (the rows" in line


def test_the_data_page_warns_when_every_value_is_the_same():
    at = upload(start(), "flat.csv", b"day,v\n" + b"".join(b"%d,3.5\n" % i for i in range(200)))
    assert [w.replace("\\", "") for w in texts(at.warning)] == [
        "Every value of 'v' is 3.5: there is nothing to learn. The baselines forecast it "
        "exactly, and any error of the model is its own small offset, not something it "
        "learned. Choose a column whose values change."
    ]
    waves = b"day,v\n" + b"".join(b"%d,%g\n" % (i, 3.5 + i % 7) for i in range(200))
    assert not upload(start(), "wave.csv", waves).warning
