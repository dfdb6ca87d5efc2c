import numpy as np
import pandas as pd
import pytest
import torch

from lstm_core import metrics
from lstm_core.config import DataConfig, ModelConfig
from lstm_core.evaluation.forecast import evaluate, forecast, predict
from lstm_core.fitting.models import build_model
from lstm_core.series.windows import Scaler, make_dataset


def test_errors_by_hand():
    y = np.array([1.0, 2.0, 4.0])
    p = np.array([2.0, 2.0, 1.0])
    assert metrics.rmse(y, p) == pytest.approx(np.sqrt((1 + 0 + 9) / 3))
    assert metrics.mae(y, p) == pytest.approx(4 / 3)
    assert metrics.smape(y, p) == pytest.approx(100 * (2 / 3 + 0 + 6 / 5) / 3)
    assert metrics.smape(np.zeros(2), np.zeros(2)) == 0.0
    train = np.array([0.0, 1.0, 3.0, 6.0])  # naive in-sample MAE = (1 + 2 + 3) / 3 = 2
    assert metrics.mase(y, p, train) == pytest.approx((4 / 3) / 2)
    assert metrics.mase(y, p, train, season=2) == pytest.approx((4 / 3) / 4)


def test_baselines_use_only_the_past():
    v = np.arange(30.0)
    idx = np.array([20, 21, 29])
    b = metrics.baselines(v, idx, train_end=10, season=12)
    assert b["naive"].tolist() == [19, 20, 28]
    assert b["seasonal_naive"].tolist() == [8, 9, 17]
    assert b["mean"].tolist() == [4.5] * 3
    assert "seasonal_naive" not in metrics.baselines(v, idx, 10, None)


def test_seasonal_naive_stays_for_targets_a_season_in_when_the_look_back_is_shorter():
    v = np.arange(60.0)
    idx = np.arange(4, 60)  # look-back 4, season 12: the first 8 targets have no season back
    sn = metrics.baselines(v, idx, train_end=40, season=12)["seasonal_naive"]
    assert np.isnan(sn[:8]).all() and sn[8:].tolist() == (np.arange(12, 60) - 12.0).tolist()
    assert "seasonal_naive" not in metrics.baselines(v, np.arange(4, 12), 10, 12)  # none reach


def test_the_evaluation_keeps_seasonal_naive_with_a_look_back_shorter_than_the_season():
    from lstm_core.config import DataConfig
    from lstm_core.evaluation.forecast import evaluate
    from lstm_core.series.windows import make_dataset

    t = np.arange(240)
    v = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    data = make_dataset(v, DataConfig(look_back=4, transform="none"))

    class Last(torch.nn.Module):  # predicts the window's last value: the naive forecast
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return x[:, -1] + 0 * self.w

    ev = evaluate(Last(), data, season=12)
    assert set(ev.table) == {"model", "naive", "seasonal_naive", "mean"}
    assert ev.table["seasonal_naive"]["rmse"] < ev.table["naive"]["rmse"] / 2
    assert "seasonal naive" in ev.verdict and ev.verdict.startswith("The model is worse")


def test_season_detected_on_real_and_synthetic_series(air_csv):
    air = pd.read_csv(air_csv)["passengers"].to_numpy(float)
    assert metrics.detect_season(air) == 12
    t = np.arange(300)
    assert metrics.detect_season(np.sin(2 * np.pi * t / 24)) == 24
    noise = np.random.default_rng(0).standard_normal(300)
    assert metrics.detect_season(noise) is None


class Echo(torch.nn.Module):
    """A 'model' that returns the last input: the naive forecast in disguise."""

    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x[:, -1] + 0 * self.p


def test_a_model_that_echoes_the_last_value_is_exposed(air_csv):
    air = pd.read_csv(air_csv)["passengers"].to_numpy(float)
    data = make_dataset(air, DataConfig(look_back=12))
    ev = evaluate(Echo(), data)
    assert ev.season == 12
    assert ev.echo == pytest.approx(1.0)
    assert ev.table["model"]["rmse"] == pytest.approx(ev.table["naive"]["rmse"], rel=1e-5)
    assert ev.verdict.endswith(
        "Its forecasts sit 100% of the way onto the naive one: it mostly repeats the last value."
    )
    assert set(ev.table) == {"model", "naive", "seasonal_naive", "mean"}


def test_predictions_are_in_original_units(air_csv):
    air = pd.read_csv(air_csv)["passengers"].to_numpy(float)
    data = make_dataset(air, DataConfig(look_back=12))
    p = predict(Echo(), data)
    np.testing.assert_allclose(p, air[11:-1], rtol=1e-5)


def test_recursive_forecast_feeds_predictions_back():
    v = np.linspace(0, 1, 20)
    data = make_dataset(v, DataConfig(look_back=5), scaler=Scaler("minmax", 0.0, 1.0))
    got = forecast(Echo(), data, horizon=4, bands=False).values
    np.testing.assert_allclose(got, [1, 1, 1, 1])
    model = build_model(ModelConfig(hidden_size=4), seed=0)
    f = forecast(model, data, horizon=3, bands=False).values
    # step 2 must equal the model's output on the window with step 1 appended
    w = torch.tensor(np.r_[v[-4:], f[0]], dtype=torch.float32)[None]
    assert f[1] == pytest.approx(float(model(w).detach()), abs=1e-6)
    with pytest.raises(ValueError, match="horizon must be at least 1"):
        forecast(model, data, 0)


@pytest.mark.parametrize(
    ("model", "words"),
    [
        (80.0, "The model beats the best baseline (naive): its RMSE is 20% lower than the "
               "naive baseline's one step ahead at 40 test points."),
        (98.0, "The model is about as good as the naive baseline: its RMSE is 2% lower than "
               "the naive baseline's one step ahead at 40 test points; it has learned little "
               "beyond it."),
        (100.2, "The model is about as good as the naive baseline: its RMSE equals the naive "
                "baseline's one step ahead at 40 test points; it has learned little beyond it."),
        (104.0, "The model is about as good as the naive baseline: its RMSE is 4% higher than "
                "the naive baseline's one step ahead at 40 test points; it has learned little "
                "beyond it."),
        (112.0, "The model is worse than the naive baseline: its RMSE is 12% higher than the "
                "naive baseline's one step ahead at 40 test points."),
    ],
)  # fmt: skip
def test_every_verdict_says_which_way_it_goes(model, words):
    table = {"model": {"rmse": model}, "naive": {"rmse": 100.0}, "mean": {"rmse": 150.0}}
    assert metrics.verdict(table, 40) == words


def test_a_verdict_on_a_tiny_test_part_says_it_is_too_small_to_judge():
    text = metrics.backtest_verdict(47.0, {"seasonal_naive": 100.0}, 1, 2)
    assert text == (
        "The test part is too small to judge the model: its RMSE is 53% lower than the "
        "seasonal naive baseline's over one-step forecasts at 2 test points, but 2 test points "
        "say little (at least 20 are needed): use a longer series, a smaller look-back or a "
        "larger test share."
    )


def test_a_backtest_is_judged_on_the_test_points_its_paths_reach_not_its_origins():
    rivals = {"seasonal_naive": 100.0}
    text = metrics.backtest_verdict(47.0, rivals, 10, 11, points=20)  # air passengers' default
    assert text == (
        "The model beats the best baseline (seasonal naive): its RMSE is 53% lower than the "
        "seasonal naive baseline's over forecasts 1–10 steps ahead from 11 test origins."
    )
    assert metrics.backtest_verdict(47.0, rivals, 10, 5, points=14).startswith(
        "The test part is too small to judge the model: "
    )
    assert metrics.backtest_verdict(47.0, rivals, 10, 5, points=14).endswith(
        "but 14 test points say little (at least 20 are needed): use a longer series, a "
        "smaller look-back or a larger test share."
    )


def test_a_backtests_paths_reach_each_test_point_once():
    from lstm_core.evaluation.backtest import Backtest

    def reach(origins, horizon):
        o = np.asarray(origins)
        z = np.zeros((len(o), horizon))
        return Backtest(horizon, o, z, z, {}, calibrate=lambda: None).n_targets

    assert reach(range(100, 111), 10) == 20  # 11 origins of 10 steps: 20 test points
    assert reach([100, 150], 3) == 6  # spaced origins on a long test part: no overlap
    assert reach([100], 1) == 1


def test_counts_are_plural_except_one_and_grouped_by_thousands():
    assert metrics.count(1, "test point") == "1 test point"
    assert metrics.count(6568, "test point") == "6,568 test points"
    assert metrics.count(2, "NaN or infinite entry") == "2 NaN or infinite entries"
    assert metrics.count(3, "day") == "3 days" and metrics.count(0, "key") == "0 keys"
    table = {"model": {"rmse": 1.0}, "naive": {"rmse": 2.0}}
    assert metrics.verdict(table, 6568).endswith("one step ahead at 6,568 test points.")
    assert "at 1 test point, but 1 test point says little" in metrics.backtest_verdict(
        1.0, {"naive": 2.0}, 1, 1
    )


def test_decimals_give_the_largest_value_its_significant_digits():
    assert metrics.decimals([25.2182, 18.718]) == 2  # 25.22 beside 18.72
    assert metrics.decimals(251.58) == 1 and metrics.decimals(0.0012345) == 6  # 0.001235
    assert metrics.decimals([float("nan"), 3.0]) == 3 and metrics.decimals([]) == 3
