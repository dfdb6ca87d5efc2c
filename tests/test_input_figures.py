"""Figures of the inputs beside the series (explorer/input_figures.py), without Streamlit:
the gate × input weights, a window's attributions, and the window's input rows."""

from __future__ import annotations

import numpy as np

from explorer.experiment_figures import side_by_side
from explorer.input_figures import (
    MIN_ROWS_PX,
    attribution_figure,
    gate_input_figure,
    top_units,
    window_inputs_figure,
)

GATES = ["input gate i", "forget gate f", "candidate C̃ (g)", "output gate o"]
NAMES = ["load", "temp <b>", "wind=N"]  # a name from a file, with markup in it


def weights(seed: int = 0) -> np.ndarray:
    """[G=4, H=5, C=3] weights."""
    return np.random.default_rng(seed).normal(size=(4, 5, 3))


def test_gate_input_figure_is_mean_abs_weight_by_gate_and_input():
    w = weights()
    fig = gate_input_figure(w, GATES, NAMES, title="weights")
    (heat,) = fig.data
    np.testing.assert_allclose(heat.z, np.abs(w).mean(axis=1))  # [G, C]
    assert list(heat.x) == ["load", "temp &lt;b&gt;", "wind=N"]  # plain text, never HTML
    assert list(heat.y) == GATES
    assert heat.zmin == 0.0
    assert heat.zmax == np.abs(w).mean(axis=1).max()  # plotly ignores zmin alone
    assert fig.layout.yaxis.autorange == "reversed"  # the first gate on top
    assert "%{customdata}" in heat.hovertemplate
    assert np.asarray(heat.customdata).shape == (4, 3)


def test_top_units_are_the_largest_weights_strongest_first_with_their_sign():
    w = np.zeros((1, 4, 2))
    w[0, :, 0] = [0.1, -0.9, 0.5, 0.0]
    w[0, :, 1] = [0.2, 0.0, 0.0, 0.0]
    text = top_units(w, k=2)
    assert text.shape == (1, 2)
    assert text[0, 0] == "unit 1 (-0.9), unit 2 (+0.5)"
    assert text[0, 1].startswith("unit 0 (+0.2), ")
    assert top_units(w, k=1)[0, 0] == "unit 1 (-0.9)"


def test_attribution_figure_has_one_row_per_channel_on_the_timestep_axis():
    values = np.arange(-6.0, 6.0).reshape(4, 3)  # [L=4, C=3]
    fig = attribution_figure(values, NAMES, title="IG")
    (heat,) = fig.data
    np.testing.assert_allclose(heat.z, values.T)  # [C, L]
    assert list(heat.x) == [0, 1, 2, 3]
    assert list(heat.y) == ["load", "temp &lt;b&gt;", "wind=N"]
    assert (heat.zmin, heat.zmax, heat.zmid) == (-6.0, 6.0, 0.0)  # symmetric about 0
    totals = np.asarray(heat.customdata)  # each row's sum over the window, at every cell
    np.testing.assert_allclose(totals, np.repeat(values.sum(0)[:, None], 4, axis=1))
    assert fig.layout.xaxis.title.text == "timestep"


def test_attribution_figure_of_zeros_or_given_steps():
    fig = attribution_figure(np.zeros((3, 2)), ["a", "b"], x=np.array([5, 6, 7]))
    (heat,) = fig.data
    assert (heat.zmin, heat.zmax) == (-1.0, 1.0)  # no range of 0
    assert list(heat.x) == [5, 6, 7]


def test_window_inputs_pairs_share_one_colour_range():
    before = window_inputs_figure(np.array([[0.0, 1.0], [2.0, 3.0]]), ["a", "b <i>"])
    after = window_inputs_figure(np.array([[-1.0, 1.0], [-1.0, 5.0]]), ["a", "b <i>"])
    heat = before.data[0]
    assert (heat.zmin, heat.zmax) == (0.0, 3.0)
    assert list(heat.y) == ["a", "b &lt;i&gt;"]
    left, right = side_by_side(before, after, ("Before", "After: 'a' <held>"))
    for fig in (left, right):
        assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.0, 5.0)
    assert right.layout.title.text == "After: 'a' &lt;held&gt;"
    assert before.data[0].zmin == 0.0  # the originals are left as they are


def test_window_inputs_without_finite_values_sets_no_range():
    heat = window_inputs_figure(np.full((2, 1), np.nan), ["a"]).data[0]
    assert heat.zmin is None and heat.zmax is None


def test_one_or_two_rows_leave_room_for_a_readable_colour_bar():
    one = attribution_figure(np.ones((12, 2)), ["Sales", "Promo"])
    assert one.layout.height >= 120 + MIN_ROWS_PX and one.data[0].colorbar.nticks == 3
    inputs = window_inputs_figure(np.ones((12, 1)), ["Promo"])
    assert inputs.layout.height >= 120 + MIN_ROWS_PX and inputs.data[0].colorbar.nticks == 3
    many = window_inputs_figure(np.ones((12, 10)), [f"x{k}" for k in range(10)])
    assert many.layout.height == 120 + 22 * 10 and many.data[0].colorbar.nticks is None
