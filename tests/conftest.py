"""Fixtures shared by the unit tests.

Every test starts from the same seeds. `rng` builds random inputs; `grads`,
`nd_corr2d` (from references.py, where the MXNet references live) and
`gluon_corr2d_layer` are what most convolution tests need.
"""

from __future__ import annotations

from collections.abc import Callable

import mxnet as mx
import numpy as np
import pytest
import references
from mxnet import autograd, nd
from mxnet.gluon import nn


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Seed NumPy's and MXNet's global generators before each test."""
    np.random.seed(0)
    mx.random.seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded NumPy generator for building random inputs."""
    return np.random.default_rng(0)


def _grads(fn: Callable, X: nd.NDArray, K: nd.NDArray, head: nd.NDArray):
    """d sum(head * fn(X, K)) / dX and / dK as NumPy arrays (X and K are copied)."""
    X, K = X.copy(), K.copy()
    X.attach_grad()
    K.attach_grad()
    with autograd.record():
        loss = (fn(X, K) * head).sum()
    loss.backward()
    return X.grad.asnumpy(), K.grad.asnumpy()


@pytest.fixture
def grads() -> Callable:
    """`grads(fn, X, K, head)`: the gradients of sum(head * fn(X, K)) w.r.t. X and K."""
    return _grads


def _gluon_corr2d_layer(K: nd.NDArray, **kwargs) -> nn.Conv2D:
    """A one-channel nn.Conv2D whose weight is the (kh, kw) kernel K and whose bias is 0;
    `kwargs` (padding=, strides=, ...) go to nn.Conv2D. It takes (1, 1, h, w) input."""
    layer = nn.Conv2D(1, kernel_size=K.shape, in_channels=1, **kwargs)
    layer.initialize()
    layer.weight.set_data(K.reshape((1, 1) + K.shape))
    layer.bias.set_data(nd.zeros((1,)))
    return layer


@pytest.fixture
def gluon_corr2d_layer() -> Callable:
    """`gluon_corr2d_layer(K, **kwargs)`: Gluon's reference for cross-correlation with K."""
    return _gluon_corr2d_layer


@pytest.fixture
def nd_corr2d() -> Callable:
    """`nd_corr2d(X, K, padding=0, stride=1)`: MXNet's own cross-correlation of 2-D X and K."""
    return references.nd_corr2d


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the portability check is collected (`make test`), it already runs the
    training notebooks under strict nbval on three simulated machines, so the main
    nbval pass leaves them out instead of running them a fourth time. The check's
    items go first, so that xdist starts the longest work first. (`trylast`: after
    `-m` has deselected what it deselects.)"""
    from test_portability import TRAINING_NOTEBOOKS

    portability = [item for item in items if item.get_closest_marker("portability")]
    if not portability:
        return
    repeated = [
        item
        for item in items
        if item.path.suffix == ".ipynb" and item.path.name in TRAINING_NOTEBOOKS
    ]
    if repeated:
        config.hook.pytest_deselected(items=repeated)
    skip = {id(item) for item in portability + repeated}
    items[:] = portability + [item for item in items if id(item) not in skip]
