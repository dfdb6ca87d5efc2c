"""Data: pick a built-in series or upload a CSV, then the look-back, the split and what the
model sees (the target transform), with a preview of it.

Reads/writes (explorer.state): series, source, data_cfg, columns, upload; drops the model when
the series, the split or the transform changes. An uploaded file's columns and the inputs
beside the series: explorer/data_file.py.

An uploaded file becomes the active series only if it gives enough points for the current
look-back and split (else one sentence, and the series and model stay). Once it is the
active series its name and bytes are kept in state "upload" (Streamlit drops the
uploader's file when the page is left), so coming back its column and input choices are
still there to change; a new upload replaces it, the example file or a built-in series
drops it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import streamlit as st

from explorer import data_file as df
from explorer import state, ui
from explorer.active import (
    DEFAULT_BUILTIN,
    MAX_PARAM_INT,
    active_series,
    builtin_defaults,
    builtin_source,
    builtins,
    default_source,
    load_builtin,
)
from explorer.escape import md_escape
from explorer.figures import series_figure
from explorer.forecast_figures import transform_figure
from explorer.session import invalidate_model
from explorer.widgets import int_input, remember, share_slider
from lstm_core.config import TRANSFORMS, ConfigError, DataConfig
from lstm_core.metrics import MIN_TEST_POINTS, count
from lstm_core.runtime.limits import APP_LIMITS, LIMITS, app_work_error
from lstm_core.series import transforms
from lstm_core.series.data import (
    DataError,
    Series,
    Table,
    flat_warning,
    read_table,
    series_from_table,
)
from lstm_core.series.datasets import DATA_DIR
from lstm_core.series.windows import Split, plan_split

SOURCES = ("Built-in series", "Upload a CSV")
EXAMPLE = DATA_DIR / "beijing_pm25_hourly.csv"
EXAMPLE_LABEL = "Or open an example with inputs: Beijing PM2.5, hourly, with the weather"
EXAMPLE_HELP = (
    "43,824 hours (2010-2014) of PM2.5 at the US embassy in Beijing with dew point, "
    "temperature, pressure, wind direction and wind speed (Liang et al. 2015, UCI, CC BY 4.0): "
    "the time is spread over year, month, day and hour columns, as UCI publishes it."
)
LOOK_BACK_HELP = (
    "The model sees this many past values to predict the next one. At most "
    f"{LIMITS.look_back:,}, and look-back × points at most {APP_LIMITS.window_steps:,} "
    "on this shared server (the command line has no such limit)."
)
TRANSFORM_HELP = (
    "An LSTM cannot predict values it never saw in training: on a series that trends out of "
    "its training range, let it learn the changes instead. 'auto' trains each candidate "
    "briefly when you press Train and keeps the one with the lowest validation error."
)


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def parse_upload(data: bytes) -> Table:
    """Uploaded bytes -> Table (DataError with one sentence for a bad file)."""
    return read_table(data)


def activate(
    series: Series, source: dict[str, Any], upload: tuple[str, bytes] | None = None
) -> None:
    """Make `series` the active one; the old model no longer fits it. `upload`: the
    uploaded file's (name, bytes) it came from, kept in state "upload" for later visits;
    a series from anything else (a built-in, the example file) drops a kept file."""
    if upload is not None:
        state.put("upload", {"name": upload[0], "data": upload[1], "digest": source["digest"]})
    elif source.get("kind") != "upload" or source.get("example"):
        state.drop("upload")
    if source == state.get("source") and state.get("series") is not None:
        return
    state.put("series", series)
    state.put("source", source)
    invalidate_model("The series changed.")


# --------------------------------------------------------------------------- built-in


def param_input(key: str, name: str, default: Any, current: Any) -> Any:
    """One generator parameter as a number input (whole numbers stay whole)."""
    try:
        current = type(default)(current)
    except (TypeError, ValueError):
        current = default
    top = MAX_PARAM_INT
    if isinstance(default, int):
        wkey = remember(f"data_p_{key}_{name}", current, 0, top)
        return st.number_input(name, min_value=0, max_value=top, step=1, key=wkey)
    wkey = remember(f"data_p_{key}_{name}", current, -float(top), float(top))
    return st.number_input(name, -float(top), float(top), step=0.01, format="%g", key=wkey)


def choose_builtin() -> None:
    """The picker of built-in series, with generator parameters for synthetic ones."""
    source = state.get("source") or default_source()
    catalog = builtins()
    current = source.get("key") if source.get("kind") == "builtin" else DEFAULT_BUILTIN
    key = st.selectbox(
        "Series",
        list(catalog),
        format_func=lambda k: catalog[k].title,
        key=remember("data_builtin", current if current in catalog else DEFAULT_BUILTIN),
    )
    st.caption(catalog[key].description)
    defaults = builtin_defaults(key)
    params = dict(defaults)
    if defaults:
        chosen = source.get("params", {}) if source.get("key") == key else {}
        cols = st.columns(len(defaults))
        for col, (name, default) in zip(cols, defaults.items(), strict=True):
            with col:
                params[name] = param_input(key, name, default, chosen.get(name, default))
    try:
        series = load_builtin(key, tuple(sorted(params.items())))
    except ValueError as e:
        st.error(str(e))
        return
    activate(series, builtin_source(key, params))


# --------------------------------------------------------------------------- upload


def choose_upload() -> None:
    """Upload (or the example file), preview, column and input choice; a bad file shows
    one sentence and changes nothing."""
    file = st.file_uploader(
        "CSV file", type=["csv", "txt", "tsv"], key="data_upload",
        help=f"Up to {APP_LIMITS.upload_mb} MB: a time column (optional) and value columns.",
    )  # fmt: skip
    source = state.get("source") or {}
    clicked = st.button(EXAMPLE_LABEL, key="data_example", help=EXAMPLE_HELP)
    kept = df.kept_upload(source)
    if file is not None:
        name, data, example = file.name, file.getvalue(), False
    elif clicked or source.get("example"):
        name, data, example = EXAMPLE.name, EXAMPLE.read_bytes(), True
    elif kept is not None:  # the page was left: the uploader forgot the file, we did not
        name, data, example = kept["name"], kept["data"], False
        st.caption(md_escape(f"Using {name}, uploaded earlier: upload another file to replace it."))
    else:
        if source.get("kind") == "upload":
            st.caption("Active upload (upload it again to change its columns):")
            st.text(f"{source.get('name')} · column {source.get('column')}")
        return
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        table = parse_upload(data)
    except DataError as e:
        st.error(str(e))
        return
    st.caption(f"First rows of {name} ({len(table.frame):,} rows):")
    st.dataframe(table.frame.head(10), hide_index=True, column_config=date_formats(table))
    try:
        value, date, missing = df.choose_columns(table, digest)
        past, future, calendar = df.choose_inputs(table, digest, value, date)
        series = series_from_table(table, value, date, missing, inputs=past,  # type: ignore[arg-type]
                                   future_inputs=future, calendar=calendar)  # fmt: skip
    except DataError as e:
        st.error(str(e))
        return
    src = {
        "kind": "upload",
        "name": name,
        "digest": digest,
        "column": value,
        "date": date,
        "missing": missing,
        "inputs": list(past),
        "future_inputs": list(future),
        "calendar": calendar,
        "example": example,
    }
    refused = df.too_short(series, name) if src != source else None
    if refused:
        st.error(md_escape(refused))
        return
    activate(series, src, None if example else (name, data))
    if flat := flat_warning(series):
        st.warning(md_escape(flat))
    show_notes(series)


def date_formats(table: Table) -> dict[str, Any]:
    """The preview's date column as dates alone when every time is midnight (a daily file
    reads 2012-01-01, not 2012-01-01 00:00:00)."""
    col = table.date_column
    if col is None:
        return {}
    dates = table.frame[col].dropna()
    if len(dates) and bool((dates == dates.dt.normalize()).all()):
        return {col: st.column_config.DatetimeColumn(format="YYYY-MM-DD")}
    return {}


def show_notes(series: Series) -> None:
    """What cleaning did: counts and the engine's notes. The series' tiles count its own
    column; with inputs a tile counts theirs (the notes say per column what was done), so no
    number reads 0 beside a note about filled values."""
    name = md_escape(repr(series.name))
    tiles = [
        ("Missing in the series", series.n_missing,
         f"Blank, non-numeric or infinite cells in {name}, the values the model learns."),
        ("Filled in the series", series.n_missing_filled,
         f"Missing values of {name} filled by interpolation (the notes below say how)."),
    ]  # fmt: skip
    if series.inputs is not None:
        tiles.append(("Missing in the inputs", series.n_input_missing,
                      "Blank or non-numeric cells in the input columns beside the kept "
                      "values: filled, or their rows dropped, as the notes say."))  # fmt: skip
    tiles += [
        ("Rows dropped", series.n_dropped, None),
        ("Duplicate timestamps", series.n_duplicates, None),
    ]
    for col, (label, value, help_) in zip(st.columns(len(tiles)), tiles, strict=True):
        col.metric(label, f"{value:,}", help=help_)
    for note in series.notes:
        st.caption(md_escape(note))
    if not series.notes:
        what = f"{series.name!r} or its inputs" if series.inputs is not None else repr(series.name)
        st.caption(
            md_escape(f"Nothing needed fixing in {what}: no missing values, duplicates or "
                      "unsorted rows.")
        )  # fmt: skip


# --------------------------------------------------------------------------- split


def choose_split() -> DataConfig | None:
    """Look-back, split fractions and transform; a change drops the model."""
    old = state.get("data_cfg") or DataConfig()
    c1, c2, c3, c4 = st.columns(4)
    look_back = int_input(
        c1,
        "Look-back (timesteps per window)",
        "data_look_back",
        old.look_back,
        1,
        LIMITS.look_back,
        help=LOOK_BACK_HELP,
    )
    val = share_slider(c2, "Validation share", "data_val", old.val_fraction)
    test = share_slider(c3, "Test share", "data_test", old.test_fraction)
    transform = c4.selectbox(
        "What the model sees",
        TRANSFORMS,
        index=TRANSFORMS.index(old.transform),  # as the default, like the sliders
        format_func=lambda k: f"{k}: {transforms.DESCRIPTIONS[k]}",
        key="data_transform",
        help=TRANSFORM_HELP,
    )
    source = state.get("source") or {}
    try:
        cfg = DataConfig(look_back, float(val), float(test), old.scaler, transform,
                         tuple(source.get("inputs", ())), tuple(source.get("future_inputs", ())),
                         bool(source.get("calendar", False)))  # fmt: skip
    except ConfigError as e:
        st.error(str(e))
        return None
    if cfg != old:
        state.put("data_cfg", cfg)
        invalidate_model("The look-back, split, transform or inputs changed.")
    echo_hint(cfg.look_back)
    too_big = app_work_error(len(active_series().values), cfg.look_back)
    if too_big:
        st.error(too_big)
    return cfg


def echo_hint(look_back: int) -> None:
    """The echo task cannot be learned when the window is shorter than the echo's lag."""
    source = state.get("source") or {}
    if source.get("kind") != "builtin" or source.get("key") != "echo":
        return
    lag = int(source.get("params", {}).get("lag", builtin_defaults("echo")["lag"]))
    if look_back <= lag:
        st.warning(
            f"Each spike comes back {lag} steps later, but a window holds only {look_back} "
            f"steps: the model can never see a spike and its echo together. Set the look-back "
            f"above {lag} (e.g. {lag + 5})."
        )


def model_split(values: np.ndarray, cfg: DataConfig, levels: Split) -> Split:
    """The windows the model will have: a fixed transform's lag shortens the training part
    (the counts the model's summary gives); 'auto' and bad settings: the levels' split."""
    if cfg.transform == "auto":
        return levels
    try:
        train_end = levels.train_end  # the transform's season is read on this part
        return plan_split(
            len(values), cfg, transforms.resolve(cfg.transform, values, train_end).lag
        )
    except DataError:
        return levels  # said under the transform's preview


def show_series(series: Series, cfg: DataConfig) -> None:
    """The chart with its three parts, and the counts."""
    try:
        split = plan_split(len(series.values), cfg)
    except DataError as e:
        st.error(str(e))
        return
    x = series.time if series.time is not None else np.arange(len(series.values))
    st.plotly_chart(series_figure(x, series.values, split, name=series.name), key="data_chart")
    if series.inputs is not None:
        df.show_inputs(series, x)
    split = model_split(series.values, cfg, split)
    c = st.columns(4)
    c[0].metric("Points", f"{len(series.values):,}")
    c[1].metric("Train windows", f"{split.n_train:,}")
    c[2].metric("Validation windows", f"{split.n_val:,}")
    c[3].metric("Test windows", f"{split.n_test:,}")
    if cfg.transform == "auto":
        st.caption(
            "Windows of the values as they are; if 'auto' picks a difference, the model's "
            "training part starts that many steps later (1 for diff, m for sdiff) and has as "
            "many fewer windows. The model's own counts are in its summary after training."
        )
    if split.n_test < MIN_TEST_POINTS:
        st.warning(
            f"The test part has only {count(split.n_test, 'window')}: a model judged on so few "
            f"points says little (at least {MIN_TEST_POINTS} are needed). Use a smaller "
            "look-back, a larger test share or a longer series."
        )
    show_transform(series, cfg, split.train_end, x)


def show_transform(series: Series, cfg: DataConfig, train_end: int, x: Any) -> None:
    """The series as the model will see it (before scaling): the chosen transform, or every
    candidate 'auto' will try."""
    values = series.values
    if cfg.transform == "auto":
        season = transforms.training_season(values, train_end)
        shown, skipped = transforms.candidates(values, season)
        names = ", ".join(tf.kind for tf in shown)
        st.caption(
            f"What the model will see: 'auto' tries {names} when you train and keeps the one "
            "with the lowest validation error (the test part is never used to choose). "
            + " ".join(skipped)
        )
    else:
        try:
            shown = [transforms.resolve(cfg.transform, values, train_end)]
        except DataError as e:
            st.error(str(e))
            return
        st.caption(f"What the model will see: {shown[0].describe()}, then scaled.")
    fig = transform_figure(x, values, shown, series.name)
    st.plotly_chart(fig, key="data_transform_preview", config={"displayModeBar": False})


# --------------------------------------------------------------------------- page

ui.setup()
st.title("Data")
src_kind = (state.get("source") or {}).get("kind", "builtin")
mode = st.radio(
    "Source",
    SOURCES,
    horizontal=True,
    key=remember("data_mode", SOURCES[1] if src_kind == "upload" else SOURCES[0]),
)
if mode == SOURCES[0]:
    choose_builtin()
else:
    choose_upload()
active = active_series()
st.subheader("Windows and split")
st.text(f"Active series: {active.name} ({len(active.values):,} points)")
data_cfg = choose_split()
if data_cfg is not None:
    show_series(active, data_cfg)
st.page_link("pages/train.py", label="Next: train a model", icon=":material/arrow_forward:")
ui.finish()
