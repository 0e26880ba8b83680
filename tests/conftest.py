"""Fixtures shared by the unit tests.

Every test starts from the same seeds. `rng` builds random inputs; `grads`,
`nd_corr2d` (from references.py, where the MXNet references live) and
`gluon_corr2d_layer` are what most convolution tests need.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import mxnet as mx
import numpy as np
import pytest
import references
from mxnet import autograd, nd
from mxnet.gluon import nn


def pytest_configure(config: pytest.Config) -> None:
    """Draw the tests' figures off screen. Set in this process only: the notebooks'
    kernels that nbval starts keep their inline backend."""
    import matplotlib

    matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened, whether it passed or failed."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


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


# The longest pieces of work of `make test`, started first so that the two workers of
# `--dist loadscope` finish together: the book (built and opened in Chromium), the
# parameter-server clusters, and the notebooks that train.
LONG_FIRST = (
    "tests/test_dist.py",
    "tests/test_the_book.py",
    "notebooks/11_",
    "tests/test_book.py",
    "notebooks/09_",
    "notebooks/08_",
    "notebooks/07_",
    "tests/test_dist_hosts.py",
)
# Everything that runs parameter-server clusters through run_cluster, which runs one cluster
# at a time per machine: on one worker, one after the other, they never wait for each other
# (a wait counts against a cluster's timeout and is reported on stderr, which a notebook's
# stored outputs would not show).
CLUSTERS = ("tests/test_dist.py", "notebooks/11_")


def _rank(item: pytest.Item) -> int:
    where = item.nodeid
    for rank, prefix in enumerate(LONG_FIRST):
        if where.startswith(prefix):
            return rank
    return len(LONG_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest work first (a stable sort: the order within a file or notebook is kept)."""
    items.sort(key=_rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadscope` (one file or notebook per unit of work, its tests or cells in order
    on one worker), except that every cluster user is one unit: they run one after the
    other on one worker and never wait for each other's clusters.

    `--dist loadgroup` with `xdist_group` marks would say this without a scheduler of our
    own, but with pytest 9.2 and pytest-xdist 3.8.0 (the newest) it silently groups
    nothing: xdist marks a group by rewriting `item._nodeid`, which pytest 9.2 no longer
    reads (pytest-dev/pytest-xdist#1386, open). `_split_scope` is xdist's own extension
    point for this, though not a documented one."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "clusters" if scope.startswith(CLUSTERS) else scope

    if config.getvalue("dist") == "loadscope":
        return Scheduling(config, log)
    return None
