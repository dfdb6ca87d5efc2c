"""The CLI end to end, through subprocess, as a user would run it."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from lstm_core.evaluation.forecast import predict
from lstm_core.fitting.bundle import load_bundle
from lstm_core.fitting.pipeline import dataset_for
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.intervene import Clamp, intervene
from lstm_core.series.data import load_series

from .conftest import ROOT


def cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "lstm_core", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def model(tmp_path_factory, air_csv_path=ROOT / "data" / "air_passengers.csv"):
    out = tmp_path_factory.mktemp("cli") / "air.pt"
    r = cli("train", air_csv_path, "--out", out, "--epochs", 2, "--hidden", 8,
            "--look-back", 12, "--layers", 2, "--transform", "diff", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out, r


def test_train_prints_progress_and_a_json_summary(model):
    out, r = model
    assert "epoch 1/2" in r.stderr and "epoch 2/2" in r.stderr
    s = json.loads(r.stdout)
    assert [h["epoch"] for h in s["history"]] == [1, 2]
    assert {"train_loss", "val_loss"} <= set(s["history"][0])
    assert s["series"] == {"column": "passengers", "n_points": 144, "n_missing_filled": 0,
                           "n_dropped": 0, "n_duplicates": 0}  # fmt: skip
    assert s["windows"] == {"train": 91, "val": 20, "test": 20}  # diff drops the first window
    assert s["test"]["rmse"] > 0 and s["test"]["mae"] > 0
    assert {"naive", "seasonal_naive", "mean"} <= set(s["baselines"])
    assert s["season"] == 12
    assert s["transform"] == "diff" and "transform_scores" not in s
    assert "references" not in s  # train fits them only when asked (--references)
    assert s["best_epoch"] == min(s["history"], key=lambda h: h["val_loss"])["epoch"]
    assert "The model saw the change from the last step (diff)." in s["verdict"]
    assert out.exists()
    assert load_bundle(out).transform.kind == "diff"


def test_train_with_references_names_the_best_and_reports_them(tmp_path):
    from lstm_core.evaluation.references import NAMES

    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("train", csv, "--out", tmp_path / "m.pt", "--epochs", 2, "--hidden", 4,
            "--transform", "sdiff", "--references", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert set(s["references"]) == set(NAMES)
    assert all(s["references"][n]["rmse"] > 0 for n in NAMES)
    by_step = s["backtest"]["references"]  # name -> RMSE at each of the H steps
    best = min(NAMES, key=lambda n: sum(by_step[n]) / len(by_step[n]))
    assert f"{best} is " in s["verdict"] and f"{best} is " in r.stderr  # the verdict names it
    assert "Fitting the references" in r.stderr


def test_train_auto_reports_the_transform_and_every_score(tmp_path):
    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("train", csv, "--out", tmp_path / "m.pt", "--epochs", 12, "--hidden", 4, "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    scores = s["transform_scores"]
    assert set(scores) == {"none", "diff", "logdiff", "sdiff"}  # positive, season 12
    assert s["transform"] == min(scores, key=scores.get)
    # 4 candidates × 2 epochs, then the winner's remaining 10: 18 <= 1.5 × 12 epochs
    assert len(s["history"]) == 12
    assert "auto chose " in r.stderr
    assert load_bundle(tmp_path / "m.pt").transform_scores == pytest.approx(scores)


def test_logdiff_is_refused_for_a_series_with_zeros(tmp_path):
    p = tmp_path / "z.csv"
    p.write_text("v\n" + "\n".join(str(x % 5) for x in range(40)) + "\n")
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 1, "--transform", "logdiff")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: The log difference needs strictly positive values, but the series has 8 "
        "values at or below zero: choose 'diff' or 'none'."
    ]
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 4, "--json")
    assert r.returncode == 0, r.stderr
    assert "logdiff" not in json.loads(r.stdout)["transform_scores"]
    assert "logdiff was skipped: the series has values at or below zero." in r.stderr


def test_gates_writes_every_layer_of_the_last_window(model, tmp_path):
    out, _ = model
    npz = tmp_path / "g.npz"
    r = cli("gates", out, ROOT / "data" / "air_passengers.csv", "--out", npz)
    assert r.returncode == 0, r.stderr
    g = np.load(npz)
    names = {f"{n}_l{k}" for n in "ifgoch" for k in (0, 1)}
    assert set(g.files) == names | {"x", "sees"}
    assert str(g["sees"]) == "Δ passengers, scaled"
    assert g["x"].shape == (12,) and g["f_l1"].shape == (12, 8)
    for n in "ifo":
        assert g[f"{n}_l0"].min() >= 0 and g[f"{n}_l0"].max() <= 1
    # the exported numbers are the model's: recompute from the file
    b = load_bundle(out)
    with torch.no_grad():
        out_seq, _ = b.model.rnn(torch.tensor(g["x"])[None, :, None])
    np.testing.assert_allclose(g["h_l1"], out_seq[0].numpy(), atol=1e-5)


def test_gates_span_and_bad_span(model, tmp_path):
    out, _ = model
    npz = tmp_path / "g.npz"
    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("gates", out, csv, "--out", npz, "--start", 10, "--length", 100)
    assert r.returncode == 0, r.stderr
    g = np.load(npz)
    assert g["x"].shape == (100,) and g["c_l0"].shape == (100, 8)
    b = load_bundle(out)
    ref = trace_gates(b.model, g["x"])
    np.testing.assert_allclose(g["c_l0"], ref.layers[0]["c"][0], atol=1e-6)
    r = cli("gates", out, csv, "--out", npz, "--start", 100, "--length", 100)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: The span --start 100 --length 100 does not fit in the series of 144 points: "
        "choose start >= 0, length >= 1 and start + length <= the series length."
    ]
    # the model sees differences: point 0 has none
    r = cli("gates", out, csv, "--out", npz, "--start", 0, "--length", 5)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: The model sees Δ passengers, which starts at point 1: choose --start 1 or later."
    ]


def test_forecast_and_evaluate(model, tmp_path):
    out, _ = model
    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("forecast", out, csv, "--horizon", 5)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "step,forecast,lower_80,upper_80,lower_95,upper_95" and len(lines) == 6
    for line in lines[1:]:
        _, f, lo80, hi80, lo95, hi95 = map(float, line.split(","))
        assert lo95 <= lo80 <= f <= hi80 <= hi95
    f = tmp_path / "f.csv"
    assert cli("forecast", out, csv, "--horizon", 3, "--out", f).returncode == 0
    assert f.read_text().count("\n") == 4
    r = cli("evaluate", out, csv, "--horizon", 6, "--json")
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert set(e["baselines"]) == {"naive", "seasonal_naive", "mean"}
    bt = e["backtest"]
    assert bt["horizon"] == 6 and bt["origins"] == 20 - 6 + 1
    assert len(bt["rmse_by_step"]) == 6
    assert {k: len(v) for k, v in bt["baselines"].items()} == {
        "naive": 6, "seasonal_naive": 6, "mean": 6
    }  # fmt: skip
    assert set(bt["coverage"]) == {"0.8", "0.95"}
    # 15 origins of 6 steps reach all 20 test points: enough to judge
    assert not e["verdict"].startswith("The test part is too small to judge")
    assert "over forecasts 1–6 steps ahead from 15 test origins" in e["verdict"]
    r = cli("evaluate", out, csv)
    assert "RMSE" in r.stdout and "naive" in r.stdout and "Backtest" in r.stdout
    rows = r.stdout.splitlines()[1:5]  # model and the baselines, named as the app names them
    assert [ln[:20].strip() for ln in rows] == [
        "model", "naive (last value)", "seasonal naive", "mean of train"
    ]  # fmt: skip
    table = [ln[20:].split() for ln in rows]
    places = {len(row[c].split(".")[1]) for row in table for c in (0, 1)}
    assert len(places) == 1, table  # one format for every error ('29.6' beside '19' before)
    r = cli("evaluate", out, csv, "--horizon", 21)
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: The backtest horizon must be from 1 to 20 (the test part's length), got 21: "
        "choose a shorter horizon or a larger test fraction."
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "error: "),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00garbage\x00\xff", "error: "),
        (b"a,b\nx,y\nz,w\n", "error: "),
        (b"value\n1\n2\n3\n", "error: "),
    ],
)
def test_bad_csv_gives_one_line_and_exit_2(tmp_path, content, expected):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 1)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), r.stderr
    assert "Traceback" not in r.stderr


def test_tiny_series_with_small_look_back_trains(tmp_path):
    p = tmp_path / "tiny.csv"
    p.write_text("v\n" + "\n".join(str(x) for x in [1, 3, 2, 4, 3, 5, 4, 6]) + "\n")
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 2, "--look-back", 2, "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    lag = load_bundle(tmp_path / "m.pt").transform.lag
    assert s["windows"] == {"train": 4 - lag, "val": 1, "test": 1}


def test_bad_model_file_and_bad_settings(tmp_path):
    csv = ROOT / "data" / "nile_flow.csv"
    bad = tmp_path / "m.pt"
    bad.write_bytes(b"definitely not a model")
    r = cli("evaluate", bad, csv)
    assert r.returncode == 2 and r.stderr.startswith("error: This is not a model file")
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("train", csv, "--out", tmp_path / "x.pt", "--hidden", 0)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: hidden_size must be a whole number from 1 to 512, got 0."
    r = cli("train", tmp_path / "missing.csv", "--out", tmp_path / "x.pt")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_column_choice_and_unknown_column(tmp_path):
    p = tmp_path / "two.csv"
    rows = "\n".join(f"2020-01-{d:02d},{d},{d * d}" for d in range(1, 29))
    p.write_text("date,a,b\n" + rows + "\n")
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 1, "--look-back", 3,
            "--column", "b", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["series"]["column"] == "b"
    assert r.stderr.splitlines()[0] == "Using 'b' as the values and 'date' as the dates, as asked."
    r = cli("train", p, "--out", tmp_path / "m.pt", "--column", "zzz")
    assert r.returncode == 2 and "zzz" in r.stderr


def test_train_on_a_pandas_csv_uses_the_engine_default_and_says_why(tmp_path):
    p = tmp_path / "lynx.csv"
    values = 1000 + 800 * np.sin(np.arange(40) / 1.5)
    p.write_text(",lynx\n" + "".join(f"{i},{v:.1f}\n" for i, v in enumerate(values)))
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 1, "--look-back", 3, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["series"]["column"] == "lynx"
    assert r.stderr.splitlines()[0] == (
        "Using 'lynx' as the values; 'column 1' looks like a row index (0, 1, 2, …) and was "
        "skipped."
    )


def test_intervene_json_and_one_line_errors(model):
    out, _ = model
    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("intervene", out, csv, "--gate", "f", "--units", "0,3", "--value", 0,
            "--layer", 1, "--from-step", 2, "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    # the same numbers in-process: predictions before are evaluate's, in original units
    b = load_bundle(out)
    data = dataset_for(b, load_series(csv).values)
    s = data.split.windows("test")
    np.testing.assert_allclose(j["predictions_before"], predict(b.model, data)[s], rtol=1e-6)
    ref = intervene(b, data, [Clamp(1, "f", [0, 3], 0.0, from_step=2)])
    np.testing.assert_allclose(j["predictions_after"], ref.after, rtol=1e-12)
    assert j["rmse_before"] == pytest.approx(ref.rmse_before)
    assert j["rmse_after"] == pytest.approx(ref.rmse_after) and j["rmse_after"] != j["rmse_before"]
    assert j["clamps"] == [{"layer": 1, "gate": "f", "units": [0, 3], "value": 0.0,
                            "from_step": 2, "until_step": None}]  # fmt: skip
    assert len(j["targets"]) == 20
    for args, message in [
        (("--gate", "q", "--units", "all", "--value", 0),
         "An LSTM layer can clamp i, f, g, o, c or h, got 'q': choose one of those."),
        (("--gate", "i", "--units", "1,8", "--value", 0),
         "Layer 0 has units 0 to 7, got 8: choose units in that range."),
        (("--gate", "o", "--units", "all", "--value", 1.5),
         "The output gate o takes values from 0 to 1 (it is a sigmoid), got 1.5: choose a "
         "value in that range."),
    ]:  # fmt: skip
        r = cli("intervene", out, csv, *args)
        assert r.returncode == 2
        assert r.stderr.strip().splitlines() == [f"error: {message}"]


def test_the_cli_bench_splits_a_run_at_its_epoch_lines():
    """benchmarks/cli_bench.py: where a whole training process's time went."""
    from benchmarks.cli_bench import phases

    assert phases([], 5.0) is None
    assert phases([3.0], 5.0) == {"to_first_epoch": 3.0, "after_last_epoch": 2.0}
    p = phases([3.0, 5.0, 7.5], 10.0)
    assert p == {"to_first_epoch": 3.0, "after_last_epoch": 2.5, "per_epoch": 2.25}


def test_the_readmes_command_line_block_runs_as_written(tmp_path):
    # A user copies README's "Command line" block; it once failed at `gates --start 0` on the
    # seasonal difference auto picks. Run as written, in a scratch folder, with 2 epochs.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [ln.split()[3:] for ln in block.strip().splitlines()]
    assert [ln[0] for ln in lines] == ["train", "gates", "forecast", "evaluate", "intervene"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "air_passengers.csv").write_bytes(
        (ROOT / "data" / "air_passengers.csv").read_bytes()
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in lines:
        args = ["2" if a == "50" else a for a in args]  # --epochs 50 -> 2
        r = subprocess.run([sys.executable, "-m", "lstm_core", *args], cwd=tmp_path, text=True,
                           capture_output=True, timeout=300, env=env)  # fmt: skip
        assert r.returncode == 0, (args, r.stderr)


def test_auto_trials_count_their_epochs_in_words(tmp_path):
    r = cli("train", ROOT / "data" / "air_passengers.csv", "--out", tmp_path / "a.pt",
            "--epochs", 3, "--hidden", 4)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "auto: tried none (1/4), 1 epoch\n" in r.stderr and "1 epochs" not in r.stderr


def test_train_on_a_constant_series_says_so(tmp_path):
    p = tmp_path / "flat.csv"
    p.write_text("v\n" + "7\n" * 40)
    r = cli("train", p, "--out", tmp_path / "m.pt", "--epochs", 1, "--look-back", 4)
    assert r.returncode == 0, r.stderr
    assert "Every value of 'v' is 7: there is nothing to learn. The baselines" in r.stderr


def test_train_with_auto_prints_every_epoch_once_the_winners_trial_included(tmp_path):
    # auto's winner goes on from its trial's epochs: the log printed from epoch 2 before
    csv = ROOT / "data" / "air_passengers.csv"
    r = cli("train", csv, "--out", tmp_path / "m.pt", "--epochs", 5, "--hidden", 4)
    assert r.returncode == 0, r.stderr
    epochs = [ln.split()[1] for ln in r.stderr.splitlines() if ln.startswith("epoch ")]
    assert epochs == ["1/5", "2/5", "3/5", "4/5", "5/5"], r.stderr
    assert r.stderr.index("auto: tried") < r.stderr.index("epoch 1/5")
