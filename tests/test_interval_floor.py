"""Bands of a series that never went below 0 before its test part are cut at 0 (walks 9-11:
PM2.5's 95 % band reached −39 µg/m³), and the backtest's caption says so when it cut any."""

from __future__ import annotations

import numpy as np

from explorer.forecast_words import interval_caption
from lstm_core.config import DataConfig
from lstm_core.evaluation.intervals import Intervals, lower_floor
from lstm_core.series.windows import make_dataset


def test_lower_limits_stop_at_the_floor_and_upper_ones_do_not_move():
    q = np.array([[2.0, 3.0], [4.0, 6.0]])  # [levels, H]
    pred = np.array([1.0, 10.0])
    cut = Intervals((0.8, 0.95), q, False, 20, (False, False), floor=0.0)
    free = Intervals((0.8, 0.95), q, False, 20, (False, False))
    (_, lo80, hi80), (_, lo95, hi95) = cut.limits(pred)
    np.testing.assert_array_equal(hi80, [3.0, 13.0])
    np.testing.assert_array_equal(lo80, [0.0, 7.0])  # 1 - 2 cut at 0; 10 - 3 untouched
    np.testing.assert_array_equal(lo95, [0.0, 4.0])
    np.testing.assert_array_equal(hi95, [5.0, 16.0])
    assert [lo.tolist() for _, lo, _ in free.limits(pred)] == [[-1.0, 7.0], [-3.0, 4.0]]
    assert cut.cuts(pred) and not free.cuts(pred)
    assert not cut.cuts(np.array([10.0, 10.0]))  # nothing reaches 0: nothing to say
    # a forecast below 0 keeps its band around it: the limit stops at the forecast itself
    (_, lo80, _), (_, lo95, _) = cut.limits(np.array([-2.0, 1.0]))
    np.testing.assert_array_equal(lo80, [-2.0, 0.0])
    np.testing.assert_array_equal(lo95, [-2.0, 0.0])


def test_the_floor_reads_the_series_before_its_test_part_only():
    values = np.abs(np.sin(np.arange(120) / 3.0)) * 10
    data = make_dataset(values, DataConfig(transform="none"))
    assert lower_floor(data) == 0.0
    late = values.copy()
    late[-5:] = -1.0  # in the test part: not read
    assert lower_floor(make_dataset(late, DataConfig(transform="none"))) == 0.0
    early = values.copy()
    early[3] = -0.5
    assert lower_floor(make_dataset(early, DataConfig(transform="none"))) is None


def test_the_caption_says_the_bands_were_cut_only_when_they_were():
    iv = Intervals((0.8, 0.95), np.zeros((2, 1)), False, 500, (False, False), floor=0.0)
    said = interval_caption(iv, "the 80% band holds 80%", 500, cut=True)
    assert said.endswith(
        "On the test part the 80% band holds 80%. Lower limits are cut at 0: the series never "
        "went below it before its test part."
    )
    assert "cut at 0" not in interval_caption(iv, "the 80% band holds 80%", 500)
