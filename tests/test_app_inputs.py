"""Inputs beside the series in the app (AppTest): choose them, train, see them on every page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .test_app import figures, settle, shown, start, state, texts, train, upload


def demand_csv(n: int = 200, future: int = 5) -> bytes:
    """A daily file: load driven by the temperature 3 days before, a holiday flag known
    ahead, a text wind column, one missing temperature, and `future` rows after the last
    load with the holiday flag filled in."""
    rng = np.random.default_rng(0)
    temp = np.zeros(n)
    for t in range(1, n):
        temp[t] = 0.7 * temp[t - 1] + rng.normal()
    load = np.zeros(n)
    load[3:] = 0.8 * temp[:-3]
    load += 0.1 * rng.normal(size=n)
    days = pd.date_range("2021-01-01", periods=n + future, freq="D")
    rows = ["date,load,temp,holiday,wind"]
    for i in range(n):
        t = "" if i == 50 else f"{temp[i]:.4f}"
        rows.append(f"{days[i].date()},{load[i]:.4f},{t},{'yes' if i % 7 == 0 else 'no'},"
                    f"{'NSE'[i % 3]}")  # fmt: skip
    rows += [f"{days[i].date()},,,{'yes' if i % 7 == 0 else 'no'}," for i in range(n, n + future)]
    return ("\n".join(rows) + "\n").encode()


def choose(at, past=(), future=(), calendar=False):
    """On the Data page: tick the inputs (the two multiselects and the calendar box)."""
    at.multiselect[0].set_value(list(past)).run()
    at.multiselect[1].set_value(list(future)).run()
    if calendar:
        at.checkbox[0].check().run()
    assert not at.exception, at.exception
    return at


def test_inputs_are_offered_none_ticked_and_summarised():
    at = upload(start(), "demand.csv", demand_csv())
    assert [m.label for m in at.multiselect] == [
        "Known only up to now (read at t)", "Known ahead (read at t + 1)"]  # fmt: skip
    assert at.multiselect[0].value == [] and at.multiselect[1].value == []
    assert at.checkbox[0].value is False
    summary = at.dataframe[1].value  # [0] is the file's first rows
    assert summary["column"].tolist() == ["temp", "holiday", "wind"]
    assert summary["kind"].tolist() == ["number", "yes/no", "text, 3 values (one-hot)"]
    assert summary["values after the series' end"].tolist() == ["", "yes", ""]
    assert float(summary["correlation with the values (training part)"][0]) < 0.5  # lag 3
    assert state(at, "series").inputs is None
    assert any("'holiday' also has values after the last value" in c for c in shown(at))


def test_chosen_inputs_reach_the_series_the_chart_and_the_model():
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp", "wind"], ["holiday"], True)
    series = state(at, "series")
    assert series.inputs.names == ["temp", "wind=E", "wind=N", "wind=S", "holiday",
                                   "day of week (sin)", "day of week (cos)",
                                   "day of year (sin)", "day of year (cos)"]  # fmt: skip
    assert series.inputs.n_future == 5
    assert (
        "Input 'temp': 1 missing value filled by time interpolation (the nearest at the edges)."
        in shown(at)
    )
    cfg = state(at, "data_cfg")
    assert (cfg.inputs, cfg.future_inputs, cfg.calendar) == (("temp", "wind"), ("holiday",), True)
    assert at.query_params["in"] == "temp,wind" and at.query_params["fin"] == "holiday"
    chart = next(f for f in figures(at) if len(f["data"]) >= 10)  # the series over 9 inputs
    assert [t["name"] for t in chart["data"]][:3] == ["load", "temp", "wind=E"]
    at.switch_page("pages/train.py").run()
    assert "Inputs beside it: temp, wind, holiday, calendar" in texts(at.text)
    train(at, epochs=2)
    bundle = state(at, "bundle")
    assert bundle.model_config.n_inputs == 9
    assert bundle.model.rnn.input_size == 10
    assert "with inputs temp, wind (known only up to now); holiday, calendar (known ahead)" in (
        bundle.provenance()
    )


def test_gates_forecast_and_the_run_without_inputs():
    at = choose(upload(start(), "demand.csv", demand_csv()), [], ["holiday"])
    at.switch_page("pages/train.py").run()
    train(at, epochs=2)
    at.switch_page("pages/gates.py").run()
    assert not at.exception, at.exception
    panel = next(f for f in figures(at) if f["data"][0].get("type") == "heatmap"
                 and f["data"][0]["y"] == ["holiday"])  # fmt: skip
    assert panel["data"][0]["z"]["shape"] == "1, 12"  # one row per input over the window
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    # known ahead only: the backtest may run several steps; the forecast reaches the 5 rows
    assert at.slider(key="fc_bt_horizon").value > 1
    assert at.slider(key="fc_horizon").max == 5
    assert "The inputs' future rows in the file reach 5 steps past the end." in shown(at)
    at.button(key="fc_without").click().run()
    settle(at)
    at.run()
    table = at.dataframe[0].value  # the one-step metrics
    assert "without inputs" in table.index
    line = next(i.value for i in at.info if i.value.startswith("Test RMSE (one step ahead)"))
    assert "with the inputs" in line and "without them" in line
    assert state(at, "bundle").model_config.n_inputs == 1  # the reference never replaced it


def test_a_known_ahead_input_without_future_rows_cannot_forecast_and_says_why():
    at = choose(upload(start(), "demand.csv", demand_csv()), [], ["temp"])
    assert (
        "The known-ahead inputs' future ends after 0 rows: a row after the last value misses "
        "one of them." in shown(at)
    )
    at.switch_page("pages/train.py").run()
    train(at, epochs=1)
    at.switch_page("pages/forecast.py").run()
    assert [w.value.replace("\\", "") for w in at.warning] == [
        "The model reads 'temp' one step ahead, but the file has no rows past the series' last "
        "value that give them: add those rows (values left empty, the inputs filled) to forecast."
    ]


def test_an_input_known_only_up_to_now_stops_forecasts_at_one_step():
    at = choose(upload(start(), "demand.csv", demand_csv(future=0)), ["temp"])
    at.switch_page("pages/train.py").run()
    train(at, epochs=1)
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    reason = (
        "Forecasts stop at one step: 'temp' is known only up to now, so the steps after the "
        "next have no value to read (mark an input known ahead if its future is known)."
    )
    assert reason in shown(at)
    assert not [s for s in at.slider if s.key in ("fc_bt_horizon", "fc_horizon")]


def test_a_bad_input_says_one_sentence_and_keeps_the_series():
    at = upload(start(), "demand.csv", demand_csv())
    before = state(at, "series")
    rows = ["t,y,city"] + [f"{i},{i % 9},c{i}" for i in range(40)]
    at.file_uploader(key="data_upload").set_value(
        ("cities.csv", ("\n".join(rows) + "\n").encode(), "text/csv")
    ).run()
    at.multiselect[0].set_value(["city"]).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Column 'city' is text with 40 different values, over the 24 a text input can have "
        "(each value becomes its own 0/1 input): leave it out, or group its values into fewer in "
        "the file."
    ]
    assert state(at, "series") is not None
    assert state(at, "series").name in (before.name, "y")  # never a half-built series


def test_the_example_file_assembles_its_date_and_one_hots_the_wind():
    at = start()
    at.radio(key="data_mode").set_value("Upload a CSV").run()
    at.button(key="data_example").click().run()
    assert not at.exception, at.exception
    assert (
        "Using 'pm2.5' as the values and 'year, month, day, hour' as the dates (put together "
        "from 4 columns); 'No' is a counter (1, 2, 3, …) and was skipped." in shown(at)
    )
    choose(at, ["DEWP", "cbwd"])
    series = state(at, "series")
    assert len(series.values) == 43_800 and series.time.is_unique
    assert series.inputs.names == ["DEWP", "cbwd=cv", "cbwd=NE", "cbwd=NW", "cbwd=SE"]
    assert "2,043 missing values filled by time interpolation." in shown(at)
    at.switch_page("pages/train.py").run()  # a page switch keeps the file and the inputs
    at.switch_page("pages/data.py").run()
    assert state(at, "series").inputs.names[0] == "DEWP"
    assert at.multiselect[0].value == ["DEWP", "cbwd"]


def test_forecast_ranks_the_inputs_and_learn_holds_the_strongest_at_its_mean():
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp", "wind"], ["holiday"])
    at.switch_page("pages/train.py").run()
    train(at, epochs=3)
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    ranked = [x.value for x in at.text if " held at its mean (shuffled: " in x.value]
    assert sorted(line.split(":")[0] for line in ranked) == ["holiday", "temp", "wind"]
    imp = state(at, "importance")["importance"]
    first = max(imp.held_at_mean, key=imp.held_at_mean.get)
    assert ranked[0].startswith(f"{first}: ")
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    title = f"Hold the strongest input at its mean: {first}"
    assert any(title in m.value for m in at.markdown)
    assert any(m.value.startswith("Result: in window ") for m in at.markdown)
    at.radio(key="learn_lang").set_value("zh").run()
    assert any(f"把最重要的输入固定在均值：{first}" in m.value for m in at.markdown)
