"""Tests of utils.pool2d against Gluon's MaxPool2D / AvgPool2D, and of notebook 06's figures."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import autograd, nd
from mxnet.gluon import nn

from utils import pool2d
from utils.plot import draw_iou_table, draw_pooling, draw_shift_comparison, plot_stage_crops


def gluon_layer(pool_size, mode, padding, stride, count_include_pad=True):
    """Gluon's MaxPool2D or AvgPool2D with these settings."""
    if mode == "max":
        return nn.MaxPool2D(pool_size, strides=stride, padding=padding)
    return nn.AvgPool2D(
        pool_size, strides=stride, padding=padding, count_include_pad=count_include_pad
    )


def gluon_pool(X, pool_size, mode, padding, stride, count_include_pad=True):
    """Gluon's pooling layer on X (h, w) or (c, h, w), result in the same layout."""
    layer = gluon_layer(pool_size, mode, padding, stride, count_include_pad)
    Y = layer(X.reshape((1, -1) + X.shape[-2:]))
    return Y.reshape(X.shape[:-2] + Y.shape[-2:])


def input_grad(fn, X, head=None):
    """Gradient of sum(head * fn(x)) with respect to x at X, as a NumPy array."""
    x = X.copy()
    x.attach_grad()
    with autograd.record():
        y = fn(x)
    y.backward(head)
    return x.grad.asnumpy()


def gluon_grad(X, pool_size, mode, padding, stride, count_include_pad=True, head=None):
    """Gradient of Gluon's pooling at X, taken with respect to a 4-D leaf.

    MXNet 1.9.1's max-pooling backward returns wrong (and run-to-run different)
    gradients when the layer's input is `leaf.reshape(...)`, so the leaf is made
    4-D here and the gradient reshaped back to X's layout."""
    X4 = X.reshape((1, -1) + X.shape[-2:]).copy()
    head4 = None if head is None else head.reshape((1, -1) + head.shape[-2:])
    layer = gluon_layer(pool_size, mode, padding, stride, count_include_pad)
    return input_grad(layer, X4, head4).reshape(X.shape)


def random_case(rng):
    """A random input (2-D or 3-D) with a window, padding and stride that fit it."""
    k = tuple(int(v) for v in rng.randint(1, 4, size=2))
    p = tuple(int(rng.randint(0, v)) for v in k)  # padding < window
    s = tuple(int(v) for v in rng.randint(1, 4, size=2))
    h, w = (int(k[0] + rng.randint(0, 5)), int(k[1] + rng.randint(0, 5)))
    shape = (h, w) if rng.rand() < 0.3 else (int(rng.randint(1, 4)), h, w)
    # Distinct values, so the max of each window (and its gradient) is unique.
    X = nd.array(rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0)
    return X, k, p, s


@pytest.mark.parametrize("mode,include", [("max", True), ("avg", True), ("avg", False)])
def test_random_cases_match_gluon(mode, include):
    rng = np.random.RandomState(6)
    for _ in range(40):
        X, k, p, s = random_case(rng)
        got = pool2d(X, k, mode=mode, padding=p, stride=s, count_include_pad=include)
        want = gluon_pool(X, k, mode, p, s, include)
        assert got.shape == want.shape, (X.shape, k, p, s)
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode,include", [("max", True), ("avg", True), ("avg", False)])
def test_gradient_matches_gluon(mode, include):
    rng = np.random.RandomState(7)
    for _ in range(15):
        X, k, p, s = random_case(rng)
        head = nd.array(rng.randn(*pool2d(X, k, mode, p, s).shape))
        ours = input_grad(
            lambda x: pool2d(x, k, mode=mode, padding=p, stride=s, count_include_pad=include),  # noqa: B023
            X, head,
        )
        theirs = gluon_grad(X, k, mode, p, s, include, head)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_max_pool_tie_gradient_goes_to_one_element_like_gluon():
    want = np.zeros((3, 3), np.float32)
    want[:2, :2] = 1  # each of the four windows sends its gradient to its top-left element
    X = nd.ones((3, 3))
    np.testing.assert_array_equal(input_grad(lambda x: pool2d(x, 2), X), want)
    np.testing.assert_array_equal(gluon_grad(X, 2, "max", 0, 1), want)


def test_article_values():
    X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(pool2d(X, 2).asnumpy(), [[4, 5], [7, 8]])
    np.testing.assert_array_equal(pool2d(X, 2, "avg").asnumpy(), [[2, 3], [5, 6]])
    X16 = nd.arange(16).reshape((4, 4))
    np.testing.assert_array_equal(pool2d(X16, 3, stride=3).asnumpy(), [[10]])
    np.testing.assert_array_equal(pool2d(X16, 3, padding=1, stride=2).asnumpy(), [[5, 7], [13, 15]])
    np.testing.assert_array_equal(
        pool2d(X16, (2, 3), padding=(1, 2), stride=(2, 3)).asnumpy(), [[0, 3], [8, 11], [12, 15]]
    )


def test_padding_never_wins_the_max():
    X = -1.0 - nd.arange(9).reshape((3, 3))  # all negative, so a zero pad would win
    Y = pool2d(X, 2, padding=1)
    assert float(Y.max().asscalar()) == -1.0
    np.testing.assert_array_equal(Y.asnumpy(), gluon_pool(X, 2, "max", 1, 1).asnumpy())


def test_channels_are_pooled_independently_and_numpy_is_accepted():
    X = np.arange(18, dtype=np.float64).reshape((2, 3, 3))
    Y = pool2d(X, 2, "avg")
    assert Y.dtype == np.float32 and Y.shape == (2, 2, 2)
    for c in range(2):
        np.testing.assert_array_equal(Y[c].asnumpy(), pool2d(nd.array(X[c]), 2, "avg").asnumpy())


@pytest.mark.parametrize(
    "shape,kwargs,match",
    [
        ((4,), {"pool_size": 2}, r"\(h, w\) or \(c, h, w\).*\(4,\)"),
        ((1, 1, 4, 4), {"pool_size": 2}, r"\(h, w\) or \(c, h, w\).*\(1, 1, 4, 4\)"),
        ((0, 4), {"pool_size": 1}, r"empty.*\(0, 4\)"),
        ((4, 4), {"pool_size": 2, "mode": "min"}, r"mode.*'min'"),
        ((4, 4), {"pool_size": 5}, r"larger than the input of shape \(4, 4\)"),
        ((2, 3, 4), {"pool_size": (4, 2)}, r"larger than the input of shape \(2, 3, 4\)"),
        ((4, 4), {"pool_size": 2, "padding": 2}, r"padding.*smaller than pool_size.*\(4, 4\)"),
        ((4, 4), {"pool_size": 0}, r"pool_size must be >= 1"),
        ((4, 4), {"pool_size": (2, 2, 2)}, r"pool_size must be an int or an \(h, w\) pair"),
        ((4, 4), {"pool_size": 2.0}, r"pool_size must be an int"),
        ((4, 4), {"pool_size": 2, "stride": 0}, r"stride must be >= 1"),
        ((4, 4), {"pool_size": 2, "padding": -1}, r"padding must be >= 0"),
    ],
)
def test_bad_input_is_a_value_error(shape, kwargs, match):
    X = nd.ones(shape) if 0 not in shape else nd.array(np.ones(shape))
    with pytest.raises(ValueError, match=match):
        pool2d(X, **kwargs)


def test_non_array_is_a_type_error():
    with pytest.raises(TypeError, match="X must be an mxnet.nd.NDArray or a numpy.ndarray"):
        pool2d([[1.0, 2.0], [3.0, 4.0]], 2)


# ---- the figures of notebook 06 (utils/plot.py) -----------------------------


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
