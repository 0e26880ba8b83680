"""The animations' numbers are the helpers' outputs: utils.figures.animated and
animated_deeper against utils.conv, utils.pool, utils.shapes and MXNet's operators."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure
from mxnet import nd

from utils.conv import corr2d, corr2d_multi_in, pad2d
from utils.figures.animated import (
    channels_frames,
    channels_steps,
    corr2d_animation,
    corr2d_frames,
    corr2d_steps,
    pooling_frames,
    pooling_steps,
)
from utils.figures.animated_deeper import transposed_conv2d, transposed_frames, transposed_steps
from utils.pool import pool2d
from utils.shapes import output_shape

X01 = np.arange(9, dtype=np.float32).reshape(3, 3)
K01 = np.arange(4, dtype=np.float32).reshape(2, 2)


def test_article_example_frames_end_in_the_article_output():
    _, Y, steps = corr2d_steps(X01, K01)
    assert Y.tolist() == [[19, 25], [37, 43]]
    assert [s.value for s in steps] == [19, 25, 37, 43]
    assert steps[2].values == [3, 4, 6, 7] and steps[2].products == [0, 4, 12, 21]
    assert steps[2].running == [0, 4, 16, 37]
    frames = corr2d_frames(X01, K01)
    assert frames.captions[-1] == "Y[1, 1] = 4·0 + 5·1 + 7·2 + 8·3 = 43"
    assert len(frames) == 4


@pytest.mark.parametrize(
    "shape, k, p, s, d",
    [((5, 5), (3, 3), 0, 1, 1), ((8, 8), (3, 5), (0, 1), (3, 4), 1), ((7, 6), (2, 3), 1, 2, 2),
     ((6, 6), (3, 3), 2, (1, 2), (2, 1))],
)
def test_steps_equal_corr2d_and_mxnet(shape, k, p, s, d):
    rng = np.random.default_rng(1)
    X = rng.integers(-5, 6, shape).astype(np.float32)
    K = rng.integers(-3, 4, k).astype(np.float32)
    Xp, Y, steps = corr2d_steps(X, K, p, s, d)
    pp = (p, p) if isinstance(p, int) else p
    assert np.array_equal(Xp, pad2d(X, pp).asnumpy())
    ref = nd.Convolution(nd.array(X).reshape((1, 1, *shape)), nd.array(K).reshape((1, 1, *k)),
                         kernel=k, pad=pp, stride=(s, s) if isinstance(s, int) else s,
                         dilate=(d, d) if isinstance(d, int) else d, num_filter=1,
                         no_bias=True)[0, 0].asnumpy()
    assert np.array_equal(Y, ref)
    assert Y.shape == output_shape(shape, k, p, s, d) and len(steps) == Y.size
    for st in steps:
        # each tap reads the padded input; the products and their sum are the output
        assert st.values == [float(Xp[t]) for t in st.taps]
        assert np.allclose(st.products, np.array(st.values) * np.array(st.weights))
        assert st.running[-1] == pytest.approx(st.value) and st.value == Y[st.at]
    if d == 1:
        assert np.array_equal(Y, corr2d(X, K, p, s).asnumpy())


def test_stride_marks_cells_never_read():
    from utils.figures.animated import _read_mask

    X = np.arange(64, dtype=np.float32).reshape(8, 8)
    Xp, _, steps = corr2d_steps(X, np.ones((3, 5)), (0, 1), (3, 4))
    unread = _read_mask(Xp.shape, steps)
    # windows start at rows 0, 3 (3 rows each) and at padded columns 0, 4 (5 wide):
    # rows 6-7 and the right padding column 9 are never read, everything else is
    expected = np.zeros(Xp.shape, dtype=bool)
    expected[6:] = True
    expected[:, 9] = True
    assert np.array_equal(unread, expected)


def test_channels_are_the_article_56():
    X = np.stack([X01, X01 + 1])
    K = np.stack([K01, K01 + 1])
    Y, steps = channels_steps(X, K)
    assert np.array_equal(Y, corr2d_multi_in(X, K).asnumpy())
    assert Y[0, 0] == 56 and [p.value for p in steps[0].channels] == [19, 37]
    for st in steps:
        assert sum(p.value for p in st.channels) == st.value
    assert channels_frames(X, K).captions[0] == "Y[0, 0] = 19 + 37 = 56"


@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 2, 1), ((2, 3), (2, 3), (1, 2)), (3, 1, 0)])
def test_pooling_steps_equal_pool2d_and_mxnet(k, s, p):
    X = np.arange(16, dtype=np.float32).reshape(4, 4) - 7
    Xp, Y_max, Y_avg, steps = pooling_steps(X, k, s, p)
    kk = (k, k) if isinstance(k, int) else k
    ss = kk if s is None else ((s, s) if isinstance(s, int) else s)
    pp = (p, p) if isinstance(p, int) else p
    for mode, Y in (("max", Y_max), ("avg", Y_avg)):
        ref = nd.Pooling(nd.array(X).reshape((1, 1, 4, 4)), kernel=kk, stride=ss, pad=pp,
                         pool_type=mode)[0, 0].asnumpy()
        assert np.allclose(Y, ref)
        assert np.allclose(Y, pool2d(X, kk, mode, pp, ss).asnumpy())
    for st in steps:
        assert st.maximum == max(st.values)
        assert st.chosen is not None and Xp[st.chosen] == st.maximum
        assert st.average == pytest.approx(sum(st.values) / (kk[0] * kk[1]))


def test_pooling_captions():
    caps = pooling_frames(np.arange(16).reshape(4, 4), 2).captions
    assert caps[0] == "window (0, 0): max(0, 1, 4, 5) = 5, mean = 2.5" and len(caps) == 4


@pytest.mark.parametrize(
    "shape, k, s", [((2, 2), (2, 2), 1), ((2, 3), (3, 2), 2), ((3, 2), (2, 2), (2, 3))]
)
def test_transposed_equals_deconvolution_and_the_scatter(shape, k, s):
    rng = np.random.default_rng(2)
    X = rng.integers(-3, 4, shape).astype(np.float32)
    K = rng.integers(-3, 4, k).astype(np.float32)
    ss = (s, s) if isinstance(s, int) else s
    ref = nd.Deconvolution(nd.array(X).reshape((1, 1, *shape)), nd.array(K).reshape((1, 1, *k)),
                           kernel=k, stride=ss, num_filter=1, no_bias=True)[0, 0].asnumpy()
    Y, steps = transposed_steps(X, K, s)
    assert np.array_equal(Y, ref) and np.array_equal(transposed_conv2d(X, K, s), ref)
    scattered = np.zeros_like(Y)
    for st in steps:
        assert np.array_equal(st.block, st.value * K)
        r, c = st.corner
        scattered[r:r + k[0], c:c + k[1]] += st.block
        assert np.array_equal(st.running, scattered)
    assert np.array_equal(scattered, Y)


def test_transposed_caption_ends_with_the_output():
    caps = transposed_frames(K01, K01, 2).captions
    assert caps[1] == "X[0, 1] = 1 adds [[0, 1], [2, 3]] to Y[0:2, 2:4]"
    assert caps[-1].endswith("Y = [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]")


def test_frames_draw_figures_of_one_size():
    frames = corr2d_frames(X01, K01)
    figs = [frames.draw(n) for n in range(len(frames))]
    assert all(isinstance(f, Figure) for f in figs)
    assert len({tuple(f.get_size_inches()) for f in figs}) == 1


def test_animation_summary_line():
    anim = corr2d_animation(X01, K01, dpi=30)
    assert anim.summary(3) == "4 frames; frame 3: Y[1, 0] = 3·0 + 4·1 + 6·2 + 7·3 = 37"


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: corr2d_steps(np.ones((2, 2, 2)), K01), ValueError),
        (lambda: corr2d_steps(X01, np.ones((4, 4))), ValueError),
        (lambda: corr2d_steps(X01, K01, stride=0), ValueError),
        (lambda: corr2d_steps(X01, K01, dilation=3), ValueError),
        (lambda: corr2d_steps("X", K01), TypeError),
        (lambda: channels_steps(np.ones((2, 3, 3)), np.ones((3, 2, 2))), ValueError),
        (lambda: channels_steps(X01, K01), ValueError),
        (lambda: pooling_steps(X01, 4), ValueError),
        (lambda: pooling_steps(X01, 2, padding=2), ValueError),
        (lambda: transposed_steps(X01, K01, stride=0), ValueError),
        (lambda: transposed_conv2d(np.ones(3), K01), ValueError),
    ],
)
def test_bad_calls(call, error):
    with pytest.raises(error):
        call()


def test_every_window_position_once():
    _, Y, steps = corr2d_steps(np.ones((6, 7)), np.ones((2, 3)), 1, (2, 3))
    assert [s.at for s in steps] == list(itertools.product(range(Y.shape[0]), range(Y.shape[1])))
