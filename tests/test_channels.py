"""Tests of the multi-channel helpers of utils.conv against MXNet's convolution."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import nd
from mxnet.gluon import nn
from references import nd_corr2d_multi_in_out

from utils import corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1
from utils.plot import draw_1x1_pixel, draw_channel_sum, draw_layer_channels


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


# ---- the figures of notebook 04 (utils/plot.py) -----------------------------


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
