"""The CLI never reads another column than the model's in silence (issue 22)."""

from lstm_core import cli


def test_a_csv_without_the_models_column_is_an_error_not_another_column(tmp_path, capsys):
    rows = "".join(f"2020-01-{d:02d},{d % 5},{d * d}\n" for d in range(1, 29))
    trained = tmp_path / "trained.csv"
    trained.write_text("date,a,b\n" + rows)
    model = tmp_path / "m.pt"
    argv = ["train", str(trained), "--out", str(model), "--epochs", "1", "--hidden", "2",
            "--look-back", "3", "--column", "b", "--transform", "none"]  # fmt: skip
    assert cli.main(argv) == 0
    other = tmp_path / "other.csv"
    other.write_text("date,a,c\n" + rows)
    capsys.readouterr()

    assert cli.main(["gates", str(model), str(other), "--out", str(tmp_path / "g.npz")]) == 2
    assert capsys.readouterr().err == (
        "error: Column 'b' does not exist: choose one of 'a', 'c'. The model was trained on "
        "column 'b'; pass --column NAME to read another one.\n"
    )
    assert not (tmp_path / "g.npz").exists()
    assert cli.main(["gates", str(model), str(other), "--out", str(tmp_path / "g.npz"),
                     "--column", "c"]) == 0  # fmt: skip
