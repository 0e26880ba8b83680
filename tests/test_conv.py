"""Tests of utils.corr2d, utils.convolve2d, utils.pad2d and the shared input checks.

The reference for every value and gradient is MXNet's own convolution
(`nd.Convolution` / `nn.Conv2D`) or `nd.pad`; the article's example fixes the
values of notebooks/01_cross_correlation.ipynb. Padding and stride of corr2d are
only touched here; tests/test_conv_padding.py covers them in depth.
"""

import re

import numpy as np
import pytest
from mxnet import autograd, nd
from mxnet.gluon import nn
from references import nd_corr2d_multi_in_out

from utils.checks import as_nd, check_ndim, pair
from utils.conv import (
    convolve2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    pad2d,
)
from utils.shapes import output_shape

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


@pytest.mark.parametrize(
    "array",
    [np.ones((3, 3), dtype=np.complex64), np.ones((3, 3), dtype=bool), np.array([["a", "b"]])],
)
def test_as_nd_rejects_numpy_arrays_that_do_not_hold_real_numbers(array):
    with pytest.raises(TypeError, match="real numbers"):
        as_nd(array, "X")


def random_case(rng, one_by_one=False):
    """X (c_i, h, w), K (c_o, c_i, kh, kw) and a padding and stride that fit them."""
    c_i, c_o = (int(v) for v in rng.randint(1, 5, size=2))
    kh, kw = (1, 1) if one_by_one else (int(v) for v in rng.randint(1, 4, size=2))
    h, w = kh + int(rng.randint(0, 6)), kw + int(rng.randint(0, 6))
    padding = (int(rng.randint(0, 3)), int(rng.randint(0, 3)))
    stride = (int(rng.randint(1, 4)), int(rng.randint(1, 4)))
    X = nd.array(rng.randn(c_i, h, w))
    K = nd.array(rng.randn(c_o, c_i, kh, kw))
    return X, K, padding, stride


def multi_in(X, K, padding=0, stride=1):
    """corr2d_multi_in with K (1, c_i, kh, kw), result (1, h', w') like the built-in."""
    return corr2d_multi_in(X, K[0], padding=padding, stride=stride).expand_dims(0)


HELPERS = {
    "multi_in": (multi_in, False),
    "multi_in_out": (corr2d_multi_in_out, False),
    "multi_in_out_1x1": (corr2d_multi_in_out_1x1, True),
}


def case_for(name, rng):
    X, K, padding, stride = random_case(rng, one_by_one=HELPERS[name][1])
    if name == "multi_in":
        K = K[:1]
    return X, K, padding, stride


@pytest.mark.parametrize("name", list(HELPERS))
def test_values_and_gradients_match_nd_convolution(name, grads):
    fn = HELPERS[name][0]
    rng = np.random.RandomState(4)
    for _ in range(30):
        X, K, padding, stride = case_for(name, rng)
        got = fn(X, K, padding=padding, stride=stride)
        want = nd_corr2d_multi_in_out(X, K, padding, stride)
        assert got.shape == want.shape, (X.shape, K.shape, padding, stride)
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-4, atol=1e-4)
        head = nd.array(rng.randn(*want.shape))
        ours = grads(lambda x, k: fn(x, k, padding=padding, stride=stride), X, K, head)  # noqa: B023
        theirs = grads(lambda x, k: nd_corr2d_multi_in_out(x, k, padding, stride), X, K, head)  # noqa: B023
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_matches_a_gluon_conv2d_layer():
    rng = np.random.RandomState(1)
    X = nd.array(rng.randn(3, 6, 7))
    K = nd.array(rng.randn(4, 3, 3, 2))
    net = nn.Conv2D(4, kernel_size=(3, 2), padding=(1, 0), strides=(2, 1), in_channels=3,
                    use_bias=False)
    net.initialize()
    net.weight.set_data(K)
    want = net(X.expand_dims(0))[0].asnumpy()
    got = corr2d_multi_in_out(X, K, padding=(1, 0), stride=(2, 1)).asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    K1 = K[:, :, 1:2, 0:1]
    net1 = nn.Conv2D(4, kernel_size=1, in_channels=3, use_bias=False)
    net1.initialize()
    net1.weight.set_data(K1)
    np.testing.assert_allclose(
        corr2d_multi_in_out_1x1(X, K1).asnumpy(), net1(X.expand_dims(0))[0].asnumpy(),
        rtol=1e-5, atol=1e-5,
    )


def test_article_values():
    X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    X = nd.stack(X, X + 1)
    K = nd.array([[0, 1], [2, 3]])
    K = nd.stack(K, K + 1)
    np.testing.assert_array_equal(corr2d_multi_in(X, K).asnumpy(), [[56, 72], [104, 120]])
    Y = corr2d_multi_in_out(X, nd.stack(K, K + 1, K + 2))
    assert Y.shape == (3, 2, 2)
    np.testing.assert_array_equal(Y[0].asnumpy(), [[56, 72], [104, 120]])


def test_1x1_equals_the_general_helper_and_accepts_numpy():
    rng = np.random.RandomState(2)
    X = rng.randn(3, 4, 5)
    K = rng.randn(2, 3, 1, 1)
    got = corr2d_multi_in_out_1x1(X, K)
    assert got.dtype == np.float32 and got.shape == (2, 4, 5)
    np.testing.assert_allclose(
        got.asnumpy(), corr2d_multi_in_out(X, K).asnumpy(), rtol=1e-5, atol=1e-6
    )


def test_multi_in_out_channel_zero_is_multi_in():
    rng = np.random.RandomState(3)
    X = nd.array(rng.randn(2, 5, 5))
    K = nd.array(rng.randn(3, 2, 2, 2))
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K, padding=1)[0].asnumpy(),
        corr2d_multi_in(X, K[0], padding=1).asnumpy(), rtol=1e-5, atol=1e-5,
    )


@pytest.mark.parametrize(
    "fn,x_shape,k_shape,match",
    [
        (corr2d_multi_in, (2, 3, 3), (3, 2, 2), r"X has 2 channels.*\(2, 3, 3\).*\(3, 2, 2\)"),
        (corr2d_multi_in, (3, 3), (2, 2), r"X must have shape \(c_i, h, w\), got shape \(3, 3\)"),
        (corr2d_multi_in, (2, 3, 3), (1, 2, 2, 2), r"K must have shape \(c_i, kh, kw\)"),
        (corr2d_multi_in, (2, 3, 3), (2, 4, 2), r"larger than the input"),
        (corr2d_multi_in_out, (2, 3, 3), (1, 3, 2, 2), r"X has 2 channels.*expects 3"),
        (corr2d_multi_in_out, (1, 2, 3, 3), (1, 2, 2, 2), r"X must have shape \(c_i, h, w\)"),
        (corr2d_multi_in_out, (2, 3, 3), (2, 2, 2), r"K must have shape \(c_o, c_i, kh, kw\)"),
        (corr2d_multi_in_out, (2, 3, 3), (1, 2, 2, 4), r"larger than the input"),
        (corr2d_multi_in_out_1x1, (2, 3, 3), (1, 2, 2, 2), r"1x1 kernel.*got \(1, 2, 2, 2\)"),
        (corr2d_multi_in_out_1x1, (2, 3, 3), (1, 3, 1, 1), r"X has 2 channels.*expects 3"),
        (corr2d_multi_in_out_1x1, (3, 3), (1, 1, 1, 1), r"X must have shape \(c_i, h, w\)"),
        (corr2d_multi_in_out_1x1, (2, 3, 3), (1, 2, 1), r"K must have shape \(c_o, c_i, 1, 1\)"),
    ],
)
def test_bad_input_is_a_value_error(fn, x_shape, k_shape, match):
    with pytest.raises(ValueError, match=match):
        fn(nd.ones(x_shape), nd.ones(k_shape))


@pytest.mark.parametrize("fn", [corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1])
def test_bad_padding_or_stride_is_a_value_error(fn):
    X, K = nd.ones((2, 3, 3)), nd.ones((1, 2, 1, 1))
    K = K[0] if fn is corr2d_multi_in else K
    with pytest.raises(ValueError, match="padding must be >= 0"):
        fn(X, K, padding=-1)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        fn(X, K, stride=0)


@pytest.mark.parametrize("fn", [corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1])
def test_non_array_is_a_type_error(fn):
    with pytest.raises(TypeError, match="X must be an mxnet.nd.NDArray or a numpy.ndarray"):
        fn([[[1.0]]], nd.ones((1, 1, 1, 1)))


@pytest.mark.parametrize(
    "func, K_shape",
    [(corr2d_multi_in, (2, 4, 2)), (corr2d_multi_in_out, (3, 2, 4, 2))],
)
def test_kernel_too_large_names_the_callers_shapes(func, K_shape):
    expected = re.escape(f"kernel of shape {K_shape}") + ".*" + re.escape("(2, 3, 3)")
    with pytest.raises(ValueError, match=expected):
        func(nd.ones((2, 3, 3)), nd.ones(K_shape))


TOL = dict(rtol=1e-5, atol=1e-5)


def _config(seed: int) -> dict:
    """A random (seeded) case: shapes, padding and stride, each an int or an (h, w) pair."""
    r = np.random.default_rng(seed)
    kh, kw = (int(v) for v in r.integers(1, 5, size=2))

    def int_or_pair(low: int, high: int):
        a, b = (int(v) for v in r.integers(low, high, size=2))
        return a if r.random() < 0.5 else (a, b)

    padding = int_or_pair(0, 3)
    stride = int_or_pair(1, 4)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    # Smallest input the kernel fits into once padded, plus a random margin.
    h = max(1, kh - 2 * ph) + int(r.integers(0, 6))
    w = max(1, kw - 2 * pw) + int(r.integers(0, 6))
    X = nd.array(r.standard_normal((h, w)), dtype="float32")
    K = nd.array(r.standard_normal((kh, kw)), dtype="float32")
    return dict(X=X, K=K, padding=padding, stride=stride)


CASES = list(range(24))


def test_the_cases_cover_ints_pairs_and_strides_above_one():
    configs = [_config(seed) for seed in CASES]
    assert any(isinstance(c["padding"], int) for c in configs)
    assert any(isinstance(c["padding"], tuple) for c in configs)
    assert any(isinstance(c["stride"], int) and c["stride"] > 1 for c in configs)
    assert any(isinstance(c["stride"], tuple) and c["stride"][0] != c["stride"][1] for c in configs)
    assert any(c["K"].shape[0] > c["X"].shape[0] for c in configs)  # fits only thanks to padding


@pytest.mark.parametrize("seed", CASES)
def test_values_match_gluon_conv2d_and_nd_convolution(seed, gluon_corr2d_layer, nd_corr2d):
    c = _config(seed)
    X, K, padding, stride = c["X"], c["K"], c["padding"], c["stride"]
    Y = corr2d(X, K, padding=padding, stride=stride)
    assert Y.dtype == np.float32
    assert Y.shape == output_shape(X.shape, K.shape, padding=padding, stride=stride)
    layer = gluon_corr2d_layer(K, padding=padding, strides=stride)
    gluon = layer(X.reshape((1, 1) + X.shape))[0, 0]
    np.testing.assert_allclose(Y.asnumpy(), gluon.asnumpy(), **TOL)
    np.testing.assert_allclose(Y.asnumpy(), nd_corr2d(X, K, padding, stride).asnumpy(), **TOL)


@pytest.mark.parametrize("seed", CASES)
def test_gradients_match_nd_convolution(seed, grads, nd_corr2d):
    c = _config(seed)
    X, K, padding, stride = c["X"], c["K"], c["padding"], c["stride"]
    out_shape = output_shape(X.shape, K.shape, padding=padding, stride=stride)
    head = nd.array(np.random.default_rng(100 + seed).standard_normal(out_shape), dtype="float32")
    got_x, got_k = grads(lambda x, k: corr2d(x, k, padding, stride), X, K, head)
    want_x, want_k = grads(lambda x, k: nd_corr2d(x, k, padding, stride), X, K, head)
    np.testing.assert_allclose(got_x, want_x, **TOL)
    np.testing.assert_allclose(got_k, want_k, **TOL)
    assert np.abs(want_k).sum() > 0  # not a comparison of two zero arrays


def test_article_examples_on_an_8x8_input(gluon_corr2d_layer):
    X = nd.random.uniform(shape=(8, 8))
    for kernel, padding, stride, expected in [
        ((3, 3), 1, 1, (8, 8)),
        ((5, 3), (2, 1), 1, (8, 8)),
        ((3, 3), 1, 2, (4, 4)),
        ((3, 5), (0, 1), (3, 4), (2, 2)),
    ]:
        K = nd.random.normal(shape=kernel)
        Y = corr2d(X, K, padding=padding, stride=stride)
        assert Y.shape == expected
        layer = gluon_corr2d_layer(K, padding=padding, strides=stride)
        gluon = layer(X.reshape((1, 1, 8, 8)))[0, 0]
        np.testing.assert_allclose(Y.asnumpy(), gluon.asnumpy(), **TOL)


def test_padding_is_zeros_on_each_side():
    # A 1x1 kernel of weight 1 returns the padded input itself.
    X = nd.arange(1, 7).reshape((2, 3))
    Y = corr2d(X, nd.ones((1, 1)), padding=(1, 2))
    expected = np.zeros((4, 7), dtype=np.float32)
    expected[1:3, 2:5] = X.asnumpy()
    np.testing.assert_array_equal(Y.asnumpy(), expected)


def test_stride_picks_every_s_th_window():
    X = nd.arange(30).reshape((5, 6))
    K = nd.array([[1.0, 2.0], [3.0, 4.0]])
    full = corr2d(X, K).asnumpy()
    np.testing.assert_array_equal(corr2d(X, K, stride=(2, 3)).asnumpy(), full[::2, ::3])


def test_rows_skipped_by_the_stride_get_zero_gradient():
    # 3x3 kernel, stride 2, 8 rows: windows start at rows 0, 2, 4; row 7 is never read.
    X = nd.random.normal(shape=(8, 8))
    X.attach_grad()
    with autograd.record():
        Y = corr2d(X, nd.ones((3, 3)), stride=2)
    Y.backward()
    assert Y.shape == (3, 3) == output_shape(7, 3, stride=2)
    grad = X.grad.asnumpy()
    assert np.all(grad[7, :] == 0) and np.all(grad[:, 7] == 0)
    assert np.all(grad[:7, :7] > 0)


def test_numpy_inputs_with_padding_and_stride():
    X = np.arange(9, dtype=np.float64).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    Y = corr2d(X, K, padding=1, stride=(3, 2))
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y.asnumpy(), [[0, 8], [6, 8]])


@pytest.mark.parametrize(
    "x_shape, k_shape, kwargs, error, message",
    [
        # Fits only thanks to padding: fine with padding 1, a ValueError without it.
        ((3, 3), (5, 5), dict(), ValueError, r"kernel of shape \(5, 5\).*input of shape \(3, 3\)"),
        ((3, 3), (6, 5), dict(padding=1), ValueError, r"\(6, 5\).*\(3, 3\) padded by 1"),
        ((4, 2), (2, 5), dict(padding=(0, 1)), ValueError, r"padded by \(0, 1\) on each side"),
        ((4, 4), (2, 2), dict(padding=(-1, 0)), ValueError, r"padding must be >= 0"),
        ((4, 4), (2, 2), dict(padding=[1, 1, 1]), ValueError, r"padding must be an int or an"),
        ((4, 4), (2, 2), dict(padding=None), ValueError, r"padding must be an int or an"),
        ((4, 4), (2, 2), dict(stride=-2), ValueError, r"stride must be >= 1.*-2"),
        ((4, 4), (2, 2), dict(stride=(0, 0)), ValueError, r"stride must be >= 1"),
        ((4, 4), (2, 2), dict(stride=2.0), ValueError, r"stride must be an int or an"),
        ((4, 4), (2, 2), dict(stride=(1, False)), ValueError, r"stride must be an int or an"),
    ],
)
def test_bad_padding_stride_and_kernel_fit(x_shape, k_shape, kwargs, error, message):
    with pytest.raises(error, match=message):
        corr2d(nd.ones(x_shape), nd.ones(k_shape), **kwargs)


def test_a_kernel_larger_than_the_input_fits_once_padded():
    Y = corr2d(nd.ones((3, 3)), nd.ones((5, 5)), padding=1)
    np.testing.assert_array_equal(Y.asnumpy(), [[9.0]])
