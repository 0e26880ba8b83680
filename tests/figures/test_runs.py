"""Tests of utils/figures/runs.py."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.figures.runs import plot_curves_spread, plot_mean_spread, plot_seed_spread


def test_means_and_spreads_are_drawn():
    values = np.array([[0.1, 0.5, 0.9], [0.3, 0.7, 0.7]])
    fig = plot_mean_spread({"a": values}, [1, 3, 10], "t", "labels", "acc", logx=True)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert np.allclose(line.get_ydata(), values.mean(axis=0))
    # error bar segments span mean +- sample std (ddof=1)
    segments = ax.collections[0].get_segments()
    spans = [seg[1][1] - seg[0][1] for seg in segments]
    assert np.allclose(spans, 2 * values.std(axis=0, ddof=1))
    assert ax.get_title() == "t" and ax.get_xlabel() == "labels" and ax.get_ylabel() == "acc"
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plot_mean_spread({"a": np.zeros((2, 2)), "b": np.ones((2, 2))}, [1, 2], "t", "x", "y",
                           ax=axes[1])
    assert out is fig and not axes[0].get_lines()
    assert axes[1].get_legend_handles_labels()[1] == ["a", "b"]
    plt.close(fig)


def test_bad_shape_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(seeds, 2\)"):
        plot_mean_spread({"a": np.zeros((2, 3))}, [1, 2], "t", "x", "y")


def test_curves_draw_the_mean_and_a_band_of_one_sample_std():
    a = np.array([[0.2, 0.5, 0.8, 0.9], [0.4, 0.7, 0.8, 0.7], [0.3, 0.3, 0.8, 0.8]])
    b = np.array([[0.6, 0.6, 0.6, 0.6], [0.7, 0.7, 0.7, 0.7], [0.8, 0.8, 0.8, 0.8]])
    steps = [10, 20, 30, 40]
    fig = plot_curves_spread({"a": a, "b": b}, steps, "t", "step", "val acc")
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    for line, values in zip(lines, (a, b), strict=True):
        assert np.allclose(line.get_xdata(), steps)
        assert np.allclose(line.get_ydata(), values.mean(axis=0))
    for band, values in zip(ax.collections, (a, b), strict=True):
        ys = band.get_paths()[0].vertices[:, 1]
        mean, std = values.mean(axis=0), values.std(axis=0, ddof=1)
        assert np.isclose(ys.max(), (mean + std).max()) and np.isclose(ys.min(), (mean - std).min())
    assert ax.get_title() == "t" and ax.get_xlabel() == "step" and ax.get_ylabel() == "val acc"
    plt.close(fig)


def test_curves_bad_shape_names_shapes():
    with pytest.raises(ValueError, match=r"curves\['a'\] has shape \(2, 3\).*\(seeds, 4\)"):
        plot_curves_spread({"a": np.zeros((2, 3))}, [1, 2, 3, 4], "t", "x", "y")


def test_seed_spread_draws_every_seed_and_the_mean():
    runs = {"with": [0.96, 0.97, 0.98], "without": [0.90, 0.94]}
    fig = plot_seed_spread(runs, "t", "acc", reference=("guess", 0.5))
    ax = fig.axes[0]
    dots = [c.get_offsets()[:, 1] for c in ax.collections if c.get_offsets().shape[0] > 1]
    assert [list(d) for d in dots] == [[0.96, 0.97, 0.98], [0.90, 0.94]]
    means = [c.lines[0].get_ydata()[0] for c in ax.containers]
    assert np.allclose(means, [0.97, 0.92])
    spans = [np.ptp(c.lines[2][0].get_segments()[0][:, 1]) for c in ax.containers]
    assert np.allclose(spans, [2 * np.std(runs[k], ddof=1) for k in ("with", "without")])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["with", "without"]
    assert sorted(ax.get_legend_handles_labels()[1]) == ["each seed", "guess", "mean ± sample std"]
    fig.canvas.draw()  # the legend lies wholly below the axes, over none of the data
    assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0
    assert ax.get_title() == "t"
    plt.close(fig)


def test_seed_spread_refuses_an_empty_variant():
    with pytest.raises(ValueError, match="runs\\['b'\\]"):
        plot_seed_spread({"a": [1.0, 2.0], "b": []}, "t", "y")
    with pytest.raises(ValueError, match="runs\\['b'\\].*at least two"):
        plot_seed_spread({"a": [1.0, 2.0], "b": [0.5]}, "t", "y")
