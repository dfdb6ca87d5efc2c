"""The input-importance lines say what their ranking hides (walk 11 item 2): inputs whose
removal lowers the test error, and inputs on which holding at the mean and shuffling point
different ways; every number in the lines has the same decimals."""

from __future__ import annotations

from lstm_core.inside.explain import Importance


def test_inputs_that_help_by_their_absence_and_measures_that_disagree_are_named():
    imp = Importance(
        rmse=19.97,
        held_at_mean={"PRES": 20.55, "TEMP": 19.97, "DEWP": 19.82, "Iws": 19.66},
        shuffled={"PRES": 19.94, "TEMP": 20.0, "DEWP": 20.06, "Iws": 19.96},
    )
    assert imp.ranked() == [
        "PRES: 19.97 → 20.55 held at its mean (shuffled: 19.94)",
        "TEMP: 19.97 → 19.97 held at its mean (shuffled: 20.00)",
        "DEWP: 19.97 → 19.82 held at its mean (shuffled: 20.06)",
        "Iws: 19.97 → 19.66 held at its mean (shuffled: 19.96)",
    ]
    # Iws: shuffled 19.96 is within SAME_RMSE (0.1 %) of 19.97, so it does not disagree
    assert imp.notes() == [
        "Holding DEWP or Iws at its mean lowers the test error: on this test part the model "
        "does better without them.",
        "For PRES and DEWP the two measures point different ways (one raises the error, "
        "the other lowers it): the effect is small, and another test part could reverse it.",
    ]


def test_an_input_that_helps_gets_no_note():
    imp = Importance(rmse=3.5, held_at_mean={"rain": 4.2}, shuffled={"rain": 4.0})
    assert imp.notes() == []
    one = Importance(rmse=3.547, held_at_mean={"rain": 3.541}, shuffled={"rain": 3.541})
    assert imp.ranked() == ["rain: 3.500 → 4.200 held at its mean (shuffled: 4.000)"]
    assert one.notes() == [
        "Holding rain at its mean lowers the test error: on this test part the model does "
        "better without it."
    ]
