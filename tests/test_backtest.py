"""Rolling-origin backtests and split-conformal intervals: the same numbers two ways, and
coverage that holds where the theory says it must."""

import numpy as np
import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.backtest import backtest, baseline_paths, default_horizon
from lstm_core.evaluation.forecast import evaluate, forecast
from lstm_core.evaluation.intervals import (
    calibrate,
    conformal_quantile,
    in_sample_quantiles,
    start_scores,
    step_scores,
)
from lstm_core.evaluation.paths import paths
from lstm_core.fitting.models import build_model
from lstm_core.fitting.train import fit
from lstm_core.series.synthetic import trend_series
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import make_dataset

from .test_metrics import Echo  # the naive forecast in disguise


@pytest.fixture(scope="module")
def level():
    return trend_series(n=200, seed=2)


@pytest.mark.parametrize("tf", [Transform("none"), Transform("diff"), Transform("logdiff"),
                                Transform("sdiff", 12)], ids=lambda t: t.kind)  # fmt: skip
def test_paths_are_the_recursion_done_by_hand(level, tf):
    data = make_dataset(level, DataConfig(look_back=12), transform=tf)
    model = build_model(ModelConfig(hidden_size=5), seed=3)
    w, H = data.split.n_train + 4, 7
    got = paths(model, data, np.array([w, w + 1]), H)
    # by hand: one window, one step at a time, then back to levels one step at a time
    window = data.X[w].clone()
    levels = list(level[: data.target_index[w]])
    for _ in range(H):
        y = float(model(window[None]).detach())
        window = torch.cat([window[1:], torch.tensor([y])])
        z = data.scaler.inverse(np.array([y]))[0]
        back = levels[-tf.lag] if tf.lag else 0.0
        levels.append(tf.invert_step(np.array([z]), np.array([back]))[0])
    np.testing.assert_allclose(got[0], levels[-H:], rtol=1e-5)


def test_baseline_paths_repeat_the_last_value_and_the_last_season():
    v = np.arange(100, dtype=float) ** 1.5
    t0 = np.array([30, 50])
    b = baseline_paths(v, t0, horizon=7, train_end=20, season=4)
    np.testing.assert_array_equal(b["naive"], np.repeat(v[[29, 49]][:, None], 7, axis=1))
    # step k (0-based) of the path from t0 forecasts t0 + k from the same phase a season back
    expect = [[v[t + k - 4 * (k // 4 + 1)] for k in range(7)] for t in t0]
    np.testing.assert_array_equal(b["seasonal_naive"], expect)
    assert (
        b["seasonal_naive"][0, 0] == v[26] and b["seasonal_naive"][0, 4] == v[26]
    )  # v[30] unknown
    np.testing.assert_array_equal(b["mean"], np.full((2, 7), v[:20].mean()))


def test_an_echo_model_scores_exactly_like_the_naive_baseline(level):
    data = make_dataset(level, DataConfig(look_back=12))
    bt = backtest(Echo(), data, horizon=6, season=12)
    assert len(bt.origins) == data.split.n_test - 6 + 1
    np.testing.assert_allclose(bt.predictions, bt.baselines["naive"], rtol=1e-6)
    np.testing.assert_allclose(bt.rmse_by_step(), bt.rmse_by_step(bt.baselines["naive"]),
                               rtol=1e-5)  # fmt: skip
    d = bt.to_dict()
    assert d["horizon"] == 6 and d["origins"] == len(bt.origins)
    assert set(d["baselines"]) == {"naive", "seasonal_naive", "mean"}
    # truth really is the test part, step by step
    np.testing.assert_array_equal(bt.truth[:, 0], level[data.target_index[bt.origins]])


def test_the_horizon_must_fit_the_test_part(level):
    data = make_dataset(level, DataConfig(look_back=12))
    n = data.split.n_test
    with pytest.raises(ValueError) as info:
        backtest(Echo(), data, horizon=n + 1, season=None)
    assert str(info.value) == (
        f"The backtest horizon must be from 1 to {n} (the test part's length), got {n + 1}: "
        "choose a shorter horizon or a larger test fraction."
    )
    assert default_horizon(data, 12) == 12 and default_horizon(data, None) == 12
    assert default_horizon(data, 40) == n // 2


def test_conformal_quantile_is_the_finite_sample_rank():
    s = np.arange(1.0, 10.0)  # 9 scores
    assert conformal_quantile(s, 0.8) == (8.0, False)  # ceil(10 · 0.8) = 8th smallest
    assert conformal_quantile(s[::-1], 0.5) == (5.0, False)
    # rank 10 > 9: the largest (the 0.9 quantile) scaled to 0.95 by a half-normal tail,
    # z(0.975) / z(0.95), and flagged
    q, capped = conformal_quantile(s, 0.95)
    assert capped and q == pytest.approx(9.0 * 1.959964 / 1.644854, rel=1e-6)
    assert np.isnan(conformal_quantile(np.array([]), 0.8)[0])


def test_log_bands_scale_with_the_level(level):
    data = make_dataset(level, DataConfig(look_back=12), transform=Transform("logdiff"))
    iv = calibrate(Echo(), data, horizon=3, part="val")
    assert iv.log and iv.q.shape == (2, 3) and iv.n_cal == data.split.n_val
    b = iv.bands(np.array([100.0, 200.0, 300.0]))
    np.testing.assert_allclose(b["upper_80"] / [100, 200, 300], np.exp(iv.q[0]))
    assert np.all(b["lower_95"] <= b["lower_80"]) and np.all(b["upper_80"] <= b["upper_95"])


def test_conformal_coverage_is_nominal_on_a_series_with_known_noise():
    """A noisy sine (noise σ = 0.3, exchangeable residuals), a small trained LSTM, 1,500
    validation and 1,500 test points (500 of each sampled): every band covers its nominal
    share ±5 points."""
    rng = np.random.default_rng(0)
    t = np.arange(5000)
    v = np.sin(2 * np.pi * t / 24) + 0.3 * rng.standard_normal(len(t))
    data = make_dataset(v, DataConfig(look_back=24, val_fraction=0.3, test_fraction=0.3))
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden_size=8), seed=0)
    fit(model, data, TrainConfig(epochs=5, batch_size=32, seed=0))
    bt = backtest(model, data, horizon=4, season=24)
    cov = bt.coverage()
    assert len(bt.origins) == 500  # of ~1,500 test origins, evenly spaced
    assert abs(cov["0.8"] - 0.8) <= 0.05 and abs(cov["0.95"] - 0.95) <= 0.05, cov
    # the model learned the wave: its 80 % half-width is near the noise's own (1.28 σ)
    assert bt.intervals.q[0, :, 0].max() < 1.5 * 1.2816 * 0.3, bt.intervals.q[0, :, 0]


def test_a_quiet_validation_part_is_raised_to_the_in_sample_errors():
    """Naive (Echo) on noise with σ = 3 through the training part and σ = 1 after it: the
    validation errors alone would give bands a third as wide as the errors the model makes
    on the end of its training part; each step and level starts at the larger of the two
    quantiles, by hand. Where validation is the noisier part, nothing changes."""
    rng = np.random.default_rng(5)
    sigma = np.r_[np.full(700, 3.0), np.full(300, 1.0)]
    v = 50 + sigma * rng.standard_normal(1000)
    data = make_dataset(v, DataConfig(look_back=4))
    sp = data.split
    assert sp.n_train - 3 * sp.n_val > 0 and data.target_index[sp.n_train] >= 700
    iv = calibrate(Echo(), data, 2, part="val")
    y = data.values[data.target_index]  # [windows] every target
    for k in range(2):  # step k forecasts target t with the value k + 1 before it
        naive = np.abs(y - data.values[data.target_index - 1 - k])
        val = naive[sp.n_train : sp.n_train + sp.n_val]
        tail = naive[sp.n_train - 3 * sp.n_val : sp.n_train]
        for j, lv in enumerate((0.8, 0.95)):
            q_val, q_tail = conformal_quantile(val, lv)[0], np.quantile(tail, lv)
            assert 2 < q_tail / q_val < 4.5  # the noise ratio, 3
            assert iv.raised_by[j, k] == pytest.approx(q_tail / q_val, rel=1e-4)
            assert iv.q[j, k] == pytest.approx(q_tail, rel=1e-4)
    assert iv.floored
    # the other way round (σ = 1, then 3): noisier validation, no floor
    loud = make_dataset(50 + (4 - sigma) * rng.standard_normal(1000), DataConfig(look_back=4))
    quiet = calibrate(Echo(), loud, 2, part="val")
    assert not quiet.floored and np.all(quiet.raised_by == 1.0)
    val, _ = step_scores(Echo(), loud, 2, "val")
    for j, lv in enumerate((0.8, 0.95)):
        assert quiet.q[j, 0] == conformal_quantile(val[0], lv)[0]


def test_the_floor_lifts_zero_errors_and_never_crosses_the_levels():
    """Integers, then a validation part that is mostly exactly flat: validation errors of 0
    are lifted to the in-sample ones (a factor could not raise them), and the 95 % band
    is never narrower than the 80 % band, in the calibration and at every backtest origin."""
    rng = np.random.default_rng(1)
    flat = np.r_[rng.integers(0, 9, 70), np.full(30, 4)].astype(float)
    data = make_dataset(flat, DataConfig(look_back=4))
    iv = calibrate(Echo(), data, 1, part="val")
    assert np.all(iv.raised_by == np.inf) and iv.floored
    assert np.all(iv.q > 0) and np.all(iv.q[0] <= iv.q[1])
    rng.integers(0, 9, 70)
    jumpy = np.r_[rng.integers(0, 9, 70), np.where(rng.random(30) < 0.15, 6, 4)].astype(float)
    data = make_dataset(jumpy, DataConfig(look_back=4))
    floor = in_sample_quantiles(Echo(), data, 1, (0.8, 0.95))
    iv = calibrate(Echo(), data, 1, part="val")
    assert np.all(iv.q[0] <= iv.q[1])
    assert iv.q[0, 0] == pytest.approx(max(floor[0, 0], conformal_quantile(
        step_scores(Echo(), data, 1, "val")[0][0], 0.8)[0]), rel=1e-6)  # fmt: skip
    q = backtest(Echo(), data, 1, None).intervals.q
    assert np.all(q[0] <= q[1])


def test_coverage_and_interval_score_point_by_point(level):
    data = make_dataset(level, DataConfig(look_back=12))
    bt = backtest(Echo(), data, horizon=3, season=12)
    b = bt.intervals.bands(bt.predictions)
    for tag, lv in (("80", 0.8), ("95", 0.95)):
        inside, score = [], []
        for y, lo, hi in zip(
            bt.truth.ravel(), b[f"lower_{tag}"].ravel(), b[f"upper_{tag}"].ravel(), strict=True
        ):
            inside.append(lo <= y <= hi)
            score.append(hi - lo + 2 / (1 - lv) * (max(lo - y, 0) + max(y - hi, 0)))
        assert bt.coverage()[f"{lv:g}"] == pytest.approx(np.mean(inside), rel=1e-12)
        assert bt.interval_score()[f"{lv:g}"] == pytest.approx(np.mean(score), rel=1e-12)


def test_evaluate_speaks_of_the_backtest_and_names_the_transform(level):
    data = make_dataset(level, DataConfig(look_back=12), transform=Transform("diff"))
    ev = evaluate(Echo(), data, horizon=5)
    n = data.split.n_test - 5 + 1
    assert "over forecasts 1–5 steps ahead from " + f"{n} test origins" in ev.verdict
    assert "The model saw the change from the last step (diff)." in ev.verdict
    assert ev.to_dict()["backtest"]["origins"] == n and ev.to_dict()["transform"] == "diff"


def test_forecast_bands_come_from_the_same_calibration(level):
    data = make_dataset(level, DataConfig(look_back=12), transform=Transform("diff"))
    model = build_model(ModelConfig(hidden_size=4), seed=0)
    fc = forecast(model, data, horizon=6)
    iv = calibrate(model, data, 6)
    for name, band in iv.bands(fc.values).items():
        np.testing.assert_allclose(fc.bands[name], band)
    assert fc.banded == 6


def test_a_long_part_is_sampled_at_evenly_spaced_origins():
    v = np.sin(np.arange(30_000) / 7.0)
    data = make_dataset(v, DataConfig(look_back=8))
    bt = backtest(Echo(), data, horizon=3, season=None)
    o = bt.origins
    assert len(o) == 500 and o[0] == data.split.n_train + data.split.n_val
    assert o[-1] == data.split.n_windows - 3 and np.all(np.diff(o) > 0)
    assert bt.intervals.n_cal == 500
    # a shorter validation part (449 targets) is used whole
    full = calibrate(Echo(), make_dataset(v[:3_000], DataConfig(look_back=8)), 3, part="val")
    assert full.n_cal == round(0.15 * (3_000 - 8)) and np.all(np.isfinite(full.q))


def test_online_bands_are_the_quantile_of_every_target_known_at_their_origin(level):
    """By hand: at each origin, step k's band is the conformal quantile of the validation
    scores plus the test scores of earlier paths whose step-k target precedes the origin."""
    data = make_dataset(level, DataConfig(look_back=12), transform=Transform("diff"))
    model = build_model(ModelConfig(hidden_size=4), seed=1)
    bt = backtest(model, data, horizon=4, season=12)
    start, _, n_val = start_scores(model, data, 4)
    assert n_val == data.split.n_val == bt.intervals.n_cal
    err = np.abs(bt.truth - bt.predictions)
    for i, o in enumerate(bt.origins):
        for k in range(4):
            known = [err[j, k] for j, p in enumerate(bt.origins) if p + k < o]
            for j, lv in enumerate((0.8, 0.95)):
                q, _ = conformal_quantile(np.concatenate([start[j][k], known]), lv)
                assert bt.intervals.q[j, i, k] == pytest.approx(q, rel=1e-12), (i, k, lv)
    # the first origin knows no test target; a later one has learned from some
    assert np.array_equal(bt.intervals.q[:, 0], calibrate(model, data, 4, part="val").q)
    assert not np.array_equal(bt.intervals.q[:, -1], bt.intervals.q[:, 0])


def test_an_origin_band_never_reads_a_target_after_that_origin(level):
    data = make_dataset(level, DataConfig(look_back=12))
    bt = backtest(Echo(), data, horizon=3, season=12)
    i = len(bt.origins) // 2
    cut = data.target_index[bt.origins[i]]  # origin i's first target: unknown at origin i
    changed = level.copy()
    changed[cut:] += np.linspace(50, 90, len(level) - cut)
    other = backtest(Echo(), make_dataset(changed, DataConfig(look_back=12)), 3, 12)
    np.testing.assert_array_equal(other.intervals.q[:, : i + 1], bt.intervals.q[:, : i + 1])
    assert not np.array_equal(other.intervals.q[:, i + 1 :], bt.intervals.q[:, i + 1 :])


def test_a_forecast_is_calibrated_on_every_known_target(level):
    data = make_dataset(level, DataConfig(look_back=12))
    sp = data.split
    assert calibrate(Echo(), data, 2).n_cal == sp.n_val + sp.n_test
    scores = [step_scores(Echo(), data, 2, part)[0][0] for part in ("val", "test")]
    naive = np.abs(np.diff(level))[data.target_index[sp.n_train :] - 1]  # Echo = naive
    np.testing.assert_allclose(np.concatenate(scores), naive, atol=1e-4)  # float32


def test_the_slow_parts_of_an_evaluation_run_only_when_read(level, monkeypatch):
    """The verdict needs neither the intervals (a forecast of every validation target H
    ways) nor the predictions of every window: they are computed when first read, and
    then equal what computing them directly gives."""
    import lstm_core.evaluation.intervals as iv_mod
    from lstm_core.evaluation.forecast import predict
    from lstm_core.evaluation.intervals import Intervals, online, start_scores, step_scores

    data = make_dataset(level, DataConfig(look_back=12), transform=Transform("diff"))
    model = build_model(ModelConfig(hidden_size=4), seed=0).eval()
    calls = []
    monkeypatch.setattr(iv_mod, "step_scores", lambda *a: calls.append(a) or step_scores(*a))
    ev = evaluate(model, data, horizon=4)
    assert ev.verdict and calls == [] and ev._predictions is None
    bt = ev.backtest
    assert bt.intervals is bt.intervals and len(calls) == 1  # computed once
    start, _, n_cal = start_scores(model, data, 4)
    q, capped = online(start, bt.origins, bt.truth, bt.predictions, data.transform.log)
    np.testing.assert_array_equal(bt.intervals.q, Intervals(iv_mod.LEVELS, q, False, n_cal,
                                                            capped).q)  # fmt: skip
    np.testing.assert_allclose(ev.predictions, predict(model, data), rtol=0, atol=1e-9)
    s = data.split.windows("test")
    y = data.values[data.target_index[s]]
    rmse = float(np.sqrt(np.mean((ev.predictions[s] - y) ** 2)))
    assert ev.table["model"]["rmse"] == pytest.approx(rmse, rel=1e-6)


def test_a_levels_model_past_its_training_range_is_told_so_with_the_forecast():
    from lstm_core.evaluation.forecast import out_of_range_note

    up = np.arange(60, dtype=float) + 100.0  # a trend: ends above all of its training part
    data = make_dataset(up, DataConfig(look_back=4), transform=Transform("none"))
    note = out_of_range_note(data)
    assert note.startswith(
        f"The series ends at 159.0, above every value of its training part (100.0 to "
        f"{up[data.split.train_end - 1]:#.4g}): a model of the levels has not seen such values"
    )
    assert note.endswith(  # the same words for the page and the command line
        "A transform that learns the changes (transform 'diff', or 'auto') suits a series that "
        "trends out of its training range."
    )
    fc = forecast(Echo(), data, 3, bands=False)
    assert fc.note == note  # the page and the command line show it with the forecast
    assert "below every value" in out_of_range_note(
        make_dataset(up[::-1].copy(), DataConfig(look_back=4), transform=Transform("none"))
    )
    assert (
        out_of_range_note(make_dataset(up, DataConfig(look_back=4), transform=Transform("diff")))
        == ""
    )
    wave = 100 + 10 * np.sin(np.arange(60) / 3)  # stays within its training range
    assert (
        out_of_range_note(make_dataset(wave, DataConfig(look_back=4), transform=Transform("none")))
        == ""
    )
