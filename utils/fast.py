"""The fast batched convolution of notebook 10: `conv2d`.

`conv2d` computes what `nd.Convolution` computes, for a batch and many channels, as
a few large matrix products (the "flat shift" of notebook 10 for stride 1, one
strided slice per kernel offset otherwise). It is tested against the simple helpers
of `utils.conv` and against `nd.Convolution`; nothing in notebooks 01-06 uses it.
Introduced in notebooks/10_computing_convolution_fast.ipynb.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from mxnet import autograd, nd

from utils.checks import Pair, as_nd, check_ndim, pair
from utils.conv import pad2d
from utils.windows import fitted_output, window_slices


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
    input, so nothing is copied per offset (the "flat shift" of notebook 10, see
    `_conv2d_flat_shift`); with a larger stride each kernel offset takes a strided
    slice, shape (N H' W', C_in), times that offset's (C_out, C_in) weights.
    Introduced in notebooks/10_computing_convolution_fast.ipynb.
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
    oh, ow = fitted_output((h, w), (kh, kw), padding, stride, X.shape, weight.shape)
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
        for k, patch in enumerate(window_slices(Xp, (kh, kw), stride, out_hw))
    ]
    Y = terms[0] if len(terms) == 1 else nd.add_n(*terms)
    Y = Y.reshape((n, oh, ow, c_out)).transpose((0, 3, 1, 2))
    if bias is not None:
        Y = nd.broadcast_add(Y, bias.reshape((1, c_out, 1, 1)))
    return Y
