"""Tests of utils/figures/base.py."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from utils.figures.base import plot_bars
from utils.figures.runs import plot_history


def test_plot_history_and_bars():
    history = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "test_loss": [1.2, 0.7]}
    fig = plot_history(history, ["train_loss", "test_loss"], "Loss", "loss")
    ax = fig.axes[0]
    assert ax.get_title() == "Loss" and ax.get_xlabel() == "epoch" and len(ax.lines) == 2
    with pytest.raises(ValueError, match=r"history has no \['test_acc'\]"):
        plot_history(history, ["test_acc"], "Accuracy", "accuracy")
    fig2 = plot_bars({"a": 0.5, "b": 0.75}, "Comparison", "accuracy")
    assert len(fig2.axes[0].patches) == 2 and fig2.axes[0].get_ylabel() == "accuracy"
    plt.close("all")
