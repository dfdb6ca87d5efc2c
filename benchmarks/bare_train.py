"""The bare, idiomatic PyTorch loop a user would write, as a whole process: the other side
of benchmarks/cli_bench.py. Same work as `python -m lstm_core train CSV --transform none`:
read the CSV, scale on the training part, window, train with Adam and gradient clipping,
a validation pass per epoch, one-step test predictions, save the weights.

    python benchmarks/bare_train.py CSV OUT --look-back 50 --hidden 64 --batch-size 256 --epochs 3
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn


class Net(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out[:, -1]).squeeze(-1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("out")
    ap.add_argument("--look-back", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=100)
    a = ap.parse_args()
    v = pd.read_csv(a.csv).iloc[:, -1].to_numpy(np.float64)
    L = a.look_back
    n_w = len(v) - L
    n_test = n_val = round(0.15 * n_w)
    n_train = n_w - n_val - n_test
    lo, hi = v[: n_train + L].min(), v[: n_train + L].max()
    s = ((v - lo) / (hi - lo)).astype(np.float32)
    X = torch.from_numpy(np.ascontiguousarray(sliding_window_view(s[:-1], L)))
    y = torch.from_numpy(s[L:].copy())
    Xtr, ytr = X[:n_train], y[:n_train]
    Xva, yva = X[n_train : n_train + n_val], y[n_train : n_train + n_val]
    torch.manual_seed(0)
    model = Net(a.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(n_train)
        for b in range(0, n_train, a.batch_size):
            idx = perm[b : b + a.batch_size]
            opt.zero_grad()
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        model.eval()
        with torch.no_grad():
            val = sum(float(((model(Xva[i : i + 1024]) - yva[i : i + 1024]) ** 2).sum())
                      for i in range(0, n_val, 1024)) / n_val  # fmt: skip
        print(f"epoch {epoch + 1} val {val:.6f}")
    with torch.no_grad():
        pred = model(X[n_train + n_val :]).numpy() * (hi - lo) + lo
    print(f"test rmse {np.sqrt(np.mean((pred - v[L + n_train + n_val :]) ** 2)):.4g}")
    torch.save(model.state_dict(), a.out)


if __name__ == "__main__":
    main()
