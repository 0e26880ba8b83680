"""Figures of a whole CNN: its training history, receptive fields and kernels.

Every figure is drawn from the arrays and shapes it is given (nothing is typed
in by hand); each function returns the matplotlib Figure, with a title and axis
labels, and raises a ValueError naming the shapes when its inputs do not fit
together. `tile` lays out kernels side by side for the figures.
Introduced in notebooks/07_whole_cnn.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from utils.figures.base import outline_field, plot_curves, to_numpy


def _check_names(names: Sequence[str], items: Sequence[object], what: str) -> None:
    if len(names) != len(items):
        raise ValueError(f"{len(names)} names but {len(items)} {what}")


def draw_receptive_fields(
    image: object,
    boxes: Mapping[str, tuple[int, int, int]],
    title: str,
    padding: int = 0,
    ncols: int | None = None,
) -> Figure:
    """One panel per layer: the (h, w) input image with the receptive field of one
    output element of that layer outlined.

    `boxes` maps a panel title to (top, left, size): the square of input positions, in
    input coordinates, that the element depends on. `padding` is the zero padding of
    the input itself (the first layer's): that margin is shaded grey. A field can reach
    further out, through the padding of a later layer (zeros added to that layer's own
    input, which stand for no input position at all); that part is hatched, so only
    real padding is grey. The image is drawn dark where its values are large (ink);
    `ncols` panels per row (default: all in one row). A legend names the margins.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    img = to_numpy(image)
    if img.ndim != 2:
        raise ValueError(f"image must be (h, w), got shape {img.shape}")
    if not boxes:
        raise ValueError("need at least one receptive field to draw")
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be an int >= 0, got {padding!r}")
    h, w = img.shape
    # The same margin on every side: as wide as the farthest a field reaches outside.
    reach = max(0, *(-t for t, _, _ in boxes.values()), *(-left for _, left, _ in boxes.values()),
                *(t + s - h for t, _, s in boxes.values()),
                *(left + s - w for _, left, s in boxes.values()))
    margin = max(reach, padding)
    n = len(boxes)
    ncols = n if ncols is None else int(ncols)
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.8 * nrows + 0.6),
                             squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, (name, (top, left, size)) in zip(axes.ravel(), boxes.items(), strict=False):
        if size < 1:
            raise ValueError(f"field {name!r} has size {size}; it must be at least 1")
        if margin > padding:
            ax.add_patch(Rectangle((-margin - 0.5, -margin - 0.5), w + 2 * margin,
                                   h + 2 * margin, facecolor="white", edgecolor="0.6",
                                   hatch="//", linewidth=0, zorder=0))
        if padding:
            ax.add_patch(Rectangle((-padding - 0.5, -padding - 0.5), w + 2 * padding,
                                   h + 2 * padding, facecolor="0.75", edgecolor="none",
                                   zorder=0.5))
        ax.imshow(img, cmap="gray_r", extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=1)
        outline_field(ax, top, left, size, name, linewidth=2.5)
        ax.set_xlim(-margin - 0.5, w + margin - 0.5)
        ax.set_ylim(h + margin - 0.5, -margin - 0.5)
    handles = []
    if padding:
        handles.append(Rectangle((0, 0), 1, 1, facecolor="0.75",
                                 label=f"zero padding of the input ({padding} pixel)"))
    if margin > padding:
        handles.append(Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="0.6", hatch="//",
                                 label="beyond it: zeros a later layer pads with"))
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 1), h_pad=2.0)
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
    per_kernel: bool = False,
) -> Figure:
    """Draw a grid of small square kernels as images, red positive, blue negative.

    `kernels` is (rows, cols, k, k), for example the first-layer kernels of a
    network before and after training (one row each). By default every kernel
    shares one colour scale (the largest absolute weight), so sizes can be
    compared by eye; with `per_kernel=True` each kernel is divided by its own
    largest absolute weight first, so each kernel's pattern shows at full
    contrast whatever its size (a kernel of zeros stays zero). A colour bar gives
    the scale. Row r is labelled `row_labels[r]`, column c "kernel c". The grid is
    one image with blank lines between the kernels.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    k = np.asarray(to_numpy(kernels), dtype=float)
    if k.ndim != 4 or k.shape[2] != k.shape[3]:
        raise ValueError(f"kernels must be (rows, cols, k, k), got shape {k.shape}")
    rows, cols, side, _ = k.shape
    _check_names(row_labels, range(rows), "rows of kernels")
    if per_kernel:
        largest = np.abs(k).max(axis=(2, 3), keepdims=True)
        k = k / np.where(largest > 0, largest, 1.0)
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
    fig.colorbar(shown, ax=ax, shrink=0.8,
                 label="weight / the kernel's largest |weight|" if per_kernel else "weight")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]], title: str) -> Figure:
    """The per-epoch history of one training run, in two panels side by side.

    `history` maps a legend label to one value per epoch (epochs numbered from 1).
    Curves whose label contains "loss" go on the left panel, on a log scale (a loss
    near 0 and one near 2 both stay readable); the others, such as accuracies, on the
    right. Every curve must have the same number of epochs, and each panel at least
    one curve. Returns the figure, titled `title`, with axis labels.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    if not history:
        raise ValueError("history is empty: give at least one curve")
    lengths = {label: len(values) for label, values in history.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"every curve needs the same number (>= 1) of epochs, got {lengths}")
    losses = {label: v for label, v in history.items() if "loss" in label}
    others = {label: v for label, v in history.items() if "loss" not in label}
    if not losses or not others:
        raise ValueError(f"need curves with 'loss' in the label and curves without, got "
                         f"{list(history)}")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    plot_curves(losses, "Loss", "epoch", "mean loss per image (log scale)", logy=True, ax=axes[0])
    plot_curves(others, "Accuracy", "epoch", "share of images read correctly", ax=axes[1])
    fig.suptitle(title)
    fig.tight_layout()
    return fig
