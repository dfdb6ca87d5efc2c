"""AppTest of the Export / import page: its own setting across page switches."""

from __future__ import annotations

from .test_app import start, train


def test_the_forecast_steps_survive_a_visit_to_another_page():
    """Walk 10 item 2: "Forecast steps" set to 30 came back as 12 after a look at Train."""
    at = train(start("pages/train.py"))
    at.switch_page("pages/export.py").run()
    at.number_input(key="ex_horizon").set_value(30).run()
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/export.py").run()
    assert not at.exception
    assert at.number_input(key="ex_horizon").value == 30

