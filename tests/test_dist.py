"""Tests of utils.dist (run_cluster) and utils.dist_workers.

Every cluster here is real: a scheduler, servers and workers forked from the test
process (or from a parent process a test starts) on 127.0.0.1. Each test that starts
one also checks that no process it started is left afterwards (/proc shows each
process's parent). Clusters on a machine run one at a time, and this file starts nine
of them (one of which ends at start-up); where one cluster can check two things, it does,
and a cluster has one worker wherever one shows what is checked. The worker functions
live in tests/cluster_workers.py.

Time bounds leave room for a loaded machine: each is several times what its check
takes on a 2-core machine busy with other work.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cluster_workers import (
    SLEEP_FOREVER,
    fail_on_rank_one,
    kill_rank_zero,
    push_pull_and_compute,
    reference_computation,
)
from mxnet import autograd, gluon, nd

from utils import dist
from utils.dist import ClusterError, role_environment, run_cluster
from utils.dist_workers import (
    _digits_arrays,
    digits_cnn,
    push_pull_sum,
    shard_batches,
    train_digits_accumulated,
    train_digits_worker,
)

pytestmark = pytest.mark.cluster


ROOT = Path(__file__).resolve().parent.parent


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of process `pid` from /proc, or None if it is gone."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[19])


def children_of(pid: int) -> list[int]:
    """Pids of the live (not zombie) forks of process `pid`: its children with its command
    line (a Jupyter kernel or another program it started has another)."""
    command = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            if stat[1] == pid and stat[0] != "Z":
                try:
                    if (entry / "cmdline").read_bytes() == command:
                        found.append(int(entry.name))
                except OSError:  # gone meanwhile
                    continue
    return found


def wait_until_gone(processes: dict[int, int], seconds: float = 5.0) -> list[int]:
    """Wait up to `seconds` for the processes {pid: start time} to end (or be zombies,
    which an orphan stays until someone reaps it); return the pids still alive."""
    def alive() -> list[int]:
        return [pid for pid, start in processes.items()
                if (stat := _stat(pid)) and stat[2] == start and stat[0] != "Z"]

    deadline = time.monotonic() + seconds
    while (left := alive()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@linux_only
def test_results_in_rank_order_from_workers_that_compute_as_this_process(monkeypatch):
    """One cluster, three checks: results by rank; workers compute bit for bit what this
    process computes, on one thread per library, although os.environ now asks for eight
    and to unpin (as after `%env` in a kernel: the workers are copies of this process, with
    its libraries as they were loaded); and a scheduler port that another program holds
    is replaced by a free one."""
    here = reference_computation()
    monkeypatch.setenv("GLUON_CNN_BASICS_UNPINNED", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = [taken.getsockname()[1]]
    free_port = dist._free_port

    def first_a_taken_port():
        return ports.pop() if ports else free_port()

    monkeypatch.setattr(dist, "_free_port", first_a_taken_port)
    clusters = []
    run = dist._run
    monkeypatch.setattr(dist, "_run", lambda *args: clusters.append(1) or run(*args))
    try:
        results = run_cluster(push_pull_and_compute, num_workers=2, shape=(3, 2))
    finally:
        taken.close()
    assert ports == [] and len(clusters) == 2  # the taken port, then another one
    assert [r["rank"] for r in results] == [0, 1]
    for r in results:
        assert r["num_workers"] == 2
        np.testing.assert_array_equal(r["pulled"], np.full((3, 2), 1.0 + 2.0))
        assert all(np.array_equal(a, b) for a, b in zip(r["computed"], here, strict=True))
        assert r["threads"] and set(r["threads"].values()) == {1}, r["threads"]
        assert r["env"]["DMLC_ROLE"] == "worker" and r["env"]["DMLC_PS_ROOT_URI"] == "127.0.0.1"
    assert children_of(os.getpid()) == []


@pytest.fixture
def started_at(monkeypatch) -> list[float]:
    """When run_cluster got the machine's cluster lock. Under `make test` notebook 11 runs
    on the other worker and may hold the lock first; that wait is not what the timing
    checks below are about."""
    times: list[float] = []
    take_lock = dist._one_cluster_at_a_time

    def take_lock_and_note_when(*args):
        lock = take_lock(*args)
        times.append(time.monotonic())
        return lock

    monkeypatch.setattr(dist, "_one_cluster_at_a_time", take_lock_and_note_when)
    return times


@linux_only
def test_a_worker_that_raises_is_a_cluster_error_within_seconds(started_at):
    with pytest.raises(ClusterError) as info:
        run_cluster(fail_on_rank_one, num_workers=2, timeout=60)
    assert len(started_at) == 1 and time.monotonic() - started_at[0] < 10
    message = str(info.value)
    assert "rank 1 raised ZeroDivisionError: rank 1 divides by zero" in message
    assert 'raise ZeroDivisionError("rank 1 divides by zero")' in message  # its stderr
    assert children_of(os.getpid()) == []


@linux_only
def test_a_killed_worker_is_a_cluster_error():
    with pytest.raises(ClusterError, match="was killed by SIGKILL without returning a result"):
        run_cluster(kill_rank_zero, num_workers=2, timeout=60)
    assert children_of(os.getpid()) == []


@linux_only
def test_timeout_ends_the_cluster(started_at):
    with pytest.raises(ClusterError, match=r"did not finish within timeout=1.5 s"):
        run_cluster(SLEEP_FOREVER, num_workers=1, timeout=1.5)
    assert len(started_at) == 1 and 1.5 <= time.monotonic() - started_at[0] < 6
    assert children_of(os.getpid()) == []


def _main_function():
    return 1


_main_function.__module__ = "__main__"  # as if defined in a notebook cell


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_workers": 0}, ValueError, "num_workers must be an int >= 1, got 0"),
        ({"num_workers": 1.5}, TypeError, "num_workers must be an int >= 1"),
        ({"num_workers": True}, TypeError, "num_workers must be an int >= 1"),
        ({"num_servers": 0}, ValueError, "num_servers must be an int >= 1"),
        ({"timeout": 0}, ValueError, "timeout must be a number of seconds > 0"),
        ({"timeout": -1.0}, ValueError, "timeout must be a number of seconds > 0"),
        ({"timeout": "10"}, ValueError, "timeout must be a number of seconds > 0"),
        ({"fn": 3}, TypeError, "fn must be a callable, got int"),
        ({"fn": lambda: 1}, TypeError, "which a worker on another machine could not import"),
        ({"fn": _main_function}, TypeError, "notebook cell or script"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(kwargs, error, match):
    fn = kwargs.pop("fn", push_pull_sum)
    with pytest.raises(error, match=match):
        run_cluster(fn, **kwargs)
    if sys.platform.startswith("linux"):
        assert children_of(os.getpid()) == []


def _parent_script() -> str:
    """A Python program that runs a cluster of sleeping workers, printing its pid first.
    When the cluster is interrupted it prints "interrupted" and stays alive, so that the
    test can look for children while their parent lives (after its death
    PR_SET_PDEATHSIG would end them whatever run_cluster did)."""
    return (
        "import os, signal, sys, time\n"
        # SIGINT becomes KeyboardInterrupt, as in a Jupyter kernel, even when this test runs
        # under a shell that started it in the background with SIGINT ignored (inherited).
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from utils import dist\n"
        "from cluster_workers import SLEEP_FOREVER\n"
        "print(os.getpid(), flush=True)\n"
        "try:\n"
        "    dist.run_cluster(SLEEP_FOREVER, num_workers=1, timeout=600)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    time.sleep(600)\n"
    )


def _start_parent() -> tuple[subprocess.Popen, int, dict[int, int]]:
    """Start `_parent_script`; return it, its pid and its 3 children {pid: start time}."""
    parent = subprocess.Popen(
        [sys.executable, "-c", _parent_script()], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    pid = int(parent.stdout.readline())
    deadline = time.monotonic() + 120  # it may first wait for another cluster to end
    while len(children_of(pid)) < 3 and time.monotonic() < deadline:  # 1 + 1 + 1 processes
        time.sleep(0.05)
    assert len(children_of(pid)) == 3, parent.stderr.read() if parent.poll() is not None else ""
    # A child that finds its parent gone when it starts exits at once; wait until all of
    # them are past that check, so that what ends them below is the mechanism under test.
    time.sleep(1.0)
    children = {child: _stat(child)[2] for child in children_of(pid)}
    assert len(children) == 3
    return parent, pid, children


def _kill_leftovers(children: dict[int, int]) -> None:
    """After a failed check, end what the test started so it does not outlive the test."""
    for child in wait_until_gone(children, seconds=0):
        os.kill(child, signal.SIGKILL)


@linux_only
def test_a_second_cluster_waits_within_its_timeout_and_a_killed_parents_children_die(
        monkeypatch, capsys):
    """One cluster of sleeping workers in another process, two checks. While it runs,
    run_cluster here waits for it, says so after LOCK_NOTICE_SECONDS, gives up when its
    own timeout runs out and starts nothing. Then that process is killed with SIGKILL (no
    finally block runs) and its children die with it (PR_SET_PDEATHSIG)."""
    monkeypatch.setattr(dist, "LOCK_NOTICE_SECONDS", 0.5)
    parent, pid, children = _start_parent()
    try:
        start = time.monotonic()
        with pytest.raises(ClusterError, match="still running when timeout=2 s ran out"):
            run_cluster(push_pull_sum, num_workers=2, timeout=2)
        assert 2.0 <= time.monotonic() - start < 6  # it waited its 2 s
        assert "another cluster is running on this machine; waiting" in capsys.readouterr().err
        assert children_of(os.getpid()) == []  # it started nothing
        assert len(children_of(pid)) == 3  # and left the other cluster alone
        parent.kill()
        parent.wait()
        assert wait_until_gone(children) == []
    finally:
        parent.kill()
        parent.wait()
        _kill_leftovers(children)


@linux_only
def test_an_interrupted_parent_ends_the_cluster_itself():
    parent, pid, children = _start_parent()
    try:
        parent.send_signal(signal.SIGINT)  # what Jupyter's "interrupt kernel" sends
        assert parent.stdout.readline().strip() == "interrupted"
        assert parent.poll() is None  # alive: its children cannot have died with it
        assert children_of(pid) == []  # run_cluster ended them before letting it through
    finally:
        parent.kill()
        parent.wait()
        _kill_leftovers(children)


def test_role_environment_and_its_bad_input():
    env = role_environment("server", num_workers=4, num_servers=2, root_uri="10.0.0.1",
                           root_port=9100, node_host="10.0.0.2")
    assert env == {
        "DMLC_ROLE": "server", "DMLC_PS_ROOT_URI": "10.0.0.1", "DMLC_PS_ROOT_PORT": "9100",
        "DMLC_NUM_SERVER": "2", "DMLC_NUM_WORKER": "4", "DMLC_NODE_HOST": "10.0.0.2",
        "PS_VERBOSE": "0",
    }
    with pytest.raises(ValueError, match="role must be"):
        role_environment("master", 2, 1)
    with pytest.raises(ValueError, match="num_servers must be an int >= 1"):
        role_environment("worker", 2, 0)


@pytest.mark.parametrize("num_workers, batch_size", [(1, 50), (2, 32), (3, 7), (4, 32)])
def test_shards_are_disjoint_equal_and_made_of_full_batches(num_workers, batch_size):
    n = 1347
    shards = [shard_batches(n, r, num_workers, batch_size, epoch=1) for r in range(num_workers)]
    steps = (n // num_workers) // batch_size
    assert all(len(s) == steps for s in shards)
    assert all(len(b) == batch_size for s in shards for b in s)
    seen = np.concatenate([b for s in shards for b in s])
    assert len(np.unique(seen)) == len(seen) and seen.max() < n
    for r, s in enumerate(shards):
        assert set(np.concatenate(s) % num_workers) == {r}
    again = shard_batches(n, 0, num_workers, batch_size, epoch=1)
    other_epoch = shard_batches(n, 0, num_workers, batch_size, epoch=2)
    assert all(np.array_equal(a, b) for a, b in zip(again, shards[0], strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(other_epoch, shards[0], strict=True))


@pytest.mark.parametrize(
    "args, match",
    [((100, 2, 2, 10), "rank must be in 0..1"), ((100, 0, 2, 60), "batch_size=60 needs"),
     ((100, 0, 2, 0), "batch_size=0 needs")],
)
def test_shard_batches_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        shard_batches(*args, epoch=0)


def test_digits_cnn_shapes_and_seeded_start():
    net_a, net_b = digits_cnn(seed=3), digits_cnn(seed=3)
    assert net_a(nd.zeros((5, 1, 8, 8))).shape == (5, 10)
    for (name, p), q in zip(net_a._collect_params_with_prefix().items(),
                            net_b._collect_params_with_prefix().values(), strict=True):
        assert np.array_equal(p.data().asnumpy(), q.data().asnumpy()), name


def test_accumulation_with_one_worker_is_plain_minibatch_training():
    """With num_workers=1 the reference is an ordinary training loop: compare it with
    Gluon's Trainer written out by hand on the same batches."""
    result = train_digits_accumulated(num_workers=1, num_epochs=1, batch_size=64, lr=0.01)
    x_train, y_train, _, _ = _digits_arrays()
    net = digits_cnn(0)
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for idx in shard_batches(len(y_train), 0, 1, 64, epoch=0):
        with autograd.record():
            loss = loss_fn(net(nd.array(x_train[idx])), nd.array(y_train[idx]))
        loss.backward()
        trainer.step(64)
    for name, p in net._collect_params_with_prefix().items():
        np.testing.assert_array_equal(result["params"][name], p.data().asnumpy())
    assert 0.0 < result["losses"][0] < 2.31 and 0.5 < result["test_acc"] <= 1.0


@linux_only
@pytest.mark.parametrize("update_on_kvstore", [None, False])
def test_two_workers_compute_what_one_process_accumulates(update_on_kvstore):
    """Bit for bit, whether the servers (None: MXNet's choice) or the workers (False) run
    the optimizer: the claim notebook 11 makes for the cluster and its reference."""
    results = run_cluster(train_digits_worker, num_workers=2, num_epochs=1,
                          update_on_kvstore=update_on_kvstore)
    reference = train_digits_accumulated(num_workers=2, num_epochs=1)
    for r in results:
        for name, value in reference["params"].items():
            np.testing.assert_array_equal(r["params"][name], value, err_msg=name)
    assert children_of(os.getpid()) == []
