"""A fit's status is the RunStatus enum (equal to its string), and a Stop inside fit is
recognised by its result, not by the words of its message (issue 22)."""

import json
from types import SimpleNamespace

import pytest

from explorer import session
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model
from lstm_core.fitting.train import EpochRecord, FitResult, fit
from lstm_core.runtime.jobs import RunStatus
from lstm_core.series.windows import make_dataset


def _fit(sine, callback=None) -> FitResult:
    data = make_dataset(sine, DataConfig(look_back=10))
    model = build_model(ModelConfig(hidden_size=4), seed=0)
    return fit(model, data, TrainConfig(epochs=3, batch_size=64), callback=callback)


def test_a_fits_status_is_the_enum_and_says_where_stop_came(sine):
    done = _fit(sine)
    assert done.status is RunStatus.COMPLETED and done.status == "completed"
    assert done.stopped_at is None
    stopped = _fit(sine, callback=lambda p: p.kind == "epoch" and p.epoch == 2)
    assert stopped.status is RunStatus.STOPPED and stopped.stopped_at == 2
    assert json.dumps({"status": stopped.status}) == '{"status": "stopped"}'


def test_a_status_given_as_text_becomes_the_enum_and_a_wrong_one_is_refused():
    assert FitResult([], "failed", "Bad data.").status is RunStatus.FAILED
    with pytest.raises(ValueError, match="'finished' is not a valid RunStatus"):
        FitResult([], "finished", "")


def _outcome(monkeypatch, result: FitResult) -> str:
    records = [EpochRecord(1, 0.5, 0.4, 0.1), EpochRecord(2, 0.4, 0.3, 0.1)]
    bundle = SimpleNamespace(history=records, train_config=TrainConfig())
    monkeypatch.setattr(session.state, "get", lambda key, default=None: {"bundle": bundle}[key])
    job = SimpleNamespace(work=SimpleNamespace(published=object()), message=result.message,
                          status=RunStatus.STOPPED, stop_reason="", result=result)  # fmt: skip
    return session.outcome(job).message


def test_the_train_page_words_a_stop_by_the_result_not_by_its_message(monkeypatch):
    in_fit = FitResult([], "stopped", "Stopped by the user.", stopped_at=2)
    assert _outcome(monkeypatch, in_fit) == (
        "Stopped at epoch 2 — the weights of epoch 2, the lowest validation loss, are kept."
    )
    while_choosing = FitResult([], "stopped", "Stopped while choosing the transform.")
    assert _outcome(monkeypatch, while_choosing) == "Stopped while choosing the transform."
