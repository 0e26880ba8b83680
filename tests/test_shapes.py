"""Tests of utils.output_shape against the shapes Gluon's layers actually produce.

The reference is the output of `nn.Conv2D` and `nn.MaxPool2D` (with
`ceil_mode` False and True) run on a zero input, over a grid of input sizes,
kernels, paddings, strides and dilations. Where Gluon refuses a combination
because the window does not fit, `output_shape` must refuse it too.
Introduced with notebooks/03_padding_and_stride.ipynb.
"""

import itertools

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, nd
from mxnet.base import MXNetError
from mxnet.gluon import nn

from utils.shapes import layer_cost, output_shape, receptive_field

SIZES = [(1, 1), (2, 3), (5, 5), (7, 6), (8, 8), (9, 4)]


KERNELS = [1, 2, 3, (3, 5), (2, 1)]


PADDINGS = [0, 1, 2, (0, 1), (2, 0)]


STRIDES = [1, 2, 3, (3, 4), (2, 1)]


DILATIONS = [1, 2, (1, 3)]


def _gluon_shape(layer: nn.HybridBlock, size: tuple[int, int]) -> tuple[int, int] | None:
    """(h, w) of the layer's output on a zero (1, 1, h, w) input, or None if Gluon refuses."""
    try:
        out = layer(nd.zeros((1, 1) + size))
        out.wait_to_read()  # surface errors of the asynchronous engine here, not later
    except MXNetError:
        return None
    return out.shape[2], out.shape[3]


def _ours(*args, **kwargs) -> tuple[int, int] | None:
    try:
        return output_shape(*args, **kwargs)
    except ValueError:
        return None


@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("dilation", DILATIONS)
def test_output_shape_matches_gluon_conv2d(stride, dilation):
    refused = 0
    for kernel, padding in itertools.product(KERNELS, PADDINGS):
        conv = nn.Conv2D(
            1, kernel_size=kernel, padding=padding, strides=stride, dilation=dilation, in_channels=1
        )
        conv.initialize()
        for size in SIZES:  # one layer serves every input size
            expected = _gluon_shape(conv, size)
            got = _ours(size, kernel, padding=padding, stride=stride, dilation=dilation)
            assert got == expected, (size, kernel, padding, stride, dilation)
            refused += expected is None
    # The grid must contain both kinds of cases, or the comparison above proves little.
    assert 0 < refused < len(SIZES) * len(KERNELS) * len(PADDINGS)


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("stride", STRIDES)
def test_output_shape_matches_gluon_maxpool2d(stride, ceil_mode):
    differs_from_floor = 0
    for size, kernel, padding in itertools.product(SIZES, KERNELS, PADDINGS):
        kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
        ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
        if ph > kh // 2 or pw > kw // 2:
            continue  # MXNet's pooling needs padding < kernel; keep to the usual p <= k // 2
        pool = nn.MaxPool2D(kernel, strides=stride, padding=padding, ceil_mode=ceil_mode)
        expected = _gluon_shape(pool, size)
        got = _ours(size, kernel, padding=padding, stride=stride, ceil_mode=ceil_mode)
        assert got == expected, (size, kernel, padding, stride, ceil_mode)
        floor = _ours(size, kernel, padding=padding, stride=stride)
        differs_from_floor += got != floor
    if ceil_mode and stride != 1:
        assert differs_from_floor > 0  # the grid does exercise the ceiling
    else:
        assert differs_from_floor == 0


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        # The examples of the source article, on an 8x8 input.
        (dict(kernel_size=3, padding=1), (8, 8)),
        (dict(kernel_size=(5, 3), padding=(2, 1)), (8, 8)),
        (dict(kernel_size=3, padding=1, stride=2), (4, 4)),
        (dict(kernel_size=(3, 5), padding=(0, 1), stride=(3, 4)), (2, 2)),
    ],
)
def test_article_examples(kwargs, expected):
    assert output_shape(8, **kwargs) == expected
    assert output_shape((8, 8), **kwargs) == expected


def test_article_pooling_examples():
    # nd.arange(16).reshape((1, 1, 4, 4)) and the article's three MaxPool2D layers.
    assert output_shape(4, 3, stride=3) == (1, 1)
    assert output_shape(4, 3, padding=1, stride=2) == (2, 2)
    assert output_shape(4, (2, 3), padding=(1, 2), stride=(2, 3)) == (3, 2)


def test_ceil_mode_counts_the_partial_window():
    # 5 = 2 + 2 + 1: floor drops the last, incomplete window; ceil keeps it.
    assert output_shape(5, 2, stride=2) == (2, 2)
    assert output_shape(5, 2, stride=2, ceil_mode=True) == (3, 3)
    assert output_shape(6, 2, stride=2, ceil_mode=True) == (3, 3)


def test_total_padding_formula_of_the_article():
    # The article writes floor((n - k + p_total + s) / s) with p_total = 2 * p per side.
    for n, k, p, s in itertools.product(range(1, 10), range(1, 6), range(3), range(1, 5)):
        if n + 2 * p < k:
            continue
        assert output_shape(n, k, padding=p, stride=s)[0] == (n - k + 2 * p + s) // s


def test_returns_a_tuple_of_python_ints():
    got = output_shape((7, 6), (3, 2), padding=(1, 0), stride=(2, 3))
    assert got == (4, 2)
    assert type(got) is tuple and all(type(v) is int for v in got)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((3, 4), {}, r"window does not fit.*input_size=3.*kernel_size=4"),
        (((8, 2), (3, 3)), {}, r"window does not fit.*input_size=\(8, 2\)"),
        ((5, 3), dict(dilation=3), r"window does not fit.*dilation=3"),
        ((2, 5), dict(padding=1), r"window does not fit.*padding=1"),
        ((8, 3), dict(padding=-1), r"padding must be >= 0.*-1"),
        ((8, 3), dict(padding=(1, -2)), r"padding must be >= 0.*\(1, -2\)"),
        ((8, 3), dict(stride=0), r"stride must be >= 1.*0"),
        ((8, 3), dict(stride=(2, 0)), r"stride must be >= 1"),
        ((8, 3), dict(dilation=0), r"dilation must be >= 1"),
        ((0, 3), {}, r"input_size must be >= 1"),
        ((8, 0), {}, r"kernel_size must be >= 1"),
        ((8.0, 3), {}, r"input_size must be an int or an \(h, w\) pair"),
        ((8, (3, 3, 3)), {}, r"kernel_size must be an int or an \(h, w\) pair"),
        ((8, 3), dict(padding=True), r"padding must be an int or an \(h, w\) pair"),
        ((8, 3), dict(stride=1.5), r"stride must be an int or an \(h, w\) pair"),
        ((8, 3), dict(dilation="2"), r"dilation must be an int or an \(h, w\) pair"),
        (((8, None), 3), {}, r"input_size must be an int or an \(h, w\) pair"),
    ],
)
def test_bad_inputs_are_value_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        output_shape(*args, **kwargs)


def test_ceil_mode_must_be_a_bool():
    with pytest.raises(ValueError, match="ceil_mode must be True or False"):
        output_shape(8, 3, ceil_mode="no")


def _gradient_field(layers: list[tuple[int, int]], size: int = 23) -> tuple[int, int, int]:
    """Rows and columns spanned by the non-zero input gradient of the centre output element
    of a stack of bias-free Conv2D layers with all-ones weights, and the number of
    non-zero pixels."""
    net = nn.HybridSequential()
    for k, s in layers:
        net.add(nn.Conv2D(1, kernel_size=k, strides=s, in_channels=1, use_bias=False))
    net.initialize(mx.init.One())
    X = nd.zeros((1, 1, size, size))
    X.attach_grad()
    with autograd.record():
        Y = net(X)
        picked = Y[0, 0, Y.shape[2] // 2, Y.shape[3] // 2]
    picked.backward()
    rows, cols = np.nonzero(X.grad[0, 0].asnumpy())
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1, len(rows)


@pytest.mark.parametrize(
    "layers",
    [[(3, 1)], [(3, 1), (3, 1)], [(3, 1), (3, 2), (3, 1)], [(2, 2), (2, 2)], [(5, 2), (3, 1)],
     [(1, 1)], [(3, 2), (3, 2), (3, 2)], [(4, 3), (2, 1)]],
)
def test_receptive_field_matches_the_input_gradient(layers):
    """The gradient of one output element is non-zero exactly on a square of the predicted side."""
    side = receptive_field([k for k, _ in layers], [s for _, s in layers])
    height, width, count = _gradient_field(layers)
    assert (height, width, count) == (side, side, side * side)


def test_receptive_field_formula_values():
    assert receptive_field([3]) == 3
    assert receptive_field([3, 3]) == 5
    assert receptive_field([3, 3, 3], [1, 2, 1]) == 9
    assert receptive_field([7, 3, 3], [2, 2, 1]) == 7 + 2 * 2 + 2 * 4


@pytest.mark.parametrize(
    "kernels, strides, message",
    [([], None, "at least one layer"), ([3, 3], [1], "one stride per kernel"),
     ([0], None, "kernel_sizes must be ints >= 1"), ([3], [0], "strides must be ints >= 1"),
     ([3.0], None, "kernel_sizes must be ints"), ([True], None, "kernel_sizes must be ints")],
)
def test_receptive_field_bad_inputs(kernels, strides, message):
    with pytest.raises(ValueError, match=message):
        receptive_field(kernels, strides)


@pytest.mark.parametrize(
    "c_in, c_out, k, stride, size, batch",
    [(1, 1, 3, 1, 6, 1), (3, 8, 3, 1, 8, 2), (4, 6, (1, 3), 2, 9, 3), (5, 7, 1, 1, 4, 1)],
)
def test_layer_cost_counts_gluon_parameters_and_products(c_in, c_out, k, stride, size, batch):
    """Parameters equal what nn.Conv2D allocates; multiply-adds equal the number of
    products MXNet's own convolution adds up, measured by running it on all-ones inputs
    (every output element is then the count of products in its window, without padding)."""
    layer = nn.Conv2D(c_out, k, strides=stride, in_channels=c_in)
    layer.initialize()
    out_hw = output_shape(size, k, stride=stride)
    params, madds = layer_cost(c_in, c_out, k, out_hw, batch)
    assert params == sum(p.data().size for p in layer.collect_params().values())
    layer.weight.set_data(nd.ones(layer.weight.shape))
    layer.bias.set_data(nd.zeros(layer.bias.shape))
    products = layer(nd.ones((batch, c_in, size, size))).sum().asscalar()
    assert madds == products


def test_layer_cost_of_a_dense_layer_matches_nn_dense():
    dense = nn.Dense(10, in_units=32)
    dense.initialize()
    params, madds = layer_cost(32, 10)
    assert params == sum(p.data().size for p in dense.collect_params().values()) == 330
    assert madds == 320
