import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstm_core.config import DataConfig
from lstm_core.series.data import DataError
from lstm_core.series.windows import Scaler, make_dataset, make_windows, plan_split

from .conftest import ROOT


def test_every_window_is_made_including_the_last():
    v = np.arange(10.0)
    x, y = make_windows(v, 3)
    assert x.shape == (7, 3) and y.shape == (7,)  # n - look_back windows
    ref_x = np.array([v[j : j + 3] for j in range(7)])
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, v[3:])
    assert x[-1].tolist() == [6.0, 7.0, 8.0] and y[-1] == 9.0


def test_split_is_chronological_70_15_15():
    sp = plan_split(120, DataConfig(look_back=20))
    assert (sp.n_train, sp.n_val, sp.n_test) == (70, 15, 15)
    assert sp.windows("train") == slice(0, 70)
    assert sp.windows("val") == slice(70, 85)
    assert sp.windows("test") == slice(85, 100)
    assert sp.train_end == 90


def test_smallest_series_still_gives_one_window_each():
    cfg = DataConfig(look_back=2)
    sp = plan_split(5, cfg)
    assert (sp.n_train, sp.n_val, sp.n_test) == (1, 1, 1)
    with pytest.raises(DataError) as e:
        plan_split(4, cfg)
    assert str(e.value) == (
        "The series has 4 points, but a look-back of 2 needs at least 5 (one window "
        "each for training, validation and test): use a smaller look-back or a longer "
        "series."
    )


@pytest.mark.parametrize("n", range(5, 40))
def test_split_parts_are_never_empty(n):
    for vf, tf in [(0.15, 0.15), (0.45, 0.45), (0.01, 0.01), (0.3, 0.1)]:
        sp = plan_split(n, DataConfig(look_back=2, val_fraction=vf, test_fraction=tf))
        assert min(sp.n_train, sp.n_val, sp.n_test) >= 1
        assert sp.n_windows == n - 2


def test_scaler_sees_only_the_training_part():
    rng = np.random.default_rng(1)
    v = rng.standard_normal(100)
    cfg = DataConfig(look_back=5)
    d1 = make_dataset(v, cfg)
    w = v.copy()
    w[d1.split.train_end :] *= 1000  # change everything after the training part
    d2 = make_dataset(w, cfg)
    assert d1.scaler == d2.scaler
    assert d1.scaler.offset == v[: d1.split.train_end].min()
    assert d1.scaler.scale == pytest.approx(np.ptp(v[: d1.split.train_end]))
    # training windows are identical; later ones differ
    Xa, _ = d1.part("train")
    Xb, _ = d2.part("train")
    assert np.array_equal(Xa.numpy(), Xb.numpy())
    assert not np.array_equal(d1.part("test")[0].numpy(), d2.part("test")[0].numpy())


def test_training_targets_stop_before_validation_starts():
    v = np.arange(50.0)
    d = make_dataset(v, DataConfig(look_back=4))
    _, ytr = d.part("train")
    _, yva = d.part("val")
    last_train_target = d.scaler.inverse(ytr[-1:].numpy())[0]
    first_val_target = d.scaler.inverse(yva[:1].numpy())[0]
    assert last_train_target == pytest.approx(d.split.train_end - 1, abs=1e-4)
    assert first_val_target == pytest.approx(d.split.train_end, abs=1e-4)


@pytest.mark.parametrize("kind", ["minmax", "standard"])
def test_huge_values_scale_in_float64(kind):
    v = 1e300 * (1 + 0.1 * np.sin(np.arange(60) / 3))
    d = make_dataset(v, DataConfig(look_back=5, scaler=kind))
    assert np.isfinite(d.scaled).all() and np.abs(d.scaled).max() < 10
    back = d.scaler.inverse(d.scaled[:5])
    np.testing.assert_allclose(back, v[:5], rtol=1e-6)


def test_constant_series_scales_without_dividing_by_zero():
    d = make_dataset(np.full(30, 7.0), DataConfig(look_back=3))
    assert d.scaler.scale == 1.0 and np.all(d.scaled == 0)


def test_scaler_roundtrip_standard():
    v = np.random.default_rng(0).normal(5, 3, 200)
    s = Scaler.fit(v, "standard")
    assert s.offset == pytest.approx(v.mean())
    assert s.scale == pytest.approx(v.std())
    np.testing.assert_allclose(s.inverse(s.transform(v)), v)


def test_non_finite_values_are_refused():
    v = np.arange(30.0)
    v[4] = np.inf
    with pytest.raises(DataError, match="missing or infinite"):
        make_dataset(v, DataConfig(look_back=3))


MEMORY_SCRIPT = """
import sys, numpy as np
from pathlib import Path
from lstm_core.fitting import train
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model
from lstm_core.series.windows import make_dataset

def hwm_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

values = np.sin(np.arange(1_000_000) / 50.0)
model = build_model(ModelConfig(hidden_size=8), seed=0)
before = hwm_mib()
data = make_dataset(values, DataConfig(look_back=1000, transform="none"))
train.REPORTS_PER_EPOCH = 10**9  # a report after every batch: stop after the third
res = train.fit(model, data, TrainConfig(epochs=1), callback=lambda p: p.batch >= 3)
assert res.status == "stopped" and data.X.shape == (999_000, 1000), (res.status, data.X.shape)
print(hwm_mib() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_a_million_points_with_look_back_1000_train_in_bounded_memory():
    """The windows are views of the series: a 10^6-point series with look_back 1000 (999,000
    windows; 4 GB as a [W, L] float32 copy) trains a few batches within 300 MiB of extra
    peak memory."""
    r = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], cwd=ROOT, capture_output=True,
                       text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                    "LSTM_CORE_THREADS": "1"})  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    assert float(r.stdout.strip()) < 300, r.stdout


def test_parts_on_another_device_window_the_series_there():
    """The non-CPU path moves the 1-D series once and windows it on that device (the meta
    device stands in for a GPU here: shapes and views, no data)."""
    data = make_dataset(np.sin(np.arange(300) / 5.0), DataConfig(look_back=12))
    X, y = data.part("val", "meta")
    Xc, yc = data.part("val")
    assert X.device.type == "meta" and X.shape == Xc.shape and y.shape == yc.shape
    assert X.stride() == (1, 1)  # still a view of the series, not an [n, L] copy
