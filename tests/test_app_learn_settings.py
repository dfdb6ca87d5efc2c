"""The Learn page's example leaves the app showing the settings it trained with (issue 22)."""

from __future__ import annotations

from .test_app import settle, start, state


def test_the_examples_transform_is_the_one_the_data_page_the_url_and_next_train_use():
    at = start("pages/data.py")
    at.selectbox(key="data_transform").set_value("diff").run()
    assert state(at, "data_cfg").transform == "diff" and at.query_params["tf"] == "diff"
    at.switch_page("pages/learn.py").run()
    at.number_input(key="learn_epochs").set_value(1)
    at.button(key="learn_train").click().run()
    settle(at)
    assert state(at, "bundle").data_config.transform == "none"
    assert state(at, "data_cfg").transform == "none" and at.query_params["tf"] == "none"
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="data_transform").value == "none"
