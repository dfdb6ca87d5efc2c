"""Admission in one place (issue 22): every job a page starts is admitted by session.start,
through the request's own `admit()`: the data's check and the app's limits, one sentence."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from explorer.compare_jobs import AddingRequest, CellsRequest
from explorer.training import TrainRequest, continue_request
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import start_run

SHORT = (
    "The series has 144 points, but a look-back of 200 needs at least 203 (one window "
    "each for training, validation and test): use a smaller look-back or a longer "
    "series."
)
UNITS = (
    "3 layers of 512 units is 1,536 units, over this app's limit of 1,024 for one visitor: "
    "use fewer units or layers here, or the command line (python -m lstm_core train)."
)


def _values(n: int = 144) -> np.ndarray:
    return np.sin(np.arange(n) / 5.0) + 2.0


def test_a_training_says_why_it_cannot_start():
    ok = TrainRequest(_values(), "v", DataConfig(look_back=12), ModelConfig(), TrainConfig())
    assert ok.admit() is None
    short = TrainRequest(_values(), "v", DataConfig(look_back=200), ModelConfig(), TrainConfig())
    assert short.admit() == SHORT
    big = TrainRequest(_values(), "v", DataConfig(), ModelConfig("lstm", 512, 3), TrainConfig())
    assert big.admit() == UNITS


def test_continue_is_held_to_the_same_limits_as_its_model():
    bundle, data = start_run(_values(), "v", DataConfig(transform="none"),
                             ModelConfig("lstm", 512, 3), TrainConfig())  # fmt: skip
    request = continue_request(bundle, data, _values(), TrainConfig(epochs=1), "trained here")
    assert request.admit() == UNITS


def test_the_compare_pages_runs_are_admitted_the_same_way():
    big = CellsRequest(_values(), "v", DataConfig(), ModelConfig("lstm", 512, 3), TrainConfig(),
                       seeds=(0,))  # fmt: skip
    assert big.admit() == UNITS
    assert AddingRequest.admit(object.__new__(AddingRequest)) is None  # bounded by its widgets


def _start_too_big() -> None:
    import numpy as np  # AppTest runs this function's source alone
    import streamlit as st

    from explorer import session, state
    from explorer.compare_jobs import CellsRequest
    from lstm_core.config import DataConfig, ModelConfig, TrainConfig

    values = np.sin(np.arange(144) / 5.0)
    big = CellsRequest(values, "v", DataConfig(), ModelConfig("lstm", 512, 3), TrainConfig(),
                       seeds=(0,))  # fmt: skip
    st.text(session.start(big) or "started")
    st.text(f"job: {state.get('job')}")


def test_session_start_refuses_before_anything_is_queued():
    at = AppTest.from_function(_start_too_big, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.text] == [UNITS, "job: None"]
