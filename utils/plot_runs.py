"""Figures of experiments repeated over several seeds: a mean and its spread.

Kept apart from utils/plot.py so that the figures of single computations and
the figures of repeated runs can each be read in one sitting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from utils.plot import _figure_for, finish_axes


def plot_mean_spread(
    runs: Mapping[str, object],
    x: Sequence[float],
    title: str,
    xlabel: str,
    ylabel: str,
    logx: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Plot, for each named method, the mean over seeds with error bars of one
    standard deviation, and every seed's value as a faint dot.

    `runs` maps a legend label to an array of shape (seeds, len(x)): one row
    per seed, one column per x value. Draws on `ax` if given, else on a new
    figure; returns the figure. A row length that differs from len(x) is a
    ValueError naming both shapes. Introduced in notebooks/08_finetuning.ipynb.
    """
    xs = np.asarray(list(x), dtype=float)
    fig, ax = _figure_for(ax)
    for offset, (label, values) in enumerate(runs.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(xs):
            raise ValueError(
                f"runs[{label!r}] has shape {values.shape}; expected (seeds, {len(xs)}) "
                f"for x of length {len(xs)}"
            )
        # Nudge each method sideways a little so error bars do not hide each other.
        shift = xs * (1 + 0.04 * (offset - (len(runs) - 1) / 2)) if logx else xs + 0.0
        mean, std = values.mean(axis=0), values.std(axis=0)
        bars = ax.errorbar(shift, mean, yerr=std, marker="o", capsize=4, label=label)
        seeds_x = np.broadcast_to(shift, values.shape)
        ax.scatter(seeds_x.ravel(), values.ravel(), s=8, alpha=0.35, color=bars[0].get_color())
    if logx:
        ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{v:g}" for v in xs])
    return finish_axes(fig, ax, title, xlabel, ylabel)
