"""explorer.figures and explorer.params: pure functions, no Streamlit."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from explorer import figures as F
from explorer.params import configs_to_params, params_to_configs
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.series.windows import Split


def arr(values: object) -> np.ndarray:
    """A trace array as numpy, whether Plotly kept it as a list/array or base64-encoded it."""
    if isinstance(values, dict) and "bdata" in values:
        raw = base64.b64decode(values["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(values["dtype"]))
    return np.asarray(values)


def rec(epoch: int, train: float, val: float) -> SimpleNamespace:
    return SimpleNamespace(epoch=epoch, train_loss=train, val_loss=val)


SPLIT = Split(look_back=4, n_train=10, n_val=3, n_test=3)  # 20 points: 14 | 3 | 3


def test_series_figure_has_three_coloured_parts_and_two_shaded_regions():
    values = np.arange(20, dtype=float)
    fig = F.series_figure(np.arange(20), values, SPLIT, name="v")
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names == ["train", "validation", "test"]
    train, val, test = (arr(t.y) for t in fig.data)
    assert train.tolist() == list(range(14))
    assert val.tolist() == [13, 14, 15, 16]  # starts at the previous part's last point
    assert test.tolist() == [16, 17, 18, 19]
    assert len({t.line.color for t in fig.data}) == 3
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2
    assert (rects[0].x0, rects[0].x1, rects[1].x0, rects[1].x1) == (13, 16, 16, 19)
    assert fig.layout.yaxis.title.text == "v"


def test_series_figure_keeps_timestamps():
    time = pd.date_range("2000-01-01", periods=20, freq="MS")
    fig = F.series_figure(time, np.ones(20), SPLIT)
    assert pd.Timestamp(fig.data[0].x[0]) == time[0]
    assert pd.Timestamp(fig.data[2].x[-1]) == time[-1]


def test_yearly_dates_get_whole_year_ticks_monthly_ones_plotlys():
    years = pd.date_range("1985-01-01", periods=20, freq="YS")  # 1985 .. 2004
    ahead = years[-3:] + pd.DateOffset(years=3)  # 2005 .. 2007
    cases = (  # 19 years: every 2nd year; 22 years: every 5th (1, 2, 5, 10, 20, 25, 50, ...
        # years, at most about 10 ticks), on round years; the residuals: validation and test
        (F.series_figure(years, np.ones(20), SPLIT), "M24", "1984-01-01"),
        (F.residual_figure(years, np.arange(16) + 4, np.ones(16), SPLIT), "M12", "1999-01-01"),
        (F.forecast_figure(years, np.ones(20), ahead, np.ones(3)), "M60", "1985-01-01"),
    )
    for fig, dtick, tick0 in cases:
        assert fig.layout.xaxis.tickformat == "%Y"
        assert (fig.layout.xaxis.dtick, fig.layout.xaxis.tick0) == (dtick, tick0)
    sunspots = pd.date_range("1700-01-01", periods=309, freq="YS")  # 1700 .. 2008
    wide = F.series_figure(sunspots, np.ones(309), SPLIT).layout.xaxis
    assert (wide.dtick, wide.tick0) == ("M600", "1700-01-01")  # 1700, 1750, ... not 1721
    shown = F.prediction_figure(years, np.ones(20), np.arange(16) + 4, np.ones(16), SPLIT)
    assert shown.layout.xaxis.dtick == "M12"  # the validation and test parts: 7 years
    months = pd.date_range("2000-01-01", periods=20, freq="MS")
    assert F.series_figure(months, np.ones(20), SPLIT).layout.xaxis.dtick is None
    assert F.series_figure(np.arange(20), np.ones(20), SPLIT).layout.xaxis.tickformat is None


@pytest.mark.parametrize("log_y", [False, True])
def test_loss_figure_train_and_val_per_epoch(log_y):
    hist = [rec(1, 1.0, 2.0), rec(2, 0.5, 1.0), rec(3, 0.25, 0.8)]
    fig = F.loss_figure(hist, log_y=log_y)
    assert [t.name for t in fig.data] == ["train", "validation"]
    assert arr(fig.data[0].x).tolist() == [1, 2, 3]
    assert arr(fig.data[0].y).tolist() == [1.0, 0.5, 0.25]
    assert arr(fig.data[1].y).tolist() == [2.0, 1.0, 0.8]
    assert fig.layout.yaxis.type == ("log" if log_y else "linear")
    assert fig.layout.xaxis.title.text == "epoch"


def test_loss_figure_overlays_come_first_and_are_dashed():
    old = [rec(1, 3.0, 4.0), rec(2, 2.0, 3.0)]
    fig = F.loss_figure([rec(1, 1.0, 2.0)], overlays=[("LSTM h8 #1", old)])
    names = [t.name for t in fig.data]
    assert names == ["LSTM h8 #1 · train", "LSTM h8 #1 · val", "train", "validation"]
    assert fig.data[1].line.dash == "dash"
    assert arr(fig.data[1].y).tolist() == [4.0, 3.0]


def test_loss_figure_of_empty_history():
    fig = F.loss_figure([])
    assert len(fig.data) == 2 and len(fig.data[0].x) == 0


def _windows():
    values = np.arange(20, dtype=float) * 10
    idx = np.arange(4, 20)  # targets of the 16 windows
    pred = values[idx] + 1
    return values, idx, pred


def test_prediction_figure_truth_model_parts_and_window_customdata():
    values, idx, pred = _windows()
    fig = F.prediction_figure(np.arange(20), values, idx, pred, SPLIT)
    names = [t.name for t in fig.data]
    assert names == ["truth", "model (validation)", "model (test)"]
    truth, val, test = fig.data
    assert arr(truth.x)[0] == 13  # starts one step before the first validation target
    assert arr(val.x).tolist() == [14, 15, 16] and arr(val.y).tolist() == [141, 151, 161]
    assert arr(test.x).tolist() == [17, 18, 19]
    assert arr(val.customdata).tolist() == [10, 11, 12]  # window indices
    assert arr(test.customdata).tolist() == [13, 14, 15]


def test_prediction_figure_baselines_on_demand_and_all_parts():
    values, idx, pred = _windows()
    base = {"naive": values[idx - 1], "mean": np.full(16, 5.0)}
    fig = F.prediction_figure(
        np.arange(20), values, idx, pred, SPLIT, baselines=base, parts=("train", "val", "test"),
        name="passengers",
    )  # fmt: skip
    assert fig.layout.yaxis.title.text == "passengers"  # not the last baseline's name
    names = [t.name for t in fig.data]
    assert names[:4] == ["truth", "model (train)", "model (validation)", "model (test)"]
    assert names[4:] == ["naive (last value)", "mean of train"]
    assert len(fig.data[4].y) == 16
    assert arr(fig.data[0].x)[0] == 3


def test_residual_figure_bars_per_part_and_zero_line():
    _, idx, _ = _windows()
    r = np.linspace(-1, 1, 16)
    fig = F.residual_figure(np.arange(20), idx, r, SPLIT)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert [t.name for t in fig.data] == ["validation", "test"]
    assert arr(fig.data[0].y).tolist() == pytest.approx(r[10:13].tolist())
    assert any(s.type == "line" and s.y0 == 0 for s in fig.layout.shapes)


def test_forecast_figure_continues_from_the_last_point():
    values = np.arange(30, dtype=float)
    fig = F.forecast_figure(np.arange(30), values, [30, 31, 32], np.array([7.0, 8.0, 9.0]), tail=10)
    series, fc = fig.data
    assert len(series.y) == 10 and arr(series.x)[0] == 20
    assert arr(fc.x).tolist() == [29, 30, 31, 32]
    assert arr(fc.y).tolist() == [29.0, 7.0, 8.0, 9.0]


def test_future_axis_positions_and_timestamps():
    assert F.future_axis(None, 5, 3) == [5, 6, 7]
    monthly = pd.date_range("2000-01-01", periods=12, freq="MS")
    assert F.future_axis(monthly, 12, 2) == [pd.Timestamp("2001-01-01"), pd.Timestamp("2001-02-01")]
    irregular = pd.DatetimeIndex(["2000-01-01", "2000-01-03", "2000-01-04", "2000-01-06"])
    out = F.future_axis(irregular, 4, 2)
    assert out[0] > irregular[-1] and out[1] > out[0]


def test_metrics_frame_rows_and_columns():
    table = {
        "model": {"rmse": 1.0, "mae": 0.5, "smape": 3.0, "mase": 0.9},
        "naive": {"rmse": 2.0, "mae": 1.0, "smape": 6.0, "mase": 1.2},
    }
    frame = F.metrics_frame(table)
    assert list(frame.columns) == ["RMSE", "MAE", "sMAPE %", "MASE"]
    assert list(frame.index) == ["model", "naive (last value)"]
    assert frame.loc["model", "MASE"] == 0.9


def test_table_cells_write_an_undefined_score_as_a_dash_not_none():
    # Streamlit draws a null cell as "None" whatever a Styler's na_rep says: such a column
    # is written out as text, every other one stays numbers with its format
    table = {
        "model": {"rmse": 1.0, "mae": 0.5, "smape": 3.0, "mase": None},
        "naive": {"rmse": 20.0, "mae": 1.0, "smape": float("nan"), "mase": None},
    }
    styled = F.table_cells(F.metrics_frame(table), "{:#.4g}")
    data = styled.data
    assert data["MASE"].tolist() == ["–", "–"] and data["sMAPE %"].tolist() == ["3.000", "–"]
    assert data["RMSE"].dtype == np.float64 and data["RMSE"].tolist() == [1.0, 20.0]
    assert styled.hide(axis="index").to_string(delimiter="|").splitlines()[1:] == [
        "1.000|0.5000|3.000|–", "20.00|1.000|–|–"
    ]  # fmt: skip
    sweep = pd.DataFrame({"T = 25": [50.0, np.nan]}, index=["LSTM", "GRU"])
    assert F.table_cells(sweep, "{:.1f} %", missing="…").data["T = 25"].tolist() == [
        "50.0 %", "…"
    ]  # fmt: skip


# --------------------------------------------------------------------------- params


def test_params_round_trip():
    cfgs = (
        DataConfig(look_back=24, val_fraction=0.2, test_fraction=0.1),
        ModelConfig(cell="gru", hidden_size=16, num_layers=2, forget_bias_one=False),
        TrainConfig(epochs=7, batch_size=8, lr=0.0123, patience=3, seed=42),
    )
    source = {"kind": "builtin", "key": "sine", "params": {"n": 300, "noise": 0.2}}
    params = configs_to_params(*cfgs, source)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    d, m, t, src = params_to_configs(params)
    assert (d, m, t) == cfgs
    assert src == source


def test_params_of_an_upload_carry_no_source():
    params = configs_to_params(DataConfig(), ModelConfig(), TrainConfig(), {"kind": "upload"})
    assert "src" not in params
    assert params_to_configs(params)[3] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"lb": "abc", "hidden": "1e9", "layers": "7", "cell": "transformer"},
        {"lr": "nan", "epochs": "-3", "bs": "0", "fbias": "maybe", "patience": "x"},
        {"val": "0.9", "test": "2", "seed": "1.5", "lb": "9" * 70},
        {"lb": None, "hidden": ["8"], "src": "", "p.n": "x" * 100},
    ],
)
def test_invalid_params_are_ignored(bad):
    d, m, t, src = params_to_configs(bad)
    assert (d, m, t) == (DataConfig(), ModelConfig(), TrainConfig())
    assert src is None


def test_params_that_clash_keep_the_first_valid_one():
    d, *_ = params_to_configs({"val": "0.6", "test": "0.6"})
    assert d.val_fraction == 0.6 and d.test_fraction == DataConfig().test_fraction


# --------------------------------------------------------------------------- long series


def test_envelope_keeps_every_bins_extremes_and_the_ends():
    assert F.envelope(np.arange(10.0), 20).tolist() == list(range(10))
    rng = np.random.default_rng(0)
    v = rng.standard_normal(100_003)
    keep = F.envelope(v, 1000)
    assert len(keep) <= 1002 and keep[0] == 0 and keep[-1] == len(v) - 1
    assert np.all(np.diff(keep) > 0)  # in time order, no duplicates
    k = -(-len(v) // 499)  # the bins envelope uses for 1000 points
    for start in range(0, len(v), k):
        part = v[start : start + k]
        assert start + int(np.argmin(part)) in keep and start + int(np.argmax(part)) in keep
    v[5_000:6_000] = np.nan  # a gap: no crash, NaNs are never picked as extremes
    assert not np.isnan(v[F.envelope(v, 1000)[1:-1]]).any()


def test_a_long_series_is_drawn_by_its_envelope_with_a_note():
    n = 200_000
    time = pd.date_range("2000-01-01", periods=n, freq="h")
    values = np.sin(np.arange(n) / 50.0)
    values[123_457] = 9.0  # one spike must survive
    split = Split(look_back=24, n_train=int(0.7 * (n - 24)), n_val=int(0.15 * (n - 24)),
                  n_test=n - 24 - int(0.7 * (n - 24)) - int(0.15 * (n - 24)))  # fmt: skip
    fig = F.series_figure(time, values, split, name="load")
    drawn = sum(len(t.y) for t in fig.data)
    assert drawn <= 3 * (F.MAX_LINE_POINTS + 2)
    assert max(max(arr(t.y)) for t in fig.data) == 9.0
    spike = next(t for t in fig.data if 9.0 in arr(t.y))
    i = int(np.flatnonzero(arr(spike.y) == 9.0)[0])
    assert pd.Timestamp(spike.x[i]) == time[123_457]  # a real point at its real time
    assert f"{drawn - 2:,} of {n:,} points drawn" in fig.layout.title.text  # 2 border repeats
    assert F.series_figure(np.arange(20), np.ones(20), SPLIT).layout.title.text in (None, "")


def test_long_predictions_keep_their_window_indices():
    n = 30_000
    values = np.cos(np.arange(n) / 30.0)
    split = Split(look_back=10, n_train=20_000, n_val=4_990, n_test=5_000)
    idx = np.arange(10, n)
    pred = values[idx] + 0.01
    fig = F.prediction_figure(np.arange(n), values, idx, pred, split)
    for t in fig.data[1:]:  # the model's traces
        w = np.asarray(t.customdata)
        assert len(w) <= F.MAX_LINE_POINTS + 2
        np.testing.assert_array_equal(arr(t.y), pred[w])  # each point is its window's value
        np.testing.assert_array_equal(arr(t.x), idx[w])


def test_the_backtest_chart_hides_a_baseline_far_above_every_other_line():
    from explorer.forecast_figures import horizon_figure

    model, refs = [10.0, 20.0, 30.0], {"AutoARIMA": [8.0, 15.0, 40.0]}
    base = {"naive": [30.0, 40.0, 45.0], "mean": [136.0, 140.0, 150.0]}  # mean > 3 x 45
    fig = horizon_figure(model, base, refs)
    shown = {t.name: t.visible or True for t in fig.data}  # unset (None) is drawn
    assert shown == {"reference: AutoARIMA": True, "naive (last value)": True,
                     "mean of train": "legendonly", "model": True}  # fmt: skip
    base["mean"][0] = 134.0  # one step within 3 x the top: drawn
    assert all(t.visible in (None, True) for t in horizon_figure(model, base, refs).data)
    # the best baseline, the one the verdict names, is always drawn and counts in the top
    base = {"naive": [4.0] * 3, "mean": [10.0] * 3}
    assert all(t.visible in (None, True) for t in horizon_figure([1.0] * 3, base).data)
    base["mean"] = [13.0] * 3  # over 3 x the naive's 4
    hidden = [t.name for t in horizon_figure([1.0] * 3, base).data if t.visible == "legendonly"]
    assert hidden == ["mean of train"]
    assert horizon_figure([1.0] * 3, {"mean": [100.0] * 3}).data[0].visible in (None, True)


def test_seed_curves_of_one_epoch_are_drawn_as_dots_not_invisible_lines():
    from explorer.compare_figures import seed_curves_figure

    def run(epochs):
        hist = [rec(e, 1.0 / e, 2.0 / e) for e in range(1, epochs + 1)]
        return [SimpleNamespace(cell=c, fit=SimpleNamespace(history=hist)) for c in ("lstm",)]

    assert [t.mode for t in seed_curves_figure([run(1), run(1)], [0, 1]).data] == ["markers"] * 2
    assert [t.mode for t in seed_curves_figure([run(3)], [0]).data] == ["lines"]
