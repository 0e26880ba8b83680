"""The shape explorer of notebook 03: its shapes against utils.output_shape and Gluon,
its notations, its drawing and its bad calls."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from utils.figures.explorer import RANGES, draw_setting, explore, shape_explorer
from utils.shapes import output_shape


@pytest.mark.parametrize("size, kernel, padding, stride, dilation",
                         list(itertools.product([3, 8, 11], [1, 3, 4], [0, 2], [1, 3], [1, 3])))
def test_shapes_agree_with_output_shape_and_gluon(size, kernel, padding, stride, dilation):
    st = explore(size, kernel, padding, stride, dilation)
    try:
        expected = output_shape(size, kernel, padding, stride, dilation)
    except ValueError:
        expected = None
    assert st.ours == st.gluon == expected
    lines = st.lines()
    assert "disagree" not in "\n".join(lines) and "DIFFERENT" not in "\n".join(lines)
    if expected is None:
        assert not st.reads.any() and "does not fit" in lines[1]
    else:
        # the two notations print the same number, the output size
        assert lines[2].endswith(f"= {expected[0]}") and lines[3].endswith(f"= {expected[0]}")
        # every window reads kernel**2 elements
        assert st.reads.sum() == expected[0] * expected[1] * kernel**2


def test_reads_mark_what_a_stride_skips():
    st = explore(8, 3, 0, 3, 1)  # windows at rows (columns) 0 and 3: 6 and 7 unread
    assert st.ours == (2, 2)
    assert (st.reads[6:] == 0).all() and (st.reads[:, 6:] == 0).all()
    assert (st.reads[:6, :6] > 0).all()
    assert st.lines()[2] == ("article, total padding p_h = 0: floor((n - span + p_h + s) / s) = "
                             "floor((8 - 3 + 0 + 3) / 3) = 2")


def test_drawing_changes_with_the_stride():
    a, b = draw_setting(explore(stride=1)), draw_setting(explore(stride=2))
    assert isinstance(a, Figure)
    assert len(a.axes[1].patches) == 64 and len(b.axes[1].patches) == 16  # output cells
    assert isinstance(draw_setting(explore(3, 5, 0, 1, 1)), Figure)  # does not fit


def test_shape_explorer_prints_the_still(capsys):
    shape_explorer()
    out = capsys.readouterr().out
    assert "Shape explorer" in out and "utils.output_shape: (4, 4)   Gluon nn.Conv2D: (4, 4)" in out


@pytest.mark.parametrize("kwargs, error", [
    (dict(size=2), ValueError), (dict(kernel=6), ValueError), (dict(padding=-1), ValueError),
    (dict(stride=0), ValueError), (dict(dilation=4), ValueError), (dict(size=8.0), TypeError),
    (dict(stride=True), TypeError),
])
def test_bad_calls(kwargs, error):
    with pytest.raises(error):
        explore(**kwargs)


def test_ranges_hold_the_article_examples():
    assert RANGES["size"][0] <= 8 <= RANGES["size"][1]
    assert explore(8, 3, 1, 2, 1).ours == (4, 4)
    assert np.array_equal(explore(8, 3, 1, 1, 1).reads.shape, (10, 10))
