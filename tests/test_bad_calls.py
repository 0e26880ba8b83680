"""Every public teaching helper rejects a wrong call with a clear error.

A learner who passes the wrong thing should read a `ValueError` or `TypeError` that says
what was wrong, not an `MXNetError` from deep inside an operator. The table below holds
at least one bad call per public function of the teaching modules; a new public helper
without an entry fails `test_every_public_helper_has_bad_calls`.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest
from mxnet import nd

MODULES = ("conv", "shapes", "pool", "fast", "stats", "train", "windows", "checks")

X2 = nd.ones((4, 4))
K2 = nd.ones((2, 2))
X3 = nd.ones((2, 4, 4))
K4 = nd.ones((3, 2, 2, 2))
X4 = nd.ones((1, 2, 4, 4))

# (module, function, args, kwargs, expected exception)
BAD_CALLS = [
    ("conv", "pad2d", ([1, 2],), {"padding": 1}, TypeError),
    ("conv", "pad2d", (X2,), {"padding": -1}, ValueError),
    ("conv", "corr2d", (X2, [[1, -1]]), {}, TypeError),
    ("conv", "corr2d", (X2, nd.ones((5, 5))), {}, ValueError),
    ("conv", "corr2d", (X2, K2), {"stride": 0}, ValueError),
    ("conv", "corr2d", (X3, K2), {}, ValueError),
    ("conv", "convolve2d", (X2, nd.ones((2, 2, 2))), {}, ValueError),
    ("conv", "corr2d_multi_in", (X3, nd.ones((3, 2, 2))), {}, ValueError),
    ("conv", "corr2d_multi_in_out", (X3, nd.ones((3, 2, 2))), {}, ValueError),
    ("conv", "corr2d_multi_in_out_1x1", (X3, nd.ones((3, 3))), {}, ValueError),
    ("shapes", "output_shape", ((4, 4), (5, 5)), {}, ValueError),
    ("shapes", "output_shape", ((4, 4), (2, 2)), {"stride": 0}, ValueError),
    ("shapes", "output_shape", ((4, 4), (2, 2)), {"padding": 1.5}, ValueError),
    ("shapes", "receptive_field", ([3, 0],), {}, ValueError),
    ("shapes", "receptive_field", ([3, 3], [1]), {}, ValueError),
    ("shapes", "layer_cost", (0, 8, 3, (6, 6)), {}, ValueError),
    ("shapes", "layer_cost", (1.5, 8), {}, TypeError),
    ("pool", "pool2d", (X2, (5, 5)), {}, ValueError),
    ("pool", "pool2d", (X2, (2, 2)), {"mode": "median"}, ValueError),
    ("pool", "pool2d", ("image", (2, 2)), {}, TypeError),
    ("fast", "conv2d", (X4, nd.ones((3, 3, 2, 2))), {}, ValueError),
    ("fast", "conv2d", (X3, K4), {}, ValueError),
    ("fast", "conv2d", (X4, K4), {"stride": 0}, ValueError),
    ("stats", "sample_std", ([0.9],), {}, ValueError),
    ("stats", "sample_std", ([],), {}, ValueError),
    ("stats", "mean_interval", ([0.1],), {}, ValueError),
    ("stats", "mean_interval", ([0.1, 0.2, 0.3],), {"level": 1.5}, ValueError),
    ("stats", "binomial_se", (1.2, 450), {}, ValueError),
    ("stats", "binomial_se", (0.9, 0), {}, ValueError),
    ("train", "accuracy", ((nd.ones((4, 10)),), (nd.ones((3,)),)), {}, ValueError),
    ("train", "accuracy", ((nd.ones((4,)),), (nd.ones((4,)),)), {}, ValueError),
    ("train", "evaluate", (None, "not a dataset"), {}, (TypeError, ValueError)),
    ("train", "train", (None, "not a dataset"), {}, (TypeError, ValueError)),
    ("windows", "fitted_output", ((4, 4), (5, 5), 0, 1, (4, 4), (5, 5)), {}, ValueError),
    ("windows", "window_slices", (X3, (2, 2), (0, 1), (3, 3)), {}, ValueError),
    ("checks", "as_nd", ([1, 2],), {}, TypeError),
    ("checks", "check_ndim", (X2, 3, "X", "(c, h, w)"), {}, ValueError),
    ("checks", "pair", ((1, 2, 3), "stride", 1), {}, ValueError),
    ("checks", "count", (True, "epochs"), {}, TypeError),
    ("checks", "count", (np.int64(0), "epochs"), {}, ValueError),
]


def _public_functions():
    for name in MODULES:
        module = importlib.import_module(f"utils.{name}")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ == module.__name__:
                yield name, attr


def test_every_public_helper_has_bad_calls():
    covered = {(m, f) for m, f, *_ in BAD_CALLS}
    missing = sorted(set(_public_functions()) - covered)
    assert not missing, f"public helpers without a bad call in BAD_CALLS: {missing}"


@pytest.mark.parametrize(
    "module, function, args, kwargs, expected",
    BAD_CALLS,
    ids=[f"{m}.{f}-{i}" for i, (m, f, *_) in enumerate(BAD_CALLS)],
)
def test_bad_call_is_a_clear_error(module, function, args, kwargs, expected):
    fn = getattr(importlib.import_module(f"utils.{module}"), function)
    with pytest.raises(expected) as info:
        fn(*args, **kwargs)
    assert str(info.value), "the error must say what was wrong"
