"""The HTML player of utils.figures.animation: stable bytes, one image per frame, the
static fallback, bad calls."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from utils.figures.animation import Animation, Frames, render_png


def _figure(n: int, size=(2.0, 1.0)) -> Figure:
    fig = Figure(figsize=size)
    ax = fig.subplots()
    ax.text(0.5, 0.5, f"frame {n}", ha="center")
    ax.set_title(f"title {n}")
    return fig


def _anim(**kw) -> Animation:
    return Animation(_figure, ["first <b>", "second", "third"], "demo", n_frames=3, dpi=30, **kw)


def test_html_is_stable_and_holds_every_frame():
    a, b = _anim(), _anim()
    assert a.html == b.html  # no random ids, no dates
    assert a.n_frames == 3 and len(a.png_sizes) == 3
    assert a.html.count('<img class="gcb-frame"') == 3
    assert a.html.count(" hidden ") == 2  # only the first frame shows without a script
    assert "first &lt;b&gt;" in a.html and "first <b>" not in a.html
    assert f'id="{a.id}"' in a.html and a.id in a.html.split("<script>")[1]
    assert re.search(r'class="gcb-static-note"', a.html)
    assert a.nbytes == len(a.html.encode())


def test_id_depends_on_captions_not_pixels():
    a = _anim()
    other = Animation(lambda n: _figure(n + 1), ["first <b>", "second", "third"], "demo",
                      n_frames=3, dpi=30)
    assert other.id == a.id and other.html != a.html
    assert Animation(_figure, ["x", "y", "z"], "demo", n_frames=3, dpi=30).id != a.id
    assert _anim(key="fixed").id == "gcb-anim-fixed"


def test_summary_and_show(capsys):
    a = _anim()
    assert a.summary(2) == "3 frames; frame 2: second"
    assert a.show(3) is a
    assert capsys.readouterr().out == "3 frames; frame 3: third\n"
    assert a._repr_html_() == a.html and repr(a) == "<Animation 'demo': 3 frames>"


def test_render_png_has_no_version_stamp():
    png = render_png(_figure(0), 30)
    assert png.startswith(b"\x89PNG") and b"Matplotlib" not in png
    assert render_png(_figure(0), 30) == png
    assert len(render_png(_figure(0), 30, colors=None)) > 0


def test_frames_animate():
    frames = Frames(_figure, ["a", "b"], "two")
    assert len(frames) == 2
    assert frames.animate(dpi=30).summary(1) == "2 frames; frame 1: a"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(frames=_figure, captions=["a"], label="x"), ValueError),  # no n_frames
        (dict(frames=[], captions=[], label="x"), ValueError),
        (dict(frames=[_figure(0)], captions=["a", "b"], label="x"), ValueError),
        (dict(frames=[_figure(0)], captions="a", label="x"), TypeError),
        (dict(frames=[_figure(0)], captions=["a"], label=""), ValueError),
        (dict(frames=[_figure(0)], captions=["a"], label="x", dpi=5), ValueError),
        (dict(frames=[_figure(0)], captions=["a"], label="x", interval_ms=True), ValueError),
        (dict(frames=42, captions=["a"], label="x"), TypeError),
        (dict(frames=lambda n: "no figure", captions=["a"], label="x", n_frames=1), TypeError),
        (dict(frames=[_figure(0), _figure(1, (3.0, 1.0))], captions=["a", "b"], label="x"),
         ValueError),
    ],
)
def test_bad_calls(kwargs, error):
    with pytest.raises(error):
        Animation(**kwargs)


@pytest.mark.parametrize("frame", [0, 4, True, "1"])
def test_bad_summary(frame):
    with pytest.raises(ValueError):
        _anim().summary(frame)


@pytest.mark.slow  # draws every frame of three animations twice
def test_frames_share_the_first_frames_layout_and_look_as_drawn_alone():
    from utils.figures.animated import corr2d_frames

    frames = corr2d_frames(np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2))
    animation = frames.animate()
    # each frame laid out on its own (constrained layout) gives the same pixels
    assert animation.pngs == [render_png(frames.draw(n), 72) for n in range(len(frames))]

    def other(n: int) -> Figure:  # frame 1 has two panels where frame 0 has one
        fig = Figure(figsize=(3, 2), layout="constrained")
        fig.subplots(1, 1 + n)
        return fig

    mixed = Animation(other, ["one panel", "two panels"], "mixed", n_frames=2)
    assert mixed.pngs[1] == render_png(other(1), 72)
