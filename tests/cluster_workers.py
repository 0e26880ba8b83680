"""Worker functions for the cluster tests (tests/test_dist.py).

run_cluster accepts only a function a fresh process could import by module and name, so
these live in a module of their own.
"""

from __future__ import annotations

import functools
import os
import signal
import time

import numpy as np


def fail_on_rank_one() -> int:
    """Rank 1 raises after joining; rank 0 then waits for its push forever."""
    import mxnet as mx

    kv = mx.kv.create("dist_sync")
    if kv.rank == 1:
        raise ZeroDivisionError("rank 1 divides by zero")
    kv.init(0, mx.nd.zeros((2,)))
    kv.push(0, mx.nd.ones((2,)))
    out = mx.nd.zeros((2,))
    kv.pull(0, out=out)
    return kv.rank


def kill_rank_zero() -> int:
    """Rank 0 dies of SIGKILL (as if the machine's OOM killer took it)."""
    import mxnet as mx

    kv = mx.kv.create("dist_sync")
    if kv.rank == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    kv.init(0, mx.nd.zeros((1,)))  # ends with a barrier: rank 1 waits for rank 0 forever
    return kv.rank


def push_pull_and_compute(shape: tuple[int, ...]) -> dict:
    """`push_pull_sum`, plus what this worker computes and how many threads it computes
    with: `reference_computation`'s result and every thread pool threadpoolctl finds."""
    import threadpoolctl

    from utils.dist_workers import push_pull_sum

    result = push_pull_sum(shape)
    result["computed"] = reference_computation()
    result["threads"] = {pool["internal_api"]: pool["num_threads"]
                         for pool in threadpoolctl.threadpool_info()}
    return result


def reference_computation():
    """A convolution and a matrix product (oneDNN and OpenBLAS) on seeded data, whose last
    bits depend on the kernels and the thread count the libraries use."""
    from mxnet import nd

    rng = np.random.default_rng(7)
    x = nd.array(rng.normal(size=(4, 16, 20, 20)))
    w = nd.array(rng.normal(size=(32, 16, 3, 3)))
    y = nd.Convolution(x, w, kernel=(3, 3), pad=(1, 1), num_filter=32, no_bias=True)
    return nd.dot(y.reshape((4, -1)), y.reshape((4, -1)).T).asnumpy(), y.asnumpy()


SLEEP_FOREVER = functools.partial(time.sleep, 600)
