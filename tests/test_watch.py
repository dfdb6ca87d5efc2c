import numpy as np
import torch

from explorer.watch import Snapshot, keep, probe_window, snapshot_every, take
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.gates import trace_gates
from lstm_core.pipeline import start_run, train_run


def _snap(e):
    return Snapshot(e, {}, ())


def test_keep_thins_evenly_and_keeps_first_and_newest():
    snaps = []
    for e in range(100):
        snaps = keep(snaps, _snap(e), cap=10)
        assert len(snaps) <= 10
    epochs = [s.epoch for s in snaps]
    assert epochs[0] == 0 and epochs[-1] == 99 and epochs == sorted(epochs)
    gaps = np.diff(epochs)
    assert np.all(np.diff(gaps) <= 0)  # older snapshots sparser, recent ones denser


def test_snapshot_every_gives_about_25():
    assert snapshot_every(1) == 1 and snapshot_every(30) == 1 and snapshot_every(250) == 10


def test_snapshots_are_the_models_gates_at_that_epoch(sine):
    b, data = start_run(sine, "s", DataConfig(look_back=8, transform="none"),
                        ModelConfig(hidden_size=4), TrainConfig(epochs=2))  # fmt: skip
    probe = probe_window(data.X, data.split.n_train, data.split.n_val)
    assert torch.equal(probe[0], data.part("val")[0][0])
    s0 = take(b.model, probe, 0)
    train_run(b, data)
    s2 = take(b.model, probe, 2)
    ref = trace_gates(b.model, probe).layers[0]
    np.testing.assert_array_equal(s2.gates["f"], ref["f"][0])
    assert s0.gates["f"].shape == (8, 4) and not np.allclose(s0.gates["f"], s2.gates["f"])
    assert s2.names == ("i", "f", "g", "o", "c", "h")
