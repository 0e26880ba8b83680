"""Animations for the "Going deeper" sections of notebook 03: dilation, and the
transposed convolution drawn as the scatter of each input value through the kernel.

As in `utils.figures.animated`, every number comes from the project's helpers. A
dilated cross-correlation is `corr2d` with the kernel spread out by zeros (see
`corr2d_steps`), its shape `output_shape(..., dilation=d)`. The transposed convolution
is written with `pad2d` and `convolve2d`: insert s - 1 zeros between the input's
elements, pad k - 1 zeros on each side, and convolve with K, so that input element
(i, j) adds X[i, j] times K to the output block whose top-left corner is (i s, j s).
Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from utils.checks import Pair, as_nd, check_ndim, pair
from utils.conv import convolve2d, pad2d
from utils.figures.animated import corr2d_frames
from utils.figures.animation import Animation, Frames
from utils.figures.cells import FILLED, draw_cells, number, panel_figure, texts


def dilation_animation(
    X: object, K: object, dilation: Pair, padding: Pair = 0, stride: Pair = 1,
    title: str | None = None, dpi: int = 72, interval_ms: int = 1200,
) -> Animation:
    """An animation of a dilated cross-correlation of X (h, w) with K (kh, kw): the window
    reads every d-th input element, so a kh x kw kernel spans (kh - 1) d + 1 rows. Frames,
    captions and numbers as `corr2d_frames(X, K, padding, stride, dilation)`; the output
    has shape `output_shape((h, w), (kh, kw), padding, stride, dilation)`.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    frames = corr2d_frames(X, K, padding=padding, stride=stride, dilation=dilation, title=title)
    return frames.animate(dpi=dpi, interval_ms=interval_ms)


def transposed_conv2d(X: object, K: object, stride: Pair = 1) -> np.ndarray:
    """The transposed convolution of X (h, w) with K (kh, kw) at `stride` s, as a NumPy
    array of shape ((h - 1) s_h + kh, (w - 1) s_w + kw): X with s - 1 zeros between its
    elements, padded by k - 1 zeros on each side (`pad2d`), convolved with K
    (`convolve2d`). Element (i, j) of X adds X[i, j] * K to the block at (i s_h, j s_w);
    it is what `nd.Deconvolution` computes for one channel.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    X, K = as_nd(X, "X"), as_nd(K, "K")
    check_ndim(X, 2, "X", "(h, w)")
    check_ndim(K, 2, "K", "(kh, kw)")
    s = pair(stride, "stride", 1)
    (h, w), (kh, kw) = X.shape, K.shape
    spread = np.zeros(((h - 1) * s[0] + 1, (w - 1) * s[1] + 1), dtype=np.float32)
    spread[:: s[0], :: s[1]] = X.asnumpy()
    return convolve2d(pad2d(spread, (kh - 1, kw - 1)), K).asnumpy()


@dataclass(frozen=True)
class ScatterStep:
    """One input element of a transposed convolution: its position `at` and value, the
    output block it writes to (`corner`, K's shape), what it adds there (`block`, value
    times K) and the output after it and every element before it (`running`). Both
    come from `transposed_conv2d` of the input with only those elements kept."""

    at: tuple[int, int]
    value: float
    corner: tuple[int, int]
    block: np.ndarray
    running: np.ndarray


def transposed_steps(
    X: object, K: object, stride: Pair = 1
) -> tuple[np.ndarray, list[ScatterStep]]:
    """The numbers of the scatter animation: the whole output (`transposed_conv2d`) and
    one `ScatterStep` per input element, row by row. Introduced in
    notebooks/03_padding_and_stride.ipynb."""
    x = as_nd(X, "X").asnumpy()
    k = as_nd(K, "K").asnumpy()
    s = pair(stride, "stride", 1)
    Y = transposed_conv2d(x, k, s)
    order = [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])]
    steps = []
    for n, (i, j) in enumerate(order):
        alone, upto = np.zeros_like(x), np.zeros_like(x)
        alone[i, j] = x[i, j]
        for rc in order[: n + 1]:
            upto[rc] = x[rc]
        r0, c0 = i * s[0], j * s[1]
        block = transposed_conv2d(alone, k, s)[r0:r0 + k.shape[0], c0:c0 + k.shape[1]]
        steps.append(ScatterStep(at=(i, j), value=float(x[i, j]), corner=(r0, c0), block=block,
                                 running=transposed_conv2d(upto, k, s)))
    return Y, steps


def _matrix(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in a) + "]"


def _scatter_frame(x, k, Y, steps, n, title, caption) -> Figure:
    step = steps[n]
    kh, kw = k.shape
    fig, (row,) = panel_figure([[x.shape[1], kw, Y.shape[1], Y.shape[1]]],
                               [max(x.shape[0], kh, Y.shape[0])], f"{title}\n{caption}")
    r0, c0 = step.corner
    draw_cells(row[0], texts(x), f"input X, element {n + 1}", outline=[(*step.at, 1, 1)])
    draw_cells(row[1], texts(k), "kernel K")
    added = np.full(Y.shape, "", dtype=object)
    added[r0:r0 + kh, c0:c0 + kw] = texts(step.block)
    draw_cells(row[2], added, f"X[{step.at[0]}, {step.at[1]}]·K, placed",
               outline=[(r0, c0, kh, kw)])
    touched = np.zeros(Y.shape, dtype=bool)
    for st in steps[: n + 1]:
        touched[st.corner[0]:st.corner[0] + kh, st.corner[1]:st.corner[1] + kw] = True
    cells = texts(step.running)
    cells[~touched] = ""
    draw_cells(row[3], cells, "output Y so far", outline=[(r0, c0, kh, kw)],
               fill={(int(r), int(c)): FILLED for r, c in zip(*np.nonzero(touched), strict=True)})
    return fig


def transposed_frames(
    X: object, K: object, stride: Pair = 1, title: str | None = None
) -> Frames:
    """The frames of the transposed convolution of X (h, w) with K (kh, kw), one per
    input element: the element, K, the block X[i, j]·K it adds to the output at
    (i s, j s), and the output summed so far. Caption e.g. "X[0, 1] = 1 adds [[0, 1],
    [2, 3]] to Y[0:2, 1:3]", the last one followed by the whole output. Numbers from
    `transposed_steps`. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    Y, steps = transposed_steps(X, K, stride)
    x, k = as_nd(X, "X").asnumpy(), as_nd(K, "K").asnumpy()
    s = pair(stride, "stride", 1)
    if title is None:
        title = (f"transposed convolution, {k.shape[0]}x{k.shape[1]} kernel, "
                 f"stride {s[0] if s[0] == s[1] else s}: each input element scatters")
    captions = []
    for st in steps:
        (r0, c0), (kh, kw) = st.corner, k.shape
        captions.append(f"X[{st.at[0]}, {st.at[1]}] = {number(st.value)} adds "
                        f"{_matrix(st.block)} to Y[{r0}:{r0 + kh}, {c0}:{c0 + kw}]")
    titles = list(captions)  # the frames' own titles leave out the whole output: too wide
    captions[-1] += f"; Y = {_matrix(Y)}"
    return Frames(lambda n: _scatter_frame(x, k, Y, steps, n, title, titles[n]),
                  captions, title)


def transposed_animation(
    X: object, K: object, stride: Pair = 1, title: str | None = None, dpi: int = 72,
    interval_ms: int = 1500,
) -> Animation:
    """`transposed_frames(X, K, stride, title)` as an `Animation` player.
    Introduced in notebooks/03_padding_and_stride.ipynb."""
    return transposed_frames(X, K, stride, title).animate(dpi=dpi, interval_ms=interval_ms)
