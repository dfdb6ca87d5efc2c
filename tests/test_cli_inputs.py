"""The CLI with inputs beside the series, end to end through subprocess."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .test_cli import cli
from .test_inputs import BEIJING, ar_series

INPUTS = ["DEWP", "TEMP", "PRES", "cbwd=cv", "cbwd=NE", "cbwd=NW", "cbwd=SE", "Iws",
          "hour of day (sin)", "hour of day (cos)", "day of week (sin)", "day of week (cos)",
          "day of year (sin)", "day of year (cos)"]  # fmt: skip


@pytest.fixture(scope="module")
def beijing_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_in") / "pm.pt"
    r = cli("train", BEIJING, "--out", out, "--inputs", "DEWP,TEMP,PRES,cbwd,Iws",
            "--calendar", "--epochs", 1, "--hidden", 4, "--look-back", 6, "--transform", "none",
            "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out, r


def test_the_beijing_file_trains_with_its_weather_as_inputs(beijing_model):
    _, r = beijing_model
    s = json.loads(r.stdout)
    assert s["series"]["n_points"] == 43_800  # hourly, the date put together, nothing folded
    assert s["series"]["n_missing_filled"] == 2043
    assert [i["name"] for i in s["inputs"]] == INPUTS
    assert [i["kind"] for i in s["inputs"]] == ["past"] * 8 + ["future"] * 6
    assert s["inputs"][3] == {"name": "cbwd=cv", "kind": "past", "column": "cbwd"}
    assert s["backtest"]["horizon"] == 1  # inputs known only up to now: one step
    assert (
        "Using 'pm2.5' as the values and 'year, month, day, hour' as the dates (put together "
        "from 4 columns)" in r.stderr
    )


def test_evaluate_without_inputs_and_gates_with_every_input(beijing_model, tmp_path):
    model, _ = beijing_model
    r = cli("evaluate", model, BEIJING, "--without-inputs", "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["without_inputs"]["test"]["rmse"] > 0 and s["test"]["rmse"] > 0
    npz = tmp_path / "g.npz"
    r = cli("gates", model, BEIJING, "--out", npz, "--length", 10)
    assert r.returncode == 0, r.stderr
    z = np.load(npz)
    assert z["x"].shape == (10, 15)
    assert z["x_names"].tolist() == ["pm2.5", *INPUTS]
    assert z["i_l0"].shape == (10, 4)


def test_a_date_from_one_part_is_refused_in_one_line(tmp_path):
    r = cli("train", BEIJING, "--out", tmp_path / "m.pt", "--date-column", "year")
    assert r.returncode == 2
    assert r.stderr.startswith("error: The date column 'year' gives 43,824 rows only 5 different")
    assert len(r.stderr.strip().splitlines()) == 1


def test_forecast_reads_the_future_rows_of_the_file(tmp_path):
    y, x = ar_series(150)
    rows = ["t,y,x"] + [f"{i},{a:.6f},{b:.6f}" for i, (a, b) in enumerate(zip(y, x, strict=True))]
    rows += [f"{150 + k},,{0.3 * k}" for k in range(4)]
    csv = tmp_path / "f.csv"
    csv.write_text("\n".join(rows) + "\n")
    model = tmp_path / "f.pt"
    r = cli("train", csv, "--out", model, "--future-inputs", "x", "--epochs", 2, "--hidden", 4,
            "--look-back", 6, "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["inputs"] == [{"name": "x", "kind": "future", "column": "x"}]
    r = cli("forecast", model, csv, "--horizon", 6)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("step,forecast") and len(lines) == 1 + 4
    assert "The forecast stops after 4 steps, where the file's future rows of 'x' end" in r.stderr


def test_a_bad_input_is_one_line(tmp_path):
    rows = ["t,y,city"] + [f"{i},{i % 9},c{i}" for i in range(40)]
    csv = tmp_path / "c.csv"
    csv.write_text("\n".join(rows) + "\n")
    r = cli("train", csv, "--out", tmp_path / "m.pt", "--inputs", "city")
    assert r.returncode == 2
    assert r.stderr == (
        "error: Column 'city' is text with 40 different values, over the 24 a text input can "
        "have (each value becomes its own 0/1 input): leave it out, or group its values into "
        "fewer in the file.\n"
    )
