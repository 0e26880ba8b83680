"""Window arithmetic shared by the convolution and pooling helpers.

`fitted_output` is the output size of a window sliding over an input, with an error
that names the shapes; `window_slices` is the trick of notebook 01: for each offset
inside the window, the strided slice of the input that this offset reads in every
window. `utils.conv`, `utils.pool` and `utils.fast` build on both.
"""

from __future__ import annotations

from mxnet import nd

from utils.checks import Pair, pair
from utils.shapes import output_shape


def fitted_output(
    in_hw: tuple[int, int],
    k_hw: tuple[int, int],
    padding: Pair,
    stride: Pair,
    x_shape,
    k_shape,
    window: str = "kernel",
) -> tuple[int, int]:
    """Output (h, w) of a window sliding over `in_hw`, as `output_shape` gives it, or a
    `ValueError` that names the input's and the `window`'s shapes (`x_shape`, `k_shape`)."""
    pair(padding, "padding", 0)
    pair(stride, "stride", 1)
    try:
        return output_shape(in_hw, k_hw, padding=padding, stride=stride)
    except ValueError:
        raise ValueError(
            f"{window} of shape {tuple(k_shape)} is larger than the input of shape "
            f"{tuple(x_shape)} padded by {padding!r} on each side"
        ) from None


def window_slices(
    Xp: nd.NDArray, window: tuple[int, int], stride: tuple[int, int], out_hw: tuple[int, int]
) -> list[nd.NDArray]:
    """For each window offset (i, j), row by row, the strided slice of the padded `Xp`
    holding element (i, j) of every window: shape Xp.shape with axes 1 and 2 (height
    and width) replaced by out_hw. Axis 0 and any axes after 2 are kept whole."""
    (kh, kw), (sh, sw) = pair(window, "window", 1), pair(stride, "stride", 1)
    oh, ow = pair(out_hw, "out_hw", 1)
    rest = (None,) * (Xp.ndim - 3)
    return [
        nd.slice(
            Xp,
            begin=(None, i, j) + rest,
            end=(None, i + sh * (oh - 1) + 1, j + sw * (ow - 1) + 1) + rest,
            step=(None, sh, sw) + rest,
        )
        for i in range(kh)
        for j in range(kw)
    ]
