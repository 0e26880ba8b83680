"""Tests of utils.pool2d against Gluon's MaxPool2D / AvgPool2D, and of notebook 06's figures."""

import numpy as np
import pytest
from mxnet import autograd, nd
from mxnet.gluon import nn

from utils.pool import pool2d


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
