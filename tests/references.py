"""MXNet's own operators, wrapped to the shapes of our helpers: the references
the unit tests compare against."""

from __future__ import annotations

from mxnet import nd


def _as_pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def nd_conv2d(X, weight, bias=None, padding=0, stride=1) -> nd.NDArray:
    """nd.Convolution with the settings of `utils.conv2d(X, weight, bias, padding, stride)`:
    X (N, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,) or None."""
    c_out, _, kh, kw = weight.shape
    return nd.Convolution(
        X,
        weight,
        bias,
        kernel=(kh, kw),
        num_filter=c_out,
        pad=_as_pair(padding),
        stride=_as_pair(stride),
        no_bias=bias is None,
    )


def nd_corr2d(X, K, padding=0, stride=1) -> nd.NDArray:
    """nd.Convolution of one (h, w) image with one (kh, kw) kernel, back to (h', w')."""
    X4, K4 = X.reshape((1, 1) + X.shape), K.reshape((1, 1) + K.shape)
    return nd_conv2d(X4, K4, None, padding, stride)[0, 0]


def nd_corr2d_multi_in_out(X, K, padding=0, stride=1) -> nd.NDArray:
    """nd.Convolution of one image X (c_i, h, w) with K (c_o, c_i, kh, kw) -> (c_o, h', w')."""
    return nd_conv2d(X.expand_dims(0), K, None, padding, stride)[0]
