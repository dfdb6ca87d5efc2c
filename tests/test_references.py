"""The classic references (lstm_core.evaluation.references): fitted on training + validation only,
scored one step ahead with fixed parameters, listed as not fitted with the reason."""

import json

import numpy as np
import pytest

from lstm_core import metrics
from lstm_core.evaluation import references
from lstm_core.evaluation.forecast import evaluate
from lstm_core.evaluation.references import ReferenceConfig, fit_references
from lstm_core.series.data import load_series

from .conftest import ROOT
from .test_cli import cli, model  # noqa: F401 (the CLI's trained model fixture)


def ses_series(n: int, alpha: float, sigma: float, seed: int) -> np.ndarray:
    """Simple exponential smoothing, ETS(A,N,N): y_t = l_{t-1} + e_t, l_t = l_{t-1} + α e_t."""
    e = np.random.default_rng(seed).normal(0, sigma, n)
    level, y = 50.0, np.empty(n)
    for t in range(n):
        y[t] = level + e[t]
        level += alpha * e[t]
    return y


def test_autoets_one_step_rmse_is_the_noise_of_a_known_ets_series():
    sigma = 2.0
    y = ses_series(2000, alpha=0.3, sigma=sigma, seed=0)
    refs = fit_references(y, 1000, None, names=("AutoETS",))
    ets = refs.items["AutoETS"]
    assert ets.form == "ETS(A,N,N)"
    assert ets.params["par"][0] == pytest.approx(0.3, abs=0.08)  # α recovered
    targets = np.arange(1000, 2000)
    r = metrics.rmse(y[targets], refs.one_step(y, targets)["AutoETS"])
    assert abs(r - sigma) / sigma < 0.05, r


AIR = load_series(ROOT / "data" / "air_passengers.csv").values  # 144 monthly points


def test_references_never_see_the_test_part():
    fit_end = 115
    other = AIR.copy()
    other[fit_end:] = other[fit_end:][::-1] * 3 + 50  # a different test part
    a = fit_references(AIR, fit_end, 12)
    b = fit_references(other, fit_end, 12)
    for name in references.NAMES:
        assert a.items[name].fitted, a.items[name].describe()
        np.testing.assert_equal(a.items[name].params, b.items[name].params)  # nan == nan
        assert a.items[name].form == b.items[name].form
    # the one-step predictions follow the actual values: they differ on the new test part,
    # but the first one (from the same history) does not
    t = np.arange(fit_end, 144)
    pa, pb = a.one_step(AIR, t), b.one_step(other, t)
    for name in references.NAMES:
        assert pa[name][0] == pytest.approx(pb[name][0])
        assert not np.allclose(pa[name][1:], pb[name][1:])


def test_one_step_equals_the_first_step_of_the_paths():
    refs = fit_references(AIR, 115, 12)
    t = np.arange(115, 144)
    one, (paths, notes) = refs.one_step(AIR, t), refs.paths(AIR, t, 3)
    assert notes == {} and set(paths) == set(references.NAMES)
    for name, p in paths.items():
        assert p.shape == (29, 3)
        np.testing.assert_allclose(p[:, 0], one[name], rtol=1e-4)  # Theta's states: float32
    # from the end of the fitted part, the paths are the library's own forecasts
    at_end, _ = refs.paths(AIR, np.array([115]), 12)
    for name, r in refs.items.items():
        np.testing.assert_allclose(at_end[name][0], r.model.predict(h=12)["mean"], rtol=1e-5)
    assert refs.items["AutoTheta"].form.startswith("Theta (")
    assert refs.items["AutoARIMA"].form.endswith("[12]")


def test_too_short_or_constant_is_not_fitted_with_the_reason():
    short = fit_references(AIR[:20], 10, None)
    for name in references.NAMES:
        r = short.items[name]
        assert not r.fitted
        assert r.describe() == (f"{name}: not fitted: the training and validation parts hold "
                                "10 points; a reference needs at least 12")  # fmt: skip
    flat = fit_references(np.full(60, 3.0), 48, None)
    assert flat.fitted == {}
    assert flat.items["AutoETS"].note == (
        "the training and validation parts are constant, so there is nothing to fit"
    )
    assert flat.one_step(np.full(60, 3.0), np.arange(48, 60)) == {}


def test_a_failing_or_slow_reference_is_listed_and_the_others_stand(monkeypatch):
    def broken(y, m, cfg):
        raise ValueError("no model able to be fitted")

    monkeypatch.setitem(references.FITTERS, "AutoARIMA", broken)
    refs = fit_references(AIR, 115, 12, names=("AutoETS", "AutoARIMA"))
    assert refs.items["AutoETS"].fitted
    assert refs.items["AutoARIMA"].note == "the fit failed: no model able to be fitted"

    def slow(y, m, cfg):
        import time

        time.sleep(1.0)

    monkeypatch.setitem(references.FITTERS, "AutoARIMA", slow)
    cfg = ReferenceConfig(fit_seconds=0.05)
    refs = fit_references(AIR, 115, 12, cfg, names=("AutoARIMA",))
    assert refs.items["AutoARIMA"].describe() == "AutoARIMA: not fitted: gave up after 0.05 s"


def test_a_long_season_falls_back_as_the_library_documents():
    t = np.arange(600)
    y = 20 + 5 * np.sin(2 * np.pi * t / 48) + np.random.default_rng(1).normal(0, 0.3, 600)
    refs = fit_references(y, 500, 48, names=("AutoETS",))
    ets = refs.items["AutoETS"]
    assert ets.note == "season 48 is longer than its limit of 24: fitted without a season"
    assert ets.season == 1 and ets.form.startswith("ETS(") and "season" not in ets.form
    assert refs.forms() == {
        "AutoETS": f"{ets.form} (season 48 is longer than its limit of 24: fitted without a season)"
    }  # what the page and the CLI say


def test_an_arima_that_is_the_naive_forecast_says_so_and_forecasts_as_it():
    from lstm_core.evaluation.references import _same_as_baseline

    y = np.cumsum(np.random.default_rng(1).normal(size=80)) + 100  # a random walk
    refs = fit_references(y, 68, None, names=("AutoARIMA",))
    assert refs.forms()["AutoARIMA"] == (
        "ARIMA(0,1,0), which is the naive forecast (its line lies on the naive baseline's)"
    )
    targets = np.arange(68, 80)
    np.testing.assert_allclose(refs.one_step(y, targets)["AutoARIMA"], y[targets - 1])
    seasonal = {"arma": (0, 0, 0, 0, 4, 0, 1), "coef": {}}  # (0,0,0)(0,1,0)[4]
    assert _same_as_baseline(seasonal).startswith(", which is the seasonal naive forecast")
    assert _same_as_baseline({"arma": (0, 0, 0, 0, 1, 1, 0), "coef": {"drift": 0.3}}) == ""
    assert _same_as_baseline({"arma": (1, 0, 0, 0, 1, 1, 0), "coef": {"ar1": 0.3}}) == ""


def test_reference_verdict_sentences():
    rv = metrics.reference_verdict
    assert rv(10.0, {"AutoETS": 8.0, "AutoARIMA": 11.0}) == (
        "AutoETS is better here: the model's RMSE is 25% higher than AutoETS's (10.00 against "
        "8.000); a classic method beats the model on this series."
    )
    assert rv(10.0, {"AutoTheta": 12.0}) == (
        "It also beats every classic reference: the model's RMSE is 17% lower than AutoTheta's, "
        "the best (10.00 against 12.00)."
    )
    # the baselines' band and base: 4 % either way is "about as good", as 5 % worse than a
    # baseline is (rmse_verdict), and the percentage is of the reference's RMSE
    assert rv(10.0, {"AutoETS": 9.6}) == (
        "The best classic reference, AutoETS, is about as good as the model: the model's RMSE is "
        "4% higher than AutoETS's (10.00 against 9.600)."
    )
    assert rv(10.0, {"AutoETS": 10.01}).endswith(
        "the model's RMSE equals AutoETS's (10.00 against 10.01)."
    )
    assert metrics.rmse_verdict(10.0, {"naive": 9.6}, "x").startswith("The model is about as good")
    assert rv(10.0, {}) == ""
    where = "over forecasts 1–10 steps ahead"  # says which RMSE, as the baselines' sentence
    assert rv(10.0, {"AutoARIMA": 5.0}, where).startswith(
        "AutoARIMA is better here over forecasts 1–10 steps ahead: the model's RMSE is 100% higher"
    )
    assert rv(10.0, {"AutoTheta": 12.0}, "one step ahead").startswith(
        "It also beats every classic reference one step ahead: the model's RMSE"
    )
    # too few test points: the numbers and the direction, no judgement (the baselines'
    # sentence says the test part is too small)
    assert rv(10.0, {"AutoETS": 5.0}, where, metrics.MIN_TEST_POINTS - 1) == (
        "On as few test points, the best classic reference over forecasts 1–10 steps ahead is "
        "AutoETS: the model's RMSE is 100% higher than AutoETS's (10.00 against 5.000)."
    )
    assert rv(10.0, {"AutoETS": 5.0}, where, metrics.MIN_TEST_POINTS).startswith("AutoETS is")


def test_classic_win_note_says_why_only_where_a_reference_wins_on_a_short_series():
    note = lambda *a, points=40: metrics.classic_win_note(*a, points)  # noqa: E731
    assert note(10.0, {"AutoETS": 9.0, "AutoARIMA": 8.0}, 53, 4513) == (
        "Why AutoARIMA can win here one step ahead: the model fitted 4,513 weights from 53 "
        "training windows, AutoARIMA a handful of parameters; on a series this short that "
        "usually decides it, and an LSTM earns its cost on longer series."
    )
    assert note(10.0, {"AutoETS": 9.0}, 1, 1).startswith(
        "Why AutoETS can win here one step ahead: the model fitted 1 weight from 1 training "
        "window, AutoETS"
    )
    assert note(10.0, {"AutoETS": 10.04}, 53, 4513) == ""  # the model is better
    assert note(10.0, {"AutoETS": 9.6}, 53, 4513) == ""  # "about as good": within 5 %
    assert note(10.0, {"AutoETS": 5.0}, metrics.SHORT_WINDOWS, 4513) == ""  # a long series
    assert note(10.0, {}, 53, 4513) == ""
    # too few test points for the verdict to judge: no reason for a win it does not claim
    few = metrics.MIN_TEST_POINTS - 1
    assert note(10.0, {"AutoETS": 5.0}, 53, 4513, points=few) == ""
    assert note(10.0, {"AutoETS": 5.0}, 53, 4513, points=few + 1) != ""
    assert note(0.0, {"AutoETS": 0.0}, 53, 4513) == ""


def test_evaluate_puts_the_references_beside_the_baselines():
    from lstm_core.config import DataConfig, ModelConfig, TrainConfig
    from lstm_core.fitting.pipeline import run

    t = np.arange(400)
    values = 10 + np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.1, 400)
    dcfg = DataConfig(look_back=12, transform="none")
    bundle, data, _, _ = run(values, "v", dcfg, ModelConfig(hidden_size=4), TrainConfig(epochs=1))
    refs = references.for_dataset(data)
    ev = evaluate(bundle.model, data, horizon=4, references=refs)
    assert set(ev.table) == {"model", "naive", "seasonal_naive", "mean"}  # baselines unchanged
    assert set(ev.references) == set(references.NAMES)
    best = min(ev.references, key=lambda k: ev.backtest.mean_rmse(k))
    assert best in ev.verdict
    d = ev.to_dict()
    assert set(d["references"]["AutoETS"]) == {"rmse", "mae", "smape", "mase"}
    assert {k: len(v) for k, v in d["backtest"]["references"].items()} == dict.fromkeys(
        references.NAMES, 4
    )
    assert "references" not in evaluate(bundle.model, data, horizon=4).to_dict()


class FixedReferences:
    """References that forecast every point as its value + 1 (one step) or + 2 (paths)."""

    def forms(self) -> dict[str, str]:
        return {"AutoETS": "a stand-in"}

    def one_step(self, values, targets):
        return {"AutoETS": np.asarray(values)[targets] + 1.0}

    def paths(self, values, t0, horizon):
        v = np.asarray(values)
        return {"AutoETS": v[np.asarray(t0)[:, None] + np.arange(horizon)] + 2.0}, {}


def test_at_one_step_the_verdicts_read_the_whole_test_part_as_the_tables_do():
    """A long test part's backtest samples 500 origins; at H = 1 the verdicts must not judge
    on that sample while the tables beside them score every test point (they disagreed)."""
    from lstm_core.config import DataConfig, ModelConfig
    from lstm_core.evaluation.forecast import with_references
    from lstm_core.evaluation.paths import MAX_ORIGINS
    from lstm_core.fitting.models import build_model
    from lstm_core.series.windows import make_dataset

    values = np.cumsum(np.random.default_rng(0).normal(0, 1, 4000)) + 100
    data = make_dataset(values, DataConfig(look_back=4, transform="none"))
    n_test = data.split.n_test
    assert n_test > MAX_ORIGINS
    net = build_model(ModelConfig(hidden_size=2))
    ev = evaluate(net, data, horizon=1)
    assert len(ev.backtest.origins) == MAX_ORIGINS  # the chart's sample
    assert ev.verdict.startswith(metrics.verdict(ev.table, n_test))
    assert f"one step ahead at {n_test:,} test points" in ev.verdict
    ev = with_references(ev, data, FixedReferences())
    assert ev.references["AutoETS"]["rmse"] == pytest.approx(1.0)  # every test point
    said = metrics.reference_verdict(ev.table["model"]["rmse"], {"AutoETS": 1.0}, "one step ahead")
    assert said in ev.verdict


def test_cli_evaluate_json_has_the_references(model):  # noqa: F811
    out, _ = model
    r = cli("evaluate", out, ROOT / "data" / "air_passengers.csv", "--horizon", 6, "--json")
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert set(e["references"]) == set(references.NAMES)
    for s in e["references"].values():
        assert set(s) == {"rmse", "mae", "smape", "mase"} and s["rmse"] > 0
    assert {k: len(v) for k, v in e["backtest"]["references"].items()} == dict.fromkeys(
        references.NAMES, 6
    )
    assert set(e["baselines"]) == {"naive", "seasonal_naive", "mean"}
    assert e["reference_forms"]["AutoARIMA"].startswith("ARIMA(")


def test_the_warm_up_runs_once_in_a_process_of_its_own():
    references.warm_up_in_background()
    references.warm_up_in_background()  # a second call (another page run) starts nothing
    assert len(references._WARMER) == 1
    assert references._WARMER[0].wait(180) == 0
    assert references.is_warm()


def test_each_one_step_prediction_reads_only_the_values_before_its_target():
    refs = fit_references(AIR, 115, 12)
    later = AIR.copy()
    later[130:] = later[130:] * 2 + 40  # the test part changed from position 130 on
    t = np.arange(115, 144)
    a, b = refs.one_step(AIR, t), refs.one_step(later, t)
    for name in references.NAMES:
        np.testing.assert_allclose(a[name][:16], b[name][:16], rtol=1e-12)  # targets <= 130
        assert np.abs(a[name][16:] - b[name][16:]).min() > 1.0  # then they follow the values
