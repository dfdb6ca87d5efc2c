"""Walk 11, items 6 and 7: the Data page's cleaning notes describe a long filled run of
missing values, and its tiles count what the notes speak of (the series' and the inputs'
missing values apart), never "no missing values" beside a note about filled ones."""

from __future__ import annotations

import pandas as pd

from lstm_core.series.data import read_table, series_from_table

from .test_app import shown, start, state, upload
from .test_app_inputs import choose


def hourly_csv(blank: range, n: int = 40) -> str:
    """An hourly file from 2021-03-01 00:00, the values blank on the rows in `blank`."""
    hours = pd.date_range("2021-03-01", periods=n, freq="h")
    rows = [f"{t:%Y-%m-%d %H:%M},{'' if i in blank else 10 + i % 7}" for i, t in enumerate(hours)]
    return "time,load\n" + "\n".join(rows) + "\n"


def test_a_five_hour_filled_run_is_described_with_its_dates():
    s = series_from_table(read_table(hourly_csv(range(10, 15))), "load")
    assert s.notes == (
        "5 missing values filled by time interpolation.",
        "The longest run of them, 5 hours in a row (2021-03-01 10:00 to 2021-03-01 14:00), "
        "is filled with a straight line.",
    )


def test_the_longest_run_is_named_and_the_other_long_ones_counted():
    blank = [*range(3, 9), *range(12, 16), *range(20, 27)]  # 6, 4 and 7 hours
    s = series_from_table(read_table(hourly_csv(blank)), "load")  # type: ignore[arg-type]
    assert s.notes[1] == (
        "The longest run of them, 7 hours in a row (2021-03-01 20:00 to 2021-03-02 02:00), "
        "is filled with a straight line, as is 1 other run of 5 hours or more."
    )


def test_short_runs_and_the_edges_are_only_counted():
    s = series_from_table(read_table(hourly_csv([*range(0, 8), *range(10, 14)])), "load")
    assert s.notes == (
        "4 missing values filled by time interpolation.",
        "8 rows with missing values at the start or end dropped (nothing to interpolate from).",
    )


def test_without_dates_the_run_is_counted_in_values_and_rows():
    rows = [f"{'' if 10 <= i < 16 else i % 5},{i % 3}" for i in range(30)]  # no blank line
    s = series_from_table(read_table("load,x\n" + "\n".join(rows) + "\n"), "load", None)
    assert s.notes[1] == (
        "The longest run of them, 6 values in a row (rows 11 to 16), is filled with a "
        "straight line."
    )


def two_blanks_csv() -> bytes:
    """The shape of walk 11's date_two_blanks.csv: monthly, energy_kwh complete,
    rainfall_mm with 3 blanks."""
    months = pd.date_range("2015-01-01", periods=36, freq="MS")
    rows = [
        f"{m.date()},{200 + ((i % 12) - 6) ** 2:.1f},{'' if i in (4, 13, 22) else 9 + i % 3}"
        for i, m in enumerate(months)
    ]
    return ("month,energy_kwh,rainfall_mm\n" + "\n".join(rows) + "\n").encode()


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_tiles_count_the_series_and_the_inputs_apart():
    at = upload(start(), "date_two_blanks.csv", two_blanks_csv())
    assert state(at, "series").name == "energy_kwh"
    got = tiles(at)
    assert (got["Missing in the series"], got["Filled in the series"]) == ("0", "0")
    assert "Missing in the inputs" not in got  # no input is used yet
    assert (
        "Nothing needed fixing in 'energy_kwh': no missing values, duplicates or unsorted rows."
        in shown(at)
    )

    choose(at, future=["rainfall_mm"])
    got = tiles(at)
    assert (got["Missing in the series"], got["Filled in the series"]) == ("0", "0")
    assert got["Missing in the inputs"] == "3"
    assert (
        "Input 'rainfall_mm': 3 missing values filled by time interpolation (the nearest at the "
        "edges)." in shown(at)
    )
    assert not any(c.startswith("Nothing needed fixing") for c in shown(at))


def test_rows_after_the_last_value_are_missing_only_when_dropped():
    days = pd.date_range("2020-01-01", periods=25, freq="D")
    csv = "date,y,x\n" + "".join(
        f"{d.date()},{i if i < 20 else ''},{i}\n" for i, d in enumerate(days)
    )
    past = series_from_table(read_table(csv), "y", inputs=["x"])
    assert (past.n_missing, past.n_dropped, past.n_input_missing) == (5, 5, 0)
    assert past.notes == (
        "5 rows without a value after the last one dropped (nothing to interpolate from).",
    )
    ahead = series_from_table(read_table(csv), "y", future_inputs=["x"])
    assert (ahead.n_missing, ahead.n_dropped, ahead.inputs.n_future) == (0, 0, 5)
