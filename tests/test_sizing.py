"""The series-length rules: on a long series bigger batches and learning rate and shorter auto
trials; on a short one smaller batches; in between exactly as asked."""

import io
import math

import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting import sizing
from lstm_core.fitting.bundle import bundle_bytes, load_bundle
from lstm_core.fitting.pipeline import choose_transform, start_run, train_run
from lstm_core.series.synthetic import sine_series
from lstm_core.series.windows import plan_split


@pytest.mark.parametrize(
    ("n_train", "factor"),
    [(100, 1), (2_048, 1), (2_896, 1), (2_900, 2), (5_000, 2), (6_000, 4), (30_660, 16),
     (34_990, 16), (50_000, 32)],
)  # fmt: skip
def test_the_batch_grows_by_powers_of_two_to_about_128_steps_an_epoch(n_train, factor):
    assert sizing.batch_factor(n_train) == factor
    steps = math.ceil(n_train / (16 * factor))  # within a factor sqrt 2 of 128
    assert 128 / math.sqrt(2) <= steps <= 128 * math.sqrt(2) or n_train <= 2_896


def test_series_in_between_train_exactly_as_asked():
    cfg = TrainConfig(batch_size=16, lr=1e-2)
    assert sizing.effective(cfg, 2_000) is cfg
    assert sizing.effective(cfg, 256) is cfg  # 16 steps an epoch: not short
    assert sizing.trial_cap(cfg, 2_000, 25) == 25
    assert sizing.describe(cfg, 2_000) is None


def test_a_long_series_gets_bigger_batches_and_a_capped_learning_rate():
    eff = sizing.effective(TrainConfig(batch_size=16, lr=1e-2), 30_660)
    assert (eff.batch_size, eff.lr, eff.scale_long) == (256, 4e-2, False)
    eff = sizing.effective(TrainConfig(batch_size=16, lr=1e-2), 5_000)  # 2x: lr x sqrt 2
    assert eff.batch_size == 32 and eff.lr == pytest.approx(1e-2 * math.sqrt(2))
    eff = sizing.effective(TrainConfig(batch_size=8, lr=0.1), 30_660)  # a higher lr stays
    assert (eff.batch_size, eff.lr) == (128, 0.1)
    assert sizing.trial_cap(TrainConfig(), 30_660, 25) == 10
    assert sizing.trial_cap(TrainConfig(), 30_660, 4) == 4
    assert sizing.describe(TrainConfig(), 30_660) == (
        "A long series (30,660 training windows before any differencing): batches of 256 and "
        "learning rate 0.04 (up to 120 steps an epoch), and auto's trials at most 10 epochs each."
    )


@pytest.mark.parametrize(
    ("batch", "n_train", "short"),
    [(16, 256, 16), (16, 255, 16), (16, 240, 8), (16, 135, 8), (16, 127, 8), (16, 119, 4),
     (16, 80, 4), (16, 52, 4), (16, 10, 4), (32, 300, 16), (5, 20, 4), (4, 20, 4), (3, 20, 3),
     (1, 5, 1)],
)  # fmt: skip
def test_a_short_series_batch_halves_to_16_steps_an_epoch_but_not_below_4(batch, n_train, short):
    assert sizing.short_batch(batch, n_train) == short
    if short < batch:  # the rule stopped as soon as an epoch had 16 steps, or at 4
        assert math.ceil(n_train / short) >= 16 or short == 4
        assert math.ceil(n_train / (2 * short)) < 16


def test_the_rules_never_both_apply_and_a_tiny_training_part_keeps_its_batch():
    big = TrainConfig(batch_size=512)  # 3,000 windows: 6 steps, but a long series
    assert sizing.is_long(big, 3_000) and not sizing.is_short(big, 3_000)
    assert sizing.effective(big, 3_000).batch_size == 1_024  # the long rule, as before
    assert sizing.describe(big, 3_000).startswith("A long series (3,000 training windows before")
    for n in (1, 2, 3, 4):  # fit() uses min(batch, n): nothing to shrink
        assert not sizing.is_short(TrainConfig(), n) and sizing.describe(TrainConfig(), n) is None
    assert sizing.describe(TrainConfig(), 10) == (
        "A short series (10 training windows before any differencing): batches of 4 (up to 3 "
        "steps an epoch rather than 1)."
    )


def test_every_transform_trains_with_the_batch_of_the_levels_windows():
    values = 5 + sine_series(n=194, period=12, noise=0.1, seed=0)  # 128 training windows
    assert plan_split(194, DataConfig()).n_train == 128  # batch 8: 16 steps
    seen: dict[str, int] = {}
    choose_transform(values, "wave", DataConfig(), ModelConfig("lstm", 2), TrainConfig(epochs=4),
                     callback=lambda tf, i, k, p: seen.update({tf.kind: p.n_batches}))  # fmt: skip
    # sdiff keeps 116 windows, which alone would halve the batch again (15 steps of 8):
    # the candidates would then be compared at different batch sizes
    assert seen == {"none": 16, "diff": 16, "logdiff": 16, "sdiff": math.ceil(116 / 8)}


def test_a_short_series_gets_smaller_batches_at_the_same_learning_rate():
    cfg = TrainConfig(batch_size=16, lr=1e-2)
    eff = sizing.effective(cfg, 80)  # air passengers: 80 training windows after sdiff
    assert (eff.batch_size, eff.lr, eff.scale_short, eff.scale_long) == (4, 1e-2, False, True)
    assert sizing.trial_cap(cfg, 80, 16) == 16  # auto's trials as long as asked
    assert sizing.describe(cfg, 80) == (
        "A short series (80 training windows before any differencing): batches of 4 (up to 20 "
        "steps an epoch rather than 5)."
    )
    off = TrainConfig(scale_short=False)
    assert sizing.effective(off, 80) is off and sizing.describe(off, 80) is None


def test_turned_off_nothing_changes():
    cfg = TrainConfig(scale_long=False)
    assert sizing.effective(cfg, 30_660) is cfg
    assert sizing.trial_cap(cfg, 30_660, 25) == 25
    assert sizing.describe(cfg, 30_660) is None


LONG = DataConfig(look_back=4, transform="none")  # 6,000 points -> 4,198 training windows


@pytest.fixture(scope="module")
def long_series():
    return sine_series(n=6_000, period=24, noise=0.1, seed=0)


def test_training_a_long_series_steps_with_the_bigger_batch(long_series):
    cfg = TrainConfig(epochs=1, batch_size=16, seed=0)
    bundle, data = start_run(long_series, "wave", LONG, ModelConfig("lstm", 2), cfg)
    assert data.split.n_train == 4_198
    seen = []
    train_run(bundle, data, cfg, callback=lambda p: seen.append(p.n_batches))
    assert seen[0] == math.ceil(4_198 / 32)  # factor 2
    assert bundle.train_config == cfg  # the bundle keeps the settings as asked
    assert "(batches of 32, lr 0.0141421: a long series)" in bundle.provenance()  # and says
    assert dict(bundle.summary())["Training"].startswith("1 epoch, batch 32, lr 0.01414")
    seen.clear()
    train_run(
        bundle, data, TrainConfig(epochs=1, scale_long=False), lambda p: seen.append(p.n_batches)
    )
    assert seen[0] == math.ceil(4_198 / 16)


def test_auto_trials_last_at_most_10_epochs_on_a_long_series(long_series):
    dcfg = DataConfig(look_back=4, transform="auto")
    cfg = TrainConfig(epochs=60, seed=0)  # 2-3 candidates: 15-30 epochs each when short
    assert plan_split(len(long_series), dcfg).n_train > 2_896
    choice = choose_transform(long_series, "wave", dcfg, ModelConfig("lstm", 2), cfg,
                              callback=lambda *a: True)  # stop at once  # fmt: skip
    assert choice.trial_epochs == 10 and choice.stopped
    short = choose_transform(long_series[:600], "wave", dcfg, ModelConfig("lstm", 2), cfg,
                             callback=lambda *a: True)  # fmt: skip
    assert short.trial_epochs > 10


@pytest.mark.parametrize("rule", ["scale_long", "scale_short"])
def test_a_model_file_from_before_a_rule_loads_with_it_off(long_series, rule):
    bundle, _ = start_run(long_series[:300], "wave", LONG, ModelConfig("lstm", 2), TrainConfig())
    d = torch.load(io.BytesIO(bundle_bytes(bundle)), weights_only=True)
    assert getattr(load_bundle(bundle_bytes(bundle)).train_config, rule) is True
    del d["train_config"][rule]
    buf = io.BytesIO()
    torch.save(d, buf)
    assert getattr(load_bundle(buf.getvalue()).train_config, rule) is False


def test_training_a_short_series_steps_with_the_smaller_batch():
    values = sine_series(n=100, period=12, noise=0.1, seed=0)
    cfg = TrainConfig(epochs=1, batch_size=16, seed=0)
    dcfg = DataConfig(look_back=12, transform="none")
    bundle, data = start_run(values, "wave", dcfg, ModelConfig("lstm", 2), cfg)
    assert data.split.n_train == 62
    seen = []
    train_run(bundle, data, cfg, callback=lambda p: seen.append(p.n_batches))
    assert seen[0] == math.ceil(62 / 4)  # 4 steps of 16 would have been too few
    assert bundle.train_config == cfg  # the bundle keeps the settings as asked
    assert "(batches of 4: a short series)" in bundle.provenance()
    assert dict(bundle.summary())["Training"].startswith("1 epoch, batch 4, lr 0.01,")
    seen.clear()
    train_run(bundle, data, TrainConfig(epochs=1, scale_short=False),
              lambda p: seen.append(p.n_batches))  # fmt: skip
    assert seen[0] == math.ceil(62 / 16)


def test_pick_never_keeps_a_score_that_is_not_a_number():
    from lstm_core.fitting.pipeline import pick

    assert pick({"none": math.nan, "diff": 2.0}) == "diff"
    assert pick({"none": 3.0, "diff": math.inf, "logdiff": 2.0}) == "logdiff"
    assert pick({"logdiff": 1.0, "diff": math.nan}) == "logdiff"


def test_the_compare_pages_cells_train_a_long_series_like_train_does(long_series):
    from lstm_core.experiments.compare import compare_cells

    seen = []
    compare_cells(long_series, LONG, ModelConfig("lstm", 2), TrainConfig(epochs=1),
                  cells=("rnn",), callback=lambda cell, p: seen.append(p.n_batches))  # fmt: skip
    assert seen[0] == math.ceil(4_198 / 32)  # batch 16 x 2, as test_training_... above
