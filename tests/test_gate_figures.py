"""Pure figure and export builders of the Gates page (no Streamlit)."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import torch

from explorer import equations as eq
from explorer import gate_figures as gf
from lstm_core.config import ModelConfig
from lstm_core.fitting.models import build_model
from lstm_core.inside.gates import trace_gates
from lstm_core.inside.gatestats import saturation, unit_correlations
from lstm_core.inside.gatestep import explain_step
from lstm_core.inside.gatesummary import summarise_run
from lstm_core.series.windows import Split

T, H = 12, 5


def _layer(names: str, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for n in names:
        if n in "ifozr":
            out[n] = rng.uniform(0, 1, (T, H)).astype(np.float32)
        elif n == "c":
            out[n] = rng.normal(0, 3, (T, H)).astype(np.float32)
        else:
            out[n] = rng.uniform(-1, 1, (T, H)).astype(np.float32)
    return out


def _heatmaps(fig: go.Figure) -> dict[str, go.Heatmap]:
    return {tr.name: tr for tr in fig.data if tr.type == "heatmap"}


# --------------------------------------------------------------------------- heatmaps


def test_lstm_heatmaps_shapes_and_fixed_colour_ranges():
    layer = _layer("ifgoch")
    fig = gf.gates_figure(layer, "ifgoch")
    maps = _heatmaps(fig)
    assert list(maps) == list("ifgoch")
    top_c = float(np.abs(layer["c"]).max())
    for name, tr in maps.items():
        assert np.asarray(tr.z).shape == (H, T)  # units × timesteps
        np.testing.assert_array_equal(np.asarray(tr.z), layer[name].T)
        if name in "ifo":
            assert (tr.zmin, tr.zmax) == (0.0, 1.0)
            assert tr.zmid is None
        elif name in "gh":
            assert (tr.zmin, tr.zmax, tr.zmid) == (-1.0, 1.0, 0.0)
        else:
            assert tr.zmid == 0.0
            assert tr.zmin == pytest.approx(-top_c) and tr.zmax == pytest.approx(top_c)
        assert "unit %{y}" in tr.hovertemplate and "timestep %{x}" in tr.hovertemplate
        assert "%{z" in tr.hovertemplate


def test_heatmaps_share_one_time_axis_and_stack_top_to_bottom():
    fig = gf.gates_figure(_layer("ifgoch"), "ifgoch", inputs=(np.arange(T), np.zeros(T)))
    axes = [tr.xaxis or "x" for tr in fig.data]
    assert axes[0] == "x" and len(set(axes)) == 7  # input row + 6 heatmap rows
    for k in range(2, 8):
        assert fig.layout[f"xaxis{k}"].matches == "x"
    tops = [fig.layout[f"yaxis{k if k > 1 else ''}"].domain[1] for k in range(1, 8)]
    assert tops == sorted(tops, reverse=True) and tops[0] == 1.0
    assert fig.layout.xaxis7.showticklabels and not fig.layout.xaxis2.showticklabels


def test_gru_and_rnn_rows_and_candidate_label():
    gru = gf.gates_figure(_layer("rznh"), ("r", "z", "n", "h"))
    assert list(_heatmaps(gru)) == ["r", "z", "n", "h"]
    assert _heatmaps(gru)["n"].zmin == -1.0
    rnn = gf.gates_figure(_layer("h"), ("h",))
    assert list(_heatmaps(rnn)) == ["h"]
    lstm = gf.gates_figure(_layer("ifgoch"), "ifgoch")
    assert "candidate C̃" in _heatmaps(lstm)["g"].hovertemplate


def test_zero_cell_state_gets_a_valid_range():
    layer = _layer("ifgoch")
    layer["c"][:] = 0
    tr = _heatmaps(gf.gates_figure(layer, "ifgoch"))["c"]
    assert (tr.zmin, tr.zmax) == (-1.0, 1.0)


def test_untrusted_column_name_is_escaped_and_target_drawn():
    fig = gf.gates_figure(
        _layer("h"), ("h",), inputs=(np.arange(T), np.ones(T)), target=(T, 2.0),
        value_label="<a href='javascript:alert(1)'>x</a>",
    )  # fmt: skip
    title = fig.layout.yaxis.title.text
    assert "<a" not in title and "&lt;a" in title
    star = next(tr for tr in fig.data if tr.name == "target")
    assert list(star.x) == [T] and list(star.y) == [2.0]


def test_split_bands_and_window_part():
    split = Split(look_back=10, n_train=70, n_val=15, n_test=15)  # 110 points
    assert gf.split_spans(split, 0, 110) == [
        (-0.5, 79.5, "train"), (79.5, 94.5, "val"), (94.5, 109.5, "test"),
    ]  # fmt: skip
    assert gf.split_spans(split, 90, 100) == [(89.5, 94.5, "val"), (94.5, 99.5, "test")]
    assert [gf.window_part(split, w) for w in (0, 69, 70, 84, 85, 99)] == [
        "train", "train", "val", "val", "test", "test",
    ]  # fmt: skip


def test_unit_figure_lines():
    layer = _layer("ifgoch")
    fig = gf.unit_figure(layer, "ifgoch", unit=3, mark=4)
    assert len(fig.data) == 6
    for tr, name in zip(fig.data, "ifgoch", strict=True):
        np.testing.assert_array_equal(np.asarray(tr.y), layer[name][:, 3])
    assert fig.layout.shapes[0].x0 == 4


# --------------------------------------------------------------------------- downsampling


def test_downsample_is_a_no_op_below_the_limit():
    a = np.arange(20, dtype=np.float32).reshape(10, 2)
    out, x = gf.downsample_time(a, 10)
    assert out is a
    np.testing.assert_array_equal(x, np.arange(10))


def test_downsample_means_of_bins_and_centres():
    a = np.arange(10, dtype=np.float32)[:, None] * np.array([1.0, -1.0], dtype=np.float32)
    out, x = gf.downsample_time(a, 4)  # k = ceil(10 / 4) = 3: bins 0-2, 3-5, 6-8, 9
    assert gf.bin_size(10, 4) == 3
    np.testing.assert_allclose(out[:, 0], [1.0, 4.0, 7.0, 9.0])
    np.testing.assert_allclose(out[:, 1], [-1.0, -4.0, -7.0, -9.0])
    np.testing.assert_allclose(x, [1.0, 4.0, 7.0, 9.0])
    assert out.dtype == np.float32 and out.shape == (4, 2)


def test_downsample_exact_bins_and_1d():
    v = np.arange(5000, dtype=np.float64)
    out, x = gf.downsample_time(v, 2000)  # k = 3
    assert len(out) == len(x) == math.ceil(5000 / 3)
    np.testing.assert_allclose(out, x)  # the mean of a run of integers is its centre
    out2, x2 = gf.downsample_time(np.ones((4000, 3)), 2000)
    assert out2.shape == (2000, 3) and x2[0] == 0.5 and x2[-1] == 3998.5
    with pytest.raises(ValueError):
        gf.downsample_time(v, 0)


def test_bin_centres_and_column_budget():
    np.testing.assert_array_equal(gf.bin_centres(10, 3), [1.0, 4.0, 7.0, 9.0])
    np.testing.assert_array_equal(gf.bin_centres(4, 1), [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gf.bin_centres(8, 4), [1.5, 5.5])
    assert gf.max_cols_for(8, 6) == gf.MAX_COLS
    assert gf.max_cols_for(512, 6) == gf.MIN_COLS
    assert 500 < gf.max_cols_for(64, 6) < gf.MAX_COLS


# --------------------------------------------------------------------------- exports


def test_npz_round_trip_matches_cli_layout():
    layers = [_layer("ifgoch"), _layer("ifgoch", 1)]
    x = np.linspace(0, 1, T, dtype=np.float32)
    data = np.load(io.BytesIO(gf.gates_npz(x, layers, "Δ v, scaled")))
    expected = {"x", "sees"} | {f"{n}_l{k}" for k in (0, 1) for n in "ifgoch"}
    assert set(data.files) == expected and str(data["sees"]) == "Δ v, scaled"
    np.testing.assert_array_equal(data["x"], x)
    np.testing.assert_array_equal(data["c_l1"], layers[1]["c"])
    assert data["h_l0"].shape == (T, H)


def test_tidy_csv():
    layers = [_layer("rznh"), _layer("rznh", 1)]
    table = pd.read_csv(io.BytesIO(gf.gates_csv(layers)))
    assert list(table.columns) == ["layer", "timestep", "unit", "gate", "value"]
    assert len(table) == 2 * 4 * T * H
    pick = (table.layer == 1) & (table.gate == "z") & (table.timestep == 7) & (table.unit == 2)
    row = table[pick]
    assert row.value.item() == pytest.approx(float(layers[1]["z"][7, 2]), rel=1e-6)
    assert gf.gates_csv([]).decode().strip() == "layer,timestep,unit,gate,value"


def test_saturation_shares():
    layer = {"f": np.array([[0.05, 0.5], [0.95, 0.99]], np.float32),
             "h": np.array([[-0.95, 0.0], [0.0, 0.0]], np.float32),
             "c": np.zeros((2, 2), np.float32)}  # fmt: skip
    table = gf.saturation(layer, ("f", "c", "h"))
    assert list(table.gate) == ["forget gate f", "hidden state h"]  # c is unbounded: left out
    assert table.low.tolist() == [0.25, 0.25] and table.high.tolist() == [0.5, 0.0]


# --------------------------------------------------------------------------- equations


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_step_equations_show_explain_step_numbers(cell):
    model = build_model(ModelConfig(cell=cell, hidden_size=4, num_layers=2), seed=0)
    x = torch.linspace(-1, 1, 9)
    trace = trace_gates(model, x)
    for layer in (0, 1):
        step = explain_step(model, trace, layer, 5, 2)
        lines = eq.step_equations(step)
        text = " ".join(tex for tex, _ in lines)
        gates = {"lstm": "ifgo", "gru": "rz", "rnn": "a"}[cell]
        for g in gates:
            assert f"{step[g]['value']:.4f}" in text
            assert f"{step[g]['pre']:.4f}" in text
        assert f"{step['h_check']:.4f}" in text
        assert all(sentence.endswith(".") for _, sentence in lines)
        if cell == "lstm":
            assert f"{step['c_check']:.4f}" in text
            keeps = f"keeps {100 * step['f']['value']:.0f}% of the previous cell state"
            assert keeps in lines[1][1]
        if layer == 0:
            assert f"x_t = {step['x_t']:.4f}" in lines[0][0]


def test_window_and_span_figures_and_labels():
    layer = _layer("ifgoch")
    fig = gf.window_figure(layer, "ifgoch", np.arange(T, dtype=float), 99.0, first=40)
    assert (
        "Window 40: points 40..51" in fig.layout.title.text and "point 52" in fig.layout.title.text
    )
    star = next(tr for tr in fig.data if tr.name == "target")
    assert list(star.x) == [T] and list(star.y) == [99.0]
    split = Split(look_back=2, n_train=6, n_val=2, n_test=2)
    x = np.array([1.0, 4.0, 7.0, 9.0])
    small = {n: a[:4] for n, a in layer.items()}
    span = gf.span_figure(small, "ifgoch", x, np.zeros(4), 3, (0, 12), split, dates=" (a … b)")
    assert "downsampled: each column = mean of 3 timesteps" in span.layout.title.text
    assert "(a … b)" in span.layout.title.text
    np.testing.assert_array_equal(np.asarray(_heatmaps(span)["f"].x), x)
    assert [a.text for a in span.layout.annotations] == ["train", "val", "test"]
    assert gf.downsample_note(1) == ""


def test_date_range():
    days = pd.date_range("2020-01-01", periods=5, freq="D")
    assert gf.date_range(days, 5, 0, 4) == " (2020-01-01 … 2020-01-05)"
    hours = pd.date_range("2020-01-01 06:00", periods=5, freq="h")
    assert gf.date_range(hours, 5, 1, 2) == " (2020-01-01 07:00 … 2020-01-01 08:00)"
    assert gf.date_range(None, 5, 0, 4) == "" and gf.date_range(days, 6, 0, 4) == ""


def test_span_summary_of_a_chunked_run_matches_the_whole_trace():
    model = build_model(ModelConfig(hidden_size=4, num_layers=2), seed=0)
    x = np.sin(np.arange(3000) / 7).astype(np.float32)
    trace = trace_gates(model, x)
    k = gf.bin_size(3000, gf.max_cols_for(4, 6))
    summary = summarise_run(model, x, gf.max_cols_for(4, 6), chunk_values=10_000)
    out = gf.span_summary(summary, x.astype(np.float64) * 10, start=100)
    assert k == 2 and out["k"] == 2 and out["names"] == trace.names
    assert len(out["layers"]) == 2 and out["layers"][1]["c"].shape == (1500, 4)
    np.testing.assert_allclose(
        out["layers"][1]["c"][0], trace.layers[1]["c"][0, :2].mean(axis=0), atol=1e-6
    )
    assert out["x"][0] == 100.5 and len(out["values"]) == 1500
    assert out["values"][0] == pytest.approx(10 * x[:2].mean())
    full = gf.window_layers(trace.layers)
    for lay in range(2):
        pd.testing.assert_frame_equal(
            out["saturation"][lay], gf.saturation(full[lay], trace.names), atol=1e-3
        )
        units = out["units"][lay].set_index("unit").sort_index()
        h = full[lay]["h"].astype(np.float64)
        want = [np.corrcoef(h[:-1, u], x[1:])[0, 1] for u in range(4)]
        np.testing.assert_allclose(units["corr with next value"], want, atol=1e-5)


def test_unit_stats_put_the_unit_that_tracks_the_input_first():
    from explorer.gate_figures import unit_stats

    t = np.arange(50, dtype=np.float64)
    x = np.sin(t / 5)
    h = np.stack([0.01 * np.cos(t), 0.9 * x, -0.5 * np.roll(x, -1)], 1)  # unit 1 = input
    f = np.full((50, 3), 0.95)
    f[:, 2] = 0.05
    corr = unit_correlations(h[:-1], x[:-1], x[1:])
    table = unit_stats(saturation({"h": h, "f": f, "c": h}), corr["input"], corr["target"])
    assert list(table["unit"][:2]) == [1, 2]
    assert table.loc[0, "corr with input"] == pytest.approx(1.0)
    assert table.loc[1, "corr with next value"] == pytest.approx(-1.0)
    row2 = table[table["unit"] == 2].iloc[0]
    assert row2["f < 0.1"] == 1.0 and row2["f > 0.9"] == 0.0
    assert table[table["unit"] == 0].iloc[0]["f > 0.9"] == 1.0
    assert not any(c.startswith("h ") for c in table.columns)  # only the σ gates' shares
