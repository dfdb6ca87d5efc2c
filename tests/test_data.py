"""lstm_core.series.data: untrusted CSV bytes -> clean finite series, or one-sentence DataError."""

from __future__ import annotations

import zipfile
from io import BytesIO

import numpy as np
import pandas as pd
import pytest

from lstm_core.series import data as data_mod
from lstm_core.series import reading
from lstm_core.series.cleaning import missing_steps
from lstm_core.series.data import (
    DataError,
    default_columns,
    flat_warning,
    load_series,
    other_columns,
    read_table,
    series_from_table,
    series_from_values,
)
from lstm_core.series.dates import time_like

from .conftest import DATA


def error_of(source: bytes | str, **kwargs: object) -> str:
    with pytest.raises(DataError) as info:
        load_series(source, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- encodings, delimiters


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(delim):
    text = delim.join(["date", "a", "b"]) + "\n"
    text += "".join(f"2020-01-0{i}{delim}{i}{delim}{10 * i}\n" for i in range(1, 6))
    table = read_table(text.encode())
    assert table.delimiter == delim
    assert list(table.frame.columns) == ["date", "a", "b"]
    assert table.numeric_columns == ("a", "b")
    assert table.date_column == "date"
    assert table.frame["b"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]


def test_utf8_bom_is_stripped_from_the_header():
    table = read_table(b"\xef\xbb\xbfvalue,other\n1,2\n3,4\n")
    assert table.encoding == "utf-8-sig"
    assert list(table.frame.columns) == ["value", "other"]


def test_plain_utf8_keeps_accents():
    table = read_table("température;x\n1;2\n3;4\n".encode())
    assert (table.encoding, table.numeric_columns) == ("utf-8", ("température", "x"))


def test_latin1_fallback_decodes_the_header():
    table = read_table("température;débit\n1;2\n3;4\n".encode("latin-1"))
    assert table.encoding == "latin-1"
    assert table.numeric_columns == ("température", "débit")
    assert load_series("température;débit\n1;2\n3;4\n".encode("latin-1")).name == "température"


def test_utf16_with_bom_is_read():
    table = read_table("date\tvalue\n2020-01-01\t1\n2020-01-02\t2\n".encode("utf-16"))
    assert (table.encoding, table.delimiter, table.date_column) == ("utf-16", "\t", "date")


def test_old_mac_line_endings():
    assert load_series(b"v\r1\r2\r3\r").values.tolist() == [1.0, 2.0, 3.0]


# --------------------------------------------------------------------------- number formats


def test_decimal_comma_with_semicolon():
    s = load_series(b"date;value\n2020-01-01;1,5\n2020-01-02;2,25\n2020-01-03;-0,5\n")
    assert s.values.tolist() == [1.5, 2.25, -0.5]


def test_european_thousands_and_decimal_comma():
    s = load_series(b"t;value\n1;1.234,5\n2;2.000.000,25\n3;7,5\n")
    assert s.values.tolist() == [1234.5, 2000000.25, 7.5]


def test_european_dates_with_dots_are_not_read_as_numbers():
    s = load_series(b"Datum;Wert\n01.02.2020;1.234,5\n02.02.2020;2,5\n03.02.2020;3\n")
    assert s.values.tolist() == [1234.5, 2.5, 3.0]
    assert s.time.tolist() == [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-02-02"),
                               pd.Timestamp("2020-02-03")]  # fmt: skip


def test_thousands_comma_in_quoted_fields():
    s = load_series(b'date,value\n2020-01-01,"1,234.5"\n2020-01-02,"2,000"\n2020-01-03,7\n')
    assert s.values.tolist() == [1234.5, 2000.0, 7.0]


@pytest.mark.parametrize("delim", ["\t", ";", "|"])
def test_thousands_comma_with_other_delimiters(delim):
    text = f"date{delim}value\n2020-01-01{delim}1,234.5\n2020-01-02{delim}12,000.25\n"
    assert load_series(text.encode()).values.tolist() == [1234.5, 12000.25]


def test_quoted_decimal_comma_with_comma_delimiter():
    assert load_series(b'v,w\n"1,5",1\n"2,5",2\n').values.tolist() == [1.5, 2.5]


def test_missing_tokens_and_stray_text_count_as_missing():
    s = load_series(b"v\n1\nNA\n3\n-\n5\n\n7\nn/a\n9\noops\n11\n")
    assert s.n_missing == 4  # NA, -, n/a, oops (the blank line is skipped, not a value)
    assert s.values.tolist() == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]
    assert s.notes == ("4 missing values filled by linear interpolation.",)


def test_notes_group_thousands_as_every_other_count_does():
    # 1,200 gaps between 1,201 values: "1,200", as the Forecast page writes "6,568 test points"
    body = "\n".join(str(i) if i % 2 == 0 else "" for i in range(2401))
    s = load_series(("v\n" + body.replace("\n\n", "\nNA\n") + "\n").encode())
    assert s.notes == ("1,200 missing values filled by linear interpolation.",)


# --------------------------------------------------------------------------- header


def test_no_header_row_gives_numbered_names():
    table = read_table(b"1,10\n2,20\n3,30\n")
    assert table.has_header is False
    assert list(table.frame.columns) == ["column 1", "column 2"]
    assert load_series(b"1,10\n2,20\n3,30\n").name == "column 1"


def test_no_header_with_dates_in_first_row():
    table = read_table(b"1949-01,112\n1949-02,118\n1949-03,132\n")
    assert (table.has_header, table.date_column, table.numeric_columns) == (
        False,
        "column 1",
        ("column 2",),
    )


def test_header_names_are_kept_as_plain_text():
    names = '<b>x</b>,"a, ""quoted"" name",  spaced  ,\n'
    table = read_table((names + "1,2,3,4\n5,6,7,8\n").encode())
    assert list(table.frame.columns) == ["<b>x</b>", 'a, "quoted" name', "spaced", "column 4"]
    assert load_series(names.encode() + b"1,2,3,4\n5,6,7,8\n").name == "<b>x</b>"


def test_duplicate_header_names_are_made_unique():
    assert list(read_table(b"a,a,a\n1,2,3\n").frame.columns) == ["a", "a (2)", "a (3)"]


def test_trailing_delimiter_column_is_dropped():
    assert list(read_table(b"a,b,\n1,2,\n3,4,\n").frame.columns) == ["a", "b"]


# --------------------------------------------------------------------------- dates


def test_monthly_dates():
    s = load_series(DATA / "air_passengers.csv")
    assert (s.name, len(s.values), s.time[0], s.time[-1]) == (
        "passengers",
        144,
        pd.Timestamp("1949-01-01"),
        pd.Timestamp("1960-12-01"),
    )
    assert s.time.name == "month"
    assert s.notes == ()


def test_datetime_with_time_of_day():
    s = load_series(b"when,load\n2020-01-01 10:00,1\n2020-01-01 11:00,2\n2020-01-01 12:30,3\n")
    assert s.time[-1] == pd.Timestamp("2020-01-01 12:30")


def test_day_first_dates_are_recognised():
    s = load_series(b"d;v\n12/01/2020;1\n13/01/2020;2\n14/01/2020;3\n")
    assert s.time[0] == pd.Timestamp("2020-01-12")


def test_year_column_is_a_date_when_named_like_time():
    table = read_table(DATA / "nile_flow.csv")
    assert table.date_column == "year"
    assert table.numeric_columns == ("flow",)
    assert table.frame["year"].iloc[0] == pd.Timestamp("1871-01-01")


def test_year_like_numbers_are_values_without_a_time_name():
    table = read_table(b"id,sales\n1,1500\n2,1700\n3,2100\n")
    assert table.date_column is None
    assert table.numeric_columns == ("id", "sales")
    s = load_series(b"id,sales\n1,1500\n2,1700\n3,2100\n", column="sales")
    assert (s.values.tolist(), s.time) == ([1500, 1700, 2100], None)


def test_time_named_index_is_not_the_default_value_column():
    s = load_series(b"month,sales\n1,10\n2,12\n3,11\n")
    assert (s.name, s.time) == ("sales", None)


def test_yyyymmdd_integers_named_date():
    s = load_series(b"Date,Close\n20200131,1\n20200201,2\n")
    assert s.time.tolist() == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-01")]


def test_mixed_time_zones_become_naive_utc():
    s = load_series(b"ts,v\n2020-01-01T00:00+01:00,1\n2020-01-01T00:00+00:00,2\n")
    assert s.time.tolist() == [pd.Timestamp("2019-12-31 23:00"), pd.Timestamp("2020-01-01")]


def test_rows_are_sorted_by_time_with_a_note():
    s = load_series(b"date,v\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n")
    assert s.values.tolist() == [1.0, 2.0, 3.0]
    assert s.notes == ("Rows sorted by time.",)


def test_a_few_duplicate_timestamps_are_averaged():
    rows = "".join(f"2020-01-{d:02d},{d}\n" for d in range(2, 20))
    s = load_series(f"date,v\n2020-01-01,1\n2020-01-01,3\n{rows}2020-01-19,21\n".encode())
    assert s.values[:2].tolist() == [2.0, 2.0] and s.values[-1] == 20.0
    assert s.n_duplicates == 2
    assert s.notes == ("2 duplicate timestamps averaged.",)


def test_a_date_column_that_repeats_is_refused_not_folded():
    with pytest.raises(DataError) as e:
        load_series(
            b"date,v\n2020-01-01,1\n2020-01-01,3\n2020-01-02,5\n2020-01-02,7\n2020-01-02,9\n"
        )
    assert str(e.value) == (
        "The date column 'date' gives 5 rows only 2 different dates, so it does not tell the "
        "rows apart: choose a date column with one value per time step (year, month, day and "
        "hour columns are put together when they are named so), or none."
    )


def test_missing_values_use_time_interpolation():
    s = load_series(b"date,v\n2020-01-01,0\n2020-01-02,\n2020-01-04,3\n")
    assert s.values.tolist() == [0.0, 1.0, 3.0]  # by position it would be 1.5
    assert (s.n_missing, s.n_missing_filled, s.n_dropped) == (1, 1, 0)
    assert s.notes == ("1 missing value filled by time interpolation.",)


def test_missing_values_without_dates_use_linear_interpolation():
    s = load_series(b"v\n0\nNA\nNA\n3\n")
    assert s.values.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert s.notes == ("2 missing values filled by linear interpolation.",)


def test_missing_drop_removes_rows():
    s = load_series(b"date,v\n2020-01-01,0\n2020-01-02,\n2020-01-04,3\n", missing="drop")
    assert s.values.tolist() == [0.0, 3.0]
    assert len(s.time) == 2
    assert (s.n_missing, s.n_missing_filled, s.n_dropped) == (1, 0, 1)
    assert s.notes == ("1 row with missing values dropped.",)


def test_edge_gaps_are_dropped_and_counted():
    s = load_series(b"date,v\n2020-01-01,\n2020-01-02,1\n2020-01-03,\n2020-01-04,3\n2020-01-05,\n")
    assert s.values.tolist() == [1.0, 2.0, 3.0]
    assert (s.n_missing, s.n_missing_filled, s.n_dropped) == (3, 1, 2)
    assert s.notes == (
        "1 missing value filled by time interpolation.",
        "2 rows with missing values at the start or end dropped (nothing to interpolate from).",
    )


def test_rows_with_a_bad_date_are_dropped():
    rows = "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 20))
    s = load_series(f"date,v\n{rows}later,99\n".encode())
    assert (len(s.values), s.n_dropped, s.values[-1]) == (19, 1, 19.0)
    assert s.notes == ("1 row without a valid date dropped.",)


def test_date_column_none_ignores_dates():
    s = load_series(b"date,v\n2020-01-03,3\n2020-01-01,1\n", date_column=None)
    assert (s.time, s.values.tolist(), s.notes) == (None, [3.0, 1.0], ())


def test_explicit_date_column_that_was_not_detected():
    s = load_series(b"yyyy,v\n1990,1\n1991,2\n", column="v", date_column="yyyy")
    assert s.time.tolist() == [pd.Timestamp("1990-01-01"), pd.Timestamp("1991-01-01")]


def test_explicit_date_column_errors():
    src = b"a,b,label\n1,2,x\n3,4,y\n"
    assert error_of(src, date_column="nope") == (
        "There is no column named 'nope': choose one of 'a', 'b', 'label'."
    )
    assert error_of(src, date_column="label") == (
        "Column 'label' does not hold dates or times: choose another date column or none."
    )


# --------------------------------------------------------------------------- choosing the column


def test_default_column_is_first_numeric_non_date():
    s = load_series(b"date,label,a,b\n2020-01-01,x,1,10\n2020-01-02,y,2,20\n")
    assert (s.name, s.values.tolist()) == ("a", [1.0, 2.0])


def test_default_column_skips_an_all_empty_column():
    s = load_series(b"a,b\n,1\n,2\n")
    assert s.name == "b"


def test_user_picks_a_column():
    s = load_series(b"date,a,b\n2020-01-01,1,10\n2020-01-02,2,20\n", column="b")
    assert (s.name, s.values.tolist()) == ("b", [10.0, 20.0])


def test_unknown_column_names_the_available_ones():
    src = b"date,a,b,label\n2020-01-01,1,10,x\n2020-01-02,2,20,y\n"
    assert error_of(src, column="zz") == "Column 'zz' does not exist: choose one of 'a', 'b'."
    assert error_of(src, column="label") == "Column 'label' is not numeric: choose one of 'a', 'b'."
    assert error_of(src, column="date") == (
        "Column 'date' is the date column: choose a different column for the values."
    )


def test_series_from_table_reuses_one_parse():
    table = read_table(b"a,b\n1,10\n2,20\n")
    assert series_from_table(table, "b").values.tolist() == [10.0, 20.0]
    assert series_from_table(table).values.tolist() == [1.0, 2.0]


def test_bad_options_are_programming_errors():
    table = read_table(b"a\n1\n2\n")
    with pytest.raises(ValueError, match="missing must be"):
        series_from_table(table, missing="zero")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="inf must be"):
        series_from_table(table, inf="clip")  # type: ignore[arg-type]


def choice_of(source: bytes | str) -> tuple[str, str | None, str]:
    c = default_columns(read_table(source))
    return c.value, c.date, c.reason


def pandas_csv(**columns: object) -> bytes:
    """A file as pandas' to_csv() writes it: the unnamed index 0, 1, 2, ... first."""
    return pd.DataFrame(columns).to_csv().encode()


LYNX = [269.0, 321.0, 585.0, 871.0, 1475.0, 2821.0]


def test_default_columns_skip_pandas_index_and_say_so():
    src = pandas_csv(lynx=LYNX)
    assert choice_of(src) == (
        "lynx",
        None,
        "Using 'lynx' as the values; 'column 1' looks like a row index (0, 1, 2, …) and was "
        "skipped.",
    )
    c = default_columns(read_table(src))
    assert (c.index, c.values, c.dates) == ("column 1", ("lynx",), ("lynx",))
    assert load_series(src).name == "lynx"  # load_series asks the same function


def test_the_index_is_never_the_values_nor_a_date():
    src = pandas_csv(n=[5, 6, 7, 8])
    assert choice_of(src)[2] == (
        "Using 'n' as the values, although 'n' is a counter (5, 6, 7, …): it is the only "
        "numeric column besides the row index 'column 1'."
    )
    assert error_of(src, column="column 1") == (
        "Column 'column 1' looks like a row index (0, 1, 2, …), not values: choose one of 'n'."
    )
    assert error_of(pandas_csv(name=["a", "b", "c"])) == (
        "The only numeric column, 'column 1', looks like a row index (0, 1, 2, …): upload a "
        "CSV with a column of values."
    )
    gaps = b",v\n0,1.5\n3,2.5\n7,0.5\n"  # a filtered frame's index has gaps
    assert choice_of(gaps)[2] == (
        "Using 'v' as the values; 'column 1' looks like a row index (0, 3, 7, …) and was skipped."
    )


@pytest.mark.parametrize(
    "src",
    [
        b",v\n0,1.5\n-1,2.5\n2,0.5\n",  # not increasing
        b",v\n0,1.5\n1.5,2.5\n2,0.5\n",  # not whole
        b"i,v\n0,1.5\n1,2.5\n2,0.5\n",  # named: a counter, not the index
        b"0,1.5\n1,2.5\n2,0.5\n",  # no header row at all
    ],
)
def test_only_an_unnamed_first_column_counting_rows_is_the_index(src):
    assert default_columns(read_table(src)).index is None


def test_dated_unnamed_first_column_is_the_date_not_an_index():
    df = pd.DataFrame({"lynx": LYNX}, index=pd.date_range("2020-01-01", periods=6))
    c = default_columns(read_table(df.to_csv().encode()))
    assert (c.value, c.date, c.index) == ("lynx", "column 1", None)
    assert c.reason == "Using 'lynx' as the values and 'column 1' as the dates."


def test_default_columns_reasons():
    german = b"Datum;Temperatur\n0;1,5\n1;2,25\n2;0,5\n3;3,75\n"
    assert choice_of(german) == (
        "Temperatur",
        None,
        "Using 'Temperatur' as the values; 'Datum' is a counter (0, 1, 2, …) and was skipped.",
    )
    assert choice_of(b"Jahr,Wert\n1990,3\n1991,5\n1992,4\n") == (
        "Wert",
        "Jahr",
        "Using 'Wert' as the values and 'Jahr' as the dates.",
    )
    assert choice_of("月份,销量\n1,3\n2,5\n3,4\n1,5\n".encode()) == (
        "销量",
        None,
        "Using '销量' as the values; '月份' is named like a time column and was skipped.",
    )
    assert choice_of(b"date,n\n2020-01-01,0\n2020-01-02,1\n2020-01-03,2\n") == (
        "n",
        "date",
        "Using 'n' as the values and 'date' as the dates, although 'n' is a counter "
        "(0, 1, 2, …): it is the only numeric column.",
    )
    assert choice_of(b"a,b\n0,10\n1,20\n2,30\n")[2] == (
        "Using 'a' as the values, although 'a' is a counter (0, 1, 2, …): no other numeric "
        "column looks more like values."
    )
    assert choice_of(b"e,step,v\n,0,2\n,1,1\n,2,3\n")[2] == (
        "Using 'v' as the values; 'e' is empty and was skipped; 'step' is a counter (0, 1, 2, …) "
        "and was skipped."
    )


def test_default_columns_with_a_date_column_given():
    table = read_table(b"yyyy,v\n1990,1\n1991,2\n1992,4\n")
    c = default_columns(table, "yyyy")
    assert (c.value, c.date) == ("v", "yyyy")
    assert default_columns(table, None).reason == (
        "Using 'v' as the values; 'yyyy' is a counter (1990, 1991, 1992, …) and was skipped."
    )


@pytest.mark.parametrize(
    "name",
    [
        "时间", "日期", "年", "月", "年份", "月份", "时间戳", "季度", "日期时间", "年月",
        "交易日期", "时间(秒)", "日付", "Datum", "Zeit", "Jahr", "Monat", "Uhrzeit", "fecha",
        "date", "heure", "année", "anno", "mese", "jaar", "tid", "год", "closeDate", "t",
    ],
)  # fmt: skip
def test_time_names_in_many_languages(name):
    assert time_like(name)


@pytest.mark.parametrize(
    "name", ["温度", "年龄", "天气", "月收入", "销量", "Wert", "Temperatur", "t1", "data", "update"]
)
def test_names_that_are_not_time(name):
    assert not time_like(name)


def test_chinese_year_column_becomes_the_dates():
    s = load_series("时间,温度\n2001,3.5\n2002,4.25\n2003,3.0\n".encode())
    assert (s.name, s.time[0]) == ("温度", pd.Timestamp("2001-01-01"))


def test_data_named_column_is_a_date_only_with_yyyymmdd():
    s = load_series(b"data,valore\n20200131,1\n20200201,2\n20200202,4\n")
    assert (s.name, s.time[0]) == ("valore", pd.Timestamp("2020-01-31"))
    s = load_series(b"data,x\n1500,1\n1700,2\n1600,4\n")  # English "data": the values
    assert (s.name, s.time) == ("data", None)


# --------------------------------------------------------------------------- infinities


def test_inf_as_missing():
    s = load_series(b"v\n1\ninf\n3\n-inf\n5\n")
    assert s.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert (s.n_missing, s.n_missing_filled) == (2, 2)
    assert s.notes == (
        "2 infinite values treated as missing.",
        "2 missing values filled by linear interpolation.",
    )


def test_inf_reject():
    assert error_of(b"v\n1\ninf\n3\n", inf="reject") == (
        "Column 'v' contains 1 infinite value: remove them or treat them as missing."
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("src", [b"", b"   \n\n \r\n", "\n\n"])
def test_empty_file(src):
    assert error_of(src) == (
        "The file is empty: upload a CSV with a header row and at least one numeric column."
    )


def test_header_only():
    assert error_of(b"date,value\n") == (
        "The file has a header row but no data rows: add rows of values under the header."
    )


def test_no_numeric_column():
    assert error_of(b"name,city\nann,paris\nbob,rome\n") == (
        "No numeric column found among 'name', 'city': upload a CSV with at least one column "
        "of numbers."
    )


def test_only_a_date_column():
    assert error_of(b"date,v\n2020-01-01,\n2020-01-02,\n") == (
        "Column 'v' has no numeric values (every cell is blank or not a number): "
        "choose another column."
    )


def test_entirely_missing_column():
    assert error_of(b"a,b\n1,\n2,NA\n3,-\n", column="b") == (
        "Column 'b' has no numeric values (every cell is blank or not a number): "
        "choose another column."
    )


def test_too_few_values():
    assert error_of(b"v\n1\n") == "Column 'v' has only 1 usable value: a series needs at least 2."


def test_png_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
    assert error_of(png) == (
        "This looks like a PNG image file, not a CSV: export the data as CSV text and upload that."
    )


def test_xlsx_zip_is_refused():
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert error_of(buf.getvalue()) == (
        "This looks like a zip or Excel (.xlsx) file, not a CSV: export the data as CSV text "
        "and upload that."
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("size", [40, 5_000])
def test_random_bytes_are_refused(seed, size):
    junk = np.random.default_rng(seed).bytes(size)
    binary = "This file is not text (it contains binary data): upload a CSV text file."
    assert error_of(junk) == binary


def test_huge_line():
    assert error_of(b"a,b\n1," + b"9" * 200_000 + b"\n") == (
        "Line 2 is over 100,000 characters long: upload a CSV with one row per time step."
    )


def test_too_many_columns():
    header = ",".join(f"c{i}" for i in range(1500))
    assert error_of(f"{header}\n{header}\n".encode()) == (
        "The file has over 1000 columns: upload only the time column and the value columns."
    )


def test_ragged_row():
    assert error_of(b"a,b\n1,2\n3,4,5\n6,7\n") == (
        "Line 3 has 3 fields but earlier lines have 2: check the delimiter and quoting around "
        "that line."
    )


def test_unclosed_quote():
    assert error_of(b'a,b\n1,2\n"3,4\n5,6\n') == (
        'A quote (") opened on line 3 is never closed: fix or remove it.'
    )


def test_size_guard(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 1_000_000)
    assert error_of(b"v\n" + b"1\n" * 600_000) == (
        "The file is 1 MB, over the 1 MB limit: upload a smaller file."
    )


def test_size_guard_for_paths(monkeypatch, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"v\n" + b"12\n" * 1_000_000)
    monkeypatch.setattr(reading, "MAX_BYTES", 2_000_000)
    assert error_of(path) == "The file is 3 MB, over the 2 MB limit: upload a smaller file."


def test_missing_file(tmp_path):
    # the path as typed: 'nope.csv' alone hid which folder was looked in
    assert error_of(str(tmp_path / "nope.csv")) == (
        f"Cannot open {str(tmp_path / 'nope.csv')!r}: check that the file exists."
    )


def test_unexpected_pandas_errors_become_data_errors(monkeypatch):
    def boom(*args, **kwargs):  # a parser error of pandas' own wording: the first line is said
        raise pd.errors.ParserError("something odd\nwith details")

    monkeypatch.setattr(data_mod.pd, "read_csv", boom)
    assert error_of(b"a\n1\n2\n") == (
        "Could not read the file as a table (something odd): upload a plain-text CSV with one "
        "row per time step."
    )


def _mutations(rng: np.random.Generator, base: bytes, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        b = bytearray(base)
        for pos in rng.integers(0, len(b), size=int(rng.integers(1, 8))):
            b[pos] = int(rng.choice(list(b',;\t|"\n\r.-e0 xN\xe9\xff')))
        out.append(bytes(b[: int(rng.integers(1, len(b) + 1))]))
    return out


def test_fuzzed_inputs_give_a_series_or_a_data_error():
    rng = np.random.default_rng(0)
    base = (DATA / "air_passengers.csv").read_bytes()[:400] + b'x,"1,5";NA\n2020-13-45,inf\n'
    for src in _mutations(rng, base, 150):
        try:
            s = load_series(src)
        except DataError as e:
            assert str(e).endswith(".") and "\n" not in str(e)
        else:
            assert np.isfinite(s.values).all() and s.values.dtype == np.float64
            assert s.time is None or (
                len(s.time) == len(s.values) and s.time.is_monotonic_increasing
            )


# --------------------------------------------------------------------------- sources, values


def test_sources_bytes_path_str_path_text_and_file():
    raw = (DATA / "nile_flow.csv").read_bytes()
    path = DATA / "nile_flow.csv"
    for src in (raw, path, str(path), raw.decode(), BytesIO(raw)):
        s = load_series(src)
        assert (s.name, len(s.values), s.values[0]) == ("flow", 100, 1120.0)


def test_series_from_values():
    t = pd.date_range("2020-01-01", periods=3, freq="D")
    s = series_from_values([1, 2, 3], name="x", time=t)
    assert (s.values.dtype, s.values.tolist(), s.name, s.n_missing, s.notes) == (
        np.float64,
        [1.0, 2.0, 3.0],
        "x",
        0,
        (),
    )
    assert s.time.equals(t)


def test_series_from_values_rejects_bad_values():
    with pytest.raises(DataError, match=r"^The values contain 2 NaN or infinite entries: pass "):
        series_from_values([1.0, np.nan, np.inf])
    with pytest.raises(DataError, match=r"^The values must be 1-D, got shape \(2, 2\)"):
        series_from_values([[1, 2], [3, 4]])
    with pytest.raises(DataError, match=r"^The values are not numbers"):
        series_from_values(["a", "b"])
    with pytest.raises(DataError, match=r"^There are 2 timestamps for 3 values"):
        series_from_values([1, 2, 3], time=pd.date_range("2020", periods=2))
    with pytest.raises(DataError, match=r"^The timestamps must be strictly increasing"):
        series_from_values([1, 2], time=pd.DatetimeIndex(["2020-01-02", "2020-01-01"]))


def test_a_million_rows_load_exactly():
    n = 1_000_000
    stamps = pd.date_range("2000-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M")
    values = np.random.default_rng(0).normal(size=n).round(4)
    csv = pd.DataFrame({"timestamp": stamps, "value": values}).to_csv(index=False).encode()
    s = load_series(csv)  # how long it takes is a benchmark's claim, not this test's
    assert len(s.values) == n and np.allclose(s.values, values)
    assert s.time[0] == pd.Timestamp("2000-01-01") and s.time[-1] == pd.Timestamp(stamps[-1])


def test_a_row_counter_is_not_the_default_value_column():
    s = load_series(b"step,level\n0,5.5\n1,6.1\n2,5.9\n3,6.4\n")
    assert s.name == "level"
    assert load_series(b"step,level\n0,5.5\n1,6.1\n2,5.9\n3,6.4\n", column="step").name == "step"
    # a value column that merely rises steadily is still chosen when it is the only one
    assert load_series(b"level\n1\n2\n3\n4\n").name == "level"


def test_a_title_line_above_the_header_is_skipped_and_said():
    # A spreadsheet report: "Sales report,," above the header, day-first dates. Read with the
    # title as the header, 'Sales report' became the dates and 03/01 and 17/01 parsed two ways.
    rows = [f"{d:02d}/01/2021,{100 + d},North" for d in (3, 10, 17, 24, 31)]
    s = load_series(("Sales report,,\nWeek,Sales,Region\n" + "\n".join(rows) + "\n").encode())
    assert (s.name, s.time.name) == ("Sales", "Week")
    assert [t.day for t in s.time] == [3, 10, 17, 24, 31]
    assert s.notes == ("Skipped the title line 'Sales report' above the header.",)
    two = load_series(b"Sales report\nSource: ABS\n\nWeek;Sales\n2021-01-01;1\n2021-01-08;2\n")
    assert two.notes == ("Skipped the title lines 'Sales report', 'Source: ABS' above the header.",)
    assert load_series(b"5\n1\n2\n3\n").values.tolist() == [5, 1, 2, 3]  # one column: no title
    long = load_series(("T" * 500 + "\nd,v\n2021-01-01,1\n2021-01-02,2\n").encode())
    assert long.notes == (f"Skipped the title line {'T' * 79 + '…'!r} above the header.",)


def test_missing_dates_are_counted_in_the_step_of_the_series():
    days = pd.date_range("2021-01-01", periods=40, freq="D").delete([5, 6, 20])
    body = "\n".join(f"{d.date()},{i}" for i, d in enumerate(days))
    s = load_series(("day,v\n" + body + "\n").encode())
    assert s.notes == (
        "3 days missing between the dates (not filled): the values on either side of a gap "
        "are read as neighbours, so a season slips there.",
    )
    assert missing_steps(pd.bdate_range("2021-01-01", periods=30)) is None  # weekends aren't gaps
    assert missing_steps(pd.date_range("2000-01-01", periods=30, freq="MS").delete([4])) == (
        1,
        "month",
    )
    assert missing_steps(pd.date_range("2000-01-01", periods=30, freq="h").delete([3])) == (
        1,
        "hour",
    )


@pytest.mark.parametrize("level", [0.0, 5.0, 1e6])
def test_a_constant_series_is_named_flat_and_a_changing_one_is_not(level):
    flat = series_from_values(np.full(40, level) + level * 1e-15 * np.arange(40), "v")
    assert flat_warning(flat) == (
        f"Every value of 'v' is {level:.6g}: there is nothing to learn. The baselines "
        "forecast it exactly, and any error of the model is its own small offset, not "
        "something it learned. Choose a column whose values change."
    )
    moving = np.full(40, level)
    moving[17] += 1e-6 * max(1.0, level)  # one small step is a change
    assert flat_warning(series_from_values(moving, "v")) == ""


def test_a_column_with_one_value_is_neither_the_default_values_nor_an_input():
    days = pd.date_range("2021-01-01", periods=60, freq="D")
    sales, promo = 100 + np.arange(60) % 7, np.arange(60) % 2
    frame = pd.DataFrame({"Date": days.strftime("%d/%m/%Y"), "Store": 1, "Sales": sales,
                          "Promo": promo})  # fmt: skip
    table = read_table(frame.to_csv(index=False).encode())
    choice = default_columns(table)
    assert choice.value == "Sales"
    assert choice.reason == (
        "Using 'Sales' as the values and 'Date' as the dates; 'Store' has one value "
        "throughout (1) and was skipped."
    )
    assert "Store" in choice.values  # still there to pick by hand
    assert other_columns(table, "Sales", "Date") == ("Promo",)
    # a flat column beside a counter alone is still the values (the warning says the rest)
    flat = read_table(b"day,v\n" + b"".join(b"%d,3.5\n" % i for i in range(30)))
    assert default_columns(flat).reason == (
        "Using 'v' as the values, although 'v' has one value throughout (3.5): no other "
        "numeric column looks more like values."
    )
