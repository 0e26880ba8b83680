"""The figures of the notebooks, drawn with matplotlib, one module per group of notebooks.

`base` holds what every figure uses; `conv` the figures of notebooks 01-06, `cnn` of 07,
`runs` of 08 and 09, `fast` of 10, `dist` of 11. Figures that move or respond:
`animation` (the HTML player), `animated` and `animated_deeper` (the animations of
01-06), `explorer` (notebook 03's shape explorer). Import by module, e.g.
`from utils.figures.animated import corr2d_animation`.
"""
