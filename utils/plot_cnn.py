"""Figures of a whole CNN: its data flow, receptive fields, kernels and feature maps.

Every figure is drawn from the arrays and shapes it is given (nothing is typed
in by hand); each function returns the matplotlib Figure, with a title and axis
labels, and raises a ValueError naming the shapes when its inputs do not fit
together. `tile` lays out feature maps side by side for the figures.
Introduced in notebooks/07_whole_cnn.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from utils.plot import figure_for, finish_axes, outline_field, to_numpy


def _check_names(names: Sequence[str], items: Sequence[object], what: str) -> None:
    if len(names) != len(items):
        raise ValueError(f"{len(names)} names but {len(items)} {what}")


def _vector_height(shape: tuple[int, ...]) -> float:
    """The drawn height of a vector stage of `draw_data_flow`: an eighth of its length."""
    return int(shape[0]) / 8


def draw_data_flow(
    names: Sequence[str],
    shapes: Sequence[tuple[int, ...]],
    title: str,
    max_sheets: int = 8,
) -> Figure:
    """Draw the data of one example as it flows through a network, left to right.

    `shapes[n]` is the shape of stage n without the batch axis: (c, h, w) for a
    stack of feature maps, drawn as up to `max_sheets` offset squares of side
    proportional to h (and w), or (n,) for a vector, drawn as a thin column of
    height proportional to n. `names[n]` (the layer that produced stage n, or
    "input") is written above the stage and its shape below; arrows join the
    stages. Heights are to scale: one unit of the y axis is one pixel of height,
    or eight entries of a vector. Introduced in notebooks/07_whole_cnn.ipynb.
    """
    _check_names(names, shapes, "shapes")
    if not shapes:
        raise ValueError("need at least one stage to draw")
    for shape in shapes:
        if len(shape) not in (1, 3) or any(int(s) < 1 for s in shape):
            raise ValueError(f"each shape must be (c, h, w) or (n,) of positive sizes, got {shape}")
    sheet_step = 0.35  # offset between the drawn sheets of a (c, h, w) stage
    boxes = []  # (x, width, height) of each stage's front face
    x = 0.0
    for shape in shapes:
        if len(shape) == 3:
            c, h, w = (int(s) for s in shape)
            sheets = min(c, max_sheets)
            boxes.append((x, float(w), float(h), sheets))
            x += w + (sheets - 1) * sheet_step + 3.0
        else:
            boxes.append((x, 0.8, _vector_height(shape), 1))
            x += 0.8 + 3.0
    top = max(height + (sheets - 1) * sheet_step for _, _, height, sheets in boxes)
    fig, ax = plt.subplots(figsize=(min(14.0, 0.26 * x + 2.0), 3.6))
    for (x0, width, height, sheets), name, shape in zip(boxes, names, shapes, strict=True):
        for s in reversed(range(sheets)):  # back sheets first, the front one on top
            face = "tab:blue" if len(shape) == 3 else "tab:orange"
            ax.add_patch(Rectangle((x0 + s * sheet_step, s * sheet_step), width, height,
                                   facecolor=face, edgecolor="black", alpha=0.35 + 0.4 * (s == 0)))
        ax.text(x0 + width / 2, top + 0.8, name, ha="center", va="bottom", fontsize=9)
        ax.text(x0 + width / 2, -0.6, " x ".join(str(int(s)) for s in shape), ha="center",
                va="top", fontsize=9)
    for (x0, width, height, sheets), (x1, _, height1, _) in zip(boxes, boxes[1:], strict=False):
        start = x0 + width + (sheets - 1) * sheet_step + 0.2
        y = min(height, height1) / 2
        ax.add_patch(FancyArrowPatch((start, y), (x1 - 0.2, y), arrowstyle="-|>",
                                     mutation_scale=12, color="0.3"))
    ax.set_xlim(-1.0, x - 2.0)
    ax.set_ylim(-2.2, top + 2.2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("stages of one example, from the input (left) to the class scores (right)")
    ax.set_ylabel("height (pixels;\nvectors: entries / 8)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def draw_receptive_fields(
    image: object,
    boxes: Mapping[str, tuple[int, int, int]],
    title: str,
) -> Figure:
    """One panel per layer: the (h, w) input image with the receptive field of one
    output element of that layer outlined.

    `boxes` maps a panel title to (top, left, size): the square of input pixels,
    in input coordinates, that the element depends on. Parts of a square that lie
    outside the image (in the zero padding) are drawn too, over a grey margin, so
    a field larger than the image shows as such. The image is drawn dark where
    its values are large (ink). Introduced in
    notebooks/07_whole_cnn.ipynb.
    """
    img = to_numpy(image)
    if img.ndim != 2:
        raise ValueError(f"image must be (h, w), got shape {img.shape}")
    if not boxes:
        raise ValueError("need at least one receptive field to draw")
    h, w = img.shape
    # The same margin on every side: as wide as the farthest a field reaches outside.
    margin = max(0, *(-t for t, _, _ in boxes.values()), *(-left for _, left, _ in boxes.values()),
                 *(t + s - h for t, _, s in boxes.values()),
                 *(left + s - w for _, left, s in boxes.values()))
    lo, hi_r, hi_c = -margin, h + margin, w + margin
    n = len(boxes)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.6), squeeze=False)
    for ax, (name, (top, left, size)) in zip(axes[0], boxes.items(), strict=True):
        if size < 1:
            raise ValueError(f"field {name!r} has size {size}; it must be at least 1")
        ax.add_patch(Rectangle((lo - 0.5, lo - 0.5), hi_c - lo, hi_r - lo, facecolor="0.8",
                               edgecolor="none", zorder=0))
        ax.imshow(img, cmap="gray_r", extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=1)
        outline_field(ax, top, left, size, name, linewidth=2.5)
        ax.set_xlim(lo - 0.5, hi_c - 0.5)
        ax.set_ylim(hi_r - 0.5, lo - 0.5)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def tile(maps: np.ndarray, size: int | None = None, gap: float = np.nan) -> np.ndarray:
    """Lay out (c, h, w) maps side by side as one (size, c * (size + 1) - 1) array.

    Each map is enlarged by repeating every pixel (nearest neighbour) to `size`
    rows (default h; `size` must be a multiple of h and of w, with h == w), and
    neighbouring maps are separated by one column of `gap` (NaN, drawn blank).
    One image per stage draws much faster than one axes per map.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    m = np.asarray(maps, dtype=float)
    if m.ndim != 3 or m.shape[1] != m.shape[2]:
        raise ValueError(f"maps must be (c, h, h) with square maps, got shape {m.shape}")
    c, h, _ = m.shape
    size = h if size is None else int(size)
    if size < h or size % h:
        raise ValueError(f"size {size} must be a multiple of the map side {h}")
    big = np.kron(m, np.ones((1, size // h, size // h)))
    out = np.full((size, c * (size + 1) - 1), gap)
    for i in range(c):
        out[:, i * (size + 1) : i * (size + 1) + size] = big[i]
    return out


def plot_kernels(
    kernels: object,
    row_labels: Sequence[str],
    title: str,
) -> Figure:
    """Draw a grid of small square kernels as images on one shared colour scale.

    `kernels` is (rows, cols, k, k), for example the first-layer kernels of
    several trained networks (one row per network). Red is positive, blue
    negative and white zero, with the same scale for every kernel (the largest
    absolute weight), so kernels can be compared by eye; a colour bar gives the
    scale. Row r is labelled `row_labels[r]`, column c "kernel c". The grid is
    one image with blank lines between the kernels.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    k = to_numpy(kernels)
    if k.ndim != 4 or k.shape[2] != k.shape[3]:
        raise ValueError(f"kernels must be (rows, cols, k, k), got shape {k.shape}")
    rows, cols, side, _ = k.shape
    _check_names(row_labels, range(rows), "rows of kernels")
    scale = float(np.abs(k).max()) or 1.0
    grid = np.full((rows * (side + 1) - 1, cols * (side + 1) - 1), np.nan)
    for r in range(rows):
        grid[r * (side + 1) : r * (side + 1) + side] = tile(k[r])
    fig, ax = plt.subplots(figsize=(0.3 * cols * (side + 1) + 3.0, 0.3 * rows * (side + 1) + 1.2))
    cmap = plt.get_cmap("RdBu_r").copy()
    cmap.set_bad("white")
    shown = ax.imshow(grid, cmap=cmap, vmin=-scale, vmax=scale, interpolation="nearest")
    centres = np.arange(cols) * (side + 1) + (side - 1) / 2
    ax.set_xticks(centres)
    ax.set_xticklabels([f"kernel {c}" for c in range(cols)], fontsize=8)
    ax.set_yticks(np.arange(rows) * (side + 1) + (side - 1) / 2)
    ax.set_yticklabels(list(row_labels), fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("output channel of the layer")
    ax.set_ylabel("network")
    fig.colorbar(shown, ax=ax, shrink=0.8, label="weight")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_feature_maps(
    stages: Sequence[tuple[str, object]],
    title: str,
    vector_ticks: Mapping[str, Sequence[str]] | None = None,
) -> Figure:
    """One example's data through every layer of a network, one row per stage.

    Each stage is (name, array) with array (c, h, h), drawn as its c feature maps
    side by side, all enlarged to the side of the largest map so every map
    appears the same size, on one grey scale per stage (white = the stage's
    smallest value or 0, whichever is lower; black = its largest); or (n,),
    drawn as a bar chart of its n values. `vector_ticks` may give the tick labels
    of a vector stage by name (for example the ten digits of the output).
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    if not stages:
        raise ValueError("need at least one stage to draw")
    arrays = [(name, to_numpy(a)) for name, a in stages]
    for name, a in arrays:
        if a.ndim not in (1, 3) or (a.ndim == 3 and a.shape[1] != a.shape[2]):
            raise ValueError(f"stage {name!r} must be (c, h, h) or (n,), got shape {a.shape}")
    side = max(a.shape[1] for _, a in arrays if a.ndim == 3) if any(
        a.ndim == 3 for _, a in arrays) else 1
    for name, a in arrays:
        if a.ndim == 3 and side % a.shape[1]:
            raise ValueError(f"stage {name!r}: map side {a.shape[1]} does not divide {side}")
    width = max(a.shape[0] * (side + 1) - 1 for _, a in arrays if a.ndim == 3) if side > 1 else 1
    fig, axes = plt.subplots(len(arrays), 1, figsize=(11, 1.25 * len(arrays) + 0.8),
                             squeeze=False)
    cmap = plt.get_cmap("gray_r").copy()
    cmap.set_bad("white")
    for ax, (name, a) in zip(axes[:, 0], arrays, strict=True):
        if a.ndim == 3:
            low, high = min(0.0, float(a.min())), float(a.max())
            ax.imshow(tile(a, side), cmap=cmap, vmin=low, vmax=high if high > low else low + 1,
                      interpolation="nearest")
            ax.set_xlim(-0.5, width - 0.5)
            ax.set_xticks(np.arange(a.shape[0]) * (side + 1) + (side - 1) / 2)
            ax.set_xticklabels([str(c) for c in range(a.shape[0])], fontsize=7)
            ax.set_yticks([])
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.set_ylabel(f"{name}\n{' x '.join(map(str, a.shape))}", fontsize=8, rotation=0,
                          ha="right", va="center")
        else:
            ax.bar(range(a.shape[0]), a, color="tab:orange")
            ax.set_xlim(-0.6, a.shape[0] - 0.4)
            ticks = (vector_ticks or {}).get(name)
            if ticks is not None:
                if len(ticks) != a.shape[0]:
                    raise ValueError(f"{len(ticks)} tick labels for stage {name!r} of {a.shape[0]}")
                ax.set_xticks(range(a.shape[0]))
                ax.set_xticklabels(list(ticks))
            ax.set_ylabel(f"{name}\n{a.shape[0]}", fontsize=8, rotation=0, ha="right",
                          va="center")
            ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("channel (maps) or entry (vectors)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_seed_curves(
    curves: Mapping[str, object],
    title: str,
    ylabel: str,
    ax: Axes | None = None,
    logy: bool = False,
) -> Figure:
    """Per-epoch curves of several seeds: each seed as a thin line, their mean thick.

    `curves` maps a legend label (say a learning rate) to an array of shape
    (seeds, epochs); epochs are numbered from 1. Draws on `ax` if given, else on
    a new figure; returns the figure. Introduced in notebooks/07_whole_cnn.ipynb.
    """
    fig, ax = figure_for(ax)
    for label, values in curves.items():
        v = np.asarray(to_numpy(values), dtype=float)
        if v.ndim != 2 or v.shape[1] < 1:
            raise ValueError(f"curves[{label!r}] has shape {v.shape}; expected (seeds, epochs)")
        epochs = np.arange(1, v.shape[1] + 1)
        (mean_line,) = ax.plot(epochs, v.mean(axis=0), linewidth=2.2, label=f"{label} (mean)")
        for row in v:
            ax.plot(epochs, row, linewidth=0.8, alpha=0.35, color=mean_line.get_color())
    if logy:
        ax.set_yscale("log")
    return finish_axes(fig, ax, title, "epoch", ylabel)
