"""explorer/experiment_figures.py without Streamlit: data in, figure or table out."""

from __future__ import annotations

import numpy as np

from explorer import experiment_figures as ef


def test_before_after_draws_truth_before_and_after_with_plain_labels():
    fig = ef.before_after_figure([1, 2, 3], [1, 1, 1], [0, 2, 4], y_label="<b>level</b>")
    names = [tr.name for tr in fig.data]
    assert names == list(ef.BEFORE_AFTER)
    np.testing.assert_array_equal(fig.data[2].y, [1, 1, 1])
    np.testing.assert_array_equal(fig.data[0].x, [0, 1, 2])
    assert fig.layout.yaxis.title.text == "&lt;b&gt;level&lt;/b&gt;"  # shown literally
    no_truth = ef.before_after_figure([1, 2], [3, 4], names=("t", "b", "a"), x=[5, 6])
    assert [tr.name for tr in no_truth.data] == ["b", "a"]
    assert list(no_truth.data[0].x) == [5, 6]


def test_ablation_frame_keeps_rank_order_and_names_columns():
    rows = [
        {"rank": 2, "unit": 0, "rmse_before": 1.0, "rmse_after": 1.1, "increase": 0.1,
         "increase_pct": 10.0},
        {"rank": 1, "unit": 3, "rmse_before": 1.0, "rmse_after": 1.5, "increase": 0.5,
         "increase_pct": 50.0},
    ]  # fmt: skip
    df = ef.ablation_frame(rows)
    assert list(df["unit"]) == [3, 0] and list(df["rank"]) == [1, 2]
    assert list(df.columns) == ["rank", "unit", "RMSE without it", "RMSE grows by", "grows by %"]


def test_tau_bins_count_every_unit_once_with_the_long_ones_apart():
    tau = np.array([0.5, 1.2, 1.7, 9.9, 10.0, np.inf, 40.0])
    centres, counts, rest = ef.tau_bins(tau, 10)
    assert rest == 3  # 10, 40 and never-forgetting
    assert counts.sum() + rest == len(tau)
    assert list(centres) == [k + 0.5 for k in range(10)]
    assert counts[0] == 1 and counts[1] == 2 and counts[9] == 1
    centres, counts, rest = ef.tau_bins(np.arange(100.0), 90)  # wide axes: at most MAX_BINS
    assert len(centres) <= ef.MAX_BINS and counts.sum() == 90 and rest == 10


def test_memory_figure_shares_one_lag_axis_and_marks_the_look_backs():
    tau = np.array([1.0, 2.0, np.inf])
    acf = np.cos(np.arange(25) / 3)
    grad = np.array([4.0, 2.0, 1.0])
    fig = ef.memory_figure(tau, acf, grad, look_back=3, suggestion=12)
    by_name = {tr.name: tr for tr in fig.data}
    assert sum(sum(tr.y) for tr in fig.data if tr.type == "bar") == 3
    assert by_name["τ ≥ 24 (or never forgets)"].y == (1,)
    g = by_name["gradient |∂ŷ/∂x| by lag (share of largest)"]
    assert list(g.x) == [1, 2, 3] and list(g.y) == [1.0, 0.5, 0.25]
    np.testing.assert_allclose(by_name["series autocorrelation"].y, acf)
    lines = [s.x0 for s in fig.layout.shapes]
    assert lines == [3, 12]
    same = ef.memory_figure(tau, acf, None, look_back=3, suggestion=3)
    assert [s.x0 for s in same.layout.shapes] == [3]
    assert not any(tr.name.startswith("gradient") for tr in same.data)


def test_side_by_side_puts_both_cell_states_on_one_colour_range():
    from explorer.gate_figures import window_figure

    rng = np.random.default_rng(0)
    gates = {n: rng.uniform(0, 1, (5, 3)).astype(np.float32) for n in "ifgo"}
    before = {**gates, "c": np.full((5, 3), 2.0, np.float32), "h": np.zeros((5, 3), np.float32)}
    after = {**gates, "c": np.full((5, 3), -0.5, np.float32), "h": np.zeros((5, 3), np.float32)}
    figs = [window_figure(g, list("ifgoch"), np.arange(5.0), 1.0, 0) for g in (before, after)]
    left, right = ef.side_by_side(*figs, ("Before", "After <b>"))
    assert right.layout.title.text == "After &lt;b&gt;"
    cells = [next(tr for tr in f.data if tr.name == "c") for f in (left, right)]
    assert [(c.zmin, c.zmax) for c in cells] == [(-2.0, 2.0)] * 2
    assert next(tr for tr in figs[1].data if tr.name == "c").zmax == 0.5  # inputs untouched
    f = next(tr for tr in right.data if tr.name == "f")
    assert (f.zmin, f.zmax) == (0.0, 1.0)


def test_ablation_table_shows_every_rmse_with_the_same_decimals():
    """Walk 10 item 10: 'RMSE without it 25.2182 / 18.718', 'grows by % 34.8053'."""
    keys = ("rank", "unit", "rmse_before", "rmse_after", "increase", "increase_pct")
    rows = [
        dict(zip(keys, values, strict=True))
        for values in [
            (1, 3, 18.71, 25.2182, 6.5082, 34.8053),
            (2, 0, 18.71, 18.718, 0.0072, 0.0386),
        ]
    ]
    shown = ef.ablation_table(rows).hide(axis="index").to_string(delimiter="|").splitlines()
    assert shown == [
        "rank|unit|RMSE without it|RMSE grows by|grows by %",
        "1|3|25.22|6.51|34.8",
        "2|0|18.72|0.01|0.0",
    ]
    small = [dict(rows[0], rmse_after=0.012345, increase=0.0001)]  # a scaled series: 4 digits
    assert (
        ef.ablation_table(small).hide(axis="index").to_string(delimiter="|").splitlines()[1]
        == "1|3|0.01235|0.00010|34.8"
    )
