"""Output shapes of convolution and pooling layers.

Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

from utils._checks import Pair, pair


def output_shape(
    input_size: Pair,
    kernel_size: Pair,
    padding: Pair = 0,
    stride: Pair = 1,
    dilation: Pair = 1,
    ceil_mode: bool = False,
) -> tuple[int, int]:
    """Height and width of the output of a 2-D convolution or pooling window.

    Every size is an int (the same for height and width) or an (h, w) pair.
    `padding` is the number of zero rows/columns added on *each* side, as in
    Gluon's `padding=` argument, so along one axis

        out = floor((n + 2 p - d (k - 1) - 1) / s) + 1

    with input size n, kernel k, padding p, stride s and dilation d. With
    `ceil_mode=True` the floor becomes a ceiling, as in Gluon's pooling layers
    (`ceil_mode=True`, MXNet's "full" pooling convention). Returns an (h, w)
    tuple of ints. A negative padding, a size, stride or dilation below 1, or a
    result below 1 (the window does not fit in the padded input) is a `ValueError`.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    if not isinstance(ceil_mode, bool):
        raise ValueError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    n = pair(input_size, "input_size", 1)
    k = pair(kernel_size, "kernel_size", 1)
    p = pair(padding, "padding", 0)
    s = pair(stride, "stride", 1)
    d = pair(dilation, "dilation", 1)
    out = []
    for axis in range(2):
        span = n[axis] + 2 * p[axis] - d[axis] * (k[axis] - 1) - 1
        if span < 0:
            raise ValueError(
                f"the window does not fit: input_size={input_size!r}, kernel_size={kernel_size!r}, "
                f"padding={padding!r}, dilation={dilation!r} give an output smaller than 1"
            )
        steps = -(-span // s[axis]) if ceil_mode else span // s[axis]
        out.append(steps + 1)
    return out[0], out[1]
