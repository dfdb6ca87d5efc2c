"""Defects a new user met walking through the app (AppTest): the Data page keeps the series
and model when a file is refused, remembers the active upload across page switches; the
Train page counts the inputs' parameters; the sidebar names the learning rate used; the
Gates page's window follows the model."""

from __future__ import annotations

from lstm_core.experiments.compare import param_count

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
