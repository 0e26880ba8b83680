"""Tests of notebook 01's edge-map figure in utils/plot.py (`show_edge_maps`). Each test
reads back what the figure drew (image data, colour limits, colour bars) and compares it
with the maps it was given. (The window and weighted-slice figures of notebook 01 are
tested in tests/test_conv.py, beside `corr2d`.)"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from mxnet import nd

from utils import corr2d
from utils.plot import show_edge_maps


def _image(ax):
    """The one image `imshow` drew on `ax`."""
    (image,) = ax.get_images()
    return image


def _panels(fig):
    """The image panels of `fig`, without the colour bars' axes."""
    return [ax for ax in fig.axes if ax.get_images() and ax.get_title()]


def test_show_edge_maps_draws_each_map_on_one_symmetric_scale():
    X = nd.array(np.random.default_rng(0).uniform(size=(6, 8)))
    maps = {"vertical": corr2d(X, nd.array([[1, -1]])),
            "horizontal": corr2d(X, nd.array([[1], [-1]]))}
    fig = show_edge_maps(maps, "edges")
    try:
        panels = _panels(fig)
        assert [ax.get_title() for ax in panels] == ["vertical", "horizontal"]
        largest = max(float(np.abs(m.asnumpy()).max()) for m in maps.values())
        for ax, values in zip(panels, maps.values(), strict=True):
            image = _image(ax)
            np.testing.assert_array_equal(image.get_array(), values.asnumpy())
            assert image.get_clim() == pytest.approx((-largest, largest))
            assert image.get_cmap().name == "RdBu_r"
            assert (ax.get_xlabel(), ax.get_ylabel()) == ("column", "row")
        bars = [ax for ax in fig.axes if ax.get_ylabel() == "response"]
        assert len(bars) == 2  # one colour bar per map
        assert fig._suptitle.get_text() == "edges"
    finally:
        plt.close(fig)


def test_show_edge_maps_clips_at_the_limit_and_says_so():
    values = np.array([[-2.0, 0.0, 0.3], [0.1, -0.2, 2.0]])
    clipped = show_edge_maps({"clipped": values}, "s", limit=0.5)
    whole = show_edge_maps({"whole": values}, "s", limit=2.0)
    try:
        assert _image(_panels(clipped)[0]).get_clim() == (-0.5, 0.5)
        extends = {fig: _image(_panels(fig)[0]).colorbar.extend for fig in (clipped, whole)}
        assert extends == {clipped: "both", whole: "neither"}
    finally:
        plt.close(clipped)
        plt.close(whole)


@pytest.mark.parametrize(
    "maps, limit, error, message",
    [
        ([np.zeros((2, 2))], None, TypeError, "must map titles to arrays"),
        ({}, None, ValueError, "one or more 2-D maps"),
        ({"a": np.zeros(3)}, None, ValueError, r"got shapes \[\(3,\)\]"),
        ({"a": np.zeros((2, 2))}, None, ValueError, "limit must be positive"),
        ({"a": np.ones((2, 2))}, -1.0, ValueError, "limit must be positive"),
    ],
)
def test_show_edge_maps_bad_inputs(maps, limit, error, message):
    with pytest.raises(error, match=message):
        show_edge_maps(maps, "s", limit=limit)
