"""Tests of utils.corr2d, utils.convolve2d, utils.pad2d and the shared input checks.

The reference for every value and gradient is MXNet's own convolution
(`nd.Convolution` / `nn.Conv2D`) or `nd.pad`; the article's example fixes the
values of notebooks/01_cross_correlation.ipynb. Padding and stride of corr2d are
only touched here; tests/test_conv_padding.py covers them in depth.
"""

from __future__ import annotations

import re

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import autograd, nd

from utils import convolve2d, corr2d, pad2d
from utils.checks import as_nd, check_ndim, pair
from utils.plot import draw_corr2d_offsets, draw_corr2d_windows

ARTICLE_X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
ARTICLE_K = [[0, 1], [2, 3]]

# (h, w, kh, kw): square and oblong inputs, 1x1 kernels, kernels as large as the input.
SHAPES = [
    (3, 3, 2, 2),
    (6, 8, 1, 2),
    (5, 7, 1, 1),
    (1, 1, 1, 1),
    (4, 6, 4, 6),
    (7, 5, 7, 5),
    (6, 5, 3, 2),
    (8, 3, 8, 1),
    (2, 9, 2, 3),
]


def _random(rng: np.random.Generator, *shape: int) -> nd.NDArray:
    return nd.array(rng.standard_normal(shape), dtype="float32")


# ---- values -----------------------------------------------------------------


def test_corr2d_article_example():
    Y = corr2d(nd.array(ARTICLE_X), nd.array(ARTICLE_K))
    assert isinstance(Y, nd.NDArray)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y.asnumpy(), [[19, 25], [37, 43]])


def test_convolve2d_article_example_flips_the_kernel():
    X, K = nd.array(ARTICLE_X), nd.array(ARTICLE_K)
    # K flipped in both axes is [[3, 2], [1, 0]]: 0*3 + 1*2 + 3*1 + 4*0 = 5, ...
    np.testing.assert_array_equal(convolve2d(X, K).asnumpy(), [[5, 11], [23, 29]])
    np.testing.assert_array_equal(
        convolve2d(X, K).asnumpy(), corr2d(X, K.asnumpy()[::-1, ::-1].copy()).asnumpy()
    )


def test_edge_detection_example():
    X = nd.ones((6, 8))
    X[:, 2:6] = 0
    K = nd.array([[1, -1]])
    expected = np.zeros((6, 7), dtype=np.float32)
    expected[:, 1], expected[:, 5] = 1, -1
    np.testing.assert_array_equal(corr2d(X, K).asnumpy(), expected)
    # The transposed image has no change along its rows: no response at all.
    np.testing.assert_array_equal(corr2d(X.T, K).asnumpy(), np.zeros((8, 5)))


@pytest.mark.parametrize("h, w, kh, kw", SHAPES)
def test_corr2d_matches_builtins(rng, nd_corr2d, gluon_corr2d_layer, h, w, kh, kw):
    X, K = _random(rng, h, w), _random(rng, kh, kw)
    Y = corr2d(X, K)
    assert Y.shape == (h - kh + 1, w - kw + 1)
    np.testing.assert_allclose(Y.asnumpy(), nd_corr2d(X, K).asnumpy(), rtol=1e-5, atol=1e-5)
    gluon = gluon_corr2d_layer(K)(X.reshape((1, 1) + X.shape))[0, 0]
    np.testing.assert_allclose(Y.asnumpy(), gluon.asnumpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("h, w, kh, kw", SHAPES)
def test_convolve2d_is_corr2d_with_flipped_kernel(rng, nd_corr2d, h, w, kh, kw):
    X, K = _random(rng, h, w), _random(rng, kh, kw)
    flipped = nd.array(K.asnumpy()[::-1, ::-1].copy())
    Y = convolve2d(X, K)
    assert Y.shape == (h - kh + 1, w - kw + 1)
    np.testing.assert_allclose(Y.asnumpy(), nd_corr2d(X, flipped).asnumpy(), rtol=1e-5, atol=1e-5)


def test_corr2d_padding_and_stride_match_gluon(rng, gluon_corr2d_layer):
    # Light check only; tests/test_conv_padding.py covers padding and stride in depth.
    X, K = _random(rng, 7, 6), _random(rng, 3, 2)
    Y = corr2d(X, K, padding=(1, 2), stride=(2, 3))
    layer = gluon_corr2d_layer(K, padding=(1, 2), strides=(2, 3))
    expected = layer(X.reshape((1, 1) + X.shape))[0, 0]
    assert Y.shape == expected.shape == (4, 3)
    np.testing.assert_allclose(Y.asnumpy(), expected.asnumpy(), rtol=1e-5, atol=1e-5)


# ---- gradients --------------------------------------------------------------


@pytest.mark.parametrize("h, w, kh, kw", SHAPES)
def test_corr2d_gradients_match_convolution(rng, nd_corr2d, grads, h, w, kh, kw):
    X, K = _random(rng, h, w), _random(rng, kh, kw)
    head = _random(rng, h - kh + 1, w - kw + 1)
    got_x, got_k = grads(corr2d, X, K, head)
    want_x, want_k = grads(nd_corr2d, X, K, head)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_k, want_k, rtol=1e-5, atol=1e-5)
    assert np.abs(want_k).sum() > 0  # the comparison is not between two zero arrays


@pytest.mark.parametrize("h, w, kh, kw", SHAPES)
def test_convolve2d_gradients_match_convolution(rng, nd_corr2d, grads, h, w, kh, kw):
    X, K = _random(rng, h, w), _random(rng, kh, kw)
    head = _random(rng, h - kh + 1, w - kw + 1)
    got_x, got_k = grads(convolve2d, X, K, head)
    want_x, want_k = grads(lambda x, k: nd_corr2d(x, nd.flip(k, axis=(0, 1))), X, K, head)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_k, want_k, rtol=1e-5, atol=1e-5)


def test_gradient_flows_through_a_float64_input(rng, nd_corr2d, grads):
    # as_nd casts with astype, which stays on the autograd tape.
    X = nd.array(rng.standard_normal((4, 5)), dtype="float64")
    K = _random(rng, 2, 2)
    X.attach_grad()
    with autograd.record():
        loss = corr2d(X, K).sum()
    loss.backward()
    want_x, _ = grads(nd_corr2d, X.astype("float32"), K, nd.ones((3, 4)))
    np.testing.assert_allclose(X.grad.asnumpy(), want_x, rtol=1e-5, atol=1e-5)


# ---- input types and dtypes ---------------------------------------------------


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
def test_numpy_inputs_are_accepted(fn):
    X, K = np.array(ARTICLE_X, dtype=np.float64), np.array(ARTICLE_K, dtype=np.int64)
    Y = fn(X, K)
    assert isinstance(Y, nd.NDArray)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y.asnumpy(), fn(nd.array(X), nd.array(K)).asnumpy())


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
def test_float64_ndarrays_come_back_float32(fn):
    X = nd.array(ARTICLE_X, dtype="float64")
    K = nd.array(ARTICLE_K, dtype="float64")
    Y = fn(X, K)
    assert Y.dtype == np.float32
    want = fn(X.astype("float32"), K.astype("float32"))
    np.testing.assert_array_equal(Y.asnumpy(), want.asnumpy())


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
@pytest.mark.parametrize(
    "X, K, name",
    [
        (ARTICLE_X, nd.array(ARTICLE_K), "X"),
        (nd.array(ARTICLE_X), ARTICLE_K, "K"),
        (nd.array(ARTICLE_X), (0, 1), "K"),
        (None, nd.array(ARTICLE_K), "X"),
        (3.0, nd.array(ARTICLE_K), "X"),
    ],
)
def test_non_array_inputs_are_type_errors(fn, X, K, name):
    message = rf"{name} must be an mxnet\.nd\.NDArray or a numpy\.ndarray"
    with pytest.raises(TypeError, match=message):
        fn(X, K)


# ---- bad shapes -------------------------------------------------------------


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
@pytest.mark.parametrize(
    "x_shape, k_shape, message",
    [
        ((3, 3, 3), (2, 2), r"X must have shape \(h, w\), got shape \(3, 3, 3\)"),
        ((9,), (2, 2), r"X must have shape \(h, w\), got shape \(9,\)"),
        ((1, 3, 3), (2, 2), r"X must have shape \(h, w\), got shape \(1, 3, 3\)"),
        ((3, 3), (2,), r"K must have shape \(kh, kw\), got shape \(2,\)"),
        ((3, 3), (1, 2, 2), r"K must have shape \(kh, kw\), got shape \(1, 2, 2\)"),
    ],
)
def test_non_2d_inputs_are_value_errors(fn, x_shape, k_shape, message):
    with pytest.raises(ValueError, match=message):
        fn(nd.ones(x_shape), nd.ones(k_shape))


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
@pytest.mark.parametrize(
    "x_shape, k_shape, message",
    [
        ((0, 3), (1, 1), r"X is empty: shape \(0, 3\)"),
        ((3, 0), (1, 1), r"X is empty: shape \(3, 0\)"),
        ((3, 3), (0, 2), r"K is empty: shape \(0, 2\)"),
    ],
)
@pytest.mark.parametrize("as_ndarray", [False, True])
def test_empty_inputs_are_value_errors(fn, x_shape, k_shape, message, as_ndarray):
    X, K = np.ones(x_shape), np.ones(k_shape)
    if as_ndarray:
        X, K = nd.array(X), nd.array(K)
    with pytest.raises(ValueError, match=message):
        fn(X, K)


@pytest.mark.parametrize("fn", [corr2d, convolve2d])
@pytest.mark.parametrize("x_shape, k_shape", [((3, 3), (4, 2)), ((3, 3), (2, 4)), ((2, 5), (3, 3))])
def test_kernel_larger_than_input_names_both_shapes(fn, x_shape, k_shape):
    message = re.escape(f"kernel of shape {k_shape} is larger than the input of shape {x_shape}")
    with pytest.raises(ValueError, match=message):
        fn(nd.ones(x_shape), nd.ones(k_shape))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"padding": -1}, r"padding must be >= 0 in each direction, got -1"),
        ({"padding": (0, -2)}, r"padding must be >= 0 in each direction, got \(0, -2\)"),
        ({"padding": 1.5}, r"padding must be an int or an \(h, w\) pair of ints, got 1\.5"),
        ({"padding": (1, 1, 1)}, r"padding must be an int or an \(h, w\) pair of ints"),
        ({"padding": True}, r"padding must be an int or an \(h, w\) pair of ints, got True"),
        ({"stride": 0}, r"stride must be >= 1 in each direction, got 0"),
        ({"stride": (1, -1)}, r"stride must be >= 1 in each direction, got \(1, -1\)"),
        ({"stride": "2"}, r"stride must be an int or an \(h, w\) pair of ints, got '2'"),
        ({"stride": (2.0, 2)}, r"stride must be an int or an \(h, w\) pair of ints"),
    ],
)
def test_bad_padding_and_stride_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        corr2d(nd.array(ARTICLE_X), nd.array(ARTICLE_K), **kwargs)


# ---- pad2d ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 3, 3), (2, 1, 3, 4, 5)])
@pytest.mark.parametrize("padding", [0, 1, (2, 0), (0, 3), (1, 2)])
def test_pad2d_matches_nd_pad(rng, shape, padding):
    X = _random(rng, *shape)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    lead = (0, 0) * (len(shape) - 2)
    want = nd.pad(X, mode="constant", constant_value=0, pad_width=lead + (ph, ph, pw, pw))
    got = pad2d(X, padding)
    assert got.shape == shape[:-2] + (shape[-2] + 2 * ph, shape[-1] + 2 * pw)
    np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())


@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (2, 3, 4), (2, 1, 2, 3, 4, 5)])
@pytest.mark.parametrize("padding", [1, (2, 0), (1, 3)])
def test_pad2d_any_number_of_leading_axes(rng, shape, padding):
    # nd.pad itself only takes 4-D or 5-D input; NumPy's pad is the reference here.
    X = _random(rng, *shape)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    want = np.pad(X.asnumpy(), [(0, 0)] * (len(shape) - 2) + [(ph, ph), (pw, pw)])
    got = pad2d(X, padding)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.asnumpy(), want)


def test_pad2d_accepts_numpy_and_returns_float32():
    got = pad2d(np.arange(6, dtype=np.float64).reshape(2, 3), 1)
    assert isinstance(got, nd.NDArray) and got.dtype == np.float32
    assert got.shape == (4, 5)
    np.testing.assert_array_equal(got.asnumpy()[1:-1, 1:-1], [[0, 1, 2], [3, 4, 5]])
    assert got.asnumpy().sum() == 15


def test_pad2d_gradient_is_the_unpadded_window(rng):
    X = _random(rng, 3, 4)
    head = _random(rng, 5, 8)
    X.attach_grad()
    with autograd.record():
        loss = (pad2d(X, (1, 2)) * head).sum()
    loss.backward()
    np.testing.assert_array_equal(X.grad.asnumpy(), head.asnumpy()[1:-1, 2:-2])


@pytest.mark.parametrize(
    "X, padding, error, message",
    [
        ([[1.0, 2.0]], 1, TypeError, r"X must be an mxnet\.nd\.NDArray .*, got list"),
        (nd.ones((5,)), 1, ValueError, r"X must have at least two axes .*, got shape \(5,\)"),
        (nd.ones((3, 3)), -1, ValueError, r"padding must be >= 0 in each direction, got -1"),
        (nd.ones((3, 3)), (1, 2, 3), ValueError, r"padding must be an int or an \(h, w\) pair"),
        (nd.ones((3, 3)), 0.5, ValueError, r"padding must be an int or an \(h, w\) pair"),
    ],
)
def test_pad2d_bad_inputs(X, padding, error, message):
    with pytest.raises(error, match=message):
        pad2d(X, padding)


@pytest.mark.parametrize("shape", [(0, 3), (2, 0, 3)])
def test_pad2d_empty_input_is_a_value_error(shape):
    with pytest.raises(ValueError, match=r"empty"):
        pad2d(np.ones(shape), 1)


# ---- the shared checks in utils/checks.py ----------------------------------


def test_as_nd_converts_and_casts():
    X = nd.array(ARTICLE_X)
    assert as_nd(X) is X  # float32 NDArrays pass through untouched
    for value in (nd.array(ARTICLE_X, dtype="float64"), nd.array(ARTICLE_X, dtype="int32"),
                  np.array(ARTICLE_X), np.array(ARTICLE_X, dtype=np.float16)):
        got = as_nd(value)
        assert isinstance(got, nd.NDArray) and got.dtype == np.float32
        np.testing.assert_array_equal(got.asnumpy(), ARTICLE_X)


def test_as_nd_copies_numpy_input():
    a = np.zeros((2, 2))
    got = as_nd(a)
    a[0, 0] = 5
    assert got.asnumpy()[0, 0] == 0


@pytest.mark.parametrize("value, type_name", [([1, 2], "list"), ((1, 2), "tuple"), (1.0, "float"),
                                              (None, "NoneType"), ("X", "str")])
def test_as_nd_rejects_other_types(value, type_name):
    with pytest.raises(TypeError, match=rf"img must be an mxnet\.nd\.NDArray .*, got {type_name}$"):
        as_nd(value, "img")


def test_check_ndim():
    check_ndim(nd.ones((2, 3)), 2, "X", "(h, w)")
    check_ndim(nd.ones((2, 3, 4)), (3, 4), "X", "(c, h, w) or (n, c, h, w)")
    with pytest.raises(ValueError, match=r"X must have shape \(c, h, w\), got shape \(2, 3\)"):
        check_ndim(nd.ones((2, 3)), 3, "X", "(c, h, w)")
    with pytest.raises(ValueError, match=r"W must have shape \(a\) or \(b\), got shape \(2,\)"):
        check_ndim(nd.ones((2,)), [3, 4], "W", "(a) or (b)")
    with pytest.raises(ValueError, match=r"X is empty: shape \(2, 0\)"):
        check_ndim(nd.array(np.ones((2, 0))), 2, "X", "(h, w)")


@pytest.mark.parametrize(
    "value, minimum, expected",
    [(3, 1, (3, 3)), ((2, 5), 1, (2, 5)), ([0, 4], 0, (0, 4)), (np.int64(2), 1, (2, 2)),
     ((np.int32(1), 2), 1, (1, 2)), (0, 0, (0, 0))],
)
def test_pair_accepts_ints_and_pairs(value, minimum, expected):
    got = pair(value, "size", minimum)
    assert got == expected
    assert all(type(v) is int for v in got)


@pytest.mark.parametrize(
    "value, minimum, message",
    [
        (0, 1, r"size must be >= 1 in each direction, got 0"),
        ((3, 0), 1, r"size must be >= 1 in each direction, got \(3, 0\)"),
        (-1, 0, r"size must be >= 0 in each direction, got -1"),
        (2.0, 1, r"size must be an int or an \(h, w\) pair of ints, got 2\.0"),
        (False, 0, r"size must be an int or an \(h, w\) pair of ints, got False"),
        ((1, True), 0, r"size must be an int or an \(h, w\) pair of ints"),
        ((1,), 0, r"size must be an int or an \(h, w\) pair of ints, got \(1,\)"),
        ((1, 2, 3), 0, r"size must be an int or an \(h, w\) pair of ints"),
        (None, 0, r"size must be an int or an \(h, w\) pair of ints, got None"),
    ],
)
def test_pair_rejects_bad_values(value, minimum, message):
    with pytest.raises(ValueError, match=message):
        pair(value, "size", minimum)


# ---- the figure of notebook 01 (utils/plot.py) --------------------------------


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


@pytest.mark.parametrize(
    "array",
    [np.ones((3, 3), dtype=np.complex64), np.ones((3, 3), dtype=bool), np.array([["a", "b"]])],
)
def test_as_nd_rejects_numpy_arrays_that_do_not_hold_real_numbers(array):
    with pytest.raises(TypeError, match="real numbers"):
        as_nd(array, "X")
