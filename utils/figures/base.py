"""Figure basics every figure of the collection uses: a figure for an optional axes,
titles and axis labels, grids of numbers, images side by side, curves and bars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle


def to_numpy(x: object) -> np.ndarray:
    """An NDArray or array-like as a NumPy array (NDArrays via `.asnumpy()`)."""
    return x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x)


def finish_axes(fig: Figure, ax: Axes, title: str, xlabel: str, ylabel: str) -> Figure:
    """Title, axis labels, a light grid and the legend on `ax`; tight layout; returns `fig`."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def figure_for(ax: Axes | None) -> tuple[Figure, Axes]:
    """The figure of `ax`, or a new 6x4 figure and its axes when `ax` is None."""
    if ax is None:
        return plt.subplots(figsize=(6, 4))
    return ax.figure, ax


def draw_grid(
    ax: Axes,
    values: object,
    title: str = "",
    highlight: Sequence[tuple[int, int, int, int]] = (),
    colors: Sequence[str] = ("tab:red", "tab:blue", "tab:green", "tab:orange"),
    fmt: str = "{:g}",
    shade: Sequence[tuple[int, int, int, int]] = (),
) -> Axes:
    """Draw a small 2-D array as a table of numbered cells on `ax`.

    `values` is (h, w). Each `highlight` entry (row, col, height, width) outlines
    a block of cells, cycling through `colors`; each `shade` entry fills a block
    in grey (used, for example, for zero padding). Row and column indices are
    shown on the axes. Introduced in notebooks/01_cross_correlation.ipynb.
    """
    a = to_numpy(values)
    if a.ndim != 2:
        raise ValueError(f"draw_grid needs a 2-D array, got shape {a.shape}")
    h, w = a.shape
    for r, c, bh, bw in shade:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), bw, bh, facecolor="0.85", edgecolor="none"))
    for r in range(h):
        for c in range(w):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="0.4", lw=0.8))
            ax.text(c, r, fmt.format(a[r, c]), ha="center", va="center", fontsize=10)
    for n, (r, c, bh, bw) in enumerate(highlight):
        color = colors[n % len(colors)]
        ax.add_patch(
            Rectangle((c - 0.45, r - 0.45), bw - 0.1, bh - 0.1, fill=False, edgecolor=color, lw=2.5)
        )
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_aspect("equal")
    ax.set_title(title)
    return ax


def show_images(
    images: Sequence[object],
    titles: Sequence[str],
    suptitle: str,
    ncols: int | None = None,
    cmap: str = "gray",
    colorbar: bool = False,
    size: float = 3.0,
) -> Figure:
    """Show 2-D arrays side by side as images, one titled panel each.

    `images` are (h, w) NDArrays or arrays; `titles` has one entry per image.
    Introduced in notebooks/01_cross_correlation.ipynb.
    """
    if len(images) != len(titles):
        raise ValueError(f"{len(images)} images but {len(titles)} titles")
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat[len(images):]:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        shown = ax.imshow(to_numpy(image), cmap=cmap)
        ax.set_title(title)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        if colorbar:
            fig.colorbar(shown, ax=ax, shrink=0.8)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
    x: Sequence[float] | None = None,
    logy: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Plot named sequences (losses, accuracies, ...) against a shared x axis.

    `curves` maps a legend label to its values; `x` defaults to 1, 2, ...
    Draws on `ax` if given (so figures can have several panels), else on a new figure.
    Introduced in notebooks/02_learning_a_kernel.ipynb.
    """
    fig, ax = figure_for(ax)
    for label, values in curves.items():
        values = list(values)
        xs = list(x) if x is not None else list(range(1, len(values) + 1))
        ax.plot(xs, values, marker="o", markersize=3, label=label)
    if logy:
        ax.set_yscale("log")
    return finish_axes(fig, ax, title, xlabel, ylabel)


def plot_bars(
    values: Mapping[str, float],
    title: str,
    ylabel: str,
    ax: Axes | None = None,
    fmt: str = "{:.3f}",
) -> Figure:
    """Bar chart of one number per label, each bar annotated with its value.

    Used to compare methods, e.g. {"from scratch": 0.71, "frozen": 0.88}.
    Introduced in notebooks/09_finetuning.ipynb.
    """
    fig, ax = figure_for(ax)
    labels = list(values)
    heights = [float(values[label]) for label in labels]
    bars = ax.bar(range(len(labels)), heights, color="tab:blue")
    for bar, height in zip(bars, heights, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, height, fmt.format(height),
                ha="center", va="bottom")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    if heights and max(heights) > 0:
        ax.set_ylim(0, 1.12 * max(heights))  # room for the value labels
    ax.set_title(title)
    ax.set_xlabel("method")
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def outline_field(ax: Axes, top: int, left: int, size: int, name: str,
                  linewidth: float = 2) -> None:
    """Outline the size x size square of input pixels whose top-left pixel is (top, left)
    on `ax`, title the panel "<name> / field <size>x<size>" and label the input axes:
    the panel of one receptive field in notebooks 03 and 07. Introduced in
    notebooks/03_padding_and_stride.ipynb.
    """
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False,
                           edgecolor="tab:red", linewidth=linewidth, zorder=2))
    ax.set_title(f"{name}\nfield {size}x{size}", fontsize=10)
    ax.set_xlabel("input column")
    ax.set_ylabel("input row")
