"""A small self-contained HTML player for a sequence of matplotlib figures.

`Animation` renders each frame to a PNG once and writes one block of HTML: every frame
as an embedded PNG (`<img src="data:image/png;base64,...">`), buttons to step back,
play, pause and step forward, a slider, and a caption per frame. It needs no network
and no JavaScript library, so it plays offline in JupyterLab (in a trusted notebook,
or right after the cell runs) and in the HTML book. Where scripts do not run (an
untrusted notebook, GitHub's preview) the first frame and its caption still show,
with one line telling the reader how to play it; the hidden frames carry the HTML
`hidden` attribute, so a viewer that drops it shows every frame, one under another.
The HTML is a pure function of the frames and captions: no random ids, no dates, so
re-running a notebook stores the same bytes. The animation module draws nothing
itself: the frames are whatever the caller's figures or drawing function show.
Introduced in notebooks/01_cross_correlation.ipynb.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

# The player's script: it finds its own player through document.currentScript (so two
# players in one page, or a copy of the same one, never mix), else by id once the page
# has laid it out (renderers that run scripts through eval have no currentScript).
_SCRIPT = """(function () {
  var here = document.currentScript;
  function start(root) {
    if (!root || root.getAttribute("data-playing") !== null) { return; }
    root.setAttribute("data-playing", "no");
    var frames = root.querySelectorAll("img.gcb-frame");
    var slider = root.querySelector("input.gcb-slider");
    var counter = root.querySelector(".gcb-counter");
    var caption = root.querySelector(".gcb-caption");
    var interval = parseInt(root.getAttribute("data-interval"), 10) || 1000;
    var current = 0, timer = null;
    function show(n) {
      current = (n + frames.length) % frames.length;
      for (var k = 0; k < frames.length; k++) { frames[k].hidden = (k !== current); }
      slider.value = String(current);
      counter.textContent = "frame " + (current + 1) + " of " + frames.length;
      caption.textContent = frames[current].getAttribute("data-caption");
    }
    function pause() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      root.setAttribute("data-playing", "no");
    }
    function play() {
      if (timer !== null) { return; }
      timer = setInterval(function () { show(current + 1); }, interval);
      root.setAttribute("data-playing", "yes");
    }
    var actions = {
      back: function () { pause(); show(current - 1); },
      next: function () { pause(); show(current + 1); },
      play: play,
      pause: pause
    };
    var buttons = root.querySelectorAll("button[data-action]");
    for (var b = 0; b < buttons.length; b++) {
      buttons[b].addEventListener("click", actions[buttons[b].getAttribute("data-action")]);
    }
    slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
    root.querySelector(".gcb-controls").hidden = false;
    root.querySelector(".gcb-static-note").hidden = true;
    show(0);
  }
  var root = here && here.parentNode;
  if (root && root.classList && root.classList.contains("gcb-animation")) {
    start(root);
  } else {
    setTimeout(function () { start(document.getElementById("__ID__")); }, 0);
  }
})();"""

_BUTTON = '<button type="button" data-action="{0}" title="{1}">{2}</button>'
_CONTROLS = "".join(
    _BUTTON.format(*b)
    for b in (
        ("back", "previous frame", "&#9664; back"),
        ("play", "play", "play"),
        ("pause", "pause", "pause"),
        ("next", "next frame", "next &#9654;"),
    )
)


def render_png(fig: Figure, dpi: int, colors: int | None = 32) -> bytes:
    """The PNG bytes of `fig` at `dpi`, without the "Software" stamp (the matplotlib
    version), so the bytes depend only on what is drawn. With `colors`, the image is
    reduced to a palette of that many colours (median cut, no dithering), which keeps
    flat tables of numbers looking the same at about a third of the bytes; None keeps
    full colour. Introduced in notebooks/01_cross_correlation.ipynb."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    if colors is None:
        return buffer.getvalue()
    from PIL import Image

    buffer.seek(0)
    image = Image.open(buffer).convert("RGB")
    reduced = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                             dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class Animation:
    """Frames of matplotlib figures shown as one self-contained HTML player.

    `frames` is a sequence of Figures, or a function `draw(i) -> Figure` together with
    `n_frames`; each figure is rendered once to a PNG at `dpi` (in a palette of `colors`
    colours, see `render_png`) and then closed (so a notebook does not also show it as
    a still). `captions` has one line per frame
    saying what that frame shows, e.g. "Y[1, 0] = 3·0 + 4·1 + 6·2 + 7·3 = 37"; the
    player shows the current frame's caption under it, and `summary(n)` prints frame
    n's for nbval to compare. `label` names the animation (alt text and element id).
    `interval_ms` is the time per frame when playing. The player's element id is
    derived from `label` and the captions (not from the PNG bytes, which can differ
    between machines' font renderers), unless `key` gives one. In Jupyter the object
    displays as the player (`_repr_html_`); `html` is the same text, `png_sizes` the
    bytes of each frame and `nbytes` the size of the HTML. Bad input is a `TypeError`
    or `ValueError`. Introduced in notebooks/01_cross_correlation.ipynb.
    """

    def __init__(
        self,
        frames: Sequence[Figure] | Callable[[int], Figure],
        captions: Sequence[str],
        label: str,
        n_frames: int | None = None,
        dpi: int = 72,
        interval_ms: int = 1000,
        key: str | None = None,
        colors: int | None = 32,
    ) -> None:
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"label must be a non-empty string, got {label!r}")
        for name, value, low in (("dpi", dpi, 10), ("interval_ms", interval_ms, 50)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
        if isinstance(captions, str) or not all(isinstance(c, str) for c in captions):
            raise TypeError("captions must be a sequence of strings, one per frame")
        if callable(frames) and not isinstance(frames, Figure):
            if isinstance(n_frames, bool) or not isinstance(n_frames, int) or n_frames < 1:
                raise ValueError(
                    f"with a drawing function, n_frames must be an int >= 1, got {n_frames!r}"
                )
            draw, count = frames, n_frames
        elif isinstance(frames, Sequence) and not isinstance(frames, str):
            if n_frames is not None and n_frames != len(frames):
                raise ValueError(f"n_frames={n_frames} but {len(frames)} figures were given")
            if not frames:
                raise ValueError("an animation needs at least one frame, got none")
            draw, count = frames.__getitem__, len(frames)
        else:
            raise TypeError(
                "frames must be a sequence of matplotlib Figures or a function draw(i) -> Figure,"
                f" got {type(frames).__name__}"
            )
        if len(captions) != count:
            raise ValueError(f"{count} frames but {len(captions)} captions: give one per frame")
        self.label, self.captions, self.interval_ms = label, list(captions), interval_ms
        self.pngs: list[bytes] = []
        layout: list | None = None
        for i in range(count):
            fig = draw(i)
            if not isinstance(fig, Figure):
                raise TypeError(f"frame {i} is a {type(fig).__name__}, not a matplotlib Figure")
            # Frames differ in their numbers, not in their panels: the first frame's layout
            # (constrained layout, most of a frame's cost) serves them all, which also keeps
            # the panels still while the numbers change.
            if layout is not None and not _reuse_layout(fig, layout):
                layout = None
            self.pngs.append(render_png(fig, dpi, colors))
            if i == 0:
                layout = _layout_of(fig)
            _close(fig)
        sizes = {_png_size(p) for p in self.pngs}
        if len(sizes) != 1:
            raise ValueError(f"every frame must have the same size in pixels, got {sorted(sizes)}")
        self.size_px = sizes.pop()
        text = "\n".join([label, *self.captions]).encode("utf-8")
        self.id = f"gcb-anim-{key if key is not None else hashlib.sha256(text).hexdigest()[:12]}"
        self.html = self._build_html()

    @property
    def n_frames(self) -> int:
        return len(self.pngs)

    @property
    def png_sizes(self) -> list[int]:
        """Bytes of each frame's PNG (before base64, which adds a third)."""
        return [len(p) for p in self.pngs]

    @property
    def nbytes(self) -> int:
        """Bytes of the player's HTML as stored in a notebook (UTF-8)."""
        return len(self.html.encode("utf-8"))

    def summary(self, frame: int) -> str:
        """One line for a notebook to print: the frame count and frame `frame`'s caption
        (frames counted from 1, as the player counts them)."""
        if isinstance(frame, bool) or not isinstance(frame, int) or not 1 <= frame <= self.n_frames:
            raise ValueError(f"frame must be an int from 1 to {self.n_frames}, got {frame!r}")
        return f"{self.n_frames} frames; frame {frame}: {self.captions[frame - 1]}"

    def show(self, frame: int) -> Animation:
        """Print `summary(frame)` and return the animation, so that a notebook cell
        ending in `animation.show(n)` prints the line nbval compares and then shows the
        player."""
        print(self.summary(frame))
        return self

    def _build_html(self) -> str:
        width, height = self.size_px
        n, esc = self.n_frames, html.escape
        images = []
        for i, (png, caption) in enumerate(zip(self.pngs, self.captions, strict=True)):
            data = base64.b64encode(png).decode("ascii")
            images.append(
                f'<img class="gcb-frame"{" hidden" if i else ""} width="{width}" '
                f'height="{height}" style="max-width: 100%; height: auto;" '
                f'alt="{esc(self.label)}, frame {i + 1} of {n}: {esc(caption)}" '
                f'data-caption="{esc(caption)}" src="data:image/png;base64,{data}">'
            )
        return "\n".join(
            [
                f'<div class="gcb-animation" id="{self.id}" data-interval="{self.interval_ms}" '
                f'style="max-width: {width}px;">',
                *images,
                f'<div class="gcb-caption">{esc(self.captions[0])}</div>',
                '<div class="gcb-controls" hidden>'
                f"{_CONTROLS}"
                f'<input class="gcb-slider" type="range" min="0" max="{n - 1}" value="0" '
                f'step="1" aria-label="frame" style="vertical-align: middle;"> '
                f'<span class="gcb-counter">frame 1 of {n}</span></div>',
                f'<div class="gcb-static-note"><em>Frame 1 of {n} shown still: run the cell, '
                "or trust the notebook, to play the animation.</em></div>",
                f"<script>{_SCRIPT.replace('__ID__', self.id)}</script>",
                "</div>",
            ]
        )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<Animation {self.label!r}: {self.n_frames} frames>"


@dataclass(frozen=True)
class Frames:
    """What an animation shows before it is rendered: `draw(n)` returns the Figure of
    frame n (from 0), `captions[n]` says what frame n shows, `title` names the whole.
    Tests inspect the figures; `animate()` renders them into an `Animation`.
    Introduced in notebooks/01_cross_correlation.ipynb."""

    draw: Callable[[int], Figure]
    captions: list[str]
    title: str

    def __len__(self) -> int:
        return len(self.captions)

    def animate(self, dpi: int = 72, interval_ms: int = 1000, colors: int | None = 32) -> Animation:
        """The player of these frames (see `Animation` for the arguments)."""
        return Animation(self.draw, self.captions, self.title, n_frames=len(self.captions),
                         dpi=dpi, interval_ms=interval_ms, colors=colors)


def _layout_of(fig) -> list:
    """Where a laid-out figure put its parts: per subfigure (depth first) its box in its
    parent, then the position of each of its own axes."""
    boxes = [("axes", ax.get_position(original=False).frozen(),
              ax.get_position(original=True).frozen()) for ax in fig._localaxes]
    for sub in fig.subfigs:
        boxes.append(("subfigure", sub.bbox_relative.frozen(), None))
        boxes += _layout_of(sub)
    return boxes


def _reuse_layout(fig: Figure, layout: list) -> bool:
    """Place `fig`'s parts as `layout` (from `_layout_of`) says and turn its layout engine
    off; False, and `fig` left alone, when its parts differ from the layout's."""
    if [kind for kind, *_ in _layout_of(fig)] != [kind for kind, *_ in layout]:
        return False
    fig.set_layout_engine(None)  # None, not "none": savefig then draws once, not twice
    parts = iter(layout)

    def place(f) -> None:
        for ax in f._localaxes:
            _, active, original = next(parts)
            ax._set_position(original, which="original")
            ax._set_position(active, which="active")
        for sub in f.subfigs:
            sub._redo_transform_rel_fig(bbox=next(parts)[1])
            place(sub)

    place(fig)
    return True


def _close(fig: Figure) -> None:
    """Close `fig` if pyplot manages it, so the inline backend does not show it again."""
    import matplotlib.pyplot as plt

    plt.close(fig)
