"""Tests of utils/figures/cnn.py."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import nd

from utils.figures.cnn import draw_receptive_fields, plot_history, plot_kernels, tile


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


def test_receptive_fields_inside_the_image_get_no_margin():
    fig = draw_receptive_fields(np.zeros((8, 8)), {"a": (2, 2, 3)}, "t")
    assert fig.axes[0].get_xlim() == (-0.5, 7.5)
    plt.close(fig)


def test_receptive_fields_shade_only_the_real_padding_and_hatch_the_rest():
    boxes = {"a": (2, 2, 3), "b": (-1, -1, 8), "c": (-3, -3, 10)}
    fig = draw_receptive_fields(np.zeros((8, 8)), boxes, "t", padding=1, ncols=2)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3 and not fig.axes[3].get_visible()  # 2 x 2 grid, one left empty
    for ax in panels:
        grey = [p for p in ax.patches if p.get_facecolor()[:3] == (0.75, 0.75, 0.75)]
        hatched = [p for p in ax.patches if p.get_hatch() == "//"]
        assert len(grey) == 1 and grey[0].get_xy() == (-1.5, -1.5) and grey[0].get_width() == 10
        assert len(hatched) == 1 and hatched[0].get_xy() == (-3.5, -3.5)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "zero padding of the input (1 pixel)" and labels[1].startswith("beyond")
    plt.close(fig)


def test_receptive_fields_within_the_padding_need_no_hatching():
    fig = draw_receptive_fields(np.zeros((8, 8)), {"a": (-1, -1, 8)}, "t", padding=1)
    ax = fig.axes[0]
    assert not [p for p in ax.patches if p.get_hatch() == "//"]
    assert ax.get_xlim() == (-1.5, 8.5) and len(fig.legends[0].get_texts()) == 1
    plt.close(fig)


@pytest.mark.parametrize("padding, ncols, match", [
    (-1, None, "padding must be an int >= 0"),
    (1.5, None, "padding must be an int >= 0"),
    (True, None, "padding must be an int >= 0"),
    (0, 0, "ncols must be >= 1"),
])
def test_receptive_fields_bad_padding_or_columns(padding, ncols, match):
    with pytest.raises(ValueError, match=match):
        draw_receptive_fields(np.zeros((8, 8)), {"a": (0, 0, 3)}, "t", padding=padding,
                              ncols=ncols)


def test_kernels_per_kernel_scale_each_to_its_largest_weight():
    kernels = np.zeros((1, 3, 2, 2))
    kernels[0, 0] = [[0.1, -0.05], [0, 0]]
    kernels[0, 1] = [[4.0, 2.0], [-1.0, 0]]  # kernel 2 stays all zero
    fig = plot_kernels(kernels, ["a"], "k", per_kernel=True)
    image = fig.axes[0].images[0]
    assert image.get_clim() == (-1.0, 1.0)
    grid = image.get_array()
    np.testing.assert_allclose(grid[0:2, 0:2], [[1.0, -0.5], [0, 0]])
    np.testing.assert_allclose(grid[0:2, 3:5], [[1.0, 0.5], [-0.25, 0]])
    np.testing.assert_array_equal(grid[0:2, 6:8], 0)
    assert "largest" in fig.axes[1].get_ylabel()
    plt.close(fig)


def test_history_puts_losses_left_on_a_log_scale_and_the_rest_right():
    history = {"training loss": [2.0, 1.0, 0.5], "validation loss": [2.1, 1.2, 0.9],
               "validation accuracy": [0.3, 0.6, 0.8]}
    fig = plot_history(history, "run")
    left, right = fig.axes
    assert left.get_yscale() == "log" and right.get_yscale() == "linear"
    assert left.get_legend_handles_labels()[1] == ["training loss", "validation loss"]
    assert right.get_legend_handles_labels()[1] == ["validation accuracy"]
    np.testing.assert_array_equal(right.get_lines()[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(left.get_lines()[1].get_ydata(), [2.1, 1.2, 0.9])
    assert fig._suptitle.get_text() == "run" and left.get_xlabel() == "epoch"
    plt.close(fig)


@pytest.mark.parametrize("history, match", [
    ({}, "history is empty"),
    ({"loss": [1.0, 2.0], "accuracy": [0.5]}, "same number"),
    ({"loss": [], "accuracy": []}, "same number"),
    ({"loss": [1.0]}, "need curves with 'loss'"),
    ({"accuracy": [1.0]}, "need curves with 'loss'"),
])
def test_history_bad_inputs(history, match):
    with pytest.raises(ValueError, match=match):
        plot_history(history, "t")
