"""Max and average pooling written with MXNet operators.

Introduced in notebooks/06_pooling.ipynb.
"""

from __future__ import annotations

import numpy as np
from mxnet import nd

from utils.checks import Pair, as_nd, check_ndim, pair
from utils.conv import pad2d
from utils.windows import fitted_output, window_slices

_MODES = ("max", "avg")


def _window_sum(Xp: nd.NDArray, k: tuple[int, int], s: tuple[int, int], out: tuple[int, int]):
    """Sum of each window of the padded `Xp` (c, H, W), shape (c, oh, ow)."""
    terms = window_slices(Xp, k, s, out)
    return terms[0] if len(terms) == 1 else nd.add_n(*terms)


def pool2d(
    X: nd.NDArray,
    pool_size: Pair,
    mode: str = "max",
    padding: Pair = 0,
    stride: Pair = 1,
    count_include_pad: bool = True,
) -> nd.NDArray:
    """2-D max or average pooling of one image, each channel on its own.

    X has shape (h, w) or (c, h, w); `pool_size`, `padding` (per side) and
    `stride` are ints or (h, w) pairs; `mode` is "max" or "avg". Returns (h', w')
    or (c, h', w') with (h', w') = `output_shape((h, w), pool_size, padding,
    stride)`. The stride defaults to 1, as in the from-scratch pooling of Dive into
    Deep Learning (Gluon's pooling layers default to the window size). For max
    pooling the padding is -inf, so it never wins; for average pooling it is
    zero and the sum is divided by the window size, or, with
    `count_include_pad=False`, by the number of real elements in each window.
    The loop runs over the kh * kw window offsets, not over output positions, so
    the function is vectorised and differentiable under `autograd.record()`.
    Introduced in notebooks/06_pooling.ipynb.
    """
    X = as_nd(X, "X")
    check_ndim(X, (2, 3), "X", "(h, w) or (c, h, w)")
    if mode not in _MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    k = pair(pool_size, "pool_size", 1)
    p = pair(padding, "padding", 0)
    s = pair(stride, "stride", 1)
    h, w = X.shape[-2:]
    if p[0] >= k[0] or p[1] >= k[1]:
        raise ValueError(
            f"padding {padding!r} must be smaller than pool_size {pool_size!r} in each direction "
            f"(otherwise a window can hold padding only); X has shape {X.shape}"
        )
    out = fitted_output((h, w), k, p, s, X.shape, k, window="pool window")

    X3 = X.reshape((-1, h, w))
    if mode == "max":
        Y = None
        for term in window_slices(pad2d(X3, p, value=-np.inf), k, s, out):
            # On a tie nd.maximum sends the gradient to its first argument, so
            # exactly one element of each window receives it.
            Y = term if Y is None else nd.maximum(Y, term)
    else:
        Y = _window_sum(pad2d(X3, p), k, s, out)
        if count_include_pad:
            Y = Y / (k[0] * k[1])
        else:
            # Pooling a padded image of ones counts the real elements of each window.
            counts = _window_sum(pad2d(nd.ones((1, h, w)), p), k, s, out)
            Y = nd.broadcast_div(Y, counts)
    return Y.reshape(X.shape[:-2] + out)
