"""Tests of utils.corr2d with zero padding and stride (notebooks/03_padding_and_stride.ipynb).

Every case is compared with MXNet's own convolution: values with a Gluon
`nn.Conv2D` whose weight is the kernel and with `nd.Convolution`, gradients
with respect to X and K with those of `nd.Convolution` under the same random
head gradient. The result shape must equal `utils.output_shape`. Padding and
stride are given both as ints and as (h, w) pairs. The references are the
fixtures of tests/conftest.py (`gluon_corr2d_layer`, `nd_corr2d`, `grads`).
"""

from __future__ import annotations

import numpy as np
import pytest
from mxnet import autograd, nd

from utils import corr2d, output_shape

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
