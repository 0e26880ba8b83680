"""Tests of utils.kernels: the Prewitt share and the cosine of kernels."""

from __future__ import annotations

import numpy as np
import pytest
from mxnet import nd

from utils.kernels import PREWITT_X, PREWITT_Y, kernel_cosine, prewitt_share


def test_prewitt_pair_and_its_mixes_score_one_blur_and_constant_zero():
    assert np.isclose(prewitt_share(PREWITT_X), 1) and np.isclose(prewitt_share(PREWITT_Y), 1)
    assert np.isclose(prewitt_share(0.6 * PREWITT_X - 0.8 * PREWITT_Y), 1)
    blur = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32)
    assert np.isclose(prewitt_share(blur), 0) and np.isclose(prewitt_share(np.ones((3, 3))), 0)


def test_notebook_01s_difference_kernel_in_a_3x3_window():
    corner = np.zeros((3, 3))
    corner[1, 1:] = [1, -1]  # [1, -1] in the middle row, right half
    centred = np.zeros((3, 3))
    centred[1] = [1, 0, -1]
    assert np.isclose(prewitt_share(corner), 1 / 12)
    assert np.isclose(prewitt_share(centred), 1 / 3)
    assert np.isclose(prewitt_share(centred.T), 1 / 3)  # any direction of the pair


def test_inner_products_agree_with_mxnet_convolution():
    rng = np.random.default_rng(3)
    K = rng.normal(size=(5, 3, 3)).astype(np.float32)
    weight = nd.array(np.stack([PREWITT_X, PREWITT_Y])[:, None])  # (2, 1, 3, 3)
    products = nd.Convolution(nd.array(K[:, None]), weight, kernel=(3, 3), num_filter=2,
                              no_bias=True).asnumpy()[:, :, 0, 0]  # (5, 2)
    expected = (products**2).sum(axis=1) / (6 * (K.astype(np.float64) ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(prewitt_share(nd.array(K)), expected, rtol=1e-5)


def test_leading_axes_are_kept_and_random_kernels_average_two_ninths():
    K = np.random.default_rng(0).uniform(-1, 1, size=(200, 250, 3, 3))
    share = prewitt_share(K)
    assert share.shape == (200, 250) and share.dtype == np.float64
    assert 0 <= share.min() and share.max() <= 1
    assert abs(share.mean() - 2 / 9) < 0.003


def test_cosine_of_scaled_flipped_and_perpendicular_kernels():
    K = np.random.default_rng(1).normal(size=(4, 3, 3))
    np.testing.assert_allclose(kernel_cosine(K, 2.5 * K), 1)
    np.testing.assert_allclose(kernel_cosine(K, -K), -1)
    assert np.isclose(kernel_cosine(PREWITT_X, PREWITT_Y), 0)
    a, b = K[0].ravel(), K[1].ravel()
    assert np.isclose(kernel_cosine(K[0], K[1]),
                      a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert kernel_cosine(nd.array(K), nd.array(K[::-1].copy())).shape == (4,)


@pytest.mark.parametrize("bad, error, match", [
    ([[1, 0, -1]] * 3, TypeError, "must be a numpy.ndarray or mxnet.nd.NDArray, got list"),
    (np.ones((3, 3), dtype=complex), TypeError, "real numbers"),
    (np.ones((2, 2)), ValueError, "square kernels of shape \\(3, 3\\), got shape \\(2, 2\\)"),
    (np.ones((3, 4)), ValueError, "got shape \\(3, 4\\)"),
    (np.ones(9), ValueError, "got shape \\(9,\\)"),
    (np.zeros((0, 3, 3)), ValueError, "empty"),
    (np.array([np.ones((3, 3)), np.zeros((3, 3))]), ValueError, "1 kernel\\(s\\) of all zeros"),
    (np.full((3, 3), np.nan), ValueError, "NaN"),
])
def test_prewitt_share_rejects_bad_kernels(bad, error, match):
    with pytest.raises(error, match=match):
        prewitt_share(bad)


def test_cosine_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape, got \\(2, 3, 3\\) and \\(3, 3, 3\\)"):
        kernel_cosine(np.ones((2, 3, 3)), np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="\\(k, k\\)"):
        kernel_cosine(np.ones((2, 3)), np.ones((2, 3)))
