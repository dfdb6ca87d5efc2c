"""A study for issue 24 (nothing in the app uses it): an LSTM pretrained on synthetic series
that reads a series' whole history, scored zero-shot against the classic references.

    python -m benchmarks.prior pretrain --out prior.pt [--series 20000] [--epochs 30] [--hidden 64]
                                        [--cycles]
    python -m benchmarks.prior score prior.pt [--hidden 64] [--window 0] [--fine-tune 0]

Why: the app's LSTM learns from 12-step windows of one series, 60-180 windows on the
quarterly development series, while ETS and ARIMA carry a level (a state) through the whole
history and fit a handful of parameters. A network that has already learned, on many
series, how to carry such a state needs no more than the user's series to run on.

pretrain: synthetic series (exponential smoothing with trend, damping and season; ARIMA with
seasonal patterns; sums of sinusoids; random walks with level shifts), 60-320 points, each
framed as the app frames a series (`frame`: the seasonal difference where a season is found
on the training part, else the first difference, standardised on the training part), and one
LSTM (1 layer, `hidden` units, a linear head) trained to predict every next step of each
whole sequence (Adam 3e-3, cosine schedule, batches of 32 sequences).
score: the development series (air passengers and the quarterly ones) and the held-out pair
(sunspots, the Nile), each cut at four lengths as `benchmarks.references --quality` cuts
them; the network runs over the whole history (or, with --window L, over the last L steps
before each target) and its one-step test RMSE is divided by that of the best of AutoETS,
AutoTheta and AutoARIMA on the test part (fitted as the app fits them).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from lstm_core.config import DataConfig  # noqa: E402
from lstm_core.metrics import detect_season, rmse  # noqa: E402
from lstm_core.series.windows import plan_split  # noqa: E402

SEASONS = (0, 0, 4, 4, 7, 12, 12, 24, 52)  # drawn per synthetic series; 0 = none
DATASETS = ROOT.parent / "shared" / "datasets"
QUARTERLY = ("ausbeer", "austres", "woolyrnq", "us_realgdp")
SERIES = {
    "air_passengers": ROOT / "data" / "air_passengers.csv",
    **{k: DATASETS / f"{k}_quarterly.csv" for k in QUARTERLY},
}
HELD_OUT = {"sunspots": DATASETS / "sunspots_yearly.csv", "nile": DATASETS / "nile_flow.csv"}
CUTS = (1.0, 0.9, 0.8, 0.7)
WARM = 4  # steps of each sequence not scored in pretraining (the state starts empty)


# ----------------------------------------------------------------------- synthetic series


def ets(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Exponential smoothing: level, (damped) trend, additive or multiplicative season."""
    alpha = rng.uniform(0.05, 0.95)
    beta = rng.uniform(0, 0.3) * alpha if rng.random() < 0.6 else 0.0
    phi = rng.uniform(0.8, 1.0) if rng.random() < 0.5 else 1.0
    gamma = rng.uniform(0, 0.4) * (1 - alpha)
    level = rng.uniform(50, 500)
    trend = rng.normal(0, 0.02) * level if beta or rng.random() < 0.3 else 0.0
    season = np.zeros(max(m, 1))
    if m:
        s = rng.normal(0, 1, m)
        season = (s - s.mean()) / (s.std() + 1e-9) * rng.uniform(0.02, 0.3) * level
    sigma = rng.uniform(0.005, 0.1) * level
    mult = rng.random() < 0.4
    out = np.empty(n)
    for t in range(n):  # a state recursion: each step needs the last one's state
        s = season[t % m] if m else 0.0
        e = rng.normal(0, sigma)
        yhat = level + phi * trend
        out[t] = (yhat * (1 + s / max(level, 1e-6)) if mult and m else yhat + s) + e
        level = yhat + alpha * e
        trend = phi * trend + beta * e
        if m:
            season[t % m] = s + gamma * e
    return out


def arima(rng: np.random.Generator, n: int, m: int, cycles: bool = False) -> np.ndarray:
    """ARMA(p ≤ 3, q ≤ 2) integrated 0-2 times, often with a fixed or drifting season.
    cycles: half of the AR(2+) draws get a complex pair of roots, a cycle of 5-30 steps that
    wanders in length and height (Yule's model of the sunspots)."""
    p, q = int(rng.integers(0, 4)), int(rng.integers(0, 3))
    roots = (rng.uniform(1.1, 5, p) * rng.choice([-1, 1], p)).astype(complex)
    if cycles and p >= 2 and rng.random() < 0.5:
        radius, period = rng.uniform(1.02, 1.5), rng.uniform(5, 30)
        roots[:2] = radius * np.exp(np.array([1j, -1j]) * 2 * np.pi / period)
    ar = -np.poly(1 / roots)[1:].real if p else np.zeros(0)  # 1 - Σ a_i B^i has these roots
    ma = rng.uniform(-0.8, 0.8, q)
    x = lfilter(np.r_[1.0, ma], np.r_[1.0, -ar], rng.normal(0, 1, n + 100))[100:]
    d = rng.choice([0, 1, 1, 2], p=[0.35, 0.3, 0.3, 0.05])
    if rng.random() < 0.3:
        x = x + rng.normal(0, 0.3)  # drift
    for _ in range(d):
        x = np.cumsum(x)
    if m and rng.random() < 0.6:
        pattern = np.tile(rng.normal(0, rng.uniform(1, 5), m), n // m + 1)[:n]
        if rng.random() < 0.5:  # the season's amplitude wanders
            pattern = pattern * (1 + np.cumsum(rng.normal(0, 0.05, n)))
        x = x + pattern
    return x * rng.uniform(0.5, 20) + rng.uniform(0, 1000)


def sines(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """One to three sinusoids (often at the season), a gentle curve, noise."""
    t = np.arange(n)
    x = np.zeros(n)
    for _ in range(rng.integers(1, 4)):
        period = m if (m and rng.random() < 0.6) else rng.uniform(3, 60)
        x += rng.uniform(0.2, 3) * np.sin(2 * np.pi * t / period + rng.uniform(0, 6.3))
    x += rng.normal(0, 0.02) * t + rng.normal(0, 0.0002) * t**2
    x += rng.normal(0, rng.uniform(0.05, 1), n)
    return x * rng.uniform(1, 50) + rng.uniform(0, 500)


def walk(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """A random walk with drift, sometimes with one level shift."""
    x = np.cumsum(rng.normal(rng.normal(0, 0.3), 1, n))
    if rng.random() < 0.3:
        x[rng.integers(n // 4, n) :] += rng.normal(0, 10)
    return x * rng.uniform(0.5, 10) + rng.uniform(0, 500)


FAMILIES: tuple[Callable[[np.random.Generator, int, int], np.ndarray], ...] = (
    ets, ets, arima, arima, sines, walk,
)  # fmt: skip


def frame(values: np.ndarray) -> tuple[np.ndarray, int, float, float]:
    """values [N] -> (z [N - d] standardised on the training part, d, mean, sd): the seasonal
    difference (d = the season found on the training part) or the first difference (d = 1)."""
    train_end = plan_split(len(values), DataConfig()).train_end
    lag = detect_season(values[:train_end]) or 1
    z = values[lag:] - values[:-lag]
    head = z[: train_end - lag]
    mean, sd = float(head.mean()), float(head.std()) + 1e-9
    return (z - mean) / sd, lag, mean, sd


def synthetic(n_series: int, seed: int, cycles: bool = False) -> list[np.ndarray]:
    """n_series framed synthetic sequences, float32, 60-320 points before framing."""
    rng = np.random.default_rng(seed)
    families = [partial(f, cycles=True) if cycles and f is arima else f for f in FAMILIES]
    out: list[np.ndarray] = []
    while len(out) < n_series:
        n = int(rng.integers(60, 320))
        m = int(rng.choice(SEASONS))
        m = m if m * 3 <= n else 0
        raw = families[rng.integers(len(families))](rng, n, m)
        if not np.all(np.isfinite(raw)) or np.ptp(raw) == 0:
            continue
        z = frame(raw)[0]
        if np.all(np.isfinite(z)) and np.abs(z).max() < 30:
            out.append(z.astype(np.float32))
    return out


# ------------------------------------------------------------------------------ network


class Prior(nn.Module):
    """One LSTM layer and a linear head: x [B, T] -> the next step's prediction at every
    step [B, T] (the same shapes as lstm_core's Forecaster, read at every step)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x.unsqueeze(-1))  # [B, T, 1] -> [B, T, H]
        return self.head(out).squeeze(-1)  # [B, T, H] -> [B, T]


def batches(seqs: list[np.ndarray], size: int, rng: np.random.Generator) -> Iterator:
    """(x [B, T] zero-padded, mask [B, T]) over the sequences in a random order."""
    order = rng.permutation(len(seqs))
    for i in range(0, len(seqs), size):
        group = [seqs[j] for j in order[i : i + size]]
        x = np.zeros((len(group), max(len(s) for s in group)), np.float32)
        mask = np.zeros(x.shape, bool)
        for k, s in enumerate(group):
            x[k, : len(s)], mask[k, : len(s)] = s, True
        yield torch.from_numpy(x), torch.from_numpy(mask)


def sequence_loss(net: Prior, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error of every next-step prediction after the first WARM steps."""
    scored = mask[:, 1:].clone()
    scored[:, :WARM] = False
    return ((net(x[:, :-1]) - x[:, 1:]) ** 2)[scored].mean()


def pretrain(out: Path, n_series: int, epochs: int, hidden: int, cycles: bool) -> None:
    t0 = time.perf_counter()
    seqs, val = synthetic(n_series, 0, cycles), synthetic(300, 999, cycles)
    torch.manual_seed(0)
    net = Prior(hidden)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        net.train()
        losses = []
        for x, mask in batches(seqs, 32, rng):
            loss = sequence_loss(net, x, mask)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
        schedule.step()
        net.eval()
        with torch.no_grad():
            v = [sequence_loss(net, x, m).item() for x, m in batches(val, 100, rng)]
        secs = time.perf_counter() - t0
        print(f"epoch {epoch + 1}: train {np.mean(losses):.4f}, synthetic validation "
              f"{np.mean(v):.4f}, {secs:.0f} s", flush=True)  # fmt: skip
    torch.save(net.state_dict(), out)


# -------------------------------------------------------------------------------- score


def predictions(net: Prior, z: np.ndarray, window: int) -> np.ndarray:
    """z [n] -> the prediction of z[k + 1] from z[:k + 1] (or its last `window` steps) [n - 1]."""
    with torch.no_grad():
        if not window:
            return net(torch.from_numpy(z[None, :-1].astype(np.float32)))[0].numpy()
        padded = torch.from_numpy(np.r_[np.zeros(window), z].astype(np.float32))
        windows = padded.unfold(0, window, 1)[1 : len(z)]  # [n - 1, window], ending at k
        return net(windows)[:, -1].numpy()


def fine_tune(net: Prior, z: np.ndarray, target_pos: np.ndarray, split, epochs: int) -> None:
    """A few full-sequence steps on the series' own training part (Adam 3e-4); the weights
    with the lowest validation loss are kept, the pretrained ones included."""
    x = torch.from_numpy(z[None].astype(np.float32))
    train = torch.from_numpy((target_pos < split.train_end) & (np.arange(len(target_pos)) >= WARM))
    val = torch.from_numpy((target_pos >= split.train_end) & (target_pos < split.val_end))

    def loss(mask: torch.Tensor) -> torch.Tensor:
        return ((net(x[:, :-1]) - x[:, 1:])[0][mask] ** 2).mean()

    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    with torch.no_grad():
        best, keep = loss(val).item(), {k: t.clone() for k, t in net.state_dict().items()}
    for _ in range(epochs):
        opt.zero_grad()
        loss(train).backward()
        opt.step()
        with torch.no_grad():
            v = loss(val).item()
        if v < best:
            best, keep = v, {k: t.clone() for k, t in net.state_dict().items()}
    net.load_state_dict(keep)


def score(weights: Path, hidden: int, window: int, epochs: int) -> None:
    from lstm_core.evaluation import references
    from lstm_core.series.data import load_series
    from lstm_core.series.windows import make_dataset

    state = torch.load(weights, weights_only=True)
    ratios: dict[str, list[float]] = {}
    for name, path in {**SERIES, **HELD_OUT}.items():
        full = load_series(path).values
        for cut in CUTS:
            v = full[: round(cut * len(full))].astype(float)
            split = plan_split(len(v), DataConfig())
            z, lag, mean, sd = frame(v)
            target_pos = np.arange(1, len(z)) + lag  # series position of each prediction
            net = Prior(hidden)
            net.load_state_dict(state)
            if epochs:
                fine_tune(net, z, target_pos, split, epochs)
            net.eval()
            pred = v[target_pos - lag] + predictions(net, z, window) * sd + mean
            test = target_pos >= split.val_end
            fitted = references.for_dataset(make_dataset(v, DataConfig(transform="none")))
            idx = np.arange(split.val_end, len(v))
            best = min(rmse(v[idx], p) for p in fitted.one_step(v, idx).values())
            ratios.setdefault(name, []).append(rmse(v[target_pos[test]], pred[test]) / best)
            print(f"{name} cut {cut}: {ratios[name][-1]:.3f}", flush=True)

    def gmean(xs: list[float]) -> float:
        return math.exp(sum(math.log(x) for x in xs) / len(xs))

    print("  ".join(f"{k} {gmean(r):.2f}" for k, r in ratios.items()))
    dev = [r for k in SERIES for r in ratios[k]]
    held = [r for k in HELD_OUT for r in ratios[k]]
    print(f"development set {gmean(dev):.3f}, held out {gmean(held):.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.prior", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pretrain")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--series", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--cycles", action="store_true", help="AR cycles among the synthetic series")
    s = sub.add_parser("score")
    s.add_argument("weights", type=Path)
    s.add_argument("--hidden", type=int, default=64)
    s.add_argument("--window", type=int, default=0, help="steps read before each target; 0 = all")
    s.add_argument("--fine-tune", type=int, default=0, help="epochs on the series' training part")
    a = parser.parse_args(argv)
    torch.set_num_threads(2)
    if a.command == "pretrain":
        pretrain(a.out, a.series, a.epochs, a.hidden, a.cycles)
    else:
        score(a.weights, a.hidden, a.window, a.fine_tune)


if __name__ == "__main__":
    main()
