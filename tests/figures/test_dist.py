"""Tests of utils/figures/dist.py."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from utils.figures.dist import draw_parameter_server, plot_epoch_times


def test_figures_have_titles_labels_and_refuse_bad_input():
    fig = draw_parameter_server(num_workers=3, num_servers=2)
    ax = fig.axes[0]
    assert "3 workers, 2 servers" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("worker") for t in texts) == 3
    assert sum(t.startswith("server") for t in texts) == 2
    plt.close(fig)
    fig = plot_epoch_times({"one process": 0.2, "2 workers": 0.5}, "epochs")
    assert fig.axes[0].get_ylabel() == "seconds per epoch"
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.20 s", "0.50 s"]
    plt.close(fig)
    fig = plot_epoch_times({"one process": 0.2, "2 workers": 0.5}, "epochs",
                           ranges={"one process": (0.1, 0.3), "2 workers": (0.5, 0.9)})
    lines = fig.axes[0].collections[-1].get_segments()  # the error bars, one per bar
    assert [tuple(seg[:, 1]) for seg in lines] == [(0.1, 0.3), (0.5, 0.9)]
    plt.close(fig)
    with pytest.raises(ValueError, match="num_servers must be an int >= 1"):
        draw_parameter_server(2, 0)
    with pytest.raises(ValueError, match="need positive times"):
        plot_epoch_times({"a": 0.0}, "t")
    with pytest.raises(ValueError, match="ranges must have the labels"):
        plot_epoch_times({"a": 1.0}, "t", ranges={"b": (0.5, 1.5)})
    with pytest.raises(ValueError, match=r"the ranges of \['a'\] do not enclose"):
        plot_epoch_times({"a": 1.0}, "t", ranges={"a": (1.1, 1.5)})
