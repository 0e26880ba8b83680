"""Tables of numbered cells on matplotlib axes, the building block of every animation
frame and of the shape explorer.

Introduced in notebooks/01_cross_correlation.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

# One colour per role, the same in every animation.
WINDOW = "tab:red"  # the window being read, and the output cell it fills
CHOSEN = "#fdd49e"  # a cell picked out inside the window (max pooling's winner)
FILLED = "#e5f5e0"  # output cells already computed
PADDING = "0.85"  # zero (or -inf) padding around the input
CELL_INCHES = 0.42


def number(value: float) -> str:
    """A value as a short string, at most 4 significant digits: 3 -> "3", 10/9 -> "1.111"."""
    return f"{float(value):.4g}"


def texts(values: object, fmt=number) -> np.ndarray:
    """An (h, w) array of strings, one per element of a 2-D array-like `values`."""
    a = np.asarray(values.asnumpy() if hasattr(values, "asnumpy") else values)
    if a.ndim != 2:
        raise ValueError(f"need a 2-D array, got shape {a.shape}")
    return np.array([[fmt(v) for v in row] for row in a], dtype=object)


def draw_cells(
    ax: Axes,
    cells: np.ndarray,
    title: str,
    outline: Sequence[tuple[int, int, int, int]] = (),
    outline_color: str = WINDOW,
    fill: dict[tuple[int, int], str] | None = None,
    hatch: np.ndarray | None = None,
    fontsize: float = 9,
) -> Axes:
    """Draw an (h, w) array of strings `cells` as a table on `ax`.

    `outline` lists (row, col, height, width) blocks outlined thickly in `outline_color`;
    `fill` maps (row, col) to a background colour; `hatch`, an (h, w) boolean mask, marks
    cells with diagonal lines. Rows count down from the top; ticks give the indices, the
    axes are labelled "row" and "column". Returns `ax`.
    """
    h, w = cells.shape
    for (r, c), color in (fill or {}).items():
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=color, edgecolor="none"))
    if hatch is not None:
        for r, c in zip(*np.nonzero(hatch), strict=True):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="0.6", lw=0))
    # The grid as two line collections and the numbers kept out of the layout
    # computation: they lie inside the axes, and a frame has a hundred of them.
    ax.hlines(np.arange(h + 1) - 0.5, -0.5, w - 0.5, color="0.4", lw=0.6)
    ax.vlines(np.arange(w + 1) - 0.5, -0.5, h - 0.5, color="0.4", lw=0.6)
    for r in range(h):
        for c in range(w):
            if cells[r, c]:
                ax.text(c, r, cells[r, c], ha="center", va="center", fontsize=fontsize,
                        in_layout=False)
    for r, c, bh, bw in outline:
        ax.add_patch(Rectangle((c - 0.44, r - 0.44), bw - 0.12, bh - 0.12, fill=False,
                               edgecolor=outline_color, lw=2.2))
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.tick_params(labelsize=7, length=0)
    ax.set_xlabel("column", fontsize=8)
    ax.set_ylabel("row", fontsize=8)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    return ax


def panel_figure(
    rows: Sequence[Sequence[int]], heights: Sequence[int], title: str, max_inches: float = 9.6
) -> tuple[Figure, list[np.ndarray]]:
    """A figure (not managed by pyplot) of tables laid out in rows, with `title` on top.

    Row r holds len(rows[r]) axes whose widths are in proportion to the tables they will
    hold (rows[r][n] cells across) and whose height fits `heights[r]` cells; a cell is
    CELL_INCHES wide, or less when the widest row would exceed `max_inches`. Returns the
    figure and, per row, its array of axes.
    """
    if len(rows) != len(heights):
        raise ValueError(f"{len(rows)} rows of panels but {len(heights)} heights")
    margin = 1.1  # inches per panel for the tick labels, axis labels and gaps
    cell = min(CELL_INCHES, *((max_inches - margin * len(r)) / sum(r) for r in rows))
    width = max(cell * sum(r) + margin * len(r) for r in rows)
    row_inches = [cell * h + 1.15 for h in heights]
    title_inches = 0.2 * (title.count("\n") + 1) + 0.1
    fig = Figure(figsize=(width, sum(row_inches) + title_inches), layout="constrained")
    # The title gets a band of its own: constrained layout does not keep a figure's
    # suptitle clear of its subfigures' axes titles.
    top, *subfigs = fig.subfigures(len(rows) + 1, 1, height_ratios=[title_inches, *row_inches])
    top.text(0.5, 0.5, title, ha="center", va="center", fontsize=10)
    axes = [sub.subplots(1, len(r), squeeze=False, width_ratios=r)[0]
            for sub, r in zip(subfigs, rows, strict=True)]
    return fig, axes
