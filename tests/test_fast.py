"""Tests of `utils.conv2d` (utils/fast.py), the batched multi-channel convolution of
notebook 10.

The reference is MXNet's own `nd.Convolution` (oneDNN) with the same settings:
values on random shapes, paddings and strides, with and without bias; the
gradients with respect to X, weight and bias; and every kind of bad input. It is
also checked against the simple helpers of notebooks 01-04 (`corr2d_multi_in_out`).
No timing is asserted here: `make bench` measures speed. The last test checks what
notebook 10 says `nd.Convolution` runs under the numerics pin (oneDNN's verbose log).
"""

import os
import subprocess
import sys
import threading

import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import autograd, nd
from references import nd_conv2d

from utils.conv import corr2d_multi_in_out
from utils.fast import conv2d


def _random_case(seed: int):
    """A random (shapes, padding, stride, bias) case; padding and stride are ints or pairs."""
    g = np.random.default_rng(seed)
    n, c_in, c_out = (int(v) for v in g.integers(1, 5, size=3))
    kh, kw = (int(v) for v in g.integers(1, 6, size=2))
    ph, pw = (int(v) for v in g.integers(0, 3, size=2))
    if seed % 2:
        pw = ph  # an int padding is the same in both directions
    sh, sw = (int(v) for v in g.integers(1, 4, size=2))
    h = int(g.integers(max(1, kh - 2 * ph), 14))
    w = int(g.integers(max(1, kw - 2 * pw), 14))
    padding = ph if seed % 2 else (ph, pw)
    stride = (sh, sw) if seed % 3 else (1 if seed % 2 else sh)
    X = nd.array(g.standard_normal((n, c_in, h, w)))
    weight = nd.array(g.standard_normal((c_out, c_in, kh, kw)))
    bias = nd.array(g.standard_normal(c_out)) if seed % 4 else None
    return X, weight, bias, padding, stride


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_matches_the_simple_helpers(seed):
    """Image by image, the fast conv2d equals corr2d_multi_in_out of notebook 04 plus bias."""
    X, weight, bias, padding, stride = _random_case(seed)
    got = conv2d(X, weight, bias, padding=padding, stride=stride).asnumpy()
    for n in range(X.shape[0]):
        simple = corr2d_multi_in_out(X[n], weight, padding=padding, stride=stride).asnumpy()
        if bias is not None:
            simple = simple + bias.asnumpy()[:, None, None]
        assert np.allclose(got[n], simple, atol=1e-4), (n, X.shape, weight.shape, padding, stride)


@pytest.mark.parametrize("seed", range(40))
def test_conv2d_matches_convolution_on_random_cases(seed):
    X, weight, bias, padding, stride = _random_case(seed)
    expected = nd_conv2d(X, weight, bias, padding, stride).asnumpy()
    got = conv2d(X, weight, bias, padding=padding, stride=stride)
    assert got.shape == expected.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "x_shape, w_shape, padding, stride",
    [
        ((2, 16, 20, 20), (8, 16, 3, 3), 1, 1),  # a small "realistic" layer
        ((1, 3, 9, 7), (4, 3, 1, 1), 0, 1),  # 1x1 kernel
        ((1, 2, 5, 6), (3, 2, 7, 8), 1, 1),  # kernel exactly as large as the padded input
        ((3, 1, 1, 1), (2, 1, 1, 1), 0, 1),  # one-pixel images
        ((2, 3, 8, 11), (5, 3, 2, 4), (0, 2), (1, 1)),  # even, non-square kernel
        ((2, 4, 15, 13), (6, 4, 5, 3), (2, 1), (3, 2)),  # stride pair
        ((1, 2, 30, 1), (2, 2, 3, 1), (1, 0), 1),  # one-column image
    ],
)
@pytest.mark.parametrize("with_bias", [False, True])
def test_conv2d_matches_convolution_on_edge_shapes(
    rng, x_shape, w_shape, padding, stride, with_bias
):
    X = nd.array(rng.standard_normal(x_shape))
    weight = nd.array(rng.standard_normal(w_shape))
    bias = nd.array(rng.standard_normal(w_shape[0])) if with_bias else None
    expected = nd_conv2d(X, weight, bias, padding, stride).asnumpy()
    got = conv2d(X, weight, bias, padding=padding, stride=stride).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_gradients_match_convolution(seed):
    X, weight, bias, padding, stride = _random_case(seed)
    head = nd.array(
        np.random.default_rng(100 + seed).standard_normal(
            nd_conv2d(X, weight, bias, padding, stride).shape
        )
    )
    inputs = [X, weight] + ([bias] if bias is not None else [])

    def grads(fn):
        copies = [v.copy() for v in inputs]
        for v in copies:
            v.attach_grad()
        with autograd.record():
            out = fn(*copies)
            loss = (out * head).sum()
        loss.backward()
        return out.asnumpy(), [v.grad.asnumpy() for v in copies]

    def ours(X, weight, bias=None):
        return conv2d(X, weight, bias, padding=padding, stride=stride)

    def theirs(X, weight, bias=None):
        return nd_conv2d(X, weight, bias, padding, stride)

    (out, got), (ref_out, expected) = grads(ours), grads(theirs)
    # The values computed while recording (a separate code path) must match too.
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-4)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-3)


def test_conv2d_same_result_inside_and_outside_autograd(rng):
    X = nd.array(rng.standard_normal((2, 5, 12, 10)))
    weight = nd.array(rng.standard_normal((4, 5, 3, 3)))
    bias = nd.array(rng.standard_normal(4))
    outside = conv2d(X, weight, bias, padding=1).asnumpy()
    with autograd.record():
        inside = conv2d(X, weight, bias, padding=1).asnumpy()
    np.testing.assert_allclose(inside, outside, rtol=1e-5, atol=1e-5)


def test_conv2d_leaves_its_inputs_unchanged(rng):
    X = nd.array(rng.standard_normal((2, 3, 7, 7)))
    weight = nd.array(rng.standard_normal((2, 3, 3, 3)))
    bias = nd.array(rng.standard_normal(2))
    before = [v.asnumpy().copy() for v in (X, weight, bias)]
    conv2d(X, weight, bias, padding=1).wait_to_read()
    for v, b in zip((X, weight, bias), before, strict=True):
        np.testing.assert_array_equal(v.asnumpy(), b)


def test_conv2d_accepts_numpy_and_float64(rng):
    X = rng.standard_normal((1, 2, 6, 6))
    weight = rng.standard_normal((3, 2, 3, 3))
    bias = rng.standard_normal(3)
    expected = nd_conv2d(nd.array(X), nd.array(weight), nd.array(bias), 1).asnumpy()
    from_numpy = conv2d(X, weight, bias, padding=1)
    from_float64 = conv2d(
        nd.array(X, dtype="float64"),
        nd.array(weight, dtype="float64"),
        nd.array(bias, dtype="float64"),
        padding=1,
    )
    for got in (from_numpy, from_float64):
        assert isinstance(got, nd.NDArray) and got.dtype == np.float32
        np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-4, atol=1e-4)


X5 = (1, 3, 5, 5)  # shapes the bad-input cases below share


W3 = (2, 3, 3, 3)


PAIR = r"must be an int or an \(h, w\) pair"


@pytest.mark.parametrize(
    "x_shape, w_shape, b_shape, kwargs, message",
    [
        (X5, (2, 4, 3, 3), None, {}, r"X has 3 channels \(shape \(1, 3, 5, 5\)\) but weight"),
        ((3, 5, 5), W3, None, {}, r"X must have shape \(N, C_in, H, W\), got shape \(3, 5, 5\)"),
        ((1, 1, 3, 5, 5), (2, 1, 3, 3), None, {}, r"X must have shape \(N, C_in, H, W\)"),
        (X5, (3, 3, 3), None, {}, r"weight must have shape \(C_out, C_in, kh, kw\), got shape"),
        (X5, W3, (3,), {}, r"bias must have shape \(2,\) for weight \(2, 3, 3, 3\), got \(3,\)"),
        (X5, W3, (2, 1), {}, r"bias must have shape \(2,\)"),
        (X5, (2, 3, 6, 3), None, {}, r"kernel of shape \(2, 3, 6, 3\) is larger than the input"),
        ((1, 3, 2, 2), (2, 3, 5, 5), None, {"padding": 1}, r"padded by 1 on each side"),
        (X5, W3, None, {"padding": -1}, r"padding must be >= 0"),
        (X5, W3, None, {"padding": 1.5}, "padding " + PAIR),
        (X5, W3, None, {"padding": (1, 1, 1)}, "padding " + PAIR),
        (X5, W3, None, {"stride": 0}, r"stride must be >= 1"),
        (X5, W3, None, {"stride": (1, "2")}, "stride " + PAIR),
        ((1, 0, 5, 5), (2, 0, 3, 3), None, {}, r"X is empty: shape \(1, 0, 5, 5\)"),
    ],
)
def test_conv2d_bad_inputs_are_value_errors(x_shape, w_shape, b_shape, kwargs, message):
    X = np.zeros(x_shape, dtype=np.float32)  # NumPy, because MXNet cannot build empty arrays
    weight = np.zeros(w_shape, dtype=np.float32)
    bias = None if b_shape is None else np.zeros(b_shape, dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        conv2d(X, weight, bias, **kwargs)


@pytest.mark.parametrize(
    "X, weight, bias, name",
    [
        ([[[[1.0]]]], nd.ones((1, 1, 1, 1)), None, "X"),
        (nd.ones((1, 1, 2, 2)), "kernel", None, "weight"),
        (nd.ones((1, 1, 2, 2)), nd.ones((1, 1, 1, 1)), 0.5, "bias"),
    ],
)
def test_conv2d_non_arrays_are_type_errors(X, weight, bias, name):
    with pytest.raises(TypeError, match=rf"{name} must be an mxnet.nd.NDArray or a numpy.ndarray"):
        conv2d(X, weight, bias)


def test_draw_im2col_shows_one_row_per_window():

    from utils.figures.fast import draw_im2col

    X = nd.arange(12).reshape((3, 4))
    fig = draw_im2col(X, nd.ones((2, 2)), "im2col")
    left, right = fig.axes
    assert right.get_title() == "im2col matrix: 6 windows x 4 values"
    assert len(left.texts) == 12 and len(right.texts) == 6 * 4  # one number per cell
    # row 4 of the matrix is the window whose top-left corner is (1, 1): 5, 6, 9, 10
    assert [t.get_text() for t in right.texts[16:20]] == ["5", "6", "9", "10"]
    plt.close(fig)


@pytest.mark.parametrize(
    "X, K", [(nd.ones((2, 2)), nd.ones((3, 1))), (nd.ones((4,)), nd.ones((1,)))]
)
def test_draw_im2col_bad_shapes(X, K):
    from utils.figures.fast import draw_im2col

    with pytest.raises(ValueError, match="need a 2-D X at least as large as a 2-D K"):
        draw_im2col(X, K, "bad")


def test_plot_timings_uses_a_log_axis_and_rejects_non_positive_times():

    from utils.figures.fast import plot_timings

    fig = plot_timings({"slow": 1000.0, "fast": 0.5}, "timings")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "timings"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["slow", "fast"]
    plt.close(fig)
    # Given an axes, it draws there (the caller lays out the figure) and leaves the others.
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_timings({"slow": 1000.0, "fast": 0.5}, "right panel", ax=right) is fig
    assert right.get_yscale() == "log" and right.get_title() == "right panel"
    assert left.get_yscale() == "linear" and not left.patches
    plt.close(fig)
    with pytest.raises(ValueError, match="need positive times"):
        plot_timings({"broken": 0.0}, "timings")


@pytest.mark.parametrize(
    "w_shape, padding",
    [((3, 2, 1, 1), 2), ((3, 2, 2, 3), (3, 4)), ((3, 2, 3, 3), (0, 3)), ((3, 2, 3, 1), (2, 0))],
)
def test_conv2d_padding_as_large_as_or_larger_than_the_kernel(rng, w_shape, padding):
    # The output is then taller/wider than the shared-padding grid's rows/columns hold.
    X = nd.array(rng.standard_normal((2, 2, 5, 4)))
    weight = nd.array(rng.standard_normal(w_shape))
    expected = nd_conv2d(X, weight, None, padding).asnumpy()
    np.testing.assert_allclose(
        conv2d(X, weight, padding=padding).asnumpy(), expected, rtol=1e-4, atol=1e-4
    )


def test_conv2d_reused_grid_keeps_earlier_results_and_zero_padding(rng):
    # Stride-1 calls of one shape reuse one zero grid and overwrite only its interior:
    # a second call must neither change the first result nor see the first input.
    weight = nd.array(rng.standard_normal((3, 2, 3, 3)))
    X1 = nd.array(rng.standard_normal((2, 2, 6, 5)) + 10.0)
    X2 = nd.array(rng.standard_normal((2, 2, 6, 5)))
    Y1 = conv2d(X1, weight, padding=1)
    Y2 = conv2d(X2, weight, padding=1)
    for X, Y in ((X1, Y1), (X2, Y2)):
        expected = nd_conv2d(X, weight, None, 1).asnumpy()
        np.testing.assert_allclose(Y.asnumpy(), expected, rtol=1e-4, atol=1e-4)


def test_conv2d_many_shapes_in_turn(rng):
    # More shapes than the grid cache keeps, then the first shape again.
    weight = nd.array(rng.standard_normal((2, 1, 3, 3)))
    sizes = list(range(4, 16)) + [4]
    for size in sizes:
        X = nd.array(rng.standard_normal((1, 1, size, size)))
        expected = nd_conv2d(X, weight, None, 1).asnumpy()
        np.testing.assert_allclose(
            conv2d(X, weight, padding=1).asnumpy(), expected, rtol=1e-4, atol=1e-4
        )


def test_conv2d_from_two_threads_at_once(rng):
    # Reused buffers are per thread: concurrent calls of one shape must not mix inputs.
    weight = nd.array(rng.standard_normal((3, 2, 3, 3)))
    inputs = [nd.array(rng.standard_normal((2, 2, 9, 7)) + k) for k in range(2)]
    expected = [nd_conv2d(X, weight, None, 1).asnumpy() for X in inputs]
    results: dict[int, list[np.ndarray]] = {0: [], 1: []}

    def work(k: int) -> None:
        for _ in range(20):
            results[k].append(conv2d(inputs[k], weight, padding=1).asnumpy())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(2):
        assert len(results[k]) == 20
        for got in results[k]:
            np.testing.assert_allclose(got, expected[k], rtol=1e-4, atol=1e-4)


_ONEDNN_LAYERS = """
from mxnet import nd
# layer (b): batch 8, 64 -> 64 channels, 56x56, 3x3 kernel, padding 1, with bias
nd.Convolution(nd.ones((8, 64, 56, 56)), nd.ones((64, 64, 3, 3)), nd.ones((64,)),
               kernel=(3, 3), pad=(1, 1), num_filter=64).wait_to_read()
# layer (a): one 224x224 channel, 3x3 kernel
nd.Convolution(nd.ones((1, 1, 224, 224)), nd.ones((1, 1, 3, 3)), kernel=(3, 3),
               num_filter=1, no_bias=True).wait_to_read()
"""


@pytest.mark.slow
def test_nd_convolution_runs_direct_jit_for_layer_b_and_im2col_gemm_for_layer_a():
    """Under the pin, oneDNN's log (DNNL_VERBOSE=1) names the implementation of each
    convolution: layer (b) is a direct convolution JIT-compiled for AVX2 on a layout with
    channels in blocks of 8, after reorders into that layout; layer (a), one channel, is
    oneDNN's im2col + GEMM implementation. Only the implementation names and layouts are
    compared, never the times the log also prints."""
    # The project's interpreter pins the kernels itself (tools/pin.py).
    env = {**os.environ, "DNNL_VERBOSE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _ONEDNN_LAYERS], env=env, capture_output=True, text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = [line.split(",") for line in out.stdout.splitlines()]
    assert ["dnnl_verbose", "info", "cpu", "isa:Intel AVX2"] in lines, out.stdout
    # exec lines: dnnl_verbose, exec, cpu, primitive, implementation, propagation,
    # memory formats, attributes, algorithm, problem, time in ms
    convs = {f[9]: f for f in lines if f[:4] == ["dnnl_verbose", "exec", "cpu", "convolution"]}
    assert len(convs) == 2, sorted(convs)
    layer_b = convs["mb8_ic64oc64_ih56oh56kh3sh1dh0ph1_iw56ow56kw3sw1dw0pw1"]
    layer_a = convs["mb1_ic1oc1_ih224oh222kh3sh1dh0ph0_iw224ow222kw3sw1dw0pw0"]
    assert layer_b[4] == "jit:avx2" and layer_b[8] == "alg:convolution_direct", layer_b
    formats = layer_b[6].split()
    assert "src_f32::blocked:aBcd8b:f0" in formats, layer_b  # channels in blocks of 8
    assert "wei_f32::blocked:ABcd8b8a:f0" in formats, layer_b
    # the input and the weights are first copied from NCHW into those layouts
    reorders = [f[6] for f in lines if f[:4] == ["dnnl_verbose", "exec", "cpu", "reorder"]]
    for blocked in ("aBcd8b", "ABcd8b8a"):
        wanted = f"src_f32::blocked:abcd:f0 dst_f32::blocked:{blocked}:f0"
        assert wanted in reorders, reorders
    assert layer_a[4].endswith("gemm:jit"), layer_a
    assert "src_f32::blocked:abcd:f0" in layer_a[6].split(), layer_a  # plain NCHW, no blocks
