"""Tests of utils/figures/fast.py."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from mxnet import nd

from utils.conv import corr2d
from utils.figures.fast import draw_flat_shift


def test_draw_flat_shift_sums_are_the_cross_correlation_with_wraps_hatched():
    X = nd.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    K = nd.array([[1.0, -2.0], [0.5, 3.0]])
    fig = draw_flat_shift(X, K)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "offset (1, 1): rows 5..11, x K[1,1] = 3" in texts
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1  # of 7 flat rows, row 3 wraps past the right edge
    expected = corr2d(X, K).asnumpy().ravel()
    labels = texts[-8:-1]  # the 7 sums, then the row label
    kept = [float(v) for n, v in enumerate(labels) if n % 4 != 3]
    assert np.allclose(kept, expected)
    plt.close(fig)
