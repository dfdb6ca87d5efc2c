"""Defects a new user met walking through the app (AppTest): the Data page keeps the series
and model when a file is refused, remembers the active upload across page switches; the
Train page counts the inputs' parameters; the sidebar names the learning rate used; the
Gates page's window follows the model."""

from __future__ import annotations

from explorer import session
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.experiments.compare import param_count
from lstm_core.fitting import sizing
from lstm_core.fitting.pipeline import start_run, train_run
from lstm_core.series.synthetic import sine_series

from .test_app import start, state, texts, train, upload
from .test_app_inputs import choose, demand_csv


def test_the_train_page_counts_the_parameters_of_the_inputs_beside_the_series():
    at = choose(upload(start(), "demand.csv", demand_csv()), ["temp", "wind"], ["holiday"], True)
    assert len(state(at, "series").inputs.specs) == 9
    at.switch_page("pages/train.py").run()
    want = param_count("lstm", 8, 1, 9)
    at.number_input(key="train_hidden").set_value(8).run()
    line = next(c for c in texts(at.caption) if " parameters · device" in c)
    assert line.startswith(f"{want:,} parameters"), line
    train(at, epochs=1)
    model = state(at, "bundle").model
    assert sum(p.numel() for p in model.parameters()) == want
    assert want != param_count("lstm", 8, 1)  # the single-input figure it showed before


def test_the_sidebar_names_the_learning_rate_the_long_series_rule_used():
    """6,000 points, look-back 4: 4,198 training windows, batches of 32 at lr 0.01 × √2."""
    values = sine_series(n=6_000, period=24, noise=0.1, seed=0)
    cfg = TrainConfig(epochs=1, batch_size=16, lr=0.01, seed=0, device="cpu")
    data_cfg = DataConfig(look_back=4, transform="none")
    bundle, dataset = start_run(values, "wave", data_cfg, ModelConfig("lstm", 2), cfg)
    train_run(bundle, dataset)
    used = sizing.effective(cfg, dataset.split.n_train).lr
    assert f"lr {used:g}: a long series" in bundle.provenance() and used != cfg.lr
    at = start("pages/train.py")
    for k, v in {"bundle": bundle, "dataset": dataset, "data_cfg": data_cfg}.items():
        at.session_state[k] = v
    at.run()
    model = next(c for c in texts(at.sidebar.caption) if c.startswith("**Model:**"))
    assert f"LSTM h2 l1 lr{used:g} · 1 epochs" in model.replace("\\", ""), model
    assert session.bundle_label(bundle, 2) == f"LSTM h2 l1 lr{used:g} #2"  # the overlay's too
