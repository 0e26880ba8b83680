"""Tests of the figures of notebooks 02 and 03 in utils/plot.py: the contraction factor of
gradient descent (02), and the padded, strided and unread windows (03). Each test reads
back what the figure drew (line data, outlined and hatched cells) and compares it with
the numbers the figure is meant to show."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from mxnet import nd

from utils import corr2d
from utils.plot import (
    draw_input_gradient,
    plot_contraction,
    plot_kernel_centres,
    plot_strided_windows,
    plot_unvisited,
)

# The curvatures of notebook 02's loss (eigenvalues of its Hessian), weight and bias.
CURVATURES = [12.0, 19.69, 124.31]


def _hatched(ax) -> set[tuple[int, int]]:
    """(row, column) of every hatched cell on `ax`."""
    return {
        (round(p.get_y() + 0.5), round(p.get_x() + 0.5))
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_hatch()
    }


def _outlined(ax) -> list[tuple[float, float, float, float]]:
    """(row, column, height, width) of every thick outline `draw_grid` drew as a highlight."""
    return [
        tuple(round(v, 6) for v in (p.get_y() + 0.45, p.get_x() + 0.45, p.get_height() + 0.1,
                                    p.get_width() + 0.1))
        for p in ax.patches
        if isinstance(p, Rectangle) and not p.get_fill() and p.get_linewidth() > 2
    ]


def _grid_shape(ax) -> tuple[int, int]:
    """(rows, columns) of the grid `draw_grid` drew on `ax`, from its ticks."""
    return len(ax.get_yticks()), len(ax.get_xticks())


# ---- notebook 02: the contraction factor ---------------------------------------------


def test_plot_contraction_draws_rho_exactly_with_its_corners():
    fig = plot_contraction({"weight and bias": CURVATURES, "weight only": [12.0, 60.0]}, 0.035,
                           "rho")
    try:
        ax = fig.axes[0]
        curves = {line.get_label(): line for line in ax.lines}
        xs, ys = curves["weight and bias"].get_data()
        expected = [max(abs(1 - x * lam) for lam in CURVATURES) for x in xs]
        np.testing.assert_allclose(ys, expected)
        best = 2 / (min(CURVATURES) + max(CURVATURES))
        assert best in list(xs) and 2 / max(CURVATURES) in list(xs)  # the corners are exact
        assert ys.min() == pytest.approx(1 - 12 * best)  # 0.824: the optimum is at the corner
        dots = [line for line in ax.lines if line.get_marker() == "o"]
        assert [tuple(d.get_xdata()) for d in dots] == [(best,), (2 / 72,)]
        assert ax.get_xlabel() == "learning rate" and ax.get_title() == "rho"
        assert any(line.get_label().startswith("rho = 1") for line in ax.lines)
    finally:
        plt.close(fig)


def test_plot_contraction_crosses_one_at_the_limit():
    fig = plot_contraction({"weight and bias": CURVATURES}, 0.02, "rho")
    try:
        xs, ys = fig.axes[0].lines[0].get_data()
        limit = list(xs).index(2 / max(CURVATURES))
        assert ys[limit] == pytest.approx(1.0)
        assert all(y < 1 for x, y in zip(xs, ys, strict=True) if 0 < x < xs[limit])
        assert all(y > 1 for x, y in zip(xs, ys, strict=True) if x > xs[limit])
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "curvatures, lr_max, message",
    [
        ({"a": []}, 0.1, "non-empty list of positive numbers"),
        ({"a": [12.0, 0.0]}, 0.1, "non-empty list of positive numbers"),
        ({"a": [12.0]}, 0.0, "lr_max must be positive"),
    ],
)
def test_plot_contraction_bad_inputs(curvatures, lr_max, message):
    with pytest.raises(ValueError, match=message):
        plot_contraction(curvatures, lr_max, "rho")
    plt.close("all")


# ---- notebook 03: padding, stride, odd and even kernels --------------------------------


def test_draw_input_gradient_spreads_g_and_outlines_each_window_it_scatters_to():
    G, K = nd.array([[1, 10], [100, 1000]]), nd.arange(1, 10).reshape((3, 3))
    grad_X = nd.arange(36).reshape((6, 6))  # any (6, 6) values: the helper only draws them
    fig = draw_input_gradient(G, K, grad_X, 2, "t")
    try:
        spread_ax, kernel_ax, input_ax = fig.axes
        spread = [float(t.get_text()) for t in spread_ax.texts]
        assert spread == [1, 0, 10, 0, 0, 0, 100, 0, 1000]
        assert sorted(_outlined(spread_ax)) == [(0, 0, 1, 1), (0, 2, 1, 1), (2, 0, 1, 1),
                                                (2, 2, 1, 1)]
        assert [float(t.get_text()) for t in kernel_ax.texts] == list(range(1, 10))
        assert sorted(_outlined(input_ax)) == [(0, 0, 3, 3), (0, 2, 3, 3), (2, 0, 3, 3),
                                               (2, 2, 3, 3)]
        assert _hatched(input_ax) == {(5, c) for c in range(6)} | {(r, 5) for r in range(6)}
        assert [float(t.get_text()) for t in input_ax.texts] == list(range(36))
        assert fig._suptitle.get_text() == "t"
    finally:
        plt.close(fig)


def test_draw_input_gradient_with_unequal_strides_and_no_unread_cells():
    G = nd.ones((2, 3))
    fig = draw_input_gradient(G, nd.ones((2, 2)), nd.zeros((4, 6)), (2, 2), "t")
    try:
        assert _grid_shape(fig.axes[0]) == (3, 5)
        assert _hatched(fig.axes[2]) == set()
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "G, K, grad_X, stride, message",
    [
        (np.ones(2), np.ones((2, 2)), np.ones((3, 3)), 1, "G must be a non-empty 2-D"),
        (np.ones((2, 2)), np.ones((2, 2)), np.ones((0, 3)), 1, "grad_X must be a non-empty"),
        (np.ones((2, 2)), np.ones((2, 2)), np.ones((3, 3)), 2, "do not fit in grad_X"),
        (np.ones((2, 2)), np.ones((2, 2)), np.ones((3, 3)), 0, "stride must be >= 1"),
    ],
)
def test_draw_input_gradient_bad_inputs(G, K, grad_X, stride, message):
    with pytest.raises(ValueError, match=message):
        draw_input_gradient(G, K, grad_X, stride, "t")


def test_plot_strided_windows_outlines_each_window_and_hatches_what_none_reads():
    X, K = nd.arange(64).reshape((8, 8)), nd.ones((3, 5))
    Y = corr2d(X, K, padding=(0, 1), stride=(3, 4))
    fig = plot_strided_windows(X, K, Y, padding=(0, 1), stride=(3, 4), title="t")
    try:
        padded_ax = fig.axes[0]
        assert sorted(_outlined(padded_ax)) == [(0, 0, 3, 5), (0, 4, 3, 5), (3, 0, 3, 5),
                                                (3, 4, 3, 5)]
        # Rows 6-7 (all 10 padded columns) and the right padding column of rows 0-5.
        expected = {(r, c) for r in (6, 7) for c in range(10)} | {(r, 9) for r in range(6)}
        assert _hatched(padded_ax) == expected
        assert [t.get_text() for t in fig.axes[2].texts] == ["114", "195", "402", "555"]
    finally:
        plt.close(fig)


def test_plot_kernel_centres_puts_odd_centres_on_pixels_and_even_ones_on_corners():
    fig = plot_kernel_centres(nd.arange(1, 26).reshape((5, 5)), [3, 2], title="t")
    try:
        for ax, k in zip(fig.axes, [3, 2], strict=True):
            centres = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines]
            before = k // 2  # padding on top and left
            # Padded coordinates of input pixels (0, 0) and (4, 4), minus half a pixel if even.
            shift = 0.0 if k % 2 else -0.5
            assert centres == [(before + shift, before + shift), (before + 4 + shift,) * 2]
            padded = np.array([float(t.get_text()) for t in ax.texts])
            assert padded.size == (5 + k - 1) ** 2 and padded.sum() == sum(range(1, 26))
    finally:
        plt.close(fig)


def test_plot_unvisited_hatches_the_columns_a_stride_skips():
    fig = plot_unvisited([(3, 7), (3, 8)], kernel_size=3, stride=2, title="t")
    try:
        assert _hatched(fig.axes[0]) == set()
        assert _hatched(fig.axes[1]) == {(0, 7), (1, 7), (2, 7)}
        assert fig.axes[1].get_title() == "input 3x8 -> output 1x3"
    finally:
        plt.close(fig)
