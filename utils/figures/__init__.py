"""Figures that move or respond: an HTML animation player, its animations, a shape explorer.

Notebooks import the animations by name, e.g. `from utils.figures import corr2d_animation`.
"""

from utils.figures.animated import channels_animation, corr2d_animation, pooling_animation
from utils.figures.animated_deeper import (
    dilation_animation,
    transposed_animation,
    transposed_conv2d,
)
from utils.figures.animation import Animation
from utils.figures.explorer import shape_explorer

__all__ = [
    "Animation",
    "channels_animation",
    "corr2d_animation",
    "dilation_animation",
    "pooling_animation",
    "shape_explorer",
    "transposed_animation",
    "transposed_conv2d",
]
