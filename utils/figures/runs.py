"""Figures of experiments repeated over several seeds: a mean and its spread.

The figures of notebooks 08 and 09: a training history, bars, and runs repeated
over seeds. Every spread is
the sample standard deviation over the seeds (NumPy's `ddof=1`, dividing by
seeds - 1), and the legends say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from utils.figures.base import figure_for, finish_axes, plot_curves
from utils.stats import sample_std


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
    sample standard deviation (`ddof=1`), and every seed's value as a faint dot.

    `runs` maps a legend label to an array of shape (seeds, len(x)): one row
    per seed, one column per x value. Draws on `ax` if given, else on a new
    figure; returns the figure. A row length that differs from len(x) is a
    ValueError naming both shapes. Introduced in notebooks/09_finetuning.ipynb.
    """
    xs = np.asarray(list(x), dtype=float)
    fig, ax = figure_for(ax)
    for offset, (label, values) in enumerate(runs.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(xs):
            raise ValueError(
                f"runs[{label!r}] has shape {values.shape}; expected (seeds, {len(xs)}) "
                f"for x of length {len(xs)}"
            )
        # Nudge each method sideways a little so error bars do not hide each other.
        shift = xs * (1 + 0.04 * (offset - (len(runs) - 1) / 2)) if logx else xs + 0.0
        mean, std = values.mean(axis=0), sample_std(values)
        bars = ax.errorbar(shift, mean, yerr=std, marker="o", capsize=4, label=label)
        seeds_x = np.broadcast_to(shift, values.shape)
        ax.scatter(seeds_x.ravel(), values.ravel(), s=8, alpha=0.35, color=bars[0].get_color())
    if logx:
        ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{v:g}" for v in xs])
    return finish_axes(fig, ax, title, xlabel, ylabel)


def plot_curves_spread(
    curves: Mapping[str, object],
    steps: Sequence[float],
    title: str,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
) -> Figure:
    """Plot learning curves repeated over seeds: for each named method, the
    mean over seeds as a line with a marker at each step, and a light band of
    one sample standard deviation (`ddof=1`) around it.

    `curves` maps a legend label to an array of shape (seeds, len(steps)): one
    row per seed, one column per point of `steps` (e.g. the training step at
    which a validation score was taken). Draws on `ax` if given, else on a new
    figure; returns the figure. A shape that does not match is a ValueError
    naming both shapes. Introduced in notebooks/09_finetuning.ipynb.
    """
    xs = np.asarray(list(steps), dtype=float)
    fig, ax = figure_for(ax)
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(xs):
            raise ValueError(
                f"curves[{label!r}] has shape {values.shape}; expected (seeds, {len(xs)}) "
                f"for steps of length {len(xs)}"
            )
        mean, std = values.mean(axis=0), sample_std(values)
        (line,) = ax.plot(xs, mean, marker="o", ms=4, label=label)
        ax.fill_between(xs, mean - std, mean + std, color=line.get_color(), alpha=0.1, lw=0)
    return finish_axes(fig, ax, title, xlabel, ylabel)


def plot_seed_spread(
    runs: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    reference: tuple[str, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Compare a few variants, each run with several seeds: one column per variant
    with every seed's value as a dot and the mean with an error bar of one
    sample standard deviation (`ddof=1`) beside them.

    `runs` maps a variant's name to its values, one per seed. `reference`, a
    (label, value) pair such as a baseline's score, is drawn as a dashed
    horizontal line. The legend sits below the axes, clear of the data. Draws on
    `ax` if given, else on a new figure; returns the figure. A variant with
    fewer than two values is a ValueError naming it. Introduced in
    notebooks/08_multi_input_output_data.ipynb.
    """
    fig, ax = figure_for(ax)
    for i, (label, values) in enumerate(runs.items()):
        values = np.asarray(list(values), dtype=float)
        if values.ndim != 1 or values.size < 2:
            raise ValueError(
                f"runs[{label!r}] must be a list of per-seed values, at least two (one seed "
                f"has no spread), got {values.tolist()}"
            )
        first = i == 0  # one legend entry for each kind of mark, not one per variant
        bars = ax.errorbar(i + 0.12, values.mean(), yerr=sample_std(values), marker="o",
                           capsize=5, color="black", label="mean ± sample std" if first else None)
        ax.scatter(np.full(values.size, i - 0.12), values, s=18, alpha=0.6,
                   color=bars[0].get_color(), label="each seed" if first else None)
    if reference is not None:
        ax.axhline(reference[1], color="grey", linestyle="--", label=reference[0])
    ax.set_xticks(range(len(runs)))
    ax.set_xticklabels(list(runs))
    ax.set_xlim(-0.6, len(runs) - 0.4)
    finish_axes(fig, ax, title, "", ylabel)
    # Below the axes, where it cannot hide a dot or a bar.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    fig.tight_layout()
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    keys: Sequence[str],
    title: str,
    ylabel: str,
    ax: Axes | None = None,
) -> Figure:
    """Plot some lists of a training history (as `utils.train` returns) per epoch.

    `history` maps names such as "train_loss" or "test_acc" to one value per
    epoch and has an "epoch" list used as the x axis; `keys` picks the curves.
    Introduced in notebooks/08_multi_input_output_data.ipynb.
    """
    missing = [key for key in [*keys, "epoch"] if key not in history]
    if missing:
        raise ValueError(f"history has no {missing}; it has {sorted(history)}")
    curves = {key: history[key] for key in keys}
    return plot_curves(curves, title, "epoch", ylabel, x=history["epoch"], ax=ax)
