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


def test_no_download_button_reruns_the_page():
    """Walk 10 item 3: "Predictions (CSV)" clicked right after "Model file (.pt)" gave
    nothing ("Deferred file ... not found" in the log). The model button reran the page, and
    a rerun gives the buttons whose file is built on the click new file ids, dropping the
    ones the browser still holds. No download button may rerun the page."""
    at = train(start("pages/train.py"))
    at.switch_page("pages/export.py").run()
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert list(buttons) == ["Model file (.pt)", "Predictions (CSV)", "Forecast (CSV)"]
    assert buttons["Predictions (CSV)"].deferred_file_id  # built when clicked
    assert {label: b.ignore_rerun for label, b in buttons.items()} == dict.fromkeys(buttons, True)
