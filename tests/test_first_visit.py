"""Issue 23, item 8: the small things a first visit met (one wording for the windows, a
readable model summary, the equations' h_{t-1}, a title clear of the legend), and item 3's
note on the Train page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from explorer.equations import step_equations
from explorer.figures import loss_figure, series_figure
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import start_run, train_run
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestep import explain_step
from lstm_core.series.datasets import load_builtin
from lstm_core.series.windows import plan_split

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_the_data_page_counts_the_windows_the_model_will_have():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/data.py").run()
    assert [m.value for m in at.metric][:4] == ["144", "92", "20", "20"]  # auto: the levels
    at.selectbox(key="data_transform").set_value("sdiff").run()
    assert not at.exception
    assert [m.value for m in at.metric][:4] == ["144", "80", "20", "20"]
    series = load_builtin("air_passengers")
    bundle, _ = start_run(series.values, series.name, DataConfig(transform="sdiff"),
                          ModelConfig(hidden_size=2), TrainConfig())  # fmt: skip
    assert "80 train / 20 validation / 20 test windows" in bundle.provenance()


def test_a_model_files_summary_is_rows_of_text():
    series = load_builtin("air_passengers")
    bundle, data = start_run(series.values, series.name, DataConfig(transform="diff"),
                             ModelConfig("gru", 3, 2), TrainConfig(epochs=2, seed=3))  # fmt: skip
    train_run(bundle, data)
    rows = dict(bundle.summary())
    assert rows["Model"] == "GRU, hidden size 3, 2 layers"
    assert rows["Windows"] == "look-back 12; 91 train / 20 validation / 20 test"
    # 91 windows: 6 steps of 16 an epoch, so the short-series rule trained in batches of 4
    assert rows["Training"] == "2 epochs, batch 4, lr 0.01, patience off, seed 3"
    best = min(bundle.history, key=lambda r: r.val_loss)
    assert rows["Lowest validation loss"] == f"{best.val_loss:.4g} at epoch {best.epoch}"
    assert rows["Inputs beside the series"] == "none"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in bundle.summary())


def test_the_equations_say_the_recurrent_product_runs_over_every_unit():
    series = load_builtin("air_passengers")
    bundle, data = start_run(series.values, series.name, DataConfig(transform="none"),
                             ModelConfig("lstm", 4), TrainConfig())  # fmt: skip
    step = explain_step(bundle.model, trace_gates(bundle.model, data.X[0:1]), 0, 3, 1)
    head = step_equations(step)[0][1]
    assert "sums over every unit's previous state, not only this unit's" in head


def test_a_charts_title_has_its_own_band_above_the_legend():
    n = 50_000
    x, v = np.arange(n), np.sin(np.arange(n) / 10)
    fig = series_figure(x, v, plan_split(n, DataConfig()), name="wave")
    assert "points drawn" in fig.layout.title.text  # thinned: the title says so
    assert fig.layout.margin.t >= 80 and fig.layout.title.yanchor == "top"
    assert fig.layout.legend.y >= 1.0  # the legend's row sits under the title's band
    assert loss_figure([]).layout.margin.t == 40  # no title: no band


def test_the_train_page_says_what_the_long_series_rule_changes():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    assert not [c for c in at.caption if "A long series" in c.value]  # 144 points: nothing
    at.session_state["source"] = {"kind": "builtin", "key": "sine",
                                  "params": {"n": 6_000, "period": 24, "noise": 0.1}}  # fmt: skip
    at.session_state["series"] = None
    at.run()
    notes = [c.value for c in at.caption if "A long series" in c.value]
    assert len(notes) == 1 and "batches of 32" in notes[0], notes
    at.checkbox(key="train_long").uncheck().run()
    assert not [c for c in at.caption if "A long series" in c.value]
    assert at.session_state["train_cfg"].scale_long is False
    assert at.session_state["train_cfg"].scale_short is False  # one checkbox, both rules
    assert at.query_params["long"] == "0" and at.query_params["short"] == "0"


def test_an_opened_files_scaling_flags_stay_until_the_box_is_toggled():
    from lstm_core.config import TrainConfig

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["train_cfg"] = TrainConfig(scale_short=False)  # as an opened file sets it
    at.switch_page("pages/train.py").run()
    assert at.checkbox(key="train_long").value is True  # its long-series rule is on
    cfg = at.session_state["train_cfg"]
    assert (cfg.scale_long, cfg.scale_short) == (True, False)  # not both turned off
    at.checkbox(key="train_long").uncheck().run()
    at.checkbox(key="train_long").check().run()  # toggled: both rules follow the box
    cfg = at.session_state["train_cfg"]
    assert (cfg.scale_long, cfg.scale_short) == (True, True)


def test_the_train_page_says_what_the_short_series_rule_changes():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    notes = [c.value for c in at.caption if "A short series" in c.value]
    assert notes == [
        "A short series (92 training windows before any differencing): batches of 4 (up to 23 "
        "steps an epoch rather than 6)."
    ]  # air passengers: the split after auto's sdiff says 80 train windows; the note
    # must not read as a second, contradicting count (walk 10, item 8)
