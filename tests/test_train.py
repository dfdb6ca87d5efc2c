import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model, count_parameters
from lstm_core.fitting.train import fit, mse
from lstm_core.series.windows import make_dataset

D = DataConfig(look_back=10)


def _run(values, tcfg, mcfg=None, callback=None):
    mcfg = mcfg or ModelConfig(hidden_size=8)
    data = make_dataset(values, D)
    model = build_model(mcfg, seed=tcfg.seed)
    return model, data, fit(model, data, tcfg, callback=callback)


def test_same_seed_same_losses_other_seed_other_losses(sine):
    cfg = TrainConfig(epochs=3, batch_size=16, seed=3)
    _, _, a = _run(sine, cfg)
    _, _, b = _run(sine, cfg)
    _, _, c = _run(sine, TrainConfig(epochs=3, batch_size=16, seed=4))
    la = [(r.train_loss, r.val_loss) for r in a.history]
    assert la == [(r.train_loss, r.val_loss) for r in b.history]
    assert la != [(r.train_loss, r.val_loss) for r in c.history]
    assert [r.epoch for r in a.history] == [1, 2, 3]


def test_training_learns_a_sine_better_than_the_mean(sine):
    model, data, res = _run(sine, TrainConfig(epochs=25, batch_size=16, lr=1e-2))
    assert res.status == "completed"
    assert res.message == (
        f"Trained 25 epochs. The weights of epoch {res.best_epoch}, the lowest validation "
        "loss, were kept."
    )
    _, yva = data.part("val")
    mean_mse = float(((yva - yva.mean()) ** 2).mean())
    assert res.history[-1].val_loss < 0.2 * mean_mse
    assert res.history[-1].train_loss < res.history[0].train_loss
    # the recorded val loss is the model's real loss on the validation windows
    best = min(res.history, key=lambda r: r.val_loss)
    assert res.best_epoch == best.epoch
    assert mse(model, *data.part("val")) == pytest.approx(best.val_loss, rel=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_cell_and_depth_trains(sine, cell):
    for layers in (1, 3):
        _, _, res = _run(sine, TrainConfig(epochs=1), ModelConfig(cell, 4, layers))
        assert len(res.history) == 1 and math.isfinite(res.history[0].val_loss)


def test_callback_can_stop_and_weights_are_kept(sine):
    seen = []

    def cb(p):
        seen.append((p.kind, p.epoch, p.batch))
        return p.kind == "epoch" and p.epoch == 2

    model, data, res = _run(sine, TrainConfig(epochs=10, batch_size=4), callback=cb)
    assert res.status == "stopped"
    assert res.message == (
        f"Training stopped by request after epoch 2. The weights of epoch {res.best_epoch}, "
        "the lowest validation loss, were kept."
    )
    assert len(res.history) == 2
    assert ("epoch", 1, res_batches(data, 4)) in seen
    # in-epoch reports arrive (for a progress bar): ~20 per epoch here
    assert sum(1 for k, e, _ in seen if k == "batch" and e == 1) >= 10
    low = min(r.val_loss for r in res.history)
    assert mse(model, *data.part("val")) == pytest.approx(low, rel=1e-5)


def res_batches(data, bs):
    return math.ceil(data.split.n_train / bs)


def test_stop_inside_an_epoch(sine):
    _, _, res = _run(
        sine, TrainConfig(epochs=5, batch_size=4), callback=lambda p: p.kind == "batch"
    )
    assert res.status == "stopped"
    assert res.message == "Training stopped by request during epoch 1."  # no epoch to keep
    assert res.history == [] and res.best_epoch is None


def test_continue_training_numbers_epochs_on(sine):
    data = make_dataset(sine, D)
    model = build_model(ModelConfig(hidden_size=8), seed=0)
    first = fit(model, data, TrainConfig(epochs=2))
    before = list(first.history)
    more = fit(model, data, TrainConfig(epochs=3), history=first.history)
    assert [r.epoch for r in more.history] == [1, 2, 3, 4, 5]
    assert more.history[:2] == before
    assert first.history is more.history  # appended in place: an interrupted caller keeps it
    assert more.epochs_run == 3


def test_progress_fraction_and_eta(sine):
    fr = []
    _run(sine, TrainConfig(epochs=2, batch_size=8), callback=lambda p: fr.append(p.fraction))
    assert fr == sorted(fr) and fr[-1] == 1.0 and 0 < fr[0] < 0.1


def test_nan_loss_stops_with_message(sine):
    """A learning rate far too high makes the loss overflow: training stops and says why."""
    model, _, res = _run(sine, TrainConfig(epochs=5, lr=1e25, clip_norm=0))
    assert res.status == "diverged"
    assert res.message.startswith(
        f"Training stopped at epoch {len(res.history) + 1}: the loss became NaN or infinite, "
        "so the learning rate is probably too high — try a smaller learning rate."
    )
    assert all(torch.isfinite(v).all() for v in model.state_dict().values())


class NaNAfter(torch.nn.Module):
    """Wraps a model; its output turns NaN once `armed` is set (a deterministic divergence)."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.armed = inner, False

    def forward(self, x):
        y = self.inner(x)
        return y * float("nan") if self.armed else y


def test_nan_restores_the_weights_of_the_last_good_epoch(sine):
    data = make_dataset(sine, D)
    model = NaNAfter(build_model(ModelConfig(hidden_size=8), seed=0))
    snap = {}

    def cb(p):
        if p.kind == "epoch" and p.epoch == 2:
            snap.update({k: v.clone() for k, v in model.state_dict().items()})
            model.armed = True

    res = fit(model, data, TrainConfig(epochs=5, restore_best=False), callback=cb)
    assert res.status == "diverged" and len(res.history) == 2
    assert res.message.endswith("The last good weights were kept.")
    assert res.message.startswith("Training stopped at epoch 3: the loss became NaN")
    for k, v in model.state_dict().items():
        assert torch.equal(v, snap[k])


def test_early_stopping_restores_the_best_weights(sine):
    model, data, res = _run(sine, TrainConfig(epochs=60, lr=0.05, patience=2, seed=1))
    assert res.status == "early_stopped"
    assert len(res.history) < 60
    best = min(r.val_loss for r in res.history)
    assert res.best_epoch == min(res.history, key=lambda r: r.val_loss).epoch
    assert mse(model, *data.part("val")) == pytest.approx(best, rel=1e-5)
    assert res.message == (
        f"Early stopping: no better validation loss for 2 epochs. The weights of epoch "
        f"{res.best_epoch}, the lowest validation loss, were kept."
    )
    # without restore_best, early stopping still returns to its best epoch
    model, data, res2 = _run(sine, TrainConfig(epochs=60, lr=0.05, patience=2, seed=1,
                                                restore_best=False))  # fmt: skip
    assert res2.message.endswith(f"The best weights (epoch {res2.best_epoch}) were restored.")
    assert mse(model, *data.part("val")) == pytest.approx(best, rel=1e-5)


def test_forget_bias_is_opened_only_when_asked():
    m = build_model(ModelConfig(hidden_size=4, num_layers=2), seed=0)
    b = m.rnn.bias_ih_l1 + m.rnn.bias_hh_l1
    assert torch.allclose(b[4:8], torch.ones(4))
    m0 = build_model(ModelConfig(hidden_size=4, forget_bias_one=False), seed=0)
    assert not torch.allclose((m0.rnn.bias_ih_l0 + m0.rnn.bias_hh_l0)[4:8], torch.ones(4))
    assert count_parameters(m0) == 4 * (4 * 1 + 4 * 4 + 2 * 4) + 4 + 1


def test_state_dict_uses_pytorch_names():
    keys = set(build_model(ModelConfig(num_layers=2), seed=0).state_dict())
    assert {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l1"} <= keys


def test_seeded_build_does_not_touch_global_rng():
    torch.manual_seed(123)
    a = torch.rand(1)
    torch.manual_seed(123)
    build_model(ModelConfig(), seed=5)
    assert torch.equal(torch.rand(1), a)


def test_a_callback_that_raises_leaves_history_and_an_eval_model(sine):
    """A UI rerun interrupts fit by raising inside the callback: finished epochs stay."""
    data = make_dataset(sine, D)
    model = build_model(ModelConfig(hidden_size=4), seed=0)
    history = []

    def cb(p):
        if p.kind == "epoch" and p.epoch == 2:
            raise KeyboardInterrupt  # what a rerun looks like from inside fit

    with pytest.raises(KeyboardInterrupt):
        fit(model, data, TrainConfig(epochs=5), callback=cb, history=history)
    assert [r.epoch for r in history] == [1, 2]
    assert not model.training and next(model.parameters()).device.type == "cpu"


# --------------------------------------------------------------------------- best weights


def _noisy_run(sine, restore_best: bool, epochs: int = 12, history=None, model=None):
    """A high learning rate on a small model: the validation loss goes up and down."""
    data = make_dataset(sine, D)
    model = model or build_model(ModelConfig(hidden_size=8), seed=2)
    cfg = TrainConfig(epochs=epochs, lr=0.08, batch_size=8, seed=2, restore_best=restore_best)
    return model, data, fit(model, data, cfg, history=history)


def test_the_final_weights_have_the_lowest_validation_loss_of_the_history(sine):
    model, data, res = _noisy_run(sine, restore_best=True)
    losses = [r.val_loss for r in res.history]
    assert losses.index(min(losses)) < len(losses) - 1  # the last epoch is not the best here
    assert mse(model, *data.part("val")) == pytest.approx(min(losses), rel=1e-6)
    assert res.best_epoch == losses.index(min(losses)) + 1
    # off: the last epoch's weights
    model, data, res = _noisy_run(sine, restore_best=False)
    assert mse(model, *data.part("val")) == pytest.approx(res.history[-1].val_loss, rel=1e-6)
    assert mse(model, *data.part("val")) > min(r.val_loss for r in res.history) * (1 + 1e-3)


def test_continuing_keeps_the_best_of_the_whole_history(sine):
    model, data, first = _noisy_run(sine, restore_best=True, epochs=6)
    _, _, more = _noisy_run(sine, True, epochs=6, history=first.history, model=model)
    low = min(more.history, key=lambda r: r.val_loss)
    assert len(more.history) == 12 and more.best_epoch == low.epoch
    assert mse(model, *data.part("val")) == pytest.approx(low.val_loss, rel=1e-6)


def test_an_interrupted_fit_ends_with_the_best_weights(sine):
    """A UI rerun raises inside the callback: the finally still restores the best epoch."""
    data = make_dataset(sine, D)
    model = build_model(ModelConfig(hidden_size=8), seed=2)
    history = []

    def cb(p):
        if p.kind == "epoch" and p.epoch == 8:
            raise KeyboardInterrupt

    cfg = TrainConfig(epochs=12, lr=0.08, batch_size=8, seed=2)
    with pytest.raises(KeyboardInterrupt):
        fit(model, data, cfg, callback=cb, history=history)
    low = min(r.val_loss for r in history)
    assert mse(model, *data.part("val")) == pytest.approx(low, rel=1e-6)


def test_fit_s_adam_is_torch_s_adam_step_for_step(sine, monkeypatch):
    """fit's optimizer (torch's functional Adam without the class, which imports
    torch._dynamo) gives the very losses and weights of torch.optim.Adam for a seed."""
    from lstm_core.fitting import train

    cfg = TrainConfig(epochs=2, batch_size=16, seed=5, lr=1e-2)
    ours, _, a = _run(sine, cfg)
    monkeypatch.setattr(train, "optimizer", lambda ps, lr: torch.optim.Adam(ps, lr=lr))
    theirs, _, b = _run(sine, cfg)
    assert [(r.train_loss, r.val_loss) for r in a.history] == [
        (r.train_loss, r.val_loss) for r in b.history
    ]
    for (k, x), (_, y) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        assert torch.equal(x, y), k


def test_adam_matches_torch_adam_bitwise_and_skips_params_without_grad():
    from lstm_core.fitting.train import Adam

    torch.manual_seed(0)
    p1 = [torch.randn(5, 3, requires_grad=True), torch.randn(4, requires_grad=True)]
    p2 = [t.detach().clone().requires_grad_(True) for t in p1]
    ours, theirs = Adam(p1, lr=3e-3), torch.optim.Adam(p2, lr=3e-3)
    for step in range(6):
        g = [torch.randn_like(t) for t in p1]
        for ps, opt in ((p1, ours), (p2, theirs)):
            opt.zero_grad()
            ps[0].grad = g[0].clone()
            if step % 3:  # the second parameter has no gradient on some steps
                ps[1].grad = g[1].clone()
            opt.step()
        assert all(torch.equal(a, b) for a, b in zip(p1, p2, strict=True))
    assert all(t.grad is not None for t in p1)
    ours.zero_grad()
    assert all(t.grad is None for t in p1)


def test_training_does_not_import_torch_dynamo(tmp_path):
    """A fresh process trains without torch._dynamo (about a second of imports)."""
    code = (
        "import sys, numpy as np\n"
        "from lstm_core.config import DataConfig, ModelConfig, TrainConfig\n"
        "from lstm_core.fitting.models import build_model\n"
        "from lstm_core.fitting.train import fit\n"
        "from lstm_core.series.windows import make_dataset\n"
        "d = make_dataset(np.sin(np.arange(300) / 5), DataConfig(look_back=10))\n"
        "fit(build_model(ModelConfig(hidden_size=4), seed=0), d, TrainConfig(epochs=1))\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "LSTM_CORE_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)  # fmt: skip
    assert out.stdout.strip() == "False"
