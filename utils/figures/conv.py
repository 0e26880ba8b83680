"""The figures of notebooks 01-06: windows, offsets, padding and stride, channels,
1x1 convolution and pooling, drawn with matplotlib.

Every function returns the matplotlib Figure it drew, with a title and axis
labels, so a notebook cell can show it (PNG, which nbval does not compare
byte for byte) and a test can inspect it; the building blocks they share are in
`utils.figures.base`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from utils.checks import pair
from utils.conv import corr2d
from utils.figures.base import (
    draw_grid,
    finish_axes,
    outline_field,
    to_numpy,
)
from utils.pool import pool2d
from utils.shapes import output_shape

# ---- figures of notebooks 01 (cross-correlation) ---------------------------

# The window figure and the weighted-slice figure of notebook 01 come one after the other
# and colour different things (output elements, kernel elements), so they share no colour.
WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")
OFFSET_COLORS = ("tab:pink", "tab:cyan", "tab:olive", "black", "gold", "navy", "darkred",
                 "darkgreen", "tab:gray")


def draw_corr2d_windows(
    X: object,
    K: object,
    suptitle: str = "Which window of X gives each output element",
    size: float = 2.2,
) -> Figure:
    """Show, row by row, which window of `X` produces each element of corr2d(X, K).

    `X` is (h, w) and `K` is (kh, kw), small enough to print every cell. Row n of
    the figure handles output element n (in row-major order): X with that window
    outlined, K, and the output Y of shape (h - kh + 1, w - kw + 1) with the
    element outlined in the same colour and its sum of products as the title.
    Introduced in notebooks/01_cross_correlation.ipynb.
    """
    x, k = to_numpy(X), to_numpy(K)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"X and K must be 2-D, got shapes {x.shape} and {k.shape}")
    kh, kw = k.shape
    y = corr2d(x, k).asnumpy()  # a kernel larger than X is corr2d's ValueError
    oh, ow = y.shape
    colors = WINDOW_COLORS
    fig, axes = plt.subplots(oh * ow, 3, figsize=(3 * size, oh * ow * size), squeeze=False)
    for n, (i, j) in enumerate((i, j) for i in range(oh) for j in range(ow)):
        color = (colors[n % len(colors)],)
        window = x[i:i + kh, j:j + kw]
        terms = " + ".join(f"{a:g}·{b:g}" for a, b in zip(window.flat, k.flat, strict=True))
        draw_grid(axes[n, 0], x, f"X, window at ({i}, {j})", highlight=[(i, j, kh, kw)],
                  colors=color)
        draw_grid(axes[n, 1], k, "K")
        draw_grid(axes[n, 2], y, highlight=[(i, j, 1, 1)], colors=color)
        axes[n, 2].set_title(f"Y[{i}, {j}] =\n{terms} = {y[i, j]:g}", fontsize=9)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def draw_corr2d_offsets(
    X: object,
    K: object,
    suptitle: str = "corr2d one kernel element at a time: Y = sum of weighted slices of X",
    size: float = 2.2,
) -> Figure:
    """Show corr2d(X, K) as a sum over kernel elements, the way `utils.corr2d` computes it.

    `X` is (h, w) and `K` is (kh, kw), small enough to print every cell; the output Y
    has shape (oh, ow) = (h - kh + 1, w - kw + 1). Column n of the figure handles
    kernel element n = (a, b), row by row: on top, X with the slice
    X[a:a + oh, b:b + ow] outlined; below it, that slice times K[a, b]. The last column
    shows K with each element outlined in its column's colour, and Y, the sum of the
    weighted slices. Introduced in notebooks/01_cross_correlation.ipynb.
    """
    x, k = to_numpy(X), to_numpy(K)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"X and K must be 2-D, got shapes {x.shape} and {k.shape}")
    y = corr2d(x, k).asnumpy()  # a kernel larger than X is corr2d's ValueError
    (kh, kw), (oh, ow) = k.shape, y.shape
    offsets = [(a, b) for a in range(kh) for b in range(kw)]
    colors = [OFFSET_COLORS[n % len(OFFSET_COLORS)] for n in range(len(offsets))]
    fig, axes = plt.subplots(
        2, len(offsets) + 1, figsize=((len(offsets) + 1) * size, 2 * size + 0.6), squeeze=False
    )
    for n, (a, b) in enumerate(offsets):
        draw_grid(axes[0, n], x, f"offset ({a}, {b}): slice of X", highlight=[(a, b, oh, ow)],
                  colors=(colors[n],))
        weighted = k[a, b] * x[a:a + oh, b:b + ow]
        draw_grid(axes[1, n], weighted, f"K[{a}, {b}] = {k[a, b]:g} times the slice",
                  highlight=[(0, 0, oh, ow)], colors=(colors[n],))
    draw_grid(axes[0, -1], k, "K", highlight=[(a, b, 1, 1) for a, b in offsets], colors=colors)
    draw_grid(axes[1, -1], y, "Y = sum of the weighted slices")
    for ax in axes.flat:
        ax.title.set_fontsize(9)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_edge_maps(
    edge_maps: Mapping[str, object], suptitle: str, limit: float | None = None
) -> Figure:
    """Edge maps side by side, each red where its response is positive and blue where negative.

    `edge_maps` maps a panel title to a 2-D array (h, w), the response of an image to one
    kernel. All panels share one colour scale, white at 0 and symmetric from -`limit` to
    `limit` (default: the largest |value| over all maps); a value beyond the limit is drawn
    in the limit's colour, and the colour bars then have pointed ends. Each panel has its
    colour bar, so a response's sign and size can be read off. Introduced in
    notebooks/01_cross_correlation.ipynb.
    """
    if not isinstance(edge_maps, Mapping):
        raise TypeError(f"edge_maps must map titles to arrays, got {type(edge_maps).__name__}")
    maps = {title: to_numpy(values) for title, values in edge_maps.items()}
    shapes = [m.shape for m in maps.values()]
    if not maps or any(len(shape) != 2 for shape in shapes):
        raise ValueError(f"show_edge_maps needs one or more 2-D maps, got shapes {shapes}")
    largest = max(float(np.abs(m).max()) for m in maps.values())
    limit = largest if limit is None else float(limit)
    if not limit > 0:
        raise ValueError(f"limit must be positive (all-zero maps need one), got {limit!r}")
    fig, axes = plt.subplots(1, len(maps), figsize=(5.2 * len(maps), 4.6), squeeze=False)
    for ax, (title, values) in zip(axes.flat, maps.items(), strict=True):
        shown = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(title)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        fig.colorbar(shown, ax=ax, shrink=0.8, label="response",
                     extend="both" if largest > limit else "neither")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# ---- figures of notebooks 02-03 (learning a kernel; padding and stride) -----


def _contraction_factor(lr: float, curvatures: Sequence[float]) -> float:
    """rho = max over the curvatures of |1 - lr * curvature| (all curvatures > 0)."""
    values = [float(v) for v in curvatures]
    if not values or min(values) <= 0:
        raise ValueError(f"curvatures must be a non-empty list of positive numbers, got {values!r}")
    return max(abs(1 - lr * v) for v in values)


def plot_contraction(
    curvatures: Mapping[str, Sequence[float]],
    lr_max: float,
    title: str,
    rho_max: float = 1.5,
) -> Figure:
    """The contraction factor rho(lr) of gradient descent against the learning rate.

    For a quadratic loss whose Hessian has the eigenvalues lambda (all > 0), one step
    at rate lr multiplies the error along each eigenvector by 1 - lr * lambda, so the
    slowest direction shrinks by rho = max |1 - lr * lambda| per step. `curvatures`
    maps a label to one loss's eigenvalues; each gets the curve rho(lr) for lr from 0
    to `lr_max` (piecewise linear, exact at its corners), with a dot at its best rate
    2 / (lambda_min + lambda_max). A dashed line marks rho = 1 (above it the steps
    diverge); the y axis stops at `rho_max`. Introduced in notebooks/02_learning_a_kernel.ipynb.
    """
    if lr_max <= 0:
        raise ValueError(f"lr_max must be positive, got {lr_max!r}")
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, values in curvatures.items():
        lams = [float(v) for v in values]
        _contraction_factor(0.0, lams)  # checks the eigenvalues
        best = 2 / (min(lams) + max(lams))
        corners = [1 / v for v in lams] + [best, 2 / max(lams)]
        xs = sorted({0.0, lr_max, *[c for c in corners if c < lr_max]})
        line, = ax.plot(xs, [_contraction_factor(x, lams) for x in xs], label=label)
        if best < lr_max:
            ax.plot([best], [_contraction_factor(best, lams)], "o", color=line.get_color())
    ax.axhline(1.0, color="0.3", linestyle="--", linewidth=1, label="rho = 1: diverges above")
    ax.set_xlim(0, lr_max)
    ax.set_ylim(0, rho_max)
    return finish_axes(fig, ax, title, "learning rate", "rho, error factor per iteration")


def draw_input_gradient(
    G: object, K: object, grad_X: object, stride: int | tuple[int, int], title: str
) -> Figure:
    """How a convolution's output gradient is scattered back onto its input.

    G (oh, ow) is the gradient of a loss with respect to the output of
    `corr2d(X, K, stride=stride)` (no padding), K (kh, kw) the kernel and grad_X
    (h, w) the gradient with respect to X. Three panels: G spread out by the
    stride (s - 1 zeros between its elements, each element outlined in its
    colour), the kernel, and grad_X with the window of each element of G
    outlined in the same colour, which is where that element, times K, lands;
    cells no window covers (a stride that does not fit) are hatched. Colours
    repeat after four. Introduced in notebooks/02_learning_a_kernel.ipynb.
    """
    g, k, gx = to_numpy(G), to_numpy(K), to_numpy(grad_X)
    for name, a in (("G", g), ("K", k), ("grad_X", gx)):
        if a.ndim != 2 or 0 in a.shape:
            raise ValueError(f"{name} must be a non-empty 2-D array, got shape {a.shape}")
    sh, sw = pair(stride, "stride", 1)
    (oh, ow), (kh, kw) = g.shape, k.shape
    if (oh - 1) * sh + kh > gx.shape[0] or (ow - 1) * sw + kw > gx.shape[1]:
        raise ValueError(
            f"windows of a {kh}x{kw} kernel at stride {stride!r} for an output gradient of shape "
            f"{g.shape} do not fit in grad_X of shape {gx.shape}"
        )
    spread = np.zeros(((oh - 1) * sh + 1, (ow - 1) * sw + 1), dtype=g.dtype)
    spread[::sh, ::sw] = g
    windows = _padded_windows(g.shape, k.shape, (sh, sw))
    fig, axes = plt.subplots(
        1, 3, figsize=(11, 4.2), gridspec_kw={"width_ratios": [spread.shape[1], kw, gx.shape[1]]}
    )
    cells = [(r, c, 1, 1) for r, c, _, _ in windows]
    draw_grid(axes[0], spread, f"output gradient G,\nspread by stride {stride}", highlight=cells)
    draw_grid(axes[1], k, "kernel K")
    draw_grid(axes[2], gx, "gradient w.r.t. the input", highlight=windows)
    _hatch_unvisited(axes[2], gx.shape, windows)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _padded_windows(
    out_hw: tuple[int, int], kernel_hw: tuple[int, int], stride_hw: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """(row, col, kh, kw) of every window, in padded-input coordinates, row by row."""
    (oh, ow), (kh, kw), (sh, sw) = out_hw, kernel_hw, stride_hw
    return [(i * sh, j * sw, kh, kw) for i in range(oh) for j in range(ow)]


def _hatch_unvisited(
    ax: Axes, shape: tuple[int, int], windows: Sequence[tuple[int, int, int, int]]
) -> None:
    """Hatch the cells of an (h, w) grid that no (row, col, kh, kw) window covers."""
    visited = np.zeros(shape, dtype=bool)
    for r, c, kh, kw in windows:
        visited[r : r + kh, c : c + kw] = True
    for r, c in zip(*np.nonzero(~visited), strict=True):
        ax.add_patch(
            Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.55", lw=0)
        )


def draw_padded(
    ax: Axes,
    values: object,
    pads: tuple[int, int, int, int],
    windows: Sequence[tuple[int, int, int, int]] = (),
    title: str = "",
    centres: bool = False,
    unvisited: bool = False,
) -> Axes:
    """Draw `values` (h, w) surrounded by zeros, with the padding shaded grey.

    `pads` is (top, bottom, left, right), so uneven padding can be drawn too;
    `windows` are (row, col, kh, kw) blocks in padded coordinates, outlined by
    `draw_grid`; with `centres=True` a dot marks the centre of each window (on a
    cell for an odd kernel, on a grid corner for an even one); with
    `unvisited=True` the cells no window covers are hatched.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    a = to_numpy(values)
    top, bottom, left, right = pads
    padded = np.pad(a, ((top, bottom), (left, right)))
    H, W = padded.shape
    border = [(0, 0, top, W), (H - bottom, 0, bottom, W), (0, 0, H, left), (0, W - right, H, right)]
    draw_grid(ax, padded, title, highlight=windows, shade=[b for b in border if b[2] and b[3]])
    if centres:
        for r, c, kh, kw in windows:
            x, y = c + (kw - 1) / 2, r + (kh - 1) / 2
            ax.plot(x, y, marker="o", markersize=18, markerfacecolor="none", markeredgecolor="k")
    if unvisited:
        _hatch_unvisited(ax, padded.shape, windows)
    return ax


def plot_strided_windows(
    X: object,
    K: object,
    Y: object,
    padding: int | tuple[int, int],
    stride: int | tuple[int, int],
    title: str,
) -> Figure:
    """The zero-padded input with each window the kernel visits, the kernel, and the output.

    X (h, w), K (kh, kw) and Y = corr2d(X, K, padding, stride) are drawn side by
    side; window number n of the input and output element n share a colour
    (outputs counted row by row; colours repeat after four). Cells of the padded
    input that no window reads are hatched.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    y = to_numpy(Y)
    ph, pw = pair(padding, "padding", 0)
    windows = _padded_windows(y.shape, to_numpy(K).shape, pair(stride, "stride", 1))
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), gridspec_kw={"width_ratios": [5, 2.5, 2.5]})
    draw_padded(
        axes[0], X, (ph, ph, pw, pw), windows, f"input padded by {padding}, stride {stride}",
        unvisited=True,
    )
    draw_grid(axes[1], K, "kernel")
    cells = [(i, j, 1, 1) for i in range(y.shape[0]) for j in range(y.shape[1])]
    draw_grid(axes[2], y, "output", highlight=cells)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_kernel_centres(X: object, kernel_sizes: Sequence[int], title: str) -> Figure:
    """How odd and even kernels sit over the input when the output keeps its size.

    For each kernel size k the (h, w) input X gets k - 1 rows and columns of
    padding in total: ceil((k - 1) / 2) on top and left, floor((k - 1) / 2) on
    bottom and right, as the article suggests. The windows of the first and last
    output element are outlined and their centres dotted: on a cell for odd k,
    between cells for even k. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    h, w = to_numpy(X).shape
    n = len(kernel_sizes)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 4), squeeze=False)
    for ax, k in zip(axes[0], kernel_sizes, strict=True):
        before, after = k // 2, (k - 1) // 2
        windows = [(0, 0, k, k), (h - 1, w - 1, k, k)]
        title_k = f"k = {k}: padding {before} before, {after} after"
        draw_padded(ax, X, (before, after, before, after), windows, title_k, centres=True)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_unvisited(
    shapes: Sequence[tuple[int, int]],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int],
    title: str,
) -> Figure:
    """Inputs of different sizes that give the same output size under a stride.

    For each (h, w) in `shapes`, the input numbered 0, 1, 2, ... is drawn with
    every window of the kernel outlined (no padding) and the cells no window
    reads hatched. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    k, s = pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1)
    fig, axes = plt.subplots(len(shapes), 1, figsize=(7, 2.6 * len(shapes)), squeeze=False)
    for ax, (h, w) in zip(axes[:, 0], shapes, strict=True):
        out = output_shape((h, w), k, stride=s)
        windows = _padded_windows(out, k, s)
        title_hw = f"input {h}x{w} -> output {out[0]}x{out[1]}"
        draw_grid(ax, np.arange(h * w).reshape(h, w), title_hw, highlight=windows)
        _hatch_unvisited(ax, (h, w), windows)
    fig.suptitle(title + "\n(hatched: never read by any window)")
    fig.tight_layout()
    return fig


# ---- figures of notebooks 04-06 (channels; 1x1 convolution; pooling) --------


def draw_channel_sum(
    X: object,
    K: object,
    parts: object,
    Y: object,
    suptitle: str = "Per-channel cross-correlations add up to the output",
    size: float = 2.2,
) -> Figure:
    """Show how a multi-input-channel cross-correlation adds per-channel results.

    `X` is (c_i, h, w), `K` is (c_i, kh, kw), `parts` is (c_i, h', w') with
    parts[c] = corr2d(X[c], K[c]), and `Y` (h', w') is their sum. Row c of the
    figure shows X[c] and K[c] (first window outlined) and parts[c]; a panel on
    the right shows Y, its element (0, 0) titled with the sum of the parts.
    Introduced in notebooks/04_channels.ipynb.
    """
    x, k, p, y = (to_numpy(a) for a in (X, K, parts, Y))
    if x.ndim != 3 or k.ndim != 3 or p.ndim != 3 or y.ndim != 2:
        raise ValueError(
            f"need X (c_i, h, w), K (c_i, kh, kw), parts (c_i, h', w') and Y (h', w'), "
            f"got shapes {x.shape}, {k.shape}, {p.shape} and {y.shape}"
        )
    if not (x.shape[0] == k.shape[0] == p.shape[0]) or p.shape[1:] != y.shape:
        raise ValueError(
            f"shapes do not fit together: X {x.shape}, K {k.shape}, parts {p.shape}, Y {y.shape}"
        )
    c_i, (kh, kw) = x.shape[0], k.shape[1:]
    fig = plt.figure(figsize=(4 * size, c_i * size))
    grid = fig.add_gridspec(c_i, 4)
    for c in range(c_i):
        draw_grid(fig.add_subplot(grid[c, 0]), x[c], f"X[{c}] (input channel {c})",
                  highlight=[(0, 0, kh, kw)])
        draw_grid(fig.add_subplot(grid[c, 1]), k[c], f"K[{c}]")
        draw_grid(fig.add_subplot(grid[c, 2]), p[c], f"corr2d(X[{c}], K[{c}])",
                  highlight=[(0, 0, 1, 1)])
    terms = " + ".join(f"{v:g}" for v in p[:, 0, 0])
    draw_grid(fig.add_subplot(grid[:, 3]), y,
              f"Y = sum over channels\nY[0, 0] = {terms} = {y[0, 0]:g}",
              highlight=[(0, 0, 1, 1)])
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def draw_shift_comparison(
    before: Sequence[object],
    after: Sequence[object],
    titles: Sequence[str],
    suptitle: str,
    size: float = 2.6,
) -> Figure:
    """Two rows of small arrays, the second shaded where it differs from the first.

    `before` and `after` are matching lists of 2-D arrays (the same shape pairwise),
    for example an image, a detector's output and its pooled output, computed
    once on the original image and once on a shifted copy; `titles` names the
    columns. Cells of the second row whose value changed are shaded grey.
    Introduced in notebooks/06_pooling.ipynb.
    """
    if not len(before) == len(after) == len(titles):
        raise ValueError(f"{len(before)} before, {len(after)} after and {len(titles)} titles")
    fig, axes = plt.subplots(2, len(titles), figsize=(size * 1.3 * len(titles), 2 * size),
                             squeeze=False)
    for n, (b, a, title) in enumerate(zip(before, after, titles, strict=True)):
        b, a = to_numpy(b), to_numpy(a)
        if b.shape != a.shape:
            raise ValueError(f"column {title!r}: shapes {b.shape} and {a.shape} differ")
        changed = [(int(r), int(c), 1, 1) for r, c in np.argwhere(b != a)]
        draw_grid(axes[0, n], b, f"{title}\n(original)")
        draw_grid(axes[1, n], a, f"{title}\n(shifted; {len(changed)} of {a.size} changed)",
                  shade=changed)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def draw_layer_channels(
    colour: object,
    Y: object,
    out_titles: Sequence[str],
    suptitle: str,
    window: tuple[int, int, int, int] | None = None,
    size: float = 4.2,
) -> Figure:
    """A colour image beside the output channels a layer makes of it, large, on a signed scale.

    `colour` (h, w, 3), values in [0, 1], is the layer's input, its three channels shown
    as one picture; `Y` (c_o, h', w') is the layer's output, one panel per channel named
    by `out_titles`, all in one diverging colour map (white is 0, red positive, blue
    negative) on a range symmetric around 0 that ends at the 99th percentile of |Y|, with
    a colour bar. `window` = (top, bottom, left, right) shows only rows top..bottom-1 and
    columns left..right-1 of every panel (the ticks keep the image's own indices), so that
    thin edges stay visible at a book's width; it must lie inside the input and the output.
    Introduced in notebooks/04_channels.ipynb.
    """
    rgb, y = to_numpy(colour), to_numpy(Y)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or y.ndim != 3:
        raise ValueError(
            f"need colour (h, w, 3) and Y (c_o, h', w'), got {rgb.shape} and {y.shape}"
        )
    if len(out_titles) != y.shape[0]:
        raise ValueError(f"{len(out_titles)} output titles for Y of shape {y.shape}")
    h, w = min(rgb.shape[0], y.shape[1]), min(rgb.shape[1], y.shape[2])
    top, bottom, left, right = (0, h, 0, w) if window is None else window
    if not (0 <= top < bottom <= h and 0 <= left < right <= w):
        raise ValueError(
            f"window {window} must satisfy 0 <= top < bottom <= {h} and 0 <= left < right <= {w}"
            f" (colour {rgb.shape}, Y {y.shape})"
        )
    limit = float(np.percentile(np.abs(y), 99)) or float(np.abs(y).max()) or 1.0
    extent = (left - 0.5, right - 0.5, bottom - 0.5, top - 0.5)
    n = 1 + y.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(size * n + 1, size + 0.6), squeeze=False,
                             constrained_layout=True)
    axes = axes[0]
    axes[0].imshow(rgb[top:bottom, left:right], extent=extent)
    axes[0].set_title("input: 3 channels (red, green, blue)", fontsize=11)
    for o, (ax, title) in enumerate(zip(axes[1:], out_titles, strict=True)):
        image = ax.imshow(y[o, top:bottom, left:right], cmap="RdBu_r", vmin=-limit, vmax=limit,
                          extent=extent, interpolation="nearest")
        ax.set_title(f"output channel {o}: {title}", fontsize=11)
    for ax in axes:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    fig.colorbar(image, ax=list(axes[1:]), shrink=0.9,
                 label="output value (red > 0, white 0, blue < 0)")
    fig.suptitle(suptitle)
    return fig


_WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")


def draw_pooling(
    X: object,
    pool_size: int,
    stride: int,
    suptitle: str = "Pooling: one summary number per window",
    size: float = 3.0,
) -> Figure:
    """The windows of a square pooling on a small (h, w) array, and both summaries.

    Left: `X` with every window (`pool_size` x `pool_size`, moving `stride` cells,
    no padding) outlined in its own colour; middle and right: the max-pooled and
    the average-pooled outputs (`utils.pool2d`), each cell outlined in the colour
    of its window, the first window's summary spelled out in the titles.
    Overlapping windows (stride < pool_size) are outlined at different insets.
    Introduced in notebooks/06_pooling.ipynb.
    """
    x = to_numpy(X)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-D (h, w), got shape {x.shape}")
    for name, value in (("pool_size", pool_size), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    y_max, y_avg = (pool2d(x, pool_size, mode, stride=stride).asnumpy() for mode in ("max", "avg"))
    oh, ow = y_max.shape
    fig, axes = plt.subplots(1, 3, figsize=(3 * size, size))
    draw_grid(axes[0], x, f"X: {pool_size}x{pool_size} windows, stride {stride}")
    for n, (i, j) in enumerate((i, j) for i in range(oh) for j in range(ow)):
        inset = 0.06 + 0.06 * (n % 3) * (stride < pool_size)
        axes[0].add_patch(Rectangle(
            (j * stride - 0.5 + inset, i * stride - 0.5 + inset),
            pool_size - 2 * inset, pool_size - 2 * inset,
            fill=False, edgecolor=_WINDOW_COLORS[n % len(_WINDOW_COLORS)], lw=2.5))
    first = ", ".join(f"{v:g}" for v in x[:pool_size, :pool_size].ravel())
    cells = [(i, j, 1, 1) for i in range(oh) for j in range(ow)]
    draw_grid(axes[1], y_max, f"max pooling\nmax({first}) = {y_max[0, 0]:g}",
              highlight=cells, colors=_WINDOW_COLORS)
    draw_grid(axes[2], y_avg, f"average pooling\nmean({first}) = {y_avg[0, 0]:g}",
              highlight=cells, colors=_WINDOW_COLORS)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def draw_iou_table(
    iou: Mapping[str, Sequence[float]], shifts: Sequence[int], title: str
) -> Figure:
    """A table of overlaps (IoU in [0, 1]), one row per setting and one column per shift.

    `iou` maps a setting's name to one value per entry of `shifts` (whole columns).
    Each cell is coloured by its value and prints it, so settings with equal values
    stay visible (curves would hide each other) and the x axis holds only the shifts.
    Introduced in notebooks/06_pooling.ipynb.
    """
    names, shifts = list(iou), list(shifts)
    values = np.array([list(iou[name]) for name in names], dtype=float)
    if values.shape != (len(names), len(shifts)):
        raise ValueError(f"need one value per shift {shifts} for every setting, got {values.shape}")
    if np.any((values < 0) | (values > 1)):
        raise ValueError(f"IoU values must lie in [0, 1], got {values.min()} to {values.max()}")
    fig, ax = plt.subplots(figsize=(1.3 * len(shifts) + 3, 0.5 * len(names) + 1.6))
    shown = ax.imshow(values, cmap="Greens", vmin=0, vmax=1, aspect="auto")
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:.2f}", ha="center", va="center", color="white" if v > 0.6 else "black")
    ax.set_xticks(range(len(shifts)), [str(s) for s in shifts])
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("shift of the image (columns)")
    ax.set_ylabel("pooling setting")
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, label="IoU (1 = unchanged)")
    fig.tight_layout()
    return fig


def plot_stage_crops(
    image: object,
    stages: Sequence[object],
    titles: Sequence[str],
    corner: tuple[int, int],
    size: int,
    suptitle: str,
) -> Figure:
    """An image and the outputs of successive layers, each cropped to one region of the image.

    `image` (h, w) is drawn whole in grey, with a yellow square around the region: `size` x
    `size` pixels whose top-left pixel is `corner` (row, col). Each of `stages`, the 2-D
    output (h_s, w_s) of the layers applied so far, is drawn cropped to the same region,
    its coordinates divided by round(h / h_s) (2 after a 2x2 pooling with stride 2), on
    one red-white-blue scale for all stages: white is 0, red positive, blue negative, and
    the scale ends at the largest |value| in the crops; one colour bar shows it. `titles`
    names the stages; panels go two to a row, axes in each array's own rows and columns.
    Introduced in notebooks/06_pooling.ipynb.
    """
    img = to_numpy(image)
    maps = [to_numpy(stage) for stage in stages]
    if img.ndim != 2 or not maps or any(m.ndim != 2 for m in maps):
        raise ValueError(f"need a 2-D image and 2-D stages, got shapes {img.shape} and "
                         f"{[m.shape for m in maps]}")
    if len(titles) != len(maps):
        raise ValueError(f"{len(maps)} stages but {len(titles)} titles")
    (top, left), (h, w) = corner, img.shape
    if size < 1 or top < 0 or left < 0 or top + size > h or left + size > w:
        raise ValueError(f"the {size}x{size} crop at {corner} does not fit the image {img.shape}")
    crops = []
    for m, title in zip(maps, titles, strict=True):
        f = max(1, round(h / m.shape[0]))
        r0, c0, n = top // f, left // f, size // f
        if n < 1 or r0 + n > m.shape[0] or c0 + n > m.shape[1]:
            raise ValueError(f"stage {title!r} of shape {m.shape} (1/{f} of the image) "
                             f"does not hold the crop {size}x{size} at {corner}")
        crops.append((m[r0:r0 + n, c0:c0 + n], (c0 - 0.5, c0 + n - 0.5, r0 + n - 0.5, r0 - 0.5)))
    limit = max(float(np.abs(c).max()) for c, _ in crops) or 1.0
    nrows = -(-(len(maps) + 1) // 2)
    fig, axes = plt.subplots(nrows, 2, figsize=(7.5, 3.6 * nrows), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[len(maps) + 1:]:
        ax.axis("off")
    first = axes.flat[0]
    first.imshow(img, cmap="gray")
    first.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False,
                              edgecolor="yellow", lw=2))
    first.set_title(f"input {h}x{w}, the crop outlined")
    for ax, (crop, extent), m, title in zip(axes.flat[1:], crops, maps, titles, strict=False):
        shown = ax.imshow(crop, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=extent,
                          interpolation="nearest")
        ax.set_title(f"{title} ({m.shape[0]}x{m.shape[1]}), crop")
    for ax in axes.flat[:len(maps) + 1]:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    fig.colorbar(shown, ax=list(axes.flat[1:len(maps) + 1]), shrink=0.7,
                 label="value (red > 0, blue < 0)")
    fig.suptitle(suptitle)
    return fig


# ---- figures of notebooks 08-09 (multi-input data; fine-tuning) -------------


# ---- figures of notebook 10 (computing convolution fast) --------------------


def plot_receptive_fields(
    grads: Mapping[str, object], fields: Mapping[str, int], title: str
) -> Figure:
    """One panel per stack of layers: the input gradient of one output element as an
    image (non-zero pixels are its receptive field, 感受野), with a square of side
    `fields[name]` outlined from the top-left non-zero pixel (the side measured from the
    gradient, or the one `utils.shapes.receptive_field` predicts). `grads` maps a name to
    an (h, w) gradient. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    n = len(grads)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.8), squeeze=False)
    for ax, (name, grad) in zip(axes[0], grads.items(), strict=True):
        g = to_numpy(grad)
        rows, cols = np.nonzero(g)
        ax.imshow(g, cmap="Greys", interpolation="nearest")
        outline_field(ax, rows.min(), cols.min(), fields[name], name, linewidth=2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _decimals(a: np.ndarray, most: int = 2) -> int | None:
    """The fewest decimals (at most `most`) that write every value of `a` exactly."""
    for d in range(most + 1):
        if np.allclose(a, np.round(a, d), rtol=0, atol=1e-6):
            return d
    return None


def draw_1x1_pixel(X: object, K: object, Y: object, pixel: tuple[int, int]) -> Figure:
    """One pixel of a 1x1 convolution: its channel vector times the (c_o, c_i) matrix.

    `X` is the input (c_i, h, w), `K` the kernel (c_o, c_i, 1, 1) and `Y` the output
    (c_o, h, w). Left: the input channels, the pixel outlined in each; middle: the
    weight matrix W = K.reshape(c_o, c_i), the pixel's vector x (a column) and W x
    written out row by row; right: the output channels, the same pixel outlined. Every
    number is taken from the arrays and written in full, so a reader can redo the sums:
    X and K must hold numbers of at most two decimals (small integers read best), and Y
    must be W x at the pixel. Introduced in notebooks/05_1x1_convolution.ipynb.
    """
    # + 0.0 turns -0.0 into 0.0, which would otherwise be written "-0"
    x, k, y = (to_numpy(a) + 0.0 for a in (X, K, Y))
    if x.ndim != 3 or k.ndim != 4 or k.shape[2:] != (1, 1) or y.ndim != 3:
        raise ValueError(
            f"need X (c_i, h, w), K (c_o, c_i, 1, 1) and Y (c_o, h, w), "
            f"got shapes {x.shape}, {k.shape} and {y.shape}"
        )
    c_o, c_i = k.shape[:2]
    if x.shape[0] != c_i or y.shape != (c_o,) + x.shape[1:]:
        raise ValueError(f"shapes do not fit together: X {x.shape}, K {k.shape}, Y {y.shape}")
    i, j = pixel
    W, vec = k.reshape(c_o, c_i), x[:, i, j]
    d_x, d_w = _decimals(x), _decimals(W)
    if d_x is None or d_w is None:
        raise ValueError(
            "the figure writes out W x for the reader to redo, so X and K need numbers "
            "with at most two decimals (small integers read best)"
        )
    if not np.allclose(y[:, i, j], W @ vec, rtol=0, atol=1e-4):
        raise ValueError(f"Y[:, {i}, {j}] = {y[:, i, j]} is not W x = {W @ vec}")
    fmt_x, fmt_w, fmt_y = (f"{{:.{d}f}}" for d in (d_x, d_w, d_x + d_w))

    def factor(value: float, fmt: str) -> str:
        return fmt.format(value) if value >= 0 else "(" + fmt.format(value) + ")"

    rows = max(c_i, c_o, 3)  # W and x take the upper rows, the written-out sums the rest
    fig = plt.figure(figsize=(9, 2.2 * rows))
    grid = fig.add_gridspec(rows, 5, width_ratios=[1, 0.15, c_i / 3 + 0.3, 0.45, 1])
    for c in range(c_i):
        draw_grid(fig.add_subplot(grid[c, 0]), x[c], f"X[{c}]", highlight=[(i, j, 1, 1)],
                  fmt=fmt_x)
    top = max(1, rows // 2 + 1)
    ax_w = fig.add_subplot(grid[:top, 2])
    draw_grid(ax_w, W, "W = K.reshape(c_o, c_i)", fmt=fmt_w)
    ax_w.set_xlabel("input channel")
    ax_w.set_ylabel("output channel")
    ax_x = fig.add_subplot(grid[:top, 3])
    draw_grid(ax_x, vec.reshape(c_i, 1), f"x = X[:, {i}, {j}]", fmt=fmt_x,
              highlight=[(0, 0, c_i, 1)])
    ax_x.set_xlabel("")
    ax_x.set_ylabel("input channel")
    ax_x.set_xticks([])
    ax_p = fig.add_subplot(grid[top:, 1:4])
    ax_p.axis("off")
    lines = [f"Y[{o}, {i}, {j}] = "
             + " + ".join(f"{factor(W[o, c], fmt_w)}·{factor(vec[c], fmt_x)}" for c in range(c_i))
             + " = " + fmt_y.format(y[o, i, j]) for o in range(c_o)]
    ax_p.text(0.5, 0.5, "W x, row by row:\n" + "\n".join(lines), ha="center", va="center",
              ma="left", fontsize=12, family="monospace")
    for o in range(c_o):
        draw_grid(fig.add_subplot(grid[o, 4]), y[o], f"Y[{o}]", highlight=[(i, j, 1, 1)],
                  fmt=fmt_y)
    fig.suptitle(f"A 1x1 convolution at pixel ({i}, {j}): the {c_o}x{c_i} matrix times the "
                 f"pixel's {c_i} channels")
    fig.tight_layout()
    return fig


