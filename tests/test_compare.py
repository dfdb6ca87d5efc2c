import numpy as np
import pytest

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.experiments.compare import compare_cells, matched_hidden, param_count
from lstm_core.fitting.models import build_model, count_parameters


def test_param_count_formula_matches_pytorch():
    for cell in ("lstm", "gru", "rnn"):
        for h, layers in [(1, 1), (7, 2), (32, 3)]:
            m = build_model(ModelConfig(cell, h, layers))
            assert param_count(cell, h, layers) == count_parameters(m)


def test_param_count_counts_the_inputs_beside_the_series():
    """input size 1 + n_inputs: the Train page's figure for a model with inputs."""
    for cell in ("lstm", "gru", "rnn"):
        for h, layers in [(4, 1), (32, 1), (7, 2)]:
            for n_inputs in (0, 1, 8):
                m = build_model(ModelConfig(cell, h, layers, n_inputs=n_inputs))
                real = sum(p.numel() for p in m.parameters())
                assert param_count(cell, h, layers, n_inputs) == real, (cell, h, layers, n_inputs)
    assert param_count("lstm", 32, 1, 8) == 4_513 + 4 * 32 * 8  # not the single-input 4,513


def test_matched_hidden_gives_comparable_sizes():
    target = param_count("lstm", 32)
    for cell in ("gru", "rnn"):
        h = matched_hidden(cell, target)
        assert abs(param_count(cell, h) - target) <= abs(param_count(cell, h + 1) - target)
        assert abs(param_count(cell, h) - target) <= abs(param_count(cell, h - 1) - target)
    assert matched_hidden("rnn", target) > matched_hidden("gru", target) > 32


def test_compare_trains_three_cells_on_the_same_windows(sine):
    calls = []
    res = compare_cells(
        sine,
        DataConfig(look_back=12),
        ModelConfig(hidden_size=8),
        TrainConfig(epochs=2, seed=1),
        callback=lambda cell, p: calls.append((cell, p.kind)),
    )
    assert [r.cell for r in res] == ["lstm", "gru", "rnn"]
    assert {c for c, _ in calls} == {"lstm", "gru", "rnn"}
    sizes = [r.params for r in res]
    assert max(sizes) / min(sizes) < 1.25
    for r in res:
        assert len(r.fit.history) == 2
        assert r.grad_init.shape == (12,) and np.all(r.grad_trained >= 0)
        assert r.hidden_init.shape == (12,) and np.all(r.hidden_trained > 0)
        assert r.seconds_per_epoch > 0
        assert set(r.evaluation.table) >= {"model", "naive", "mean"}


def test_memory_sweep_reports_each_cell_and_lag_against_the_mean():
    from lstm_core.experiments.compare import MemoryPoint, memory_sweep
    from lstm_core.series.synthetic import echo_series
    from lstm_core.series.windows import Scaler, plan_split

    seen = set()
    args = ([3, 6], ModelConfig(hidden_size=8), TrainConfig(epochs=2, seed=0), ("lstm", "rnn"))
    pts = memory_sweep(*args, n=300, callback=lambda c, k, p: seen.add((c, k)))
    assert [(p.cell, p.lag) for p in pts] == [("lstm", 3), ("rnn", 3), ("lstm", 6), ("rnn", 6)]
    assert seen == {("lstm", 3), ("rnn", 3), ("lstm", 6), ("rnn", 6)}
    assert memory_sweep(*args, n=300) == pts  # the callback only watches: same seeds, same runs
    for p in pts:  # the baseline by hand: the training targets' mean, on the validation targets
        v = echo_series(n=300, lag=p.lag, spike_prob=0.05, noise=0.05, seed=0)
        sp = plan_split(len(v), DataConfig(look_back=p.lag + 5))
        z = Scaler.fit(v[: sp.train_end]).transform(v)
        train, val = z[sp.look_back : sp.train_end], z[sp.train_end : sp.val_end]
        assert p.mean_mse == pytest.approx(((val - train.mean()) ** 2).mean(), rel=1e-6)
        assert 0 < p.val_mse < 10 * p.mean_mse
    # one baseline per lag: every cell is scored against the same data
    assert pts[0].mean_mse == pts[1].mean_mse and pts[2].mean_mse == pts[3].mean_mse
    # the ratio and the verdict on hand-picked numbers
    assert MemoryPoint("x", 1, 0.3, 1.2).ratio == 0.25 and MemoryPoint("x", 1, 0.3, 1.2).learned
    assert not MemoryPoint("x", 1, 1.1, 1.2).learned
    assert np.isnan(MemoryPoint("x", 1, 0.3, 0.0).ratio)


def test_compare_figures_are_pure_and_log_scaled():
    from explorer.compare_figures import gradient_by_lag_figure, hidden_gradient_figure

    fig = gradient_by_lag_figure({"rnn": (np.array([1.0, 0.1, 0.0]), np.array([2.0, 0.5, 1e-3]))})
    assert fig.layout.yaxis.type == "log"
    names = [t.name for t in fig.data]
    assert names == ["RNN trained", "RNN at init"]
    np.testing.assert_array_equal(fig.data[1].y, [1.0, 0.1, np.nan])  # 0 is a gap on a log axis
    assert list(fig.data[0].x) == [0, 1, 2]
    h = hidden_gradient_figure({"lstm": np.array([0.3, 0.2])})
    assert h.data[0].name == "LSTM" and h.layout.yaxis.type == "log"


def test_the_spread_table_shows_every_baseline_its_verdict_weighs(sine):
    """Walk 10 item 9: on a seasonal series the verdict named the seasonal naive baseline,
    but the table showed only the naive and mean ones."""
    from explorer.compare_figures import spread_table
    from lstm_core.experiments.compare import spreads

    runs = [compare_cells(sine, DataConfig(look_back=12, transform="none"),
                          ModelConfig(hidden_size=4), TrainConfig(epochs=1, seed=0))]  # fmt: skip
    table = spread_table(runs, spreads(runs))
    first = runs[0][0].evaluation
    assert first.season == 20 and "seasonal_naive" in first.table  # the series is seasonal
    for name, scores in first.table.items():
        if name != "model":
            column = f"{name.replace('_', ' ')} RMSE"
            assert table[column].tolist() == [scores["rmse"]] * 3, column
    assert "seasonal naive baseline" in first.verdict  # the best one, named and now shown
