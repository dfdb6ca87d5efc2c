"""Inputs beside the series: reading, encoding, scaling, alignment, training and model files."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.forecast import evaluate, forecast, predict
from lstm_core.fitting.bundle import bundle_bytes, load_bundle
from lstm_core.fitting.pipeline import dataset_for, run
from lstm_core.series.data import DataError, read_table, series_from_table
from lstm_core.series.inputs import Inputs, InputSpec
from lstm_core.series.windows import make_dataset

from .conftest import DATA

BEIJING = DATA / "beijing_pm25_hourly.csv"


@pytest.fixture(scope="module")
def beijing_table():
    return read_table(BEIJING)


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def ar_series(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y(t) = 0.8 x(t - 3) + noise, x an AR(1) process: ([n], [n])."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.7 * x[t - 1] + rng.normal()
    y = np.zeros(n)
    y[3:] = 0.8 * x[:-3]
    return y + 0.1 * rng.normal(size=n), x


def ar_csv(n: int = 600, seed: int = 0) -> str:
    y, x = ar_series(n, seed)
    return "t,y,x\n" + "".join(
        f"{i},{a:.6f},{b:.6f}\n" for i, (a, b) in enumerate(zip(y, x, strict=True))
    )


# --------------------------------------------------------------------------- reading


def test_the_beijing_file_assembles_its_date_and_one_hots_the_wind(beijing_table):
    t = beijing_table
    assert t.date_column == "year, month, day, hour"
    assert t.date_parts == ("year", "month", "day", "hour")
    s = series_from_table(t, inputs=["DEWP", "TEMP", "PRES", "cbwd", "Iws"])
    assert s.name == "pm2.5"
    assert len(s.values) == 43_800  # 24 leading NA rows dropped, none folded
    assert s.time[0] == pd.Timestamp("2010-01-02 00:00") and s.time.is_unique
    assert s.n_missing_filled == 2043
    assert s.inputs.names == ["DEWP", "TEMP", "PRES", "cbwd=cv", "cbwd=NE", "cbwd=NW",
                              "cbwd=SE", "Iws"]  # fmt: skip
    onehot = s.inputs.values[:, 3:7]
    assert np.all(onehot.sum(axis=1) == 1.0)
    assert s.inputs.step == pd.Timedelta(hours=1)


def test_a_date_taken_from_one_part_is_refused_not_folded(beijing_table):
    with pytest.raises(DataError) as e:
        series_from_table(beijing_table, "pm2.5", date_column="year")
    assert str(e.value).startswith(
        "The date column 'year' gives 43,824 rows only 5 different dates, so it does not tell "
        "the rows apart"
    )


def test_missing_inputs_are_filled_and_reported_per_column():
    csv = _csv(["date,y,temp,wind", "2020-01-01,1,5,NW", "2020-01-02,2,,SE",
                "2020-01-03,3,7,", "2020-01-04,4,8,NW", "2020-01-05,5,9,SE"])  # fmt: skip
    s = series_from_table(read_table(csv), "y", inputs=["temp", "wind"])
    assert s.inputs.values[:, 0].tolist() == [5, 6, 7, 8, 9]  # time interpolation
    assert s.inputs.values[2, 1:].tolist() == [0.0, 1.0]  # wind: the previous value (SE)
    assert s.inputs.observed[:, 0].tolist() == [True, False, True, True, True]
    assert (
        "Input 'temp': 1 missing value filled by time interpolation (the nearest at the edges)."
        in s.notes
    )
    assert (
        "Input 'wind': 1 missing value filled with the previous value (the next at the start)."
        in s.notes
    )


def test_yes_no_and_true_false_become_one_and_zero():
    csv = _csv(["t,y,hol,open", "1,1,yes,TRUE", "2,2,no,FALSE", "3,3,Yes,true", "4,4,no,False"])
    s = series_from_table(read_table(csv), "y", future_inputs=["hol", "open"])
    assert [sp.encoding for sp in s.inputs.specs] == ["bool", "bool"]
    assert s.inputs.values.tolist() == [[1, 1], [0, 0], [1, 1], [0, 0]]
    assert {sp.kind for sp in s.inputs.specs} == {"future"}


def test_rows_after_the_last_value_are_the_inputs_future_never_training_data():
    csv = _csv(["date,y,hol,temp", "2020-01-01,1,0,5", "2020-01-02,2,1,6", "2020-01-03,3,0,7",
                "2020-01-04,,1,", "2020-01-05,,0,"])  # fmt: skip
    s = series_from_table(read_table(csv), "y", inputs=["temp"], future_inputs=["hol"])
    assert s.values.tolist() == [1, 2, 3]
    assert s.inputs.n_future == 2
    assert s.inputs.future_time.tolist() == [pd.Timestamp("2020-01-04"), pd.Timestamp("2020-01-05")]
    assert s.inputs.values[3:, 1].tolist() == [1, 0]  # hol's future
    assert np.isnan(s.inputs.values[3:, 0]).all()  # temp is known only up to now
    assert s.inputs.reach() == 1


def test_a_future_row_missing_a_known_ahead_input_ends_the_future_with_a_note():
    csv = _csv(["t,y,hol", "1,1,0", "2,2,1", "3,3,0", "4,,1", "5,,", "6,,1"])
    s = series_from_table(read_table(csv), "y", future_inputs=["hol"])
    assert s.inputs.n_future == 1 and s.inputs.reach() == 1
    assert (
        "The known-ahead inputs' future ends after 1 row: a row after the last value misses "
        "one of them." in s.notes
    )


@pytest.mark.parametrize(
    ("rows", "kwargs", "message"),
    [
        (
            ["t,y,city"] + [f"{i},{i},c{i}" for i in range(30)],
            {"inputs": ["city"]},
            "Column 'city' is text with 30 different values, over the 24 a text input can have "
            "(each value becomes its own 0/1 input): leave it out, or group its values into fewer "
            "in the file.",
        ),
        (
            ["t,y,x"] + [f"{i},{i}," for i in range(30)],
            {"inputs": ["x"]},
            "Input 'x' has no values: leave it out.",
        ),
        (
            ["t,y,x"] + [f"{i},{i},1" for i in range(3)],
            {"inputs": ["x"], "future_inputs": ["x"]},
            "Column 'x' is ticked twice: make it known ahead or known only up to now, not both.",
        ),
        (
            ["t,y,x"] + [f"{i},{i},1" for i in range(3)],
            {"inputs": ["y"]},
            "Column 'y' is already the values: it cannot also be an input.",
        ),
        (
            ["t,y,x"] + [f"{i},{i},1" for i in range(3)],
            {"inputs": ["nope"]},
            "There is no column named 'nope': choose inputs among 't', 'y', 'x'.",
        ),
        (
            ["year,y"] + [f"{1900 + i},{i}" for i in range(9)],
            {"calendar": True},
            "The dates are a year or more apart, so every calendar input would be constant: "
            "leave the calendar inputs off.",
        ),
        (
            ["y,x"] + [f"{i},{i}" for i in range(9)],
            {"calendar": True},
            "Calendar inputs need a date column: choose one, or leave the calendar inputs off.",
        ),
    ],
)
def test_bad_inputs_get_one_sentence(rows, kwargs, message):
    with pytest.raises(DataError) as e:
        series_from_table(read_table(_csv(rows)), "y", **kwargs)
    assert str(e.value) == message


def test_more_than_32_inputs_are_refused():
    cols = [f"c{j}" for j in range(33)]
    rows = [",".join(["y", *cols])] + [",".join(str(i + j) for j in range(34)) for i in range(5)]
    with pytest.raises(DataError) as e:
        series_from_table(read_table(_csv(rows)), "y", inputs=cols)
    assert str(e.value) == (
        "The chosen inputs make 33 model inputs (a text column counts once per value), over the "
        "limit of 32: choose fewer columns."
    )


def test_an_input_missing_or_constant_in_the_training_part_is_refused():
    n = 40
    late = ["t,y,x"] + [f"{i},{i % 7},{'' if i < 30 else i}" for i in range(n)]
    s = series_from_table(read_table(_csv(late)), "y", inputs=["x"])
    with pytest.raises(DataError) as e:
        make_dataset(s.values, DataConfig(look_back=3), inputs=s.inputs)
    assert str(e.value) == (
        "Input 'x' is missing throughout the training part: leave it out, or fill it in the file."
    )
    flat = ["t,y,x"] + [f"{i},{i % 7},{2 if i < 30 else i}" for i in range(n)]
    s = series_from_table(read_table(_csv(flat)), "y", inputs=["x"])
    with pytest.raises(DataError) as e:
        make_dataset(s.values, DataConfig(look_back=3), inputs=s.inputs)
    assert str(e.value) == (
        "Input 'x' is constant (2) throughout the training part, so the model cannot learn "
        "from it: leave it out."
    )


def test_calendar_inputs_fit_the_step():
    hourly = pd.date_range("2020-01-01", periods=50, freq="h").strftime("%Y-%m-%d %H:%M")
    rows = ["date,y"] + [f"{d},{i}" for i, d in enumerate(hourly)]
    s = series_from_table(read_table(_csv(rows)), "y", calendar=True)
    levels = ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "yearday_sin", "yearday_cos"]
    assert [sp.level for sp in s.inputs.specs] == levels
    hour = s.inputs.values[:, 0]
    np.testing.assert_allclose(hour[6], 1.0, atol=1e-12)  # sin(2π · 6 / 24)
    assert s.inputs.reach() is None  # regular dates: any horizon
    monthly = read_table(DATA / "air_passengers.csv")
    s = series_from_table(monthly, calendar=True)
    assert [sp.name for sp in s.inputs.specs] == ["day of year (sin)", "day of year (cos)"]


# --------------------------------------------------------------------------- model side


def _series(csv: str, **kw):
    return series_from_table(read_table(csv), "y", **kw)


def test_scalers_are_fitted_on_the_training_part_only():
    s = _series(ar_csv(200), inputs=["x"])
    cfg = DataConfig(look_back=5, inputs=("x",))
    d = make_dataset(s.values, cfg, inputs=s.inputs)
    values = s.inputs.values.copy()
    values[-40:] *= 100.0  # change the test part's inputs
    changed = replace(s.inputs, values=values)
    d2 = make_dataset(s.values, cfg, inputs=changed)
    assert d2.input_scalers == d.input_scalers
    assert d2.scaler == d.scaler
    train = s.inputs.values[: d.split.train_end, 0]
    assert d.input_scalers[0].offset == train.min()


def test_windows_read_past_inputs_at_t_and_future_inputs_at_t_plus_one():
    csv = _csv(["t,y,p,f"] + [f"{i},{i % 5},{10 * i},{100 * i}" for i in range(30)])
    s = _series(csv.decode(), inputs=["p"], future_inputs=["f"])
    d = make_dataset(s.values, DataConfig(look_back=4, transform="none"), inputs=s.inputs)
    assert tuple(d.X.shape) == (26, 4, 3)
    p = d.input_scalers[0].inverse(d.X[7, :, 1].numpy())
    f = d.input_scalers[1].inverse(d.X[7, :, 2].numpy())
    np.testing.assert_allclose(p, 10 * np.arange(7, 11), rtol=1e-5)  # steps 7..10 read p(t)
    np.testing.assert_allclose(f, 100 * np.arange(8, 12), rtol=1e-5)  # and f(t + 1)
    assert d.target_index[7] == 11  # the window predicts y(11): f(11) is its last input


def _trained(csv: str, epochs: int = 2, **kw):
    s = _series(csv, **kw)
    cfg = DataConfig(look_back=6, transform="none", **kw)
    bundle, data, _, _ = run(s.values, "y", cfg, ModelConfig(hidden_size=8),
                             TrainConfig(epochs=epochs, seed=0), inputs=s.inputs)  # fmt: skip
    return s, bundle, data


@pytest.mark.parametrize(("kind", "first"), [("future_inputs", 0), ("inputs", 1)])
def test_an_input_at_t_plus_one_changes_only_the_predictions_that_may_read_it(kind, first):
    csv = ar_csv(120)
    s, bundle, data = _trained(csv, **{kind: ["x"]})
    t = 80  # change x at position t + 1
    values = s.inputs.values.copy()
    values[t + 1, 0] += 5.0
    moved = dataset_for(bundle, s.values, replace(s.inputs, values=values))
    before, after = predict(bundle.model, data), predict(bundle.model, moved)
    idx = data.target_index
    changed = idx[np.abs(after - before) > 1e-9]
    # known ahead: y(t + 1) reads x(t + 1); known only up to now: y(t + 2) is the first
    assert changed.min() == t + 1 + first
    assert np.all(np.abs(after - before)[idx <= t + first] == 0.0)


def test_an_input_that_drives_the_series_halves_the_test_error():
    csv = ar_csv(600)
    s = _series(csv, inputs=["x"])
    cfg = DataConfig(look_back=8, transform="none", inputs=("x",))
    mcfg, tcfg = ModelConfig(hidden_size=16), TrainConfig(epochs=30, seed=0)
    b, d, _, _ = run(s.values, "y", cfg, mcfg, tcfg, inputs=s.inputs)
    with_x = evaluate(b.model, d).table["model"]["rmse"]
    b0, d0, _, _ = run(s.values, "y", DataConfig(look_back=8, transform="none"), mcfg, tcfg)
    without = evaluate(b0.model, d0).table["model"]["rmse"]
    assert with_x <= 0.5 * without, (with_x, without)


def test_model_files_keep_the_inputs_and_old_files_load_with_none(tmp_path):
    s, bundle, data = _trained(ar_csv(120), inputs=["x"])
    back = load_bundle(bundle_bytes(bundle))
    assert back.inputs == (InputSpec("x", "past", "x"),)
    assert back.input_scalers == bundle.input_scalers
    assert back.model_config.n_inputs == 1
    again = dataset_for(back, s.values, s.inputs)
    np.testing.assert_array_equal(predict(back.model, again), predict(bundle.model, data))
    old = bundle.to_dict()
    old.pop("inputs")
    buf = io.BytesIO()
    torch.save(old, buf)
    with pytest.raises(Exception, match="damaged"):  # its weights read 2 channels
        load_bundle(buf.getvalue())
    with pytest.raises(DataError) as e:
        dataset_for(bundle, s.values)
    assert str(e.value) == (
        "This model reads the inputs x beside the values, but none were given: read the "
        "series with the model's inputs."
    )


def test_forecasts_use_the_future_rows_and_say_where_they_end():
    y, x = ar_series(150)
    rows = ["t,y,x"] + [f"{i},{a:.6f},{b:.6f}" for i, (a, b) in enumerate(zip(y, x, strict=True))]
    rows += [f"{150 + k},,{0.5 * k}" for k in range(3)]
    s, bundle, data = _trained("\n".join(rows) + "\n", future_inputs=["x"])
    assert s.inputs.n_future == 3
    fc = forecast(bundle.model, data, 5)
    assert len(fc.values) == 3 and np.isfinite(fc.values).all()
    assert fc.note == (
        "The forecast stops after 3 steps, where the file's future rows of 'x' end (5 were "
        "asked for): add rows with their future values to go further."
    )
    # the first step reads x at the first future row: changing it moves the forecast
    values = s.inputs.values.copy()
    values[150, 0] += 3.0
    moved = dataset_for(bundle, s.values, replace(s.inputs, values=values))
    assert forecast(bundle.model, moved, 3).values[0] != fc.values[0]


def test_past_inputs_stop_backtests_and_forecasts_at_one_step():
    _, bundle, data = _trained(ar_csv(150), inputs=["x"])
    ev = evaluate(bundle.model, data, horizon=6)
    assert ev.backtest.horizon == 1
    assert ev.verdict.endswith(
        "Forecasts stop at one step: 'x' is known only up to now, so the steps after the next "
        "have no value to read (mark an input known ahead if its future is known)."
    )
    fc = forecast(bundle.model, data, 4)
    assert len(fc.values) == 1 and np.isfinite(fc.values).all()


def test_inputs_must_match_the_series_length():
    s = _series(ar_csv(60), inputs=["x"])
    short = Inputs(s.inputs.specs, s.inputs.values[:-5], s.inputs.observed[:-5], 0)
    with pytest.raises(DataError) as e:
        make_dataset(s.values, DataConfig(look_back=3), inputs=short)
    assert str(e.value) == (
        "There are 55 rows of inputs for 60 values: pass the inputs read with this series."
    )
