"""Which input drives which gate: weights, integrated gradients, importance, input clamps."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model
from lstm_core.fitting.pipeline import run
from lstm_core.inside.explain import (
    attribute,
    baseline_window,
    channel_names,
    gate_weights,
    importance,
    lag_profile,
)
from lstm_core.inside.inputclamp import InputClamp, InputClampError, apply_input_clamps
from lstm_core.inside.intervene import intervene, run_clamped
from lstm_core.series.data import read_table, series_from_table
from lstm_core.series.windows import make_dataset

from .test_cli import cli
from .test_inputs import ar_series


def planted_csv(seed: int, n: int = 600) -> str:
    """y(t) = 0.8 x(t − 3) + noise with x an AR(1) input, and z an input of pure noise."""
    y, x = ar_series(n, seed)
    z = np.random.default_rng(100 + seed).normal(size=n)
    rows = (
        f"{i},{a:.6f},{b:.6f},{c:.6f}\n" for i, (a, b, c) in enumerate(zip(y, x, z, strict=True))
    )
    return "t,y,x,z\n" + "".join(rows)


def trained(seed: int, epochs: int = 30):
    s = series_from_table(read_table(planted_csv(seed)), "y", inputs=["x", "z"])
    cfg = DataConfig(look_back=8, transform="none", inputs=("x", "z"))
    bundle, data, _, _ = run(s.values, "y", cfg, ModelConfig(hidden_size=16),
                             TrainConfig(epochs=epochs, seed=seed), inputs=s.inputs)  # fmt: skip
    return bundle, data


@pytest.fixture(scope="module")
def planted():
    return [trained(seed) for seed in (0, 1, 2)]


def test_the_planted_lag_and_input_are_found(planted):
    peaks, ratios = [], []
    for bundle, data in planted:
        profile = lag_profile(bundle.model, data, "y")
        assert profile.completeness_error < 0.01
        peaks.append(profile.peak_lag("x"))
        imp = importance(bundle.model, data)
        x_up = imp.held_at_mean["x"] - imp.rmse
        z_up = imp.held_at_mean["z"] - imp.rmse
        assert x_up > 0
        ratios.append(x_up / max(z_up, 1e-12))
    assert peaks.count(3) >= 2, peaks
    assert min(ratios) >= 5, ratios


def test_integrated_gradients_match_a_path_integral_done_by_hand():
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden_size=3, n_inputs=1), seed=0).eval()
    x = torch.randn(2, 4, 2)
    base = torch.randn(4, 2) * 0.1
    att = attribute(model, x, base)
    # midpoint rule with 2,000 points of autograd gradients along the straight path
    n = 2000
    alphas = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    total = torch.zeros_like(x)
    for a in alphas:
        xi = (base + a * (x - base)).requires_grad_(True)
        model(xi).sum().backward()
        total += xi.grad
    by_hand = (x - base) * total / n
    np.testing.assert_allclose(att.values, by_hand.numpy(), atol=2e-5, rtol=1e-3)
    # the gradient itself against central finite differences, one coordinate
    xi = x.clone().requires_grad_(True)
    model(xi)[0].backward()
    eps = 1e-3
    up, down = x.clone(), x.clone()
    up[0, 2, 1] += eps
    down[0, 2, 1] -= eps
    with torch.no_grad():
        fd = (model(up)[0] - model(down)[0]) / (2 * eps)
    assert abs(float(xi.grad[0, 2, 1]) - float(fd)) < 1e-3
    # completeness: attributions sum to prediction − baseline prediction
    np.testing.assert_allclose(att.values.sum(axis=(1, 2)),
                               att.predictions - att.baseline_prediction, atol=1e-5)  # fmt: skip


def test_gate_weights_read_back_weight_ih_in_the_pages_order():
    model = build_model(ModelConfig(hidden_size=5, n_inputs=2), seed=1)
    gw = gate_weights(model, ["y", "a", "b"])
    w = model.rnn.weight_ih_l0.detach().numpy()  # [4H, 3]: i | f | g | o
    assert gw.gates == ("i", "f", "g", "o")
    for g in range(4):
        np.testing.assert_array_equal(gw.w[g], w[g * 5 : (g + 1) * 5])
    np.testing.assert_allclose(gw.summary[2, 1], np.abs(w[10:15, 1]).mean())
    gru = gate_weights(build_model(ModelConfig("gru", 4, n_inputs=1), seed=0), ["y", "a"])
    assert gru.gates == ("r", "z", "n") and gru.w.shape == (3, 4, 2)
    s = np.abs(w.reshape(4, 5, 3)).mean(axis=1)[:, 1:]  # [gate, input] beside the target
    g, c = np.unravel_index(np.argmax(s), s.shape)
    units = sorted(np.argsort(np.abs(w[g * 5 : (g + 1) * 5, c + 1]))[::-1][:2].tolist())
    label = ["input gate i", "forget gate f", "candidate C̃ (g)", "output gate o"][g]
    assert gw.strongest(k=1) == [
        f"{'ab'[c]} mostly drives the {label} (units {units[0]} and {units[1]})."
    ]


def _small():
    s = series_from_table(read_table(planted_csv(0, 120)), "y", inputs=["x", "z"])
    data = make_dataset(s.values, DataConfig(look_back=6, transform="none"), inputs=s.inputs)
    model = build_model(ModelConfig(hidden_size=4, n_inputs=2), seed=0).eval()
    return model, data


def test_an_input_clamped_to_its_own_values_changes_nothing():
    model, data = _small()
    x = data.X[10:11]
    same = apply_input_clamps(data, x, [InputClamp("x", "row:10")])
    assert torch.equal(same, x)
    y0 = run_clamped(model, x).y
    y1 = run_clamped(model, same).y
    np.testing.assert_allclose(y1, y0, atol=1e-6)


def test_an_input_clamped_from_step_t_changes_nothing_before_t():
    model, data = _small()
    x = data.X[20:30]
    held = apply_input_clamps(data, x, [InputClamp("x", 5.0, from_step=3)])
    assert torch.equal(held[:, :3], x[:, :3]) and not torch.equal(held[:, 3:], x[:, 3:])
    scaled = data.input_scalers[0].transform(np.array([5.0]))[0]
    np.testing.assert_allclose(held[:, 3:, 1].numpy(), scaled, rtol=1e-6)
    before = run_clamped(model, x, keep=True).layers[0]
    after = run_clamped(model, held, keep=True).layers[0]
    for name in ("i", "f", "g", "o", "c", "h"):
        np.testing.assert_array_equal(after[name][:, :3], before[name][:, :3])
        assert not np.allclose(after[name][:, 3:], before[name][:, 3:])


def test_input_clamps_go_through_intervene_and_bad_ones_say_why():
    model, data = _small()
    mean = intervene(model, data, [InputClamp("x", "mean")])
    assert mean.rmse_after != mean.rmse_before
    assert mean.summary().startswith("With the input 'x' held at its training mean from step 0")
    with pytest.raises(InputClampError) as e:
        intervene(model, data, [InputClamp("w", "mean")])
    assert str(e.value) == "The model has no input 'w': choose one of 'x', 'z'."
    with pytest.raises(InputClampError) as e:
        intervene(model, data, [InputClamp("x", "lots")])
    assert str(e.value) == (
        "An input is held at a finite number, 'mean', 'shuffle' or 'row:K' (another window's "
        "values), got 'lots'."
    )


def test_baseline_is_the_training_mean_and_names_follow_the_channels():
    _, data = _small()
    base = baseline_window(data)
    x, _ = data.part("train")
    np.testing.assert_allclose(base[0].numpy(), x.reshape(-1, 3).mean(0).numpy(), rtol=1e-5)
    assert channel_names(data, "y") == ["y", "x", "z"]


def test_cli_explain_and_intervene_an_input(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text(planted_csv(0, 300))
    model = tmp_path / "p.pt"
    r = cli("train", csv, "--out", model, "--column", "y", "--inputs", "x,z", "--epochs", 3,
            "--hidden", 8, "--look-back", 6, "--transform", "none")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = cli("explain", model, csv, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["inputs"] == ["x", "z"]
    assert set(out["gate_weights"]) == {"i", "f", "g", "o"}
    assert set(out["gate_weights"]["i"]) == {"y", "x", "z"}
    assert len(out["attribution"]["x"]) == 6 and out["attribution_lags"]["x"] == [1, 2, 3, 4, 5, 6]
    assert out["completeness_error"] < 0.01
    assert set(out["importance"]["x"]) == {"held_at_mean", "shuffled"}
    assert out["rmse"] > 0
    r = cli("intervene", model, csv, "--input", "x", "--value", "mean", "--json")
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)
    assert done["clamps"] == [{"input": "x", "value": "mean", "from_step": 0, "until_step": None}]
    r = cli("explain", tmp_path / "none.pt", csv)
    assert r.returncode == 2
