"""A shape explorer for notebook 03: sliders for the input size, kernel, padding, stride
and dilation of a square convolution, and for each setting the windows drawn on the
padded input, the output shape from `utils.output_shape` beside the shape a real
Gluon `nn.Conv2D` produces, and the shape written in the article's notation (total
padding p_h) and in Gluon's (padding per side).

`explore(...)` computes one setting (no widgets: tests and the stored notebook use
it); `draw_setting(...)` draws it; `shape_explorer(...)` shows the live sliders and,
under them, a still of the starting setting with a note, which is what a reader
without a running kernel (the book, a stored notebook) sees.
Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from utils.figures.animation import render_png
from utils.figures.cells import PADDING, WINDOW, panel_figure
from utils.shapes import output_shape

# Slider ranges: (name, minimum, maximum).
RANGES = {"size": (3, 12), "kernel": (1, 5), "padding": (0, 3), "stride": (1, 4),
          "dilation": (1, 3)}


@dataclass(frozen=True)
class Setting:
    """One setting of the explorer and what it gives. `ours` is
    `output_shape((size, size), kernel, padding, stride, dilation)` and `gluon` the
    spatial shape `nn.Conv2D` returns on a (1, 1, size, size) input; both None where
    the window does not fit (a `ValueError` and an `MXNetError`). `reads` counts, for
    each element of the padded input, the windows that read it."""

    size: int
    kernel: int
    padding: int
    stride: int
    dilation: int
    ours: tuple[int, int] | None
    gluon: tuple[int, int] | None
    reads: np.ndarray

    @property
    def span(self) -> int:
        """Rows the kernel spans: d (k - 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1

    def lines(self) -> list[str]:
        """The setting and its shape in three notations, as printed under the sliders."""
        n, k, p, s, d = self.size, self.kernel, self.padding, self.stride, self.dilation
        head = (f"input {n}x{n}, kernel {k}x{k}, padding {p} per side, stride {s}, "
                f"dilation {d} (span {self.span})")
        if self.ours is None:
            gluon = "MXNetError" if self.gluon is None else str(self.gluon)
            return [head, f"the window (span {self.span}) does not fit in the padded input "
                    f"({n} + {2 * p}): utils.output_shape: ValueError   Gluon nn.Conv2D: {gluon}"]
        out = self.ours[0]
        article = (n - self.span + 2 * p + s) // s
        gluon = (n + 2 * p - self.span) // s + 1
        return [
            head,
            f"utils.output_shape: {self.ours}   Gluon nn.Conv2D: {self.gluon}"
            + ("" if self.ours == self.gluon else "   DIFFERENT"),
            f"article, total padding p_h = {2 * p}: floor((n - span + p_h + s) / s) = "
            f"floor(({n} - {self.span} + {2 * p} + {s}) / {s}) = {article}",
            f"Gluon, padding p = {p} per side: floor((n + 2p - span) / s) + 1 = "
            f"floor(({n} + {2 * p} - {self.span}) / {s}) + 1 = {gluon}",
        ] + ([] if article == gluon == out else ["the notations disagree"])


def _check(name: str, value: object) -> int:
    low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return int(value)


def explore(size: int = 8, kernel: int = 3, padding: int = 1, stride: int = 2,
            dilation: int = 1) -> Setting:
    """One setting of the explorer: a square `size` x `size` input, a square kernel,
    the same padding (per side), stride and dilation along both axes, each an int in
    `RANGES`. Returns the `Setting`, with Gluon's shape from a real `nn.Conv2D`.
    Introduced in notebooks/03_padding_and_stride.ipynb."""
    n, k, p, s, d = (_check(name, v) for name, v in zip(
        RANGES, (size, kernel, padding, stride, dilation), strict=True))
    from mxnet import nd
    from mxnet.base import MXNetError
    from mxnet.gluon import nn

    try:
        ours = output_shape(n, k, padding=p, stride=s, dilation=d)
    except ValueError:
        ours = None
    layer = nn.Conv2D(1, kernel_size=k, padding=p, strides=s, dilation=d, in_channels=1)
    layer.initialize()
    try:
        gluon = tuple(layer(nd.zeros((1, 1, n, n))).shape[2:])
    except MXNetError:
        gluon = None
    reads = np.zeros((n + 2 * p,) * 2, dtype=int)
    if ours is not None:
        taps = np.arange(k) * d
        for i in range(ours[0]):
            for j in range(ours[1]):
                reads[np.ix_(i * s + taps, j * s + taps)] += 1
    return Setting(n, k, p, s, d, ours, gluon, reads)


def _grid_axes(ax, extent: int, ticks: int, xlabel: str, title: str) -> None:
    """Square cells of an extent x extent grid, row 0 at the top, small labels."""
    ax.set_xlim(-0.5, extent - 0.5)
    ax.set_ylim(extent - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(ticks))
    ax.set_yticks(range(ticks))
    ax.tick_params(labelsize=7, length=0)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("row", fontsize=8)
    ax.set_title(title, fontsize=9)


def draw_setting(setting: Setting) -> Figure:
    """The padded input of `setting` (padding grey), each element showing how many
    windows read it (hatched: none), the first window's taps outlined in red and the
    last window's in blue, and the output grid beside it. A figure not managed by
    pyplot. Introduced in notebooks/03_padding_and_stride.ipynb."""
    st = setting
    m = st.reads.shape[0]
    out = st.ours[0] if st.ours is not None else 0
    title = " ".join(st.lines()[0].split(" (")[:1]) + (
        f" -> output {out}x{out}" if out else " -> the window does not fit")
    fig, (row,) = panel_figure([[m, max(out, 1)]], [m], title)
    ax, ax_out = row
    p = st.padding
    for r in range(m):
        for c in range(m):
            pad = not (p <= r < m - p and p <= c < m - p)
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=PADDING if pad else "white",
                                   edgecolor="0.4", lw=0.6, hatch="///" if out and not
                                   st.reads[r, c] else None))
            if st.reads[r, c]:
                ax.text(c, r, str(st.reads[r, c]), ha="center", va="center", fontsize=8)
    if out:
        taps = np.arange(st.kernel) * st.dilation
        last = (out - 1) * st.stride
        for corner, color in ((0, WINDOW), (last, "tab:blue")):
            for a in taps:
                for b in taps:
                    ax.add_patch(Rectangle((corner + b - 0.42, corner + a - 0.42), 0.84, 0.84,
                                           fill=False, edgecolor=color, lw=2))
    _grid_axes(ax, m, m, "column (number: windows reading it; hatched: none)",
               "padded input: first window red, last blue")
    for r in range(out):
        for c in range(out):
            ax_out.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#e5f5e0",
                                       edgecolor="0.4", lw=0.6))
    _grid_axes(ax_out, max(out, 1), out, "column", f"output {st.ours}" if out else "no output")
    return fig


def shape_explorer(size: int = 8, kernel: int = 3, padding: int = 1, stride: int = 2,
                   dilation: int = 1) -> None:
    """Show the explorer in a notebook: five sliders starting at the given setting
    (see `explore`), under them the live lines of `Setting.lines` and the drawing of
    `draw_setting`, redrawn whenever a slider moves; then a note and a still of the
    starting setting (its lines printed, its drawing as a PNG), which is what the stored
    notebook and the book show. Introduced in notebooks/03_padding_and_stride.ipynb."""
    import ipywidgets as widgets
    from IPython.display import Image, display

    start = explore(size, kernel, padding, stride, dilation)
    sliders = {name: widgets.IntSlider(value=getattr(start, name), min=low, max=high,
                                       description=name, continuous_update=False)
               for name, (low, high) in RANGES.items()}
    live = widgets.Output()

    def still(setting: Setting) -> bytes:
        return render_png(draw_setting(setting), dpi=72)

    first = still(start)

    def redraw(_change: object = None) -> None:
        # The Output widget's contents are set directly, not captured from print and
        # display, so that nothing of the live view leaks into the cell's own outputs
        # when a runner (nbval) does not capture for Output widgets.
        values = {name: s.value for name, s in sliders.items()}
        setting = explore(**values)
        same = all(values[name] == getattr(start, name) for name in RANGES)
        png = base64.b64encode(first if same else still(setting)).decode("ascii")
        live.outputs = (
            {"output_type": "stream", "name": "stdout", "text": "\n".join(setting.lines()) + "\n"},
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": png, "text/plain": "the windows of this setting"}},
        )

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    display(widgets.VBox([*sliders.values(), live]))
    print("Shape explorer: in a running notebook the sliders above redraw the windows and the "
          "shapes.\nStill, for a reader without a kernel: the starting setting.")
    print("\n".join(start.lines()))
    display(Image(data=first, format="png"))
