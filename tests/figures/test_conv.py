"""Tests of utils/figures/conv.py."""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from mxnet import nd

from utils.conv import (
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out_1x1,
)
from utils.figures.conv import (
    draw_1x1_pixel,
    draw_channel_sum,
    draw_corr2d_offsets,
    draw_corr2d_windows,
    draw_input_gradient,
    draw_iou_table,
    draw_layer_channels,
    draw_pooling,
    draw_shift_comparison,
    plot_contraction,
    plot_kernel_centres,
    plot_receptive_fields,
    plot_stage_crops,
    plot_strided_windows,
    plot_unvisited,
    show_edge_maps,
)
from utils.pool import pool2d


def test_draw_1x1_pixel_spells_out_each_output_channel():
    X = nd.array(np.arange(18, dtype=np.float32).reshape(2, 3, 3))
    K = nd.array(np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]]).reshape(3, 2, 1, 1))
    Y = corr2d_multi_in_out_1x1(X, K)
    fig = draw_1x1_pixel(X, K, Y, (2, 1))
    text = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    # x = (7, 16): every factor written in full, so each line adds up as printed
    assert "Y[0, 2, 1] = 1.0·7 + 2.0·16 = 39.0" in text
    assert "Y[1, 2, 1] = 0.5·7 + (-1.0)·16 = -12.5" in text
    assert "Y[2, 2, 1] = 0.0·7 + 3.0·16 = 48.0" in text
    assert len(fig.axes) == 2 + 2 + 1 + 3  # inputs, W and x, the products, outputs
    plt.close(fig)


def test_draw_1x1_pixel_writes_integers_without_decimals_or_minus_zero():
    X = nd.array([[[0.0, 1.0]], [[0.0, 2.0]]])
    K = -nd.ones((1, 2, 1, 1))
    Y = corr2d_multi_in_out_1x1(X, K).asnumpy()
    Y[0, 0, 0] = -0.0  # what a sum of negative weights times zeros can give
    fig = draw_1x1_pixel(X, K, Y, (0, 0))
    text = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "Y[0, 0, 0] = (-1)·0 + (-1)·0 = 0" in text
    assert "-0" not in text
    plt.close(fig)


@pytest.mark.parametrize(
    "x_shape, k_shape, y_shape, message",
    [((2, 3, 3), (3, 2, 3, 3), (3, 3, 3), "need X"), ((2, 3, 3), (3, 4, 1, 1), (3, 3, 3), "fit")],
)
def test_draw_1x1_pixel_bad_shapes(x_shape, k_shape, y_shape, message):
    with pytest.raises(ValueError, match=message):
        draw_1x1_pixel(np.zeros(x_shape), np.zeros(k_shape), np.zeros(y_shape), (0, 0))


def test_draw_1x1_pixel_rejects_numbers_a_reader_cannot_redo():
    X = nd.array(np.random.RandomState(0).uniform(size=(3, 2, 2)))
    K = nd.ones((2, 3, 1, 1))
    with pytest.raises(ValueError, match="at most two decimals"):
        draw_1x1_pixel(X, K, corr2d_multi_in_out_1x1(X, K), (0, 0))


def test_draw_1x1_pixel_rejects_an_output_that_is_not_w_x():
    X, K = nd.ones((3, 2, 2)), nd.ones((2, 3, 1, 1))
    with pytest.raises(ValueError, match="is not W x"):
        draw_1x1_pixel(X, K, nd.zeros((2, 2, 2)), (0, 0))


def test_draw_channel_sum_spells_out_the_first_output_element():
    X = nd.stack(nd.arange(9).reshape((3, 3)), nd.arange(9).reshape((3, 3)) + 1)
    K = nd.stack(nd.arange(4).reshape((2, 2)), nd.arange(4).reshape((2, 2)) + 1)
    parts = nd.stack(*[corr2d_multi_in(X[c:c + 1], K[c:c + 1]) for c in range(2)])
    fig = draw_channel_sum(X, K, parts, parts.sum(axis=0))
    try:
        assert len(fig.axes) == 2 * 3 + 1  # X[c], K[c], corr2d per channel, and the sum
        assert fig.axes[-1].get_title().endswith("Y[0, 0] = 19 + 37 = 56")
    finally:
        plt.close(fig)


def test_draw_channel_sum_bad_shapes():
    with pytest.raises(ValueError, match=r"do not fit together.*\(2, 3, 3\).*\(3, 2, 2\)"):
        draw_channel_sum(np.zeros((2, 3, 3)), np.zeros((3, 2, 2)), np.zeros((2, 2, 2)),
                         np.zeros((2, 2)))
    with pytest.raises(ValueError, match="need X"):
        draw_channel_sum(np.zeros((3, 3)), np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)))


def test_draw_layer_channels_shows_each_output_channel_on_one_signed_scale():
    colour = np.random.RandomState(1).rand(6, 5, 3)
    Y = nd.array(np.linspace(-2, 1, 2 * 5 * 4).reshape(2, 5, 4))
    fig = draw_layer_channels(colour, Y, ["a", "b"], "layer")
    try:
        panels, bar = fig.axes[:3], fig.axes[3:]
        assert [ax.get_title() for ax in panels] == [
            "input: 3 channels (red, green, blue)", "output channel 0: a", "output channel 1: b",
        ]
        assert len(bar) == 1 and "output value" in bar[0].get_ylabel()  # one shared colour bar
        limit = np.percentile(np.abs(Y.asnumpy()), 99)
        for ax in panels[1:]:
            low, high = ax.images[0].get_clim()
            assert low == -high and np.isclose(high, limit)  # white is exactly 0
            assert ax.images[0].get_cmap().name == "RdBu_r"
        # Without a window, every panel shows the rows and columns input and output share.
        assert panels[0].images[0].get_array().shape == (5, 4, 3)
        assert panels[2].images[0].get_array().shape == (5, 4)
        assert fig._suptitle.get_text() == "layer"
    finally:
        plt.close(fig)


def test_draw_layer_channels_window_crops_every_panel_and_keeps_the_indices():
    colour = np.random.RandomState(1).rand(6, 5, 3)
    Y = nd.array(np.arange(2 * 5 * 4, dtype=np.float32).reshape(2, 5, 4) - 20)
    fig = draw_layer_channels(colour, Y, ["a", "b"], "layer", window=(1, 4, 2, 4))
    try:
        for ax in fig.axes[:3]:
            assert ax.images[0].get_extent() == [1.5, 3.5, 3.5, 0.5]  # columns 2-3, rows 1-3
        np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), colour[1:4, 2:4])
        np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), Y.asnumpy()[1, 1:4, 2:4])
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "colour_shape, y_shape, out_titles, window, message",
    [((4, 4, 3), (2, 3), ["p", "q"], None, r"need colour.*\(4, 4, 3\).*\(2, 3\)"),
     ((4, 4), (2, 3, 3), ["p", "q"], None, r"need colour.*\(4, 4\)"),
     ((4, 4, 3), (2, 3, 3), ["p"], None, r"1 output titles for Y of shape \(2, 3, 3\)"),
     ((4, 4, 3), (2, 3, 3), ["p", "q"], (0, 4, 0, 3), r"window \(0, 4, 0, 3\).*bottom <= 3"),
     ((4, 4, 3), (2, 3, 3), ["p", "q"], (2, 2, 0, 3), r"window \(2, 2, 0, 3\)")],
)
def test_draw_layer_channels_bad_input(colour_shape, y_shape, out_titles, window, message):
    with pytest.raises(ValueError, match=message):
        draw_layer_channels(np.zeros(colour_shape), np.zeros(y_shape), out_titles, "t",
                            window=window)


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


def _image(ax):
    """The one image `imshow` drew on `ax`."""
    (image,) = ax.get_images()
    return image


def _panels(fig):
    """The image panels of `fig`, without the colour bars' axes."""
    return [ax for ax in fig.axes if ax.get_images() and ax.get_title()]


def test_show_edge_maps_draws_each_map_on_one_symmetric_scale():
    X = nd.array(np.random.default_rng(0).uniform(size=(6, 8)))
    maps = {"vertical": corr2d(X, nd.array([[1, -1]])),
            "horizontal": corr2d(X, nd.array([[1], [-1]]))}
    fig = show_edge_maps(maps, "edges")
    try:
        panels = _panels(fig)
        assert [ax.get_title() for ax in panels] == ["vertical", "horizontal"]
        largest = max(float(np.abs(m.asnumpy()).max()) for m in maps.values())
        for ax, values in zip(panels, maps.values(), strict=True):
            image = _image(ax)
            np.testing.assert_array_equal(image.get_array(), values.asnumpy())
            assert image.get_clim() == pytest.approx((-largest, largest))
            assert image.get_cmap().name == "RdBu_r"
            assert (ax.get_xlabel(), ax.get_ylabel()) == ("column", "row")
        bars = [ax for ax in fig.axes if ax.get_ylabel() == "response"]
        assert len(bars) == 2  # one colour bar per map
        assert fig._suptitle.get_text() == "edges"
    finally:
        plt.close(fig)


def test_show_edge_maps_clips_at_the_limit_and_says_so():
    values = np.array([[-2.0, 0.0, 0.3], [0.1, -0.2, 2.0]])
    clipped = show_edge_maps({"clipped": values}, "s", limit=0.5)
    whole = show_edge_maps({"whole": values}, "s", limit=2.0)
    try:
        assert _image(_panels(clipped)[0]).get_clim() == (-0.5, 0.5)
        extends = {fig: _image(_panels(fig)[0]).colorbar.extend for fig in (clipped, whole)}
        assert extends == {clipped: "both", whole: "neither"}
    finally:
        plt.close(clipped)
        plt.close(whole)


@pytest.mark.parametrize(
    "maps, limit, error, message",
    [
        ([np.zeros((2, 2))], None, TypeError, "must map titles to arrays"),
        ({}, None, ValueError, "one or more 2-D maps"),
        ({"a": np.zeros(3)}, None, ValueError, r"got shapes \[\(3,\)\]"),
        ({"a": np.zeros((2, 2))}, None, ValueError, "limit must be positive"),
        ({"a": np.ones((2, 2))}, -1.0, ValueError, "limit must be positive"),
    ],
)
def test_show_edge_maps_bad_inputs(maps, limit, error, message):
    with pytest.raises(error, match=message):
        show_edge_maps(maps, "s", limit=limit)


ARTICLE_X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


ARTICLE_K = [[0, 1], [2, 3]]


def test_draw_corr2d_windows_labels_each_output_element():
    fig = draw_corr2d_windows(nd.array(ARTICLE_X), np.array(ARTICLE_K))
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert len(fig.axes) == 12  # one row of three panels per output element
        Y = corr2d(nd.array(ARTICLE_X), nd.array(ARTICLE_K)).asnumpy()
        for n, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
            assert titles[3 * n] == f"X, window at ({i}, {j})"
            assert titles[3 * n + 2].endswith(f"= {Y[i, j]:g}")
        assert titles[2] == "Y[0, 0] =\n0·0 + 1·1 + 3·2 + 4·3 = 19"
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "X, K, message",
    [
        (np.ones((3, 3)), np.ones((4, 1)), r"kernel of shape \(4, 1\) is larger than the input"),
        (np.ones((3,)), np.ones((1, 1)), r"X and K must be 2-D, got shapes \(3,\) and \(1, 1\)"),
    ],
)
def test_draw_corr2d_windows_bad_shapes(X, K, message):
    with pytest.raises(ValueError, match=message):
        draw_corr2d_windows(X, K)


def test_draw_corr2d_offsets_shows_each_weighted_slice_and_their_sum():
    fig = draw_corr2d_offsets(nd.array(ARTICLE_X), np.array(ARTICLE_K))
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert len(fig.axes) == 10  # two rows: 4 offsets and the K / Y column
        offsets = [f"offset ({a}, {b}): slice of X" for a in (0, 1) for b in (0, 1)]
        assert titles[:5] == offsets + ["K"]
        assert titles[6] == "K[0, 1] = 1 times the slice"
        assert titles[9] == "Y = sum of the weighted slices"
        # The cells printed in the weighted-slice panels add up to corr2d's output.
        X, K = np.array(ARTICLE_X), np.array(ARTICLE_K)
        panels = [[float(t.get_text()) for t in fig.axes[n].texts] for n in (5, 6, 7, 8)]
        assert panels[1] == [1, 2, 4, 5]  # offset (0, 1) by hand: 1 * [[1, 2], [4, 5]]
        total = np.sum(panels, axis=0).reshape(2, 2)
        np.testing.assert_array_equal(total, corr2d(X, K).asnumpy())
        assert [float(t.get_text()) for t in fig.axes[9].texts] == [19, 25, 37, 43]
    finally:
        plt.close(fig)


def _outline_colours(fig):
    """The colours of the thick outlines `draw_grid` drew as highlights on `fig`."""
    return {mcolors.to_hex(patch.get_edgecolor()) for ax in fig.axes for patch in ax.patches
            if patch.get_linewidth() > 2}


def test_the_window_and_weighted_slice_figures_share_no_colour():
    # They follow each other in notebook 01 and colour different things: output elements
    # in one, kernel elements in the other.
    windows = draw_corr2d_windows(nd.array(ARTICLE_X), np.array(ARTICLE_K))
    offsets = draw_corr2d_offsets(nd.array(ARTICLE_X), np.array(ARTICLE_K))
    try:
        in_windows, in_offsets = _outline_colours(windows), _outline_colours(offsets)
        assert len(in_windows) == len(in_offsets) == 4  # one per output / kernel element
        assert not in_windows & in_offsets
    finally:
        plt.close(windows)
        plt.close(offsets)


@pytest.mark.parametrize(
    "X, K, message",
    [
        (np.ones((2, 3)), np.ones((3, 1)), r"kernel of shape \(3, 1\) is larger than the input"),
        (np.ones((3, 3, 1)), np.ones((1, 1)), r"X and K must be 2-D, got shapes \(3, 3, 1\)"),
    ],
)
def test_draw_corr2d_offsets_bad_shapes(X, K, message):
    with pytest.raises(ValueError, match=message):
        draw_corr2d_offsets(X, K)


def test_draw_pooling_outlines_each_window_and_spells_out_the_first():
    fig = draw_pooling(nd.arange(16).reshape((4, 4)), pool_size=2, stride=2)
    try:
        left, middle, right = fig.axes
        assert middle.get_title() == "max pooling\nmax(0, 1, 4, 5) = 5"
        assert right.get_title() == "average pooling\nmean(0, 1, 4, 5) = 2.5"
        # One coloured outline per window on the input, one per cell on each output.
        windows = [p for p in left.patches if p.get_linewidth() == 2.5]
        assert len(windows) == 4
        assert sorted((p.get_width(), p.get_height()) for p in windows)[0] == (2 - 0.12, 2 - 0.12)
        assert {p.get_edgecolor() for p in windows} == {
            p.get_edgecolor() for p in middle.patches if p.get_linewidth() == 2.5}
        cell_text = [t.get_text() for t in middle.texts]
        assert cell_text == ["5", "7", "13", "15"]
    finally:
        plt.close(fig)


def test_draw_pooling_overlapping_windows_are_inset_differently():
    fig = draw_pooling(nd.arange(9).reshape((3, 3)), pool_size=2, stride=1)
    try:
        windows = [p for p in fig.axes[0].patches if p.get_linewidth() == 2.5]
        assert len(windows) == 4 and len({p.get_width() for p in windows}) == 3
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [(np.zeros((2, 3, 3)), {"pool_size": 2, "stride": 1}, r"2-D.*\(2, 3, 3\)"),
     (np.zeros((4, 4)), {"pool_size": (2, 2), "stride": 1}, r"pool_size must be an int"),
     (np.zeros((4, 4)), {"pool_size": 2, "stride": 0}, r"stride must be an int >= 1"),
     (np.zeros((4, 4)), {"pool_size": 5, "stride": 1}, r"larger than the input")],
)
def test_draw_pooling_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_pooling(X, **kwargs)


def test_draw_shift_comparison_counts_and_shades_the_changed_cells():
    before = [np.array([[1, 0, 0], [1, 0, 0]]), np.array([[1.0]])]
    after = [np.array([[0, 1, 0], [1, 0, 0]]), np.array([[1.0]])]
    fig = draw_shift_comparison(before, after, ["image", "pooled"], "shift")
    try:
        titles = [ax.get_title() for ax in fig.axes]  # row by row: originals, then shifted
        assert titles[:2] == ["image\n(original)", "pooled\n(original)"]
        assert titles[2] == "image\n(shifted; 2 of 6 changed)"
        assert titles[3] == "pooled\n(shifted; 0 of 1 changed)"
        grey = [p for p in fig.axes[2].patches if p.get_facecolor()[:3] == (0.85, 0.85, 0.85)]
        assert sorted(p.get_xy() for p in grey) == [(-0.5, -0.5), (0.5, -0.5)]
    finally:
        plt.close(fig)


def test_draw_shift_comparison_bad_input():
    with pytest.raises(ValueError, match=r"'image': shapes \(2, 2\) and \(2, 3\) differ"):
        draw_shift_comparison([np.zeros((2, 2))], [np.zeros((2, 3))], ["image"], "t")
    with pytest.raises(ValueError, match="1 before, 1 after and 2 titles"):
        draw_shift_comparison([np.zeros((2, 2))], [np.zeros((2, 2))], ["a", "b"], "t")


def test_draw_iou_table_prints_every_value_and_only_the_shifts_as_ticks():
    iou = {"no pooling": [0.0, 0.0, 0.0], "same values": [0.0, 0.0, 0.0], "pooled": [1.0, 0.5, 0.0]}
    fig = draw_iou_table(iou, [1, 2, 3], "overlap")
    try:
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.texts] == [
            "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1.00", "0.50", "0.00"]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
        assert [t.get_text() for t in ax.get_yticklabels()] == list(iou)
        assert ax.get_title() == "overlap" and ax.get_xlabel() and ax.get_ylabel()
        np.testing.assert_array_equal(ax.images[0].get_array(), list(iou.values()))
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "iou, match",
    [({"a": [0.5, 0.5]}, r"one value per shift \[1, 2, 3\].*\(1, 2\)"),
     ({"a": [0.5, 1.5, 0.0]}, r"IoU values must lie in \[0, 1\]")],
)
def test_draw_iou_table_bad_input(iou, match):
    with pytest.raises(ValueError, match=match):
        draw_iou_table(iou, [1, 2, 3], "t")


def test_plot_stage_crops_shows_the_same_region_of_every_stage_on_one_signed_scale():
    image = np.arange(64.0).reshape((8, 8))
    full = image - 40.0  # a stage of the image's size, with both signs
    pooled = pool2d(nd.array(full), 2, stride=2).asnumpy()  # (4, 4): half the size
    fig = plot_stage_crops(image, [full, pooled], ["conv", "pool"], (2, 4), 4, "stages")
    try:
        ax_image, ax_full, ax_pooled = fig.axes[:3]
        np.testing.assert_array_equal(ax_image.images[0].get_array(), image)
        outline = [p for p in ax_image.patches if p.get_edgecolor()[:3] == (1.0, 1.0, 0.0)]
        assert [(p.get_xy(), p.get_width()) for p in outline] == [((3.5, 1.5), 4)]
        np.testing.assert_array_equal(ax_full.images[0].get_array(), full[2:6, 4:8])
        np.testing.assert_array_equal(ax_pooled.images[0].get_array(), pooled[1:3, 2:4])
        # The pooled crop is drawn in its own coordinates: rows 1-2, columns 2-3.
        assert tuple(ax_pooled.images[0].get_extent()) == (1.5, 3.5, 2.5, 0.5)
        limit = max(np.abs(full[2:6, 4:8]).max(), np.abs(pooled[1:3, 2:4]).max())
        for ax in (ax_full, ax_pooled):
            assert ax.images[0].get_clim() == (-limit, limit)
        assert ax_full.get_title() == "conv (8x8), crop"
        assert ax_pooled.get_title() == "pool (4x4), crop"
        assert all(ax.get_xlabel() == "column" and ax.get_ylabel() == "row"
                   for ax in (ax_image, ax_full, ax_pooled))
        assert len(fig.axes) == 5  # 2x2 panels, one of them off, and the colour bar
        assert "red > 0" in fig.axes[-1].get_ylabel()
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "image, stages, titles, corner, size, match",
    [(np.zeros((8, 8, 3)), [np.zeros((8, 8))], ["a"], (0, 0), 4, r"2-D image.*\(8, 8, 3\)"),
     (np.zeros((8, 8)), [np.zeros(8)], ["a"], (0, 0), 4, r"2-D stages"),
     (np.zeros((8, 8)), [], [], (0, 0), 4, r"2-D stages"),
     (np.zeros((8, 8)), [np.zeros((8, 8))], ["a", "b"], (0, 0), 4, "1 stages but 2 titles"),
     (np.zeros((8, 8)), [np.zeros((8, 8))], ["a"], (6, 0), 4, r"crop at \(6, 0\) does not fit"),
     (np.zeros((8, 8)), [np.zeros((8, 8))], ["a"], (0, 0), 0, r"0x0 crop"),
     (np.zeros((8, 8)), [np.zeros((7, 3))], ["a"], (0, 4), 4, r"stage 'a' of shape \(7, 3\)")],
)
def test_plot_stage_crops_bad_input(image, stages, titles, corner, size, match):
    with pytest.raises(ValueError, match=match):
        plot_stage_crops(image, stages, titles, corner, size, "t")


def test_plot_receptive_fields_outlines_each_field():
    grad = np.zeros((9, 9))
    grad[2:7, 3:8] = 1.0
    fig = plot_receptive_fields({"two 3x3": grad}, {"two 3x3": 5}, "fields")
    ax = fig.axes[0]
    (box,) = ax.patches
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (2.5, 1.5, 5, 5)
    assert "field 5x5" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
