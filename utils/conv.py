"""Cross-correlation and convolution written with MXNet operators, as notebooks 01-05
explain them.

`corr2d` adds, for each kernel offset, one weighted slice of the (padded) input:
kh * kw whole-array operations, no Python loop over output elements, and
differentiable under `autograd.record()`. The multi-channel helpers are built from it
the way the source article builds them: a sum over input channels, then a stack over
output channels. The fast batched version for real layers is `utils.fast.conv2d`
(notebook 10).
"""

from __future__ import annotations

from mxnet import nd

from utils.checks import Pair, as_nd, check_ndim, pair
from utils.windows import fitted_output, window_slices


def pad2d(X: nd.NDArray, padding: Pair, value: float = 0.0) -> nd.NDArray:
    """Pad the last two axes of `X` with `value` (zeros by default), `padding`
    rows/columns on each side.

    `X` has shape (..., h, w) with at least two axes; `padding` is an int or a
    (p_h, p_w) pair, per side as in Gluon. Returns shape (..., h + 2 p_h, w + 2 p_w).
    Max pooling pads with -inf (notebook 06).
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    X = as_nd(X, "X")
    if X.ndim < 2:
        raise ValueError(f"X must have at least two axes (..., h, w), got shape {X.shape}")
    if 0 in X.shape:
        raise ValueError(f"X is empty: shape {X.shape}")
    ph, pw = pair(padding, "padding", 0)
    if ph == 0 and pw == 0:
        return X
    lead, (h, w) = X.shape[:-2], X.shape[-2:]
    padded = nd.pad(
        X.reshape((-1, 1, h, w)),
        mode="constant",
        constant_value=value,
        pad_width=(0, 0, 0, 0, ph, ph, pw, pw),
    )
    return padded.reshape(lead + (h + 2 * ph, w + 2 * pw))


def corr2d(X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1) -> nd.NDArray:
    """2-D cross-correlation of one image `X` (h, w) with one kernel `K` (kh, kw).

    Element (i, j) of the result is the sum of K times the window of X whose
    top-left corner is (i * s_h, j * s_w) after zero padding. With the defaults
    the result has shape (h - kh + 1, w - kw + 1); in general
    `output_shape((h, w), (kh, kw), padding, stride)`. Computed as in notebook 01:
    for each kernel offset (a, b), the slice of the padded X that this offset
    touches in every window (every s-th element from (a, b) on), times K[a, b],
    added up over the kh * kw offsets. Differentiable; float32 NDArray out.
    Introduced in notebooks/01_cross_correlation.ipynb (padding and stride in 03).
    """
    X = as_nd(X, "X")
    K = as_nd(K, "K")
    check_ndim(X, 2, "X", "(h, w)")
    check_ndim(K, 2, "K", "(kh, kw)")
    oh, ow = fitted_output(X.shape, K.shape, padding, stride, X.shape, K.shape)
    sh, sw = pair(stride, "stride", 1)
    Xp = pad2d(X, padding)
    kh, kw = K.shape
    Y = None
    for a in range(kh):
        for b in range(kw):
            # Element (a, b) of every window: rows a, a + s_h, ..., columns b, b + s_w, ...
            touched = nd.slice(
                Xp, begin=(a, b), end=(a + sh * (oh - 1) + 1, b + sw * (ow - 1) + 1), step=(sh, sw)
            )
            term = touched * K[a, b]
            Y = term if Y is None else Y + term
    return Y


def convolve2d(X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1) -> nd.NDArray:
    """True 2-D convolution: `corr2d` with the kernel flipped in both axes.

    Shapes as for `corr2d`: X (h, w), K (kh, kw) -> (h - kh + 1, w - kw + 1) by default.
    Introduced in notebooks/01_cross_correlation.ipynb.
    """
    K = as_nd(K, "K")
    check_ndim(K, 2, "K", "(kh, kw)")
    return corr2d(X, nd.flip(K, axis=(0, 1)), padding=padding, stride=stride)


def _channel_inputs(
    X: object, K: object, k_layout: str, k_channel_axis: int, padding: Pair, stride: Pair
) -> tuple[nd.NDArray, nd.NDArray, tuple[int, int]]:
    """Check a (c_i, h, w) input and a kernel whose axis `k_channel_axis` holds c_i.

    Returns both as float32 NDArrays and the output (h', w'); every problem is a
    ValueError that names the caller's own shapes.
    """
    X = as_nd(X, "X")
    K = as_nd(K, "K")
    check_ndim(X, 3, "X", "(c_i, h, w)")
    check_ndim(K, len(k_layout.split(",")), "K", k_layout)
    if X.shape[0] != K.shape[k_channel_axis]:
        raise ValueError(
            f"X has {X.shape[0]} channels (shape {X.shape}) but K expects "
            f"{K.shape[k_channel_axis]} (shape {K.shape})"
        )
    out = fitted_output(X.shape[1:], K.shape[-2:], padding, stride, X.shape, K.shape)
    return X, K, out


def corr2d_multi_in(
    X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1
) -> nd.NDArray:
    """Cross-correlation summed over input channels.

    X (c_i, h, w) and K (c_i, kh, kw) -> (h', w'): each channel of X is
    cross-correlated with the matching channel of K by `corr2d`, and the c_i
    results are added (`nd.add_n`).
    Introduced in notebooks/04_channels.ipynb.
    """
    X, K, _ = _channel_inputs(X, K, "(c_i, kh, kw)", 0, padding, stride)
    per_channel = [
        corr2d(X[c], K[c], padding=padding, stride=stride) for c in range(X.shape[0])
    ]
    return per_channel[0] if len(per_channel) == 1 else nd.add_n(*per_channel)


def corr2d_multi_in_out(
    X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1
) -> nd.NDArray:
    """One `corr2d_multi_in` per output channel, stacked.

    X (c_i, h, w) and K (c_o, c_i, kh, kw) -> (c_o, h', w'): output channel o is
    `corr2d_multi_in(X, K[o])`.
    Introduced in notebooks/04_channels.ipynb.
    """
    X, K, _ = _channel_inputs(X, K, "(c_o, c_i, kh, kw)", 1, padding, stride)
    return nd.stack(*[corr2d_multi_in(X, k, padding=padding, stride=stride) for k in K])


def corr2d_multi_in_out_1x1(
    X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1
) -> nd.NDArray:
    """A 1x1 convolution written as one matrix product over channels.

    X (c_i, h, w) and K (c_o, c_i, 1, 1) -> (c_o, h', w'): every pixel's channel
    vector is multiplied by the (c_o, c_i) weight matrix, which is what a fully
    connected layer applied at each pixel does.
    Introduced in notebooks/05_1x1_convolution.ipynb.
    """
    X, K, (oh, ow) = _channel_inputs(X, K, "(c_o, c_i, 1, 1)", 1, padding, stride)
    if K.shape[2:] != (1, 1):
        raise ValueError(f"K must be a 1x1 kernel of shape (c_o, c_i, 1, 1), got {K.shape}")
    c_o, c_i = K.shape[:2]
    (Xs,) = window_slices(pad2d(X, padding), (1, 1), pair(stride, "stride", 1), (oh, ow))
    Y = nd.dot(K.reshape((c_o, c_i)), Xs.reshape((c_i, oh * ow)))
    return Y.reshape((c_o, oh, ow))
