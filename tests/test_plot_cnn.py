"""Tests of utils.plot_cnn, the figures of notebooks/07_whole_cnn.ipynb."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from mxnet import nd

from utils.plot_cnn import (
    draw_data_flow,
    draw_receptive_fields,
    plot_feature_maps,
    plot_kernels,
    plot_seed_curves,
    tile,
)

NAMES = ["input", "conv", "pool", "flatten", "dense"]
SHAPES = [(1, 8, 8), (8, 8, 8), (8, 4, 4), (128,), (10,)]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_data_flow_labels_every_stage_and_draws_them_to_scale():
    fig = draw_data_flow(NAMES, SHAPES, "flow")
    ax = fig.axes[0]
    texts = _texts(ax)
    assert all(name in texts for name in NAMES)
    assert all(label in texts for label in ["1 x 8 x 8", "8 x 8 x 8", "8 x 4 x 4", "128", "10"])
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    # one sheet for the input, 8 (the cap) for each stack of 8 maps, one per vector
    assert len(rects) == 1 + 8 + 8 + 1 + 1
    heights = sorted({round(r.get_height(), 6) for r in rects})
    assert heights == [10 / 8, 4.0, 8.0, 128 / 8]  # maps in pixels, vectors in entries / 8
    assert ax.get_title() == "flow" and ax.get_xlabel() and ax.get_ylabel()
    arrows = [p for p in ax.patches if not isinstance(p, Rectangle)]
    assert len(arrows) == len(NAMES) - 1
    plt.close(fig)


def test_data_flow_caps_the_drawn_sheets():
    fig = draw_data_flow(["a"], [(20, 4, 4)], "t", max_sheets=3)
    assert len(fig.axes[0].patches) == 3
    plt.close(fig)


@pytest.mark.parametrize("shapes, match", [
    ([(1, 8)], "must be \\(c, h, w\\) or \\(n,\\)"),
    ([(0, 8, 8)], "positive sizes"),
])
def test_data_flow_rejects_bad_shapes(shapes, match):
    with pytest.raises(ValueError, match=match):
        draw_data_flow(["a"], shapes, "t")


def test_data_flow_needs_one_name_per_shape():
    with pytest.raises(ValueError, match="2 names but 1 shapes"):
        draw_data_flow(["a", "b"], [(1, 8, 8)], "t")


def test_receptive_fields_outline_each_square_and_show_the_padding():
    image = np.arange(64, dtype=np.float32).reshape(8, 8) / 64
    boxes = {"one": (2, 2, 3), "two": (-3, -3, 10)}
    fig = draw_receptive_fields(nd.array(image), boxes, "fields")
    assert len(fig.axes) == 2
    for ax, (name, (top, left, size)) in zip(fig.axes, boxes.items(), strict=True):
        red_rgb = matplotlib.colors.to_rgb("tab:red")
        red = [p for p in ax.patches if p.get_edgecolor()[:3] == red_rgb]
        assert len(red) == 1
        assert red[0].get_xy() == (left - 0.5, top - 0.5)
        assert red[0].get_width() == red[0].get_height() == size
        assert ax.get_title() == f"{name}\nfield {size}x{size}"
        # the farthest field reaches 3 pixels outside on the top and left (and 1 at the
        # bottom and right), so every panel shows a margin of 3 on each side
        assert ax.get_xlim() == (-3.5, 10.5) and ax.get_ylim() == (10.5, -3.5)
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
    plt.close(fig)


@pytest.mark.parametrize("image, boxes, match", [
    (np.zeros((1, 8, 8)), {"a": (0, 0, 3)}, "image must be \\(h, w\\)"),
    (np.zeros((8, 8)), {}, "at least one"),
    (np.zeros((8, 8)), {"a": (0, 0, 0)}, "field 'a' has size 0"),
])
def test_receptive_fields_bad_inputs(image, boxes, match):
    with pytest.raises(ValueError, match=match):
        draw_receptive_fields(image, boxes, "t")


def test_tile_enlarges_and_separates_the_maps():
    maps = np.arange(8, dtype=float).reshape(2, 2, 2)
    out = tile(maps, size=4)
    assert out.shape == (4, 9)
    assert np.isnan(out[:, 4]).all()
    np.testing.assert_array_equal(out[:, :4], np.kron(maps[0], np.ones((2, 2))))
    np.testing.assert_array_equal(out[:, 5:], np.kron(maps[1], np.ones((2, 2))))
    np.testing.assert_array_equal(tile(maps), np.concatenate(
        [maps[0], np.full((2, 1), np.nan), maps[1]], axis=1))


@pytest.mark.parametrize("maps, size, match", [
    (np.zeros((2, 2, 3)), None, "square maps"),
    (np.zeros((2, 2, 2)), 3, "multiple of the map side"),
])
def test_tile_bad_inputs(maps, size, match):
    with pytest.raises(ValueError, match=match):
        tile(maps, size)


def test_kernels_share_one_symmetric_colour_scale():
    rng = np.random.default_rng(0)
    kernels = rng.normal(size=(2, 3, 3, 3))
    kernels[1, 2, 0, 0] = -5.0  # the largest absolute weight sets the scale
    fig = plot_kernels(kernels, ["a", "b"], "k")
    ax = fig.axes[0]
    image = ax.images[0]
    assert image.get_clim() == (-5.0, 5.0)
    grid = image.get_array()
    assert grid.shape == (7, 11)
    np.testing.assert_array_equal(grid[4:7, 8:11], kernels[1, 2])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["kernel 0", "kernel 1", "kernel 2"]
    assert ax.get_title() == "k" and ax.get_xlabel() and ax.get_ylabel()
    assert len(fig.axes) == 2  # the kernels and the colour bar
    plt.close(fig)


def test_kernels_bad_inputs():
    with pytest.raises(ValueError, match="\\(rows, cols, k, k\\)"):
        plot_kernels(np.zeros((2, 3, 3)), ["a", "b"], "t")
    with pytest.raises(ValueError, match="1 names but 2 rows"):
        plot_kernels(np.zeros((2, 1, 3, 3)), ["a"], "t")


def test_feature_maps_one_row_per_stage():
    stages = [("input", np.ones((1, 8, 8))), ("conv", np.arange(128.0).reshape(2, 8, 8) + 1),
              ("pool", np.arange(32.0).reshape(2, 4, 4) - 5), ("scores", np.arange(3.0))]
    fig = plot_feature_maps(stages, "maps", vector_ticks={"scores": ["x", "y", "z"]})
    axes = fig.axes
    assert len(axes) == 4
    conv = axes[1].images[0]
    assert conv.get_clim() == (0.0, 128.0)  # white is 0 when every value is positive
    assert conv.get_array().shape == (8, 17)
    pool = axes[2].images[0]
    assert pool.get_clim() == (-5.0, 26.0)  # a stage with negative values starts there
    enlarged = np.kron(stages[2][1][0], np.ones((2, 2)))
    np.testing.assert_array_equal(pool.get_array()[:, :8], enlarged)
    heights = [bar.get_height() for bar in axes[3].patches]
    assert heights == [0.0, 1.0, 2.0]
    assert [t.get_text() for t in axes[3].get_xticklabels()] == ["x", "y", "z"]
    assert fig._suptitle.get_text() == "maps" and axes[-1].get_xlabel()
    plt.close(fig)


@pytest.mark.parametrize("stages, match", [
    ([], "at least one"),
    ([("a", np.zeros((2, 2)))], "must be \\(c, h, h\\) or \\(n,\\)"),
    ([("a", np.zeros((1, 8, 8))), ("b", np.zeros((1, 3, 3)))], "does not divide 8"),
])
def test_feature_maps_bad_inputs(stages, match):
    with pytest.raises(ValueError, match=match):
        plot_feature_maps(stages, "t")


def test_feature_maps_tick_labels_must_fit():
    with pytest.raises(ValueError, match="2 tick labels for stage 'v' of 3"):
        plot_feature_maps([("v", np.zeros(3))], "t", vector_ticks={"v": ["a", "b"]})


def test_seed_curves_draw_each_seed_and_the_mean():
    values = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    fig = plot_seed_curves({"a": values}, "curves", "loss", logy=True)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 4
    np.testing.assert_array_equal(lines[0].get_ydata(), values.mean(axis=0))
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[2].get_ydata(), values[1])
    assert ax.get_legend_handles_labels()[1] == ["a (mean)"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch" and ax.get_title() == "curves"
    plt.close(fig)


def test_seed_curves_bad_shape():
    with pytest.raises(ValueError, match="curves\\['a'\\] has shape \\(3,\\)"):
        plot_seed_curves({"a": np.zeros(3)}, "t", "y")


def test_receptive_fields_inside_the_image_get_no_margin():
    fig = draw_receptive_fields(np.zeros((8, 8)), {"a": (2, 2, 3)}, "t")
    assert fig.axes[0].get_xlim() == (-0.5, 7.5)
    plt.close(fig)
