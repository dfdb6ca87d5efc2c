"""explorer/data_file.py's pure helpers (moved out of pages/data.py, issue 22): the line under
the column choice and the table of columns that can be inputs."""

from explorer.data_file import columns_line, summary_frame
from lstm_core.series.data import ColumnChoice
from lstm_core.series.inputs import ColumnSummary

CHOICE = ColumnChoice("load", "time", "Using 'load' as the values.", ("load", "temp"), ("time",),
                      None)  # fmt: skip


def test_the_engines_reason_or_what_the_user_chose_instead():
    assert columns_line(CHOICE, "load", "time") == "Using 'load' as the values."
    assert columns_line(CHOICE, "temp", None) == (
        "Using 'temp' as the values, as you chose; the suggestion was 'load' and 'time'."
    )


def test_one_row_per_column_that_can_be_an_input():
    rows = summary_frame([ColumnSummary("temp", "number", 0.0125, 0.5, False),
                          ColumnSummary("holiday", "yes/no", 0.0, None, True)])  # fmt: skip
    assert rows["column"].tolist() == ["temp", "holiday"]
    assert rows["missing"].tolist() == ["1.2 %", "0.0 %"]
    assert rows["correlation with the values (training part)"].tolist() == ["+0.50", ""]
    assert rows["values after the series' end"].tolist() == ["", "yes"]
