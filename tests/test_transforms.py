"""Target transforms: exact round trips, refusals in one sentence, and `auto` that never
reads the test part."""

import numpy as np
import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.forecast import predict
from lstm_core.fitting.bundle import load_bundle, save_bundle
from lstm_core.fitting.pipeline import (
    AUTO_BUDGET,
    LOG_MARGIN,
    choose_transform,
    pick,
    run,
    start_run,
    train_run,
    training_season,
    trial_epochs,
)
from lstm_core.series.data import DataError
from lstm_core.series.synthetic import trend_series
from lstm_core.series.transforms import Transform, candidates, make
from lstm_core.series.windows import make_dataset

ALL = [Transform("none"), Transform("diff"), Transform("logdiff"), Transform("sdiff", 12)]


@pytest.fixture(scope="module")
def level():
    """A positive, trending, seasonal series."""
    return trend_series(n=180, seed=4)


@pytest.mark.parametrize("tf", ALL, ids=lambda t: t.kind)
def test_each_transform_round_trips_exactly(level, tf):
    z = tf.forward(level)
    d = tf.lag
    assert z.shape == (len(level) - d,)
    # integrate the whole path from the first d levels
    np.testing.assert_allclose(tf.integrate(z, level[:d]), level[d:], rtol=1e-12, atol=1e-9)
    # and one step at a time from the true level d back
    np.testing.assert_allclose(tf.invert_step(z, level[: len(level) - d]), level[d:], atol=1e-9)
    # batched paths (origins × steps) give the same as one at a time
    starts = np.array([d, d + 5, d + 30])
    zs = np.stack([z[s - d : s - d + 7] for s in starts])
    past = np.stack([level[s - d : s] for s in starts])
    np.testing.assert_allclose(tf.integrate(zs, past), np.stack([level[s : s + 7] for s in starts]))


def test_what_each_transform_computes():
    v = np.array([1.0, 2.0, 4.0, 8.0, 9.0])
    np.testing.assert_array_equal(Transform("diff").forward(v), [1, 2, 4, 1])
    np.testing.assert_allclose(Transform("logdiff").forward(v), np.log([2, 2, 2, 9 / 8]))
    np.testing.assert_array_equal(Transform("sdiff", 2).forward(v), [3, 6, 5])
    assert Transform("diff").label("passengers") == "Δ passengers"
    assert Transform("logdiff").label("passengers") == "Δ log passengers"
    assert Transform("sdiff", 12).label("passengers") == "Δ12 passengers"
    assert Transform("sdiff", 12).describe() == "the change from one season ago (sdiff, m = 12)"
    assert Transform("logdiff").describe() == "the relative change from the last step (logdiff)"
    assert Transform("none").describe() == "the values themselves (transform none)"


def test_logdiff_refuses_a_series_with_zeros_or_negatives_in_one_sentence():
    with pytest.raises(DataError) as info:
        Transform("logdiff").forward(np.array([3.0, 0.0, 2.0, -1.0]))
    assert str(info.value) == (
        "The log difference needs strictly positive values, but the series has 2 values at "
        "or below zero: choose 'diff' or 'none'."
    )
    tfs, skipped = candidates(np.array([3.0, 0.0, 2.0]), season=None)
    assert [t.kind for t in tfs] == ["none", "diff"]
    assert skipped == [
        "logdiff was skipped: the series has values at or below zero.",
        "sdiff was skipped: no season was found in the training part (its changes repeat at no "
        "lag clearly enough, or it is too short to show one three times).",
    ]
    with pytest.raises(DataError) as info:
        make("sdiff", None)
    assert str(info.value) == (
        "No seasonal period was found in this series, so the seasonal difference cannot be "
        "used: choose 'diff', 'logdiff' or 'none'."
    )


@pytest.mark.parametrize("tf", ALL, ids=lambda t: t.kind)
def test_the_split_keeps_validation_and_test_targets_whatever_the_transform(level, tf):
    cfg = DataConfig(look_back=12)
    base = make_dataset(level, cfg)
    data = make_dataset(level, cfg, transform=tf)
    for part in ("val", "test"):
        a = base.target_index[base.split.windows(part)]
        b = data.target_index[data.split.windows(part)]
        np.testing.assert_array_equal(a, b)
    assert data.split.n_train == base.split.n_train - tf.lag
    assert data.split.train_end == base.split.train_end
    # window w's inputs are z at positions target - L .. target - 1, its target z at target
    z = tf.forward(level)
    w = data.split.n_train + 3
    t = data.target_index[w]
    np.testing.assert_allclose(data.scaler.inverse(data.X[w].numpy()),
                               z[t - 12 - tf.lag : t - tf.lag], rtol=1e-5)  # fmt: skip
    assert data.scaler.inverse(data.y[w : w + 1].numpy())[0] == pytest.approx(z[t - tf.lag])


def test_the_scaler_sees_only_the_transformed_training_part(level):
    cfg = DataConfig(look_back=12)
    tf = Transform("diff")
    data = make_dataset(level, cfg, transform=tf)
    z_train = tf.forward(level)[: data.split.train_end - 1]
    assert data.scaler.offset == z_train.min()
    assert data.scaler.scale == pytest.approx(z_train.max() - z_train.min())
    later = level.copy()
    later[data.split.train_end :] *= 3  # change everything after the training part
    assert make_dataset(later, cfg, transform=tf).scaler == data.scaler


class Const(torch.nn.Module):
    """Outputs one constant (model units), whatever the window."""

    def __init__(self, c: float):
        super().__init__()
        self.c = torch.nn.Parameter(torch.tensor(float(c)))

    def forward(self, x):
        return self.c.expand(x.shape[0])


def test_predictions_are_inverted_to_original_units(level):
    """A model that predicts 'no change' is the naive forecast under diff, the seasonal
    naive under sdiff and naive again under logdiff: the inversion adds the change back."""
    cfg = DataConfig(look_back=12)
    for tf, back in (
        (Transform("diff"), 1),
        (Transform("logdiff"), 1),
        (Transform("sdiff", 12), 12),
    ):
        data = make_dataset(level, cfg, transform=tf)
        zero = -data.scaler.offset / data.scaler.scale  # the scaled value of z = 0
        p = predict(Const(zero), data)
        np.testing.assert_allclose(p, level[data.target_index - back], rtol=1e-6)


def test_budget_of_auto_stays_within_one_and_a_half_trainings():
    for epochs in range(6, 400, 7):
        for k in (2, 3, 4):
            t = trial_epochs(epochs, k)
            assert t >= 1 and k * t + (epochs - t) <= AUTO_BUDGET * epochs
    assert trial_epochs(100, 4) == 16 and trial_epochs(100, 3) == 25


def test_the_lowest_score_wins_but_logdiff_must_clearly_beat_diff():
    assert pick({"none": 3.0, "diff": 2.0, "logdiff": 2.5, "sdiff": 1.0}) == "sdiff"
    assert pick({"none": 3.0, "diff": 2.0, "logdiff": 1.0}) == "logdiff"
    near = 1.0 * (1 + LOG_MARGIN)  # within the margin: the plain difference is kept
    assert pick({"none": 3.0, "diff": near, "logdiff": 1.0}) == "diff"
    assert pick({"none": 3.0, "diff": near * 1.001, "logdiff": 1.0}) == "logdiff"
    assert pick({"none": 1.01, "logdiff": 1.0}) == "logdiff"  # no diff to fall back on
    assert pick({"none": 1.0, "diff": 1.0}) == "none"  # an exact tie: the first, as min


def _choose(values, **kw):
    return choose_transform(
        values, "v", DataConfig(look_back=12), ModelConfig(hidden_size=4),
        TrainConfig(epochs=8, seed=1), **kw,
    )  # fmt: skip


def test_auto_never_reads_the_test_part(level):
    first = _choose(level)
    assert set(first.scores) == {"none", "diff", "logdiff", "sdiff"}
    assert first.transform.kind == pick(first.scores)
    changed = level.copy()
    test_start = first.data.split.val_end
    changed[test_start:] = changed[test_start:][::-1] * 5 + 1000  # any other test part
    second = _choose(changed)
    assert second.transform == first.transform
    assert second.scores == first.scores  # bit for bit: nothing after validation was read


def test_auto_trains_the_winner_on_and_says_what_it_chose(level):
    seen = []
    bundle, data, result, choice = run(
        level, "v", DataConfig(look_back=12), ModelConfig(hidden_size=4),
        TrainConfig(epochs=8, seed=1), trial_callback=lambda tf, i, k, p: seen.append(tf.kind),
    )  # fmt: skip
    assert bundle.transform == choice.transform == data.transform
    assert len(bundle.history) == 8 and [r.epoch for r in bundle.history] == list(range(1, 9))
    assert result.message == (
        f"Trained 8 epochs. The weights of epoch {result.best_epoch}, the lowest validation "
        "loss, were kept."
    )
    assert sorted(set(seen)) == ["diff", "logdiff", "none", "sdiff"]
    s = choice.summary()
    assert s.startswith(f"auto chose {choice.transform.kind} (validation RMSE: none ")


def test_a_stop_during_the_trials_keeps_the_best_tried_so_far(level):
    _, _, result, choice = run(
        level, "v", DataConfig(look_back=12), ModelConfig(hidden_size=4),
        TrainConfig(epochs=8, seed=1),
        trial_callback=lambda tf, i, k, p: tf.kind == "diff" and p.kind == "epoch",
    )  # fmt: skip
    assert choice.stopped and set(choice.scores) == {"none", "diff"}
    assert result.status == "stopped" and result.message.startswith(
        "Training stopped by request while choosing the transform, after "
    )


def test_model_files_carry_the_transform_and_old_files_load_as_none(level, tmp_path):
    b, data = start_run(level, "v", DataConfig(look_back=12, transform="sdiff"),
                        ModelConfig(hidden_size=4), TrainConfig(epochs=1))  # fmt: skip
    train_run(b, data)
    season = training_season(level, DataConfig(look_back=12))
    assert season in (12, 13) and b.transform == Transform("sdiff", season)
    save_bundle(b, tmp_path / "m.pt")
    b2 = load_bundle(tmp_path / "m.pt")
    assert b2.transform == b.transform and b2.split == b.split
    np.testing.assert_allclose(predict(b2.model, data), predict(b.model, data))
    # a file from before transforms: no "transform", no split "lag", no data_config.transform
    b, _ = start_run(level, "v", DataConfig(look_back=12, transform="none"),
                     ModelConfig(hidden_size=4), TrainConfig(epochs=1))  # fmt: skip
    d = b.to_dict()
    for key in ("transform", "transform_scores"):
        del d[key]
    del d["split"]["lag"], d["data_config"]["transform"], d["train_config"]["restore_best"]
    torch.save(d, tmp_path / "old.pt")
    old = load_bundle(tmp_path / "old.pt")
    assert old.transform == Transform("none") and old.split.lag == 0
    # a file whose split and transform disagree is refused like any damaged file
    d = b.to_dict()
    d["transform"] = {"kind": "diff", "season": 0}
    torch.save(d, tmp_path / "bad.pt")
    with pytest.raises(Exception, match="damaged"):
        load_bundle(tmp_path / "bad.pt")
