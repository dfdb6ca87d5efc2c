import numpy as np
import pytest
import torch

from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside import gatestats
from lstm_core.inside.gradflow import hidden_gradient_norms, input_gradient_by_lag


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_input_gradient_matches_finite_differences(cell):
    model = build_model(ModelConfig(cell, 5, 2), seed=0).double()
    X = torch.randn(4, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    got = input_gradient_by_lag(model.float(), X.float())
    model = model.double()
    eps = 1e-6
    fd = np.zeros((4, 7))
    with torch.no_grad():
        for j in range(7):
            d = torch.zeros_like(X)
            d[:, j] = eps
            fd[:, j] = ((model(X + d) - model(X - d)) / (2 * eps)).numpy()
    want = np.abs(fd).mean(0)[::-1]  # by lag: lag 0 is the last input
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_hidden_gradient_norms_match_finite_differences(cell):
    """Perturb h_t inside an unrolled run: the loss change matches the reported gradient."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(cell, 4, 1), seed=2).double()
    X = torch.randn(3, 6, dtype=torch.float64)
    y = torch.randn(3, dtype=torch.float64)
    norms = hidden_gradient_norms(model, X, y)
    assert norms.shape == (6,)
    assert all(p.grad is None for p in model.parameters())  # the model is left untouched
    # last step: ∂loss/∂h_T = 2/B · (ŷ − y) · w_head, computed by hand
    with torch.no_grad():
        out, _ = model.rnn(X[..., None])
        err = model.head(out[:, -1]).squeeze(-1) - y
        g_last = (2 / 3) * err[:, None] * model.head.weight  # [B, H]
    assert norms[-1] == pytest.approx(float(g_last.norm()), rel=1e-6)
    # an earlier step, by finite differences through the unrolled cell
    from lstm_core.inside.gradflow import _cells

    (c,) = _cells(model.rnn)
    lstm = cell == "lstm"

    def loss_with(delta, t_pert):
        s = (torch.zeros(3, 4, dtype=torch.float64),) * 2 if lstm else torch.zeros(3, 4).double()
        for t in range(6):
            s = c(X[:, t : t + 1], s)
            if t == t_pert:
                s = (s[0] + delta, s[1]) if lstm else s + delta
        h = s[0] if lstm else s
        return float(((model.head(h).squeeze(-1) - y) ** 2).mean().detach())

    eps, t0 = 1e-6, 2
    grad = np.zeros((3, 4))
    for b in range(3):
        for u in range(4):
            d = torch.zeros(3, 4, dtype=torch.float64)
            d[b, u] = eps
            grad[b, u] = (loss_with(d, t0) - loss_with(-d, t0)) / (2 * eps)
    assert norms[t0] == pytest.approx(np.linalg.norm(grad), rel=1e-4)


def test_rnn_gradient_decays_with_lag():
    model = build_model(ModelConfig("rnn", 16, 1), seed=0)
    X = torch.rand(64, 60, generator=torch.Generator().manual_seed(0))
    g = input_gradient_by_lag(model, X)
    assert g[0] > 100 * g[-1]


def test_saturation_and_correlations_by_hand():
    f = np.array([[[0.05, 0.5], [0.95, 0.5], [0.99, 0.08]]])  # [B=1, T=3, H=2]
    h = np.array([[[-0.95, 0.2], [0.5, 0.95], [0.1, -0.5]]])
    s = gatestats.saturation({"f": f, "c": f * 9, "h": h})
    assert set(s) == {"f", "h"}  # c is unbounded: never saturated
    np.testing.assert_allclose(s["f"]["low"], [1 / 3, 1 / 3])
    np.testing.assert_allclose(s["f"]["high"], [2 / 3, 0])
    np.testing.assert_allclose(s["h"]["low"], [1 / 3, 0])  # tanh values: below -0.9
    np.testing.assert_allclose(s["h"]["high"], [0, 1 / 3])
    x = np.array([1.0, 2.0, 3.0, 4.0])
    h = np.stack([2 * x, -x, np.ones(4)], 1)
    c = gatestats.unit_correlations(h, x, x[::-1])
    np.testing.assert_allclose(c["input"], [1, -1, 0])
    np.testing.assert_allclose(c["target"], [-1, 1, 0])
