"""Output shapes of convolution and pooling layers, and receptive fields.

Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence

from utils.checks import Pair, count, pair


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


def receptive_field(kernel_sizes: Sequence[int], strides: Sequence[int] | None = None) -> int:
    """Side of the receptive field (感受野) of one output element of a stack of layers.

    Layer l (from the input up) has a square kernel of side k_l and stride s_l (all 1
    when `strides` is None). Each layer widens the field by k_l - 1 of its own input
    pixels, and each of those spans the product of the strides below it in input
    pixels, so

        r = 1 + sum over l of (k_l - 1) * s_1 * ... * s_(l-1).

    Padding moves the field but does not change its size; a window that reaches into
    the padding sees fewer real pixels. Returns r as an int; an empty stack, a kernel
    or stride below 1, or lists of different lengths are a `ValueError`.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    kernels = list(kernel_sizes)
    steps = [1] * len(kernels) if strides is None else list(strides)
    if not kernels or len(steps) != len(kernels):
        raise ValueError(
            f"need one stride per kernel and at least one layer, got kernel_sizes={kernels!r}, "
            f"strides={steps!r}"
        )
    for name, values in (("kernel_sizes", kernels), ("strides", steps)):
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
            raise ValueError(f"{name} must be ints >= 1, got {values!r}")
    field, jump = 1, 1
    for k, s in zip(kernels, steps, strict=True):
        field += (k - 1) * jump
        jump *= s
    return field


def layer_cost(
    c_in: int, c_out: int, kernel_size: Pair = 1, output_size: Pair = 1, batch: int = 1
) -> tuple[int, int]:
    """Parameters and multiply-adds of a convolutional or dense layer.

    A convolution with c_in input and c_out output channels and a kh x kw kernel has
    c_out * c_in * kh * kw weights and c_out biases; each of its c_out * oh * ow outputs,
    for each of `batch` examples, takes c_in * kh * kw multiply-adds. A dense layer from
    n_in to n_out numbers is the case c_in = n_in, c_out = n_out with the default 1x1
    kernel and 1x1 output. Sizes are ints or (h, w) pairs; `output_size` is the output's
    (oh, ow), e.g. from `output_shape`. Returns (parameters, multiply_adds) as ints; a
    count below 1 is a `ValueError`, a non-integer a `TypeError`.
    Introduced in notebooks/05_1x1_convolution.ipynb.
    """
    c_in, c_out = count(c_in, "c_in"), count(c_out, "c_out")
    batch = count(batch, "batch")
    kh, kw = pair(kernel_size, "kernel_size", 1)
    oh, ow = pair(output_size, "output_size", 1)
    weights = c_out * c_in * kh * kw
    return weights + c_out, batch * weights * oh * ow
