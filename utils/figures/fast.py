"""The figures of notebook 10 (computing convolution fast): im2col, the flat shift and
the timing chart.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from utils.figures.base import draw_grid, plot_bars, to_numpy


def draw_im2col(X: object, K: object, title: str) -> Figure:
    """Show im2col on a small example: the windows of `X` and the matrix they become.

    `X` is (h, w) and `K` (kh, kw); the left panel outlines each of the
    (h - kh + 1) (w - kw + 1) windows in its own colour, the right panel the
    matching row of the im2col matrix (one row per window, kh kw columns).
    Introduced in notebooks/10_computing_convolution_fast.ipynb.
    """
    x, k = to_numpy(X), to_numpy(K)
    if x.ndim != 2 or k.ndim != 2 or k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(f"need a 2-D X at least as large as a 2-D K, got {x.shape} and {k.shape}")
    (kh, kw), (oh, ow) = k.shape, (x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1)
    corners = [(i, j) for i in range(oh) for j in range(ow)]
    cols = np.array([x[i : i + kh, j : j + kw].ravel() for i, j in corners])
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(3 + 0.6 * (x.shape[1] + kh * kw), 1 + 0.6 * max(x.shape[0], len(corners)))
    )
    draw_grid(left, x, "input X: one window per output element",
              highlight=[(i, j, kh, kw) for i, j in corners])
    draw_grid(right, cols, f"im2col matrix: {len(corners)} windows x {kh * kw} values",
              highlight=[(r, 0, 1, kh * kw) for r in range(len(corners))])
    right.set_xlabel("position in the window (row-major)")
    right.set_ylabel("window (output element)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_timings(times_ms: Mapping[str, float], title: str, ax: Axes | None = None) -> Figure:
    """Bar chart of median times in milliseconds on a log axis, one bar per implementation.

    A thin layer over `plot_bars` for values that span several orders of magnitude
    (notebook 10 gives it processor time; the label says only "ms per call").
    Given `ax`, it draws there and leaves the figure's layout to the caller (who lays
    out all panels once); otherwise it makes and lays out a figure of its own.
    Introduced in notebooks/10_computing_convolution_fast.ipynb.
    """
    if not times_ms or min(times_ms.values()) <= 0:
        raise ValueError(f"need positive times, got {dict(times_ms)!r}")
    own_figure = ax is None
    fig = plot_bars(times_ms, title, "ms per call (median, log scale)", ax=ax, fmt="{:.3g}")
    ax = ax or fig.axes[0]
    ax.set_yscale("log")
    ax.set_ylim(min(times_ms.values()) / 3, max(times_ms.values()) * 5)
    ax.set_xlabel("implementation")
    ax.tick_params(axis="x", labelrotation=15)
    if own_figure:
        fig.tight_layout()
    return fig


def draw_flat_shift(X: object, K: object) -> Figure:
    """The flat shift of notebook 10 on one (h, w) image and one (kh, kw) kernel.

    Top row: the image flattened row by row (pixel r = y * w + x). Then one row per
    kernel offset (i, j): the slice [s, s + L) with s = i * w + j that this offset
    reads for all L = h * w - (kh - 1) * w - (kw - 1) output rows at once, outlined,
    and the weight K[i, j] it is multiplied by. Bottom row: the L sums; rows whose
    window wraps past the right edge of the image are hatched (computed, then dropped),
    and the kept ones, in order, are the cross-correlation. Every number comes from
    the arrays. Introduced in notebooks/10_computing_convolution_fast.ipynb.
    """
    x, k = to_numpy(X), to_numpy(K)
    if x.ndim != 2 or k.ndim != 2 or k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(f"need X (h, w) and a smaller K (kh, kw), got {x.shape} and {k.shape}")
    (h, w), (kh, kw) = x.shape, k.shape
    flat = x.reshape(-1)
    length = h * w - (kh - 1) * w - (kw - 1)
    sums = sum(k[i, j] * flat[i * w + j : i * w + j + length] for i in range(kh) for j in range(kw))
    rows = 2 + kh * kw
    fig, ax = plt.subplots(figsize=(0.75 * (h * w) + 3, 0.7 * rows + 1.2))

    def cells(row: int, values, start: int = 0, hatch_at=(), outline=None, color="tab:blue"):
        for n, v in enumerate(values):
            col = start + n
            hatch = "///" if n in hatch_at else None
            ax.add_patch(Rectangle((col, -row - 1), 1, 1, fill=False, edgecolor="0.4", lw=0.8,
                                   hatch=hatch))
            ax.text(col + 0.5, -row - 0.5, f"{v:g}", ha="center", va="center", fontsize=9)
        if outline is not None:
            a, b = outline
            ax.add_patch(Rectangle((a + 0.05, -row - 0.95), b - a - 0.1, 0.9, fill=False,
                                   edgecolor=color, lw=2.2))

    cells(0, flat)
    ax.text(-0.3, -0.5, "flattened X", ha="right", va="center", fontsize=9)
    colors = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown"]
    row = 1
    for i in range(kh):
        for j in range(kw):
            s = i * w + j
            cells(row, flat[s : s + length], start=s, outline=(s, s + length),
                  color=colors[(i * kw + j) % len(colors)])
            ax.text(-0.3, -row - 0.5, f"offset ({i}, {j}): rows {s}..{s + length - 1}, "
                    f"x K[{i},{j}] = {k[i, j]:g}", ha="right", va="center", fontsize=9)
            row += 1
    wrapped = [r for r in range(length) if r % w > w - kw]
    cells(row, sums, hatch_at=wrapped)
    ax.text(-0.3, -row - 0.5, "sum of the weighted slices", ha="right", va="center", fontsize=9)
    ax.set_xlim(-0.2, h * w + 0.2)
    ax.set_ylim(-rows - 0.2, 0.2)
    ax.set_xticks([c + 0.5 for c in range(h * w)], [str(c) for c in range(h * w)])
    ax.set_xlabel("row of the flattened grid (pixel index r = y * w + x)")
    ax.set_yticks([])
    ax.set_ylabel("")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Flat shift: {kh * kw} shifted slices of one flat array, weighted and added\n"
                 "(hatched: a window that wraps past the right edge, computed and dropped)")
    fig.tight_layout()
    return fig
