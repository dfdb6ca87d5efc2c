"""The Forecast page's own settings across page switches, and its captions' words."""

from __future__ import annotations

import numpy as np

from explorer.forecast_words import (
    coverage_words,
    forms_sentence,
    future_caption,
    interval_caption,
    origins_phrase,
)
from lstm_core.evaluation.backtest import Intervals

from .test_app import start, train


def test_the_forecast_pages_settings_survive_a_visit_to_another_page():
    at = train(start("pages/train.py"))
    at.switch_page("pages/forecast.py").run()
    at.radio(key="fc_parts").set_value(at.radio(key="fc_parts").options[1]).run()
    at.toggle(key="fc_baselines").set_value(True).run()
    at.slider(key="fc_bt_horizon").set_value(3).run()
    at.slider(key="fc_horizon").set_value(24).run()
    chosen = at.radio(key="fc_parts").value
    at.switch_page("pages/gates.py").run()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception
    assert at.radio(key="fc_parts").value == chosen
    assert at.toggle(key="fc_baselines").value is True
    assert at.slider(key="fc_bt_horizon").value == 3
    assert at.slider(key="fc_horizon").value == 24
    at.slider(key="fc_bt_horizon").set_value(1).run()  # one step: nothing is fed back
    said = " ".join(c.value for c in at.caption)
    assert "the model forecasts one step ahead (no refit, nothing from after" in said
    assert "feeding its own predictions back" not in said


def test_the_backtest_h_chosen_for_one_series_is_not_carried_to_another():
    from lstm_core.evaluation.backtest import default_horizon

    from .test_app import state

    at = train(start("pages/train.py"), epochs=1, hidden=4)
    at.switch_page("pages/forecast.py").run()
    at.slider(key="fc_bt_horizon").set_value(3).run()
    at.switch_page("pages/train.py").run()
    at = train(at, epochs=1, hidden=4)  # the same data trained again: the user's H stays
    at.switch_page("pages/forecast.py").run()
    assert at.slider(key="fc_bt_horizon").value == 3
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_builtin").set_value("sunspots").run()
    at.switch_page("pages/train.py").run()
    at = train(at, epochs=1, hidden=4)
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    wanted = default_horizon(state(at, "dataset"))
    assert wanted != 3 and at.slider(key="fc_bt_horizon").value == wanted  # as Train's verdict
    assert f"1–{wanted} steps ahead" in " ".join(i.value for i in at.info)


def test_the_interval_caption_says_when_the_validation_targets_were_sampled():
    iv = Intervals((0.8, 0.95), np.zeros((2, 1)), False, 500, (False, False))
    sampled = interval_caption(iv, "the 80% band holds 80%", 6568)
    assert "from 500 evenly spaced of the 6,568 validation targets;" in sampled
    assert "from the 500 validation targets;" in interval_caption(iv, "x", 500)
    assert "short" not in sampled


def test_the_future_caption_speaks_of_shading_only_for_more_than_one_step():
    assert "shaded" in future_caption(12) and "dots" not in future_caption(12)
    assert "shaded" not in future_caption(1) and "dots" in future_caption(1)


def test_the_coverage_sentence_says_when_the_bands_were_too_narrow():
    """Walk 10 item 6: 'the 80% band holds 47% … the 95% band holds 77%' was stated as a plain
    fact; clearly below the level (by more than 10 points and than chance allows on the test
    part's targets) the sentence now says the bands were too narrow there."""
    assert coverage_words({"0.8": 0.47, "0.95": 0.77}, 20) == (
        "the 80% band holds 47% of the test points and the 95% band holds 77% of the test "
        "points: both bands were too narrow here (only 20 test points, yet further below than "
        "chance explains)"
    )
    assert coverage_words({"0.8": 0.63, "0.95": 0.82}, 20) == (  # 63% is within chance of 20
        "the 80% band holds 63% of the test points and the 95% band holds 82% of the test "
        "points: the 95% band was too narrow here (only 20 test points, yet further below "
        "than chance explains)"
    )
    assert coverage_words({"0.8": 0.68, "0.95": 0.9}, 5_000) == (  # 12 points low on 5,000
        "the 80% band holds 68% of the test points and the 95% band holds 90% of the test "
        "points: the 80% band was too narrow here (further below than chance explains)"
    )
    fine = coverage_words({"0.8": 0.72, "0.95": 0.91}, 20)  # the README's air passengers
    assert fine == (
        "the 80% band holds 72% of the test points and the 95% band holds 91% of the test points"
    )
    assert coverage_words({"0.8": 1.0, "0.95": 1.0}, 20).endswith("100% of the test points")


def test_one_origin_is_not_plural():
    assert origins_phrase(1) == "From the one origin"
    assert origins_phrase(1200) == "From each of 1,200 origins"


def test_references_not_fitted_for_one_reason_are_named_once():
    const = "not fitted: the training and validation parts are constant, so there is nothing to fit"
    assert forms_sentence({"AutoETS": const, "AutoTheta": const, "AutoARIMA": const}) == (
        "AutoETS, AutoTheta and AutoARIMA were not fitted: the training and validation parts "
        "are constant, so there is nothing to fit."
    )
    mixed = {"AutoETS": "ETS(A,N,N)", "AutoTheta": "not fitted: gave up after 60 s",
             "AutoARIMA": "ARIMA(0,1,0)"}  # fmt: skip
    assert forms_sentence(mixed) == (
        "Fitted: AutoETS: ETS(A,N,N); AutoARIMA: ARIMA(0,1,0). AutoTheta was not fitted: gave "
        "up after 60 s."
    )
