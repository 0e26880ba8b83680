"""Worker functions for the cluster tests (tests/test_dist.py).

A worker process imports the function it runs by module and name, so these live in a
module of their own that imports nothing heavy at the top: a worker that only sleeps or
aborts starts in a fraction of a second.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from pathlib import Path


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


def abort_like_mxnet(once_marker: str | None = None) -> str:
    """Die as MXNet's parameter server does when one of its own checks fails; with
    `once_marker`, only in the first cluster (the first worker there creates the file)."""
    if once_marker is not None:
        try:
            Path(once_marker).touch(exist_ok=False)
        except FileExistsError:
            return "ran"
    sys.stderr.write("what():  kvstore_dist_server.h:611: Check failed: !stored.is_none(): "
                     "init 7 first\n")
    sys.stderr.flush()
    os.abort()


SLEEP_FOREVER = functools.partial(time.sleep, 600)
