import numpy as np
import torch

from explorer.watch import Snapshot, keep, probe_window, snapshot_every, take
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import start_run, train_run


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


def _lstm_by_hand(rnn: torch.nn.LSTM, x: np.ndarray) -> dict[str, np.ndarray]:
    """The one-layer LSTM's gates and states along x [T], in float64 numpy, from the weights."""
    w_ih, w_hh = (
        rnn.weight_ih_l0.detach().double().numpy(),
        rnn.weight_hh_l0.detach().double().numpy(),
    )
    bias = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().double().numpy()
    n = w_hh.shape[1]
    h, c, out = np.zeros(n), np.zeros(n), {k: [] for k in "ifgoch"}
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for xt in x:
        z = w_ih[:, 0] * xt + w_hh @ h + bias  # PyTorch's order: i, f, g, o
        i, f, g, o = sig(z[:n]), sig(z[n : 2 * n]), np.tanh(z[2 * n : 3 * n]), sig(z[3 * n :])
        c = f * c + i * g
        h = o * np.tanh(c)
        for k, v in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            out[k].append(v)
    return {k: np.array(v) for k, v in out.items()}


def test_snapshots_are_the_models_gates_at_that_epoch(sine):
    b, data = start_run(sine, "s", DataConfig(look_back=8, transform="none"),
                        ModelConfig(hidden_size=4), TrainConfig(epochs=2))  # fmt: skip
    probe = probe_window(data.X, data.split.n_train, data.split.n_val)
    assert torch.equal(probe[0], data.part("val")[0][0])
    s0 = take(b.model, probe, 0)
    hand0 = _lstm_by_hand(b.model.rnn, probe[0].double().numpy())
    train_run(b, data)
    s2 = take(b.model, probe, 2)
    # independent of trace_gates: the gates by hand from the trained weights, and the states
    # from nn.LSTM's own forward pass (h at every step, c at the last)
    hand = _lstm_by_hand(b.model.rnn, probe[0].double().numpy())
    for k in "ifgoch":
        np.testing.assert_allclose(s2.gates[k], hand[k], atol=1e-5, err_msg=k)
    with torch.no_grad():
        out, (_, c_n) = b.model.rnn(probe.unsqueeze(-1))
    np.testing.assert_allclose(s2.gates["h"], out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(s2.gates["c"][-1], c_n[0, 0].numpy(), atol=1e-5)
    # the epoch-0 snapshot kept the untrained model's gates, not a view of the live model
    np.testing.assert_allclose(s0.gates["f"], hand0["f"], atol=1e-5)
    assert s0.gates["f"].shape == (8, 4) and not np.allclose(s0.gates["f"], s2.gates["f"])
    assert s2.epoch == 2 and s2.names == ("i", "f", "g", "o", "c", "h")
