"""A bad file is the user's one sentence; a bug of ours is logged, and still one sentence
(issue 22)."""

import logging

import pytest

from lstm_core.series import data
from lstm_core.series.data import DataError, read_table


def test_a_bug_in_the_engine_is_logged_and_said_as_ours(monkeypatch, caplog):
    def broken(_: bytes):
        raise KeyError("frame")

    monkeypatch.setattr(data, "parse_table", broken)
    with (
        caplog.at_level(logging.ERROR, logger="lstm_core.series.data"),
        pytest.raises(DataError) as e,
    ):
        read_table(b"date,value\n2020-01-01,1\n2020-01-02,2\n")
    assert str(e.value) == (
        "Reading the file failed on an error in LSTM Explorer itself (KeyError), not in the "
        "file: it was logged for the developers."
    )
    (record,) = caplog.records
    assert record.name == "lstm_core.series.data" and record.exc_info[0] is KeyError


def test_what_pandas_says_of_a_bad_file_is_the_users_sentence_and_not_logged(monkeypatch, caplog):
    def unreadable(_: bytes):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(data, "parse_table", unreadable)
    with (
        caplog.at_level(logging.ERROR, logger="lstm_core.series.data"),
        pytest.raises(DataError) as e,
    ):
        read_table(b"value\n1\n2\n")
    assert str(e.value) == (
        "Could not read the file as a table ('utf-8' codec can't decode byte 0xff in position "
        "0: invalid start byte): upload a plain-text CSV with one row per time step."
    )
    assert caplog.records == []
