"""Cross-correlation and convolution written with MXNet operators.

Every function here is vectorised (no Python loop over output elements) and
differentiable under `autograd.record()`. They all rest on `conv2d`, the
batched multi-channel version; the others reshape their inputs for it.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from mxnet import autograd, nd

from utils._checks import Pair, as_nd, check_ndim, pair
from utils.shapes import output_shape


def _fitted_output(
    in_hw: tuple[int, int],
    k_hw: tuple[int, int],
    padding: Pair,
    stride: Pair,
    x_shape,
    k_shape,
    window: str = "kernel",
) -> tuple[int, int]:
    """Output (h, w), or a ValueError naming the input and the `window`'s shapes."""
    pair(padding, "padding", 0)
    pair(stride, "stride", 1)
    try:
        return output_shape(in_hw, k_hw, padding=padding, stride=stride)
    except ValueError:
        raise ValueError(
            f"{window} of shape {tuple(k_shape)} is larger than the input of shape "
            f"{tuple(x_shape)} padded by {padding!r} on each side"
        ) from None


def _window_slices(
    Xp: nd.NDArray, window: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> list[nd.NDArray]:
    """For each window offset (i, j), row by row, the strided slice of the padded `Xp`
    holding element (i, j) of every window: shape Xp.shape with axes 1 and 2 (height
    and width) replaced by out_hw. Axis 0 and any axes after 2 are kept whole."""
    (kh, kw), (sh, sw), (oh, ow) = window, stride, out_hw
    rest = (None,) * (Xp.ndim - 3)
    return [
        nd.slice(
            Xp,
            begin=(None, i, j) + rest,
            end=(None, i + sh * (oh - 1) + 1, j + sw * (ow - 1) + 1) + rest,
            step=(None, sh, sw) + rest,
        )
        for i in range(kh)
        for j in range(kw)
    ]


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


def conv2d(
    X: nd.NDArray,
    weight: nd.NDArray,
    bias: nd.NDArray | None = None,
    padding: Pair = 0,
    stride: Pair = 1,
) -> nd.NDArray:
    """Batched multi-channel 2-D cross-correlation, what `nd.Convolution` computes.

    X has shape (N, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,) or
    None; padding (zeros, per side) and stride are ints or (h, w) pairs. Returns
    (N, C_out, H', W') with (H', W') = `output_shape((H, W), (kh, kw), padding, stride)`.
    The input is zero-padded and moved to channels-last, and the result is a sum
    of matrix products of input pixels with weights. With stride 1 each product
    covers one kernel row and reads a shifted view of one flattened copy of the
    input, so nothing is copied per offset (the "flat shift" of notebook 09, see
    `_conv2d_flat_shift`); with a larger stride each kernel offset takes a strided
    slice, shape (N H' W', C_in), times that offset's (C_out, C_in) weights.
    Introduced in notebooks/09_computing_convolution_fast.ipynb.
    """
    X = as_nd(X, "X")
    weight = as_nd(weight, "weight")
    check_ndim(X, 4, "X", "(N, C_in, H, W)")
    check_ndim(weight, 4, "weight", "(C_out, C_in, kh, kw)")
    n, c_in, h, w = X.shape
    c_out, c_w, kh, kw = weight.shape
    if c_w != c_in:
        raise ValueError(
            f"X has {c_in} channels (shape {X.shape}) but weight expects {c_w} "
            f"(shape {weight.shape})"
        )
    if bias is not None:
        bias = as_nd(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(
                f"bias must have shape ({c_out},) for weight {weight.shape}, got {bias.shape}"
            )
    oh, ow = _fitted_output((h, w), (kh, kw), padding, stride, X.shape, weight.shape)
    if pair(stride, "stride", 1) == (1, 1):
        return _conv2d_flat_shift(X, weight, bias, pair(padding, "padding", 0), (oh, ow))
    return _conv2d_strided(X, weight, bias, padding, pair(stride, "stride", 1), (oh, ow))


class _Workspace(NamedTuple):
    """Arrays that `_conv2d_flat_shift` reuses between calls of one shape."""

    grid: nd.NDArray  # (N, Hp, Wp, C_in) view of the flat buffer; only its interior is written
    views: list[list[nd.NDArray]]  # views[t][i]: the (Q, kw C_in) matrix of phase t, row i
    phases: list[nd.NDArray]  # phases[t]: the (Q, C_out) block of the sums for phase t
    acc: nd.NDArray  # (kw, Q, C_out), all phases


# One workspace per shape and thread, the most recent few kept. Reuse is safe although
# MXNet runs operators asynchronously: its engine orders a write to an array after
# every read of it pushed before. The zero padding of the grid is never written, so it
# is built once; and the views into the buffers are made once, which saves most of the
# Python-side cost of a call.
_WORKSPACES: dict[tuple[int, ...], _Workspace] = {}
_MAX_WORKSPACES = 8


def _shifted_views(
    flat: nd.NDArray, c_in: int, kh: int, kw: int, wp: int, chunks: int
) -> list[list[nd.NDArray]]:
    """views[t][i] holds, in row q, the kw pixels starting at pixel kw q + t + i wp."""
    length = chunks * kw * c_in
    return [
        [
            flat[(t + i * wp) * c_in : (t + i * wp) * c_in + length].reshape((chunks, kw * c_in))
            for i in range(kh)
        ]
        for t in range(kw)
    ]


def _conv2d_flat_shift(
    X: nd.NDArray,
    weight: nd.NDArray,
    bias: nd.NDArray | None,
    padding: tuple[int, int],
    out_hw: tuple[int, int],
) -> nd.NDArray:
    """Stride-1 `conv2d` as kh * kw matrix products on shifted views of one flat matrix.

    The input is stored channels-last on a zero grid and flattened to one long row
    of pixels, so moving the kernel by one row or column is a shift by a fixed
    number of pixels. With grid width Wp, output pixel r (its flat index) is the sum
    over kernel rows i of the kw pixels starting at r + i * Wp, times that row's
    weights. Cutting the flat buffer into chunks of kw consecutive pixels (starting
    at pixel t + i * Wp) gives, by a reshape and without copying, the matrix of
    every output pixel r = kw * q + t for kernel row i; one matrix product of shape
    (Q, kw C_in) x (kw C_in, C_out) per (t, i) pair does the work.

    Neighbouring rows and images share their zero padding: each row keeps only its
    p_w left padding columns, which are also the right padding of the row before,
    and each image only its p_h top padding rows, which are also the bottom padding
    of the image before (zeros after the last image play that part for it). Pixels
    whose window straddles a row or image border are computed too and cropped.
    """
    n, c_in, h, w = X.shape
    c_out, _, kh, kw = weight.shape
    (ph, pw), (oh, ow) = padding, out_hw
    # Extra bottom rows / right columns only where the output is taller / wider than
    # what the shared layout holds (padding larger than the kernel).
    hp, wp = max(h + ph, oh), max(w + pw, ow)
    grid_pixels = n * hp * wp
    chunks = -(-grid_pixels // kw)  # chunks of kw pixels covering every output pixel
    reach = (kh - 1) * wp + kw - 1  # how far past its own pixel a window reads
    # Zeros after the last image: its bottom padding, and room for the last chunks.
    size = max(grid_pixels + ph * wp + pw, chunks * kw + reach)
    inner = X.transpose((0, 2, 3, 1))  # (N, H, W, C_in)
    rows = weight.transpose((2, 0, 3, 1)).reshape((kh, c_out, kw * c_in))  # one per kernel row

    def product(view: nd.NDArray, i: int, out: nd.NDArray | None = None) -> nd.NDArray:
        b = bias if i == 0 else None
        kwargs = {} if out is None else {"out": out}
        return nd.FullyConnected(
            view, rows[i], b, no_bias=b is None, num_hidden=c_out, flatten=False, **kwargs
        )

    if autograd.is_recording():
        # Writes into existing arrays are not recorded: build everything functionally.
        flat = nd.pad(
            inner.reshape((1, n, h, w * c_in)),
            mode="constant",
            pad_width=(0, 0, 0, 0, ph, hp - h - ph, pw * c_in, (wp - w - pw) * c_in),
        ).reshape((-1,))
        if size > grid_pixels:
            flat = nd.concat(flat, nd.zeros(((size - grid_pixels) * c_in,)), dim=0)
        views = _shifted_views(flat, c_in, kh, kw, wp, chunks)
        acc = nd.stack(
            *[nd.add_n(*[product(views[t][i], i) for i in range(kh)]) for t in range(kw)]
        )
    else:
        key = (threading.get_ident(), n, c_in, h, w, c_out, kh, kw, ph, pw, oh, ow)
        ws = _WORKSPACES.get(key)
        if ws is None:
            if len(_WORKSPACES) >= _MAX_WORKSPACES:
                _WORKSPACES.pop(next(iter(_WORKSPACES)))
            flat = nd.zeros((size * c_in,))
            acc = nd.empty((kw, chunks, c_out))
            ws = _WORKSPACES[key] = _Workspace(
                grid=flat[: grid_pixels * c_in].reshape((n, hp, wp, c_in)),
                views=_shifted_views(flat, c_in, kh, kw, wp, chunks),
                phases=[acc[t] for t in range(kw)],
                acc=acc,
            )
        ws.grid[:, ph : ph + h, pw : pw + w, :] = inner
        for t in range(kw):
            product(ws.views[t][0], 0, out=ws.phases[t])
            if kh > 1:
                terms = [product(ws.views[t][i], i) for i in range(1, kh)]
                nd.add_n(ws.phases[t], *terms, out=ws.phases[t])
        acc = ws.acc
    # Chunk q of phase t is pixel kw * q + t: interleave the phases back into the grid.
    Y = acc.transpose((1, 0, 2)).reshape((-1, c_out))[:grid_pixels].reshape((n, hp, wp, c_out))
    return nd.slice(Y, begin=(None, 0, 0, None), end=(None, oh, ow, None)).transpose((0, 3, 1, 2))


def _conv2d_strided(
    X: nd.NDArray,
    weight: nd.NDArray,
    bias: nd.NDArray | None,
    padding: Pair,
    stride: tuple[int, int],
    out_hw: tuple[int, int],
) -> nd.NDArray:
    """`conv2d` for any stride: for each kernel offset, a strided slice of the padded
    channels-last input, shape (N H' W', C_in), times that offset's (C_out, C_in) weights."""
    n, c_in = X.shape[:2]
    c_out, _, kh, kw = weight.shape
    oh, ow = out_hw
    Xp = pad2d(X, padding).transpose((0, 2, 3, 1))  # (N, H + 2 p_h, W + 2 p_w, C_in)
    Wk = weight.transpose((2, 3, 0, 1)).reshape((kh * kw, c_out, c_in))  # one per offset
    terms = [
        nd.FullyConnected(patch.reshape((-1, c_in)), Wk[k], no_bias=True, num_hidden=c_out)
        for k, patch in enumerate(_window_slices(Xp, (kh, kw), stride, out_hw))
    ]
    Y = terms[0] if len(terms) == 1 else nd.add_n(*terms)
    Y = Y.reshape((n, oh, ow, c_out)).transpose((0, 3, 1, 2))
    if bias is not None:
        Y = nd.broadcast_add(Y, bias.reshape((1, c_out, 1, 1)))
    return Y


def corr2d(X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1) -> nd.NDArray:
    """2-D cross-correlation of one image `X` (h, w) with one kernel `K` (kh, kw).

    Element (i, j) of the result is the sum of K times the window of X whose
    top-left corner is (i * s_h, j * s_w) after zero padding. With the defaults
    the result has shape (h - kh + 1, w - kw + 1); in general
    `output_shape((h, w), (kh, kw), padding, stride)`. Vectorised and
    differentiable; float32 NDArray out.
    Introduced in notebooks/01_cross_correlation.ipynb (padding and stride in 03).
    """
    X = as_nd(X, "X")
    K = as_nd(K, "K")
    check_ndim(X, 2, "X", "(h, w)")
    check_ndim(K, 2, "K", "(kh, kw)")
    oh, ow = _fitted_output(X.shape, K.shape, padding, stride, X.shape, K.shape)
    Y = conv2d(
        X.reshape((1, 1) + X.shape), K.reshape((1, 1) + K.shape), padding=padding, stride=stride
    )
    return Y.reshape((oh, ow))


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
    out = _fitted_output(X.shape[1:], K.shape[-2:], padding, stride, X.shape, K.shape)
    return X, K, out


def corr2d_multi_in(
    X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1
) -> nd.NDArray:
    """Cross-correlation summed over input channels.

    X (c_i, h, w) and K (c_i, kh, kw) -> (h', w'): each channel of X is
    cross-correlated with the matching channel of K and the results are added.
    Introduced in notebooks/04_channels.ipynb.
    """
    X, K, _ = _channel_inputs(X, K, "(c_i, kh, kw)", 0, padding, stride)
    return conv2d(X.expand_dims(0), K.expand_dims(0), padding=padding, stride=stride)[0, 0]


def corr2d_multi_in_out(
    X: nd.NDArray, K: nd.NDArray, padding: Pair = 0, stride: Pair = 1
) -> nd.NDArray:
    """One `corr2d_multi_in` per output channel.

    X (c_i, h, w) and K (c_o, c_i, kh, kw) -> (c_o, h', w').
    Introduced in notebooks/04_channels.ipynb.
    """
    X, K, _ = _channel_inputs(X, K, "(c_o, c_i, kh, kw)", 1, padding, stride)
    return conv2d(X.expand_dims(0), K, padding=padding, stride=stride)[0]


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
    (Xs,) = _window_slices(pad2d(X, padding), (1, 1), pair(stride, "stride", 1), (oh, ow))
    Y = nd.dot(K.reshape((c_o, c_i)), Xs.reshape((c_i, oh * ow)))
    return Y.reshape((c_o, oh, ow))
