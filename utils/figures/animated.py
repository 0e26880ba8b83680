"""Animations of the main path of notebooks 01, 03, 04 and 06: a window moving over
the input, one output element per frame.

Every number a frame shows comes from the helper the notebook teaches: the padded
input from `utils.conv.pad2d`, the output from `utils.conv.corr2d`,
`utils.conv.corr2d_multi_in` or `utils.pool.pool2d`, its shape from
`utils.shapes.output_shape`. The product of a window element and a kernel element is
`corr2d` with a kernel that keeps only that element, which is exactly the term
`corr2d` adds for that kernel offset; the running sum adds those products in order.
So a frame shows what the helper computes, and a helper that changes changes the
frames and the summary line the notebook prints. Each `*_steps` function returns the
numbers of every frame (for tests and for the reader), each `*_animation` draws them
as an `Animation`. Introduced in notebooks/01_cross_correlation.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from utils.checks import Pair, as_nd, check_ndim, pair
from utils.conv import corr2d, corr2d_multi_in, pad2d
from utils.figures.animation import Animation, Frames
from utils.figures.cells import CHOSEN, FILLED, PADDING, draw_cells, number, panel_figure, texts
from utils.pool import pool2d
from utils.shapes import output_shape

# Tables up to this many cells across, all panels together, fit one row at a book's width.
_ONE_ROW_CELLS = 14


@dataclass(frozen=True)
class WindowStep:
    """One output element of a cross-correlation and the numbers behind it.

    `at` is the output position (i, j); `taps` the (row, col) of each input element the
    window reads, in padded coordinates, in kernel order; `values` those elements,
    `weights` the kernel elements, `products` value times weight (from `corr2d`),
    `running` the running sum of the products, `value` the output element (from `corr2d`).
    """

    at: tuple[int, int]
    taps: list[tuple[int, int]]
    values: list[float]
    weights: list[float]
    products: list[float]
    running: list[float]
    value: float


def _dilated(K: np.ndarray, d: tuple[int, int]) -> np.ndarray:
    """K with d - 1 zeros between neighbouring elements: a kernel with holes."""
    kh, kw = K.shape
    out = np.zeros(((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1), dtype=np.float32)
    out[:: d[0], :: d[1]] = K
    return out


def corr2d_steps(
    X: object, K: object, padding: Pair = 0, stride: Pair = 1, dilation: Pair = 1
) -> tuple[np.ndarray, np.ndarray, list[WindowStep]]:
    """The numbers of a cross-correlation animation, one `WindowStep` per output element.

    X (h, w) and K (kh, kw); `padding` (per side), `stride` and `dilation` are ints or
    (h, w) pairs. A dilation d reads every d-th input element: it is `corr2d` with the
    kernel spread out by d - 1 zeros between its elements. Returns the padded input
    (`pad2d`), the output (`corr2d`, shape `output_shape(...)`), and the steps, row by row.
    Introduced in notebooks/01_cross_correlation.ipynb (padding and stride in 03).
    """
    X, K = as_nd(X, "X"), as_nd(K, "K")
    check_ndim(X, 2, "X", "(h, w)")
    check_ndim(K, 2, "K", "(kh, kw)")
    p, s, d = pair(padding, "padding", 0), pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    k = K.asnumpy()
    spread = _dilated(k, d)
    shape = output_shape(X.shape, k.shape, p, s, d)
    Y = corr2d(X, spread, padding=p, stride=s).asnumpy()
    if Y.shape != shape:
        raise ValueError(f"corr2d gave shape {Y.shape} but output_shape says {shape}")
    offsets = [(a, b) for a in range(k.shape[0]) for b in range(k.shape[1])]
    products = []
    for a, b in offsets:
        single = np.zeros_like(k)
        single[a, b] = k[a, b]
        products.append(corr2d(X, _dilated(single, d), padding=p, stride=s).asnumpy())
    Xp = pad2d(X, p).asnumpy()
    steps = []
    for i in range(shape[0]):
        for j in range(shape[1]):
            taps = [(i * s[0] + a * d[0], j * s[1] + b * d[1]) for a, b in offsets]
            prods = [float(m[i, j]) for m in products]
            steps.append(WindowStep(
                at=(i, j), taps=taps, values=[float(Xp[t]) for t in taps],
                weights=[float(k[a, b]) for a, b in offsets], products=prods,
                running=[float(v) for v in np.cumsum(prods)], value=float(Y[i, j]),
            ))
    return Xp, Y, steps


def _sum_text(step: WindowStep) -> str:
    """ "3·0 + 4·1 + 6·2 + 7·3 = 37", or "sum of the 15 products = 150" for long sums."""
    if len(step.products) > 6:
        return f"sum of the {len(step.products)} products = {number(step.value)}"
    terms = " + ".join(f"{number(v)}·{number(w)}" for v, w in zip(step.values, step.weights,
                                                                   strict=True))
    return f"{terms} = {number(step.value)}"


def _read_mask(shape: tuple[int, int], steps: list[WindowStep]) -> np.ndarray:
    """True where no window of `steps` reads the (padded) input."""
    unread = np.ones(shape, dtype=bool)
    for step in steps:
        for t in step.taps:
            unread[t] = False
    return unread


def _padding_fill(shape: tuple[int, int], p: tuple[int, int]) -> dict[tuple[int, int], str]:
    h, w = shape
    return {(r, c): PADDING for r in range(h) for c in range(w)
            if not (p[0] <= r < h - p[0] and p[1] <= c < w - p[1])}


def _output_cells(Y: np.ndarray, done: int) -> tuple[np.ndarray, dict]:
    """Y's cells as text, those after the first `done` (row by row) left blank, the done
    ones shaded."""
    cells = texts(Y)
    flat = [(r, c) for r in range(Y.shape[0]) for c in range(Y.shape[1])]
    for r, c in flat[done:]:
        cells[r, c] = ""
    return cells, {rc: FILLED for rc in flat[:done]}


def _corr2d_frame(
    Xp: np.ndarray, K: np.ndarray, Y: np.ndarray, steps: list[WindowStep], n: int,
    p: tuple[int, int], title: str, caption: str,
) -> Figure:
    step = steps[n]
    kh, kw = K.shape
    full = f"{title}\n{caption}"
    if Xp.shape[1] + 2 * kw + Y.shape[1] <= _ONE_ROW_CELLS:
        fig, (row,) = panel_figure([[Xp.shape[1], kw, kw, Y.shape[1]]],
                                   [max(Xp.shape[0], kh, Y.shape[0])], full)
        ax_x, ax_k, ax_p, ax_y = row
    else:  # a wide input gets a row of its own, so that its cells stay legible
        fig, ((ax_x,), (ax_k, ax_p, ax_y)) = panel_figure(
            [[Xp.shape[1]], [kw, kw, Y.shape[1]]], [Xp.shape[0], max(kh, Y.shape[0])], full)
    hatch = _read_mask(Xp.shape, steps)
    where = "padded input" if max(p) else "input X"
    draw_cells(ax_x, texts(Xp), f"{where}, window {n + 1}",
               outline=[(r, c, 1, 1) for r, c in step.taps], fill=_padding_fill(Xp.shape, p),
               hatch=hatch if hatch.any() else None)
    if hatch.any():
        ax_x.set_xlabel("column (hatched: never read)", fontsize=8)
    draw_cells(ax_k, texts(K), "kernel K")
    prods = np.array([f"{number(v)}·{number(w)}\n={number(q)}" for v, w, q in
                      zip(step.values, step.weights, step.products, strict=True)],
                     dtype=object).reshape(kh, kw)
    draw_cells(ax_p, prods, "products", fontsize=7 if kw > 3 else 8)
    ax_p.set_xlabel("running sum: " + " → ".join(number(v) for v in step.running[-4:])
                    if len(step.running) <= 4 else
                    f"running sum: ... → {number(step.running[-1])}", fontsize=8)
    cells, fill = _output_cells(Y, n + 1)
    draw_cells(ax_y, cells, "output Y", outline=[(*step.at, 1, 1)], fill=fill)
    return fig


def corr2d_frames(
    X: object, K: object, padding: Pair = 0, stride: Pair = 1, dilation: Pair = 1,
    title: str | None = None,
) -> Frames:
    """The frames of `corr2d(X, K, padding, stride)`, one per output element.

    Each frame shows the (padded) input with the window's elements outlined (padding
    grey, elements no window ever reads hatched), the kernel, the products and their
    running sum, and the output filled so far with the new element outlined. Its caption
    is the sum, e.g. "Y[1, 0] = 3·0 + 4·1 + 6·2 + 7·3 = 37". Numbers from
    `corr2d_steps`; shapes as there. Introduced in notebooks/01_cross_correlation.ipynb
    (padding and stride in notebooks/03_padding_and_stride.ipynb).
    """
    Xp, Y, steps = corr2d_steps(X, K, padding, stride, dilation)
    p, s, d = pair(padding, "padding", 0), pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    k = as_nd(K, "K").asnumpy()
    if title is None:
        parts = [f"{k.shape[0]}x{k.shape[1]} kernel"]
        parts += [f"{name} {v[0] if v[0] == v[1] else v}"
                  for name, v, plain in (("padding", p, 0), ("stride", s, 1), ("dilation", d, 1))
                  if v != (plain, plain)]
        title = "corr2d: " + ", ".join(parts)
    captions = [f"Y[{st.at[0]}, {st.at[1]}] = {_sum_text(st)}" for st in steps]
    return Frames(lambda n: _corr2d_frame(Xp, k, Y, steps, n, p, title, captions[n]),
                  captions, title)


def corr2d_animation(
    X: object, K: object, padding: Pair = 0, stride: Pair = 1, dilation: Pair = 1,
    title: str | None = None, dpi: int = 72, interval_ms: int = 1200,
) -> Animation:
    """`corr2d_frames(X, K, padding, stride, dilation, title)` as an `Animation` player.
    Introduced in notebooks/01_cross_correlation.ipynb."""
    frames = corr2d_frames(X, K, padding, stride, dilation, title)
    return frames.animate(dpi=dpi, interval_ms=interval_ms)


@dataclass(frozen=True)
class ChannelStep:
    """One output element of a two-or-more-channel cross-correlation: the step of each
    input channel (`corr2d(X[c], K[c])`) and their sum (`corr2d_multi_in`)."""

    at: tuple[int, int]
    channels: list[WindowStep]
    value: float


def channels_steps(X: object, K: object) -> tuple[np.ndarray, list[ChannelStep]]:
    """The numbers of the multi-channel animation. X (c_i, h, w) and K (c_i, kh, kw);
    returns the output (h', w') of `corr2d_multi_in` and one `ChannelStep` per output
    element, row by row. Introduced in notebooks/04_channels.ipynb."""
    X, K = as_nd(X, "X"), as_nd(K, "K")
    check_ndim(X, 3, "X", "(c_i, h, w)")
    check_ndim(K, 3, "K", "(c_i, kh, kw)")
    Y = corr2d_multi_in(X, K).asnumpy()  # the channel-count check is the helper's
    per_channel = [corr2d_steps(X[c], K[c])[2] for c in range(X.shape[0])]
    steps = [ChannelStep(at=parts[0].at, channels=list(parts), value=float(Y[parts[0].at]))
             for parts in zip(*per_channel, strict=True)]
    return Y, steps


def _channels_frame(X, K, Y, steps, n, title, caption) -> Figure:
    step = steps[n]
    c_i, (kh, kw) = X.shape[0], K.shape[1:]
    height = max(X.shape[1], kh, Y.shape[0])
    fig, rows = panel_figure([[X.shape[2], kw, kw, Y.shape[1]]] * c_i, [height] * c_i,
                             f"{title}\n{caption}")
    for c, (part, (ax_x, ax_k, ax_p, ax_y)) in enumerate(zip(step.channels, rows, strict=True)):
        draw_cells(ax_x, texts(X[c]), f"input channel {c}",
                   outline=[(r, col, 1, 1) for r, col in part.taps])
        draw_cells(ax_k, texts(K[c]), f"kernel channel {c}")
        prods = np.array([f"{number(v)}·{number(w)}\n={number(q)}" for v, w, q in
                          zip(part.values, part.weights, part.products, strict=True)],
                         dtype=object).reshape(kh, kw)
        draw_cells(ax_p, prods, f"channel {c}: products", fontsize=8)
        ax_p.set_xlabel(f"gives {number(part.value)}: "
                        + " → ".join(number(v) for v in part.running), fontsize=8)
        if c:
            ax_y.axis("off")
    cells, fill = _output_cells(Y, n + 1)
    draw_cells(rows[0][3], cells, "output Y\n(sum over channels)", outline=[(*step.at, 1, 1)],
               fill=fill)
    return fig


def channels_frames(
    X: object, K: object, title: str = "corr2d_multi_in: one corr2d per channel, then add",
) -> Frames:
    """The frames of `corr2d_multi_in(X, K)`, one per output element: for each input
    channel c, its window, kernel channel, products and their running sum (the channel's
    `corr2d`), and the output Y filled so far. Caption e.g. "Y[0, 0] = 19 + 37 = 56",
    the channels' parts and their sum. X (c_i, h, w), K (c_i, kh, kw).
    Introduced in notebooks/04_channels.ipynb.
    """
    Y, steps = channels_steps(X, K)
    x, k = as_nd(X, "X").asnumpy(), as_nd(K, "K").asnumpy()
    captions = []
    for st in steps:
        parts = " + ".join(number(part.value) for part in st.channels)
        captions.append(f"Y[{st.at[0]}, {st.at[1]}] = {parts} = {number(st.value)}")
    return Frames(lambda n: _channels_frame(x, k, Y, steps, n, title, captions[n]),
                  captions, title)


def channels_animation(
    X: object, K: object, title: str = "corr2d_multi_in: one corr2d per channel, then add",
    dpi: int = 72, interval_ms: int = 1500,
) -> Animation:
    """`channels_frames(X, K, title)` as an `Animation` player.
    Introduced in notebooks/04_channels.ipynb."""
    return channels_frames(X, K, title).animate(dpi=dpi, interval_ms=interval_ms)


@dataclass(frozen=True)
class PoolStep:
    """One window of a pooling: its top-left corner `corner` in padded coordinates, the
    input elements it covers `values` (row by row) and how many padding cells
    `n_padding`, the output position `at`, the max and average pooling outputs there
    (`pool2d`), and `chosen`, the (row, col) of the element equal to the max (the first
    one, row by row), or None when no element equals it."""

    at: tuple[int, int]
    corner: tuple[int, int]
    values: list[float]
    n_padding: int
    maximum: float
    average: float
    chosen: tuple[int, int] | None


def pooling_steps(
    X: object, pool_size: Pair, stride: Pair | None = None, padding: Pair = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[PoolStep]]:
    """The numbers of the pooling animation. X (h, w); `stride` defaults to `pool_size`,
    as in Gluon's pooling layers. Returns the input padded with -inf (what max pooling
    reads; `pad2d`), the max and the average pooling outputs (`pool2d`, averages over
    the whole window, padding included) and one `PoolStep` per output element.
    Introduced in notebooks/06_pooling.ipynb."""
    X = as_nd(X, "X")
    check_ndim(X, 2, "X", "(h, w)")
    k = pair(pool_size, "pool_size", 1)
    s = k if stride is None else pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    Y_max = pool2d(X, k, "max", padding=p, stride=s).asnumpy()
    Y_avg = pool2d(X, k, "avg", padding=p, stride=s).asnumpy()
    Xp = pad2d(X, p, value=-np.inf).asnumpy()
    real_mask = np.zeros(Xp.shape, dtype=bool)
    real_mask[p[0]:Xp.shape[0] - p[0], p[1]:Xp.shape[1] - p[1]] = True
    steps = []
    for i in range(Y_max.shape[0]):
        for j in range(Y_max.shape[1]):
            r0, c0 = i * s[0], j * s[1]
            window = Xp[r0:r0 + k[0], c0:c0 + k[1]]
            hits = np.argwhere(window == Y_max[i, j])
            chosen = (r0 + int(hits[0][0]), c0 + int(hits[0][1])) if len(hits) else None
            real = window[real_mask[r0:r0 + k[0], c0:c0 + k[1]]]
            steps.append(PoolStep(at=(i, j), corner=(r0, c0), values=[float(v) for v in real],
                                  n_padding=window.size - real.size,
                                  maximum=float(Y_max[i, j]), average=float(Y_avg[i, j]),
                                  chosen=chosen))
    return Xp, Y_max, Y_avg, steps


def _pooling_frame(Xp, Y_max, Y_avg, steps, n, k, p, title, caption) -> Figure:
    step = steps[n]
    fig, (row,) = panel_figure([[Xp.shape[1], Y_max.shape[1], Y_avg.shape[1]]], [Xp.shape[0]],
                               f"{title}\n{caption}")
    fill = _padding_fill(Xp.shape, p)
    cells = texts(Xp)
    for rc in fill:
        cells[rc] = ""  # padding: -inf for max pooling, 0 for the average (see the caption)
    if step.chosen is not None:
        fill[step.chosen] = CHOSEN
    what = "orange: its max" + (", grey: padding" if max(p) else "")
    draw_cells(row[0], cells, f"input, window {n + 1}\n({what})", outline=[(*step.corner, *k)],
               fill=fill)
    for ax, Y, name in ((row[1], Y_max, "max pooling"), (row[2], Y_avg, "average pooling")):
        out, done = _output_cells(Y, n + 1)
        draw_cells(ax, out, name, outline=[(*step.at, 1, 1)], fill=done)
    return fig


def pooling_frames(
    X: object, pool_size: Pair, stride: Pair | None = None, padding: Pair = 0,
    title: str | None = None,
) -> Frames:
    """The frames of max and average pooling (`pool2d`) over X (h, w), one per window:
    the window on the (padded) input with its largest element highlighted, and both
    outputs filled so far. Caption e.g. "window (0, 0): max(0, 1, 4, 5) = 5, mean = 2.5";
    with padding, "window (0, 0): 0, 1, 4, 5 and 5 padding; max = 5, mean = 1.111
    (padding as 0)". Numbers from `pooling_steps`. Introduced in notebooks/06_pooling.ipynb.
    """
    Xp, Y_max, Y_avg, steps = pooling_steps(X, pool_size, stride, padding)
    k = pair(pool_size, "pool_size", 1)
    s = k if stride is None else pair(stride, "stride", 1)
    p = pair(padding, "padding", 0)
    if title is None:
        title = f"{k[0]}x{k[1]} pooling, stride {s[0] if s[0] == s[1] else s}" + (
            f", padding {p[0] if p[0] == p[1] else p}" if max(p) else "")
    captions = []
    for st in steps:
        values = ", ".join(number(v) for v in st.values)
        where = f"window ({st.at[0]}, {st.at[1]})"
        if st.n_padding:
            captions.append(f"{where}: {values} and {st.n_padding} padding; max = "
                            f"{number(st.maximum)}, mean = {number(st.average)} (padding as 0)")
        else:
            captions.append(f"{where}: max({values}) = {number(st.maximum)}, "
                            f"mean = {number(st.average)}")
    return Frames(lambda n: _pooling_frame(Xp, Y_max, Y_avg, steps, n, k, p, title, captions[n]),
                  captions, title)


def pooling_animation(
    X: object, pool_size: Pair, stride: Pair | None = None, padding: Pair = 0,
    title: str | None = None, dpi: int = 72, interval_ms: int = 1200,
) -> Animation:
    """`pooling_frames(X, pool_size, stride, padding, title)` as an `Animation` player.
    Introduced in notebooks/06_pooling.ipynb."""
    frames = pooling_frames(X, pool_size, stride, padding, title)
    return frames.animate(dpi=dpi, interval_ms=interval_ms)
