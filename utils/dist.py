"""A real MXNet parameter-server cluster on this machine: `run_cluster`.

MXNet trains on several machines with its `dist_sync` kvstore: a scheduler
introduces the processes to each other, servers hold the weights, and workers
push gradients and pull weights. `run_cluster` starts such a cluster as
child processes of this Python process, every socket on 127.0.0.1, runs a worker
function in each worker, returns the workers' results in rank order, and takes
the whole cluster down again whatever happens. The environment each role gets
is `role_environment`, the same variables MXNet's own launcher sets on real
machines.

Processes: every process of the cluster is a copy of this one (`os.fork`), so it
starts with MXNet, the worker function's module and everything else this process
imported already loaded, and computes with the libraries as this process loaded
them. (A fresh interpreter would spend a second or more of CPU importing MXNet
before it could join; MXNet itself supports forking, and gives each forked process
one OpenMP thread.) Each child then takes the environment of its role, runs in a
process group of its own, and asks the kernel to kill it when its parent dies
(`PR_SET_PDEATHSIG` on Linux; a watchdog thread polling the parent elsewhere).
Results come back pickled through a pipe; nothing is written to disk. Clusters on
one machine run one at a time (see `_one_cluster_at_a_time`).

The worker function: a fork could run any function, but on real machines every
process is a fresh Python program that can only import its function by module and
name. `run_cluster` holds `fn` to the same rule (defined in a `.py` module, not in a
notebook cell), so that what runs here runs there.
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from utils.checks import count

HOST = "127.0.0.1"
LOCK_NAME = "\0gluon-cnn-basics-run-cluster"
# After this many seconds of waiting for another cluster, run_cluster says so on stderr.
LOCK_NOTICE_SECONDS = 3.0
# The scheduler's port is chosen free, then bound by the scheduler a moment later; if
# another program takes it in between, the cluster is started again on another port.
PORT_RETRIES = 3
STDERR_TAIL_LINES = 20
_TAIL_BYTES = 16384


class ClusterError(RuntimeError):
    """A worker of `run_cluster` failed (an exception, a crash, a server that died) or the
    cluster ran past its timeout. The message names the process and ends with the last
    lines of its stderr. Introduced in notebooks/11_training_on_several_machines.ipynb."""


def role_environment(
    role: str,
    num_workers: int,
    num_servers: int,
    root_uri: str = HOST,
    root_port: int = 9091,
    node_host: str = HOST,
) -> dict[str, str]:
    """The environment variables MXNet's `dist_sync` kvstore reads in one process.

    `role` is "scheduler", "server" or "worker"; `root_uri`:`root_port` is where the
    scheduler listens and everyone connects first; `node_host` is the address this
    process announces to the others (here 127.0.0.1; on real machines the host's
    own address). Returns a dict of str to str: DMLC_ROLE, DMLC_PS_ROOT_URI,
    DMLC_PS_ROOT_PORT, DMLC_NUM_SERVER, DMLC_NUM_WORKER, DMLC_NODE_HOST and
    PS_VERBOSE=0 (no connection log). An unknown role or a count below 1 is a
    `ValueError`. Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    if role not in ("scheduler", "server", "worker"):
        raise ValueError(f"role must be 'scheduler', 'server' or 'worker', got {role!r}")
    count(num_workers, "num_workers")
    count(num_servers, "num_servers")
    return {
        "DMLC_ROLE": role,
        "DMLC_PS_ROOT_URI": str(root_uri),
        "DMLC_PS_ROOT_PORT": str(int(root_port)),
        "DMLC_NUM_SERVER": str(num_servers),
        "DMLC_NUM_WORKER": str(num_workers),
        "DMLC_NODE_HOST": str(node_host),
        "PS_VERBOSE": "0",
    }


def _check_function(fn: object) -> None:
    """TypeError unless a fresh Python process could import `fn` by its module and name."""
    if not callable(fn):
        raise TypeError(f"fn must be a callable, got {type(fn).__name__}")
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", type(fn).__qualname__)
    if module == "__main__" or "<" in name:
        where = "a notebook cell or script" if module == "__main__" else "a function"
        raise TypeError(
            f"fn={name} is defined in {where}, which a worker on another machine could not "
            "import: put it in a .py module (for example one next to the notebook) and "
            "import it from there"
        )
    try:
        pickle.dumps(fn)
    except Exception as exc:
        raise TypeError(f"fn={name} cannot be imported by reference: {exc}") from exc


def _one_cluster_at_a_time(deadline: float, timeout: float) -> socket.socket | None:
    """Wait until no other `run_cluster` runs on this machine, and hold that until closed.

    Clusters here run one after the other, so that two of them never compete for the
    same cores (each process wants one) or the same ports. The lock is a Linux abstract
    socket name: it exists while this process holds the socket and vanishes with it,
    leaving no file behind. The wait counts against the cluster's `timeout` (it ends at
    `deadline`), and after `LOCK_NOTICE_SECONDS` one line on stderr says what is
    happening. Elsewhere there is no lock.
    """
    if not sys.platform.startswith("linux"):
        return None
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    notice_at = time.monotonic() + LOCK_NOTICE_SECONDS
    while True:
        try:
            lock.bind(LOCK_NAME)
            return lock
        except OSError:
            now = time.monotonic()
            if now >= deadline:
                lock.close()
                raise ClusterError(
                    f"another run_cluster on this machine was still running when "
                    f"timeout={timeout:g} s ran out; nothing was started"
                ) from None
            if notice_at is not None and now >= notice_at:
                print(
                    f"run_cluster: another cluster is running on this machine; waiting for "
                    f"it to end (the wait counts against timeout={timeout:g} s)",
                    file=sys.stderr, flush=True,
                )
                notice_at = None
            time.sleep(0.05)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---- the child's side ----------------------------------------------------------------


def _die_with(parent: int) -> None:
    """End this process (SIGKILL) as soon as `parent` ends."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    else:
        def watchdog() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(70)

        threading.Thread(target=watchdog, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(70)


def _child(
    role: str, env: dict[str, str], group: int, log: int, result: int | None,
    inherited: list[int], fn: Callable[..., Any], kwargs: dict[str, Any],
    parent: int, mask: set[signal.Signals],
) -> NoReturn:
    """Become one process of the cluster (runs in the forked child; never returns).

    stdout and stderr go to the `log` pipe; a worker writes its pickled
    ("ok", rank, value) or ("error", rank, summary) to the `result` pipe, which only
    `run_cluster` reads. Ends with `os._exit`, so nothing of the parent (its atexit
    handlers, a Jupyter kernel's output threads) runs here.
    """
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.setpgid(0, group)
        _die_with(parent)
        for fd in inherited:  # the parent's ends of the pipes, and its cluster lock
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdout = sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        gc.freeze()  # the parent's objects stay as they are (and shared with it)
        os.environ.update(env)
        if role == "worker":
            _work(fn, kwargs, result)
        else:
            _serve()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:  # noqa: BLE001 - a failure must reach the parent, as stderr
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def _serve() -> None:
    """Serve as the scheduler or a server, as `DMLC_ROLE` says, until the workers finish."""
    import mxnet  # imported here for the first time, MXNet serves, then raises SystemExit

    mxnet.kvstore.KVStoreServer(mxnet.kvstore.create("dist")).run()


def _work(fn: Callable[..., Any], kwargs: dict[str, Any], result: int | None) -> None:
    """Call fn(**kwargs) and write the outcome, pickled, to the `result` pipe.

    The worker's rank is that of the `dist` kvstore fn creates: `mxnet.kvstore.create`
    is wrapped so as to keep a reference to it (a process can join the cluster only
    once: a second dist kvstore waits forever). If fn created none, the worker joins
    after fn returns.
    """
    import mxnet.kvstore

    joined: list[Any] = []
    create = mxnet.kvstore.create

    def create_and_keep(name: str = "local") -> Any:
        kv = create(name)
        if kv.type.startswith("dist"):
            joined.append(kv)
        return kv

    mxnet.kvstore.create = create_and_keep
    try:
        value = fn(**kwargs)
        if not joined:
            joined.append(create("dist_sync"))
        message = pickle.dumps(("ok", joined[0].rank, value))
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
        traceback.print_exc()
        rank = joined[0].rank if joined else None
        message = pickle.dumps(("error", rank, f"{type(exc).__name__}: {exc}"))
    view = memoryview(message)
    while view:
        view = view[os.write(result, view):]


# ---- the parent's side ---------------------------------------------------------------


class _Process:
    """One child: its role, its pid, its pipes and what it wrote so far."""

    def __init__(self, role: str, index: int, pid: int, log: int, result: int | None) -> None:
        self.role, self.index, self.pid = role, index, pid
        self.log_fd, self.result_fd = log, result
        self.result = bytearray()
        self.stderr = bytearray()
        self.open_streams = 1 if result is None else 2
        self.returncode: int | None = None

    @property
    def name(self) -> str:
        return self.role if self.role == "scheduler" else f"{self.role} process {self.index}"

    def poll(self) -> int | None:
        """The exit code (negative: killed by that signal) once the child has ended."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def tail(self, lines: int = STDERR_TAIL_LINES) -> str:
        text = bytes(self.stderr[-_TAIL_BYTES:]).decode(errors="replace").rstrip()
        return "\n".join(text.splitlines()[-lines:]) or "(nothing)"


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _start(
    role: str, index: int, env: dict[str, str], processes: list[_Process],
    fn: Callable[..., Any], kwargs: dict[str, Any], lock: socket.socket | None,
) -> _Process:
    """Fork one child of `role` and add it to `processes`; it joins the first child's
    process group. SIGINT waits until the child is on the list, so that an interrupt
    cannot leave a child that `_teardown` does not know about."""
    group = processes[0].pid if processes else 0
    log_read, log_write = os.pipe()
    result_read, result_write = os.pipe() if role == "worker" else (None, None)
    inherited = [fd for p in processes for fd in (p.log_fd, p.result_fd) if fd is not None]
    inherited += [log_read] + ([result_read] if result_read is not None else [])
    if lock is not None:
        inherited.append(lock.fileno())
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
        if pid == 0:
            _child(role, env, group, log_write, result_write, inherited, fn, kwargs, parent,
                   mask)
        processes.append(_Process(role, index, pid, log_read, result_read))
        try:
            os.setpgid(pid, group or pid)  # also here, so that no kill can come before it
        except (PermissionError, ProcessLookupError):
            pass  # the child has set it already, or has died
        os.close(log_write)
        if result_write is not None:
            os.close(result_write)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return processes[-1]


def _teardown(processes: list[_Process]) -> None:
    """Kill every child (the whole process group first) and reap it; close the pipes."""
    if processes:
        try:
            os.killpg(processes[0].pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for p in processes:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in processes:
        deadline = time.monotonic() + 10
        while p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        for fd in (p.log_fd, p.result_fd):
            if fd is not None:
                os.close(fd)


def run_cluster(
    fn: Callable[..., Any],
    num_workers: int = 2,
    num_servers: int = 1,
    timeout: float = 60.0,
    **kwargs: Any,
) -> list[Any]:
    """Run fn(**kwargs) in every worker of a local `dist_sync` cluster; results by rank.

    Starts 1 scheduler, `num_servers` servers and `num_workers` workers on 127.0.0.1
    (a free port), each a fork of this process. Each worker calls fn(**kwargs) and
    sends back its return value; inside fn, `mx.kv.create("dist_sync")` (or a Trainer
    with kvstore="dist_sync") joins the cluster. Returns the list of return values,
    index i from the worker of rank i. Once every worker has answered, the servers and
    the scheduler are ended. fn must be importable by module and name (defined in a .py
    module, not a notebook cell), else `TypeError`, as for a non-callable; counts below
    1 or a timeout <= 0 are a `ValueError`; all before anything starts. A worker that
    raises or dies, a server or scheduler that exits early, or `timeout` seconds
    passing is a `ClusterError` naming the process, with the end of its stderr. On
    every way out, including KeyboardInterrupt, every process started is killed and
    reaped before this function returns or raises. Clusters on one machine run one at
    a time: a second call waits until the first has ended, says so on stderr after a
    few seconds, and counts the wait against `timeout`. A scheduler port taken by
    another program before the scheduler bound it is replaced by another
    (`PORT_RETRIES`). Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    _check_function(fn)
    count(num_workers, "num_workers")
    count(num_servers, "num_servers")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")

    deadline = time.monotonic() + timeout
    lock = _one_cluster_at_a_time(deadline, timeout)
    try:
        for _ in range(PORT_RETRIES):
            try:
                return _run(fn, kwargs, num_workers, num_servers, deadline, timeout, lock)
            except _PortLost:
                pass
        raise ClusterError(
            f"the scheduler's port was taken by another program {PORT_RETRIES} times in a "
            "row before the scheduler could bind it"
        )
    finally:
        if lock is not None:
            lock.close()


class _PortLost(ClusterError):
    """The scheduler could not bind the port chosen for it: another program took it."""


def _port_taken(port: int) -> bool:
    """True if something on this machine now listens on (or holds) 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Closed connections of the dead scheduler (TIME_WAIT) do not count, a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return True
    return False


def _run(
    fn: Callable[..., Any],
    kwargs: dict[str, Any],
    num_workers: int,
    num_servers: int,
    deadline: float,
    timeout: float,
    lock: socket.socket | None,
) -> list[Any]:
    """Start the processes, collect the answers, and end every process on the way out."""
    port = _free_port()
    roles = ["scheduler"] + ["server"] * num_servers + ["worker"] * num_workers
    processes: list[_Process] = []
    selector = selectors.DefaultSelector()
    try:
        for i, role in enumerate(roles):
            env = role_environment(role, num_workers, num_servers, HOST, port)
            index = i - 1 if role == "server" else i - 1 - num_servers
            p = _start(role, index, env, processes, fn, kwargs, lock)
            selector.register(p.log_fd, selectors.EVENT_READ, (p, p.stderr))
            if p.result_fd is not None:
                selector.register(p.result_fd, selectors.EVENT_READ, (p, p.result))
        answers = _collect(processes, selector, deadline, timeout, port)
    finally:
        selector.close()
        _teardown(processes)
    return [answers[rank] for rank in range(num_workers)]


def _collect(
    processes: list[_Process],
    selector: selectors.BaseSelector,
    deadline: float,
    timeout: float,
    port: int,
) -> dict[int, Any]:
    """Read the children's pipes until every worker has answered; raise on any failure."""
    workers = [p for p in processes if p.role == "worker"]
    answers: dict[int, Any] = {}
    done: set[int] = set()
    while len(done) < len(workers):
        left = deadline - time.monotonic()
        if left <= 0:
            waiting = [p for p in workers if p.pid not in done]
            raise ClusterError(
                f"the cluster did not finish within timeout={timeout:g} s "
                f"({len(waiting)} of {len(workers)} workers still running); "
                f"last lines of the stderr of {waiting[0].name}:\n{waiting[0].tail()}"
            )
        for key, _ in selector.select(timeout=min(left, 0.2)):
            p, buffer = key.data
            chunk = os.read(key.fd, 65536)
            if chunk:
                buffer.extend(chunk)
                if buffer is p.stderr and len(buffer) > 4 * _TAIL_BYTES:
                    del buffer[: -_TAIL_BYTES]
            else:
                selector.unregister(key.fd)
                p.open_streams -= 1
        for p in processes:
            if p.pid in done or p.open_streams > 0 or p.poll() is None:
                continue
            code = p.returncode
            if p.role == "scheduler" and ("bind failed" in p.tail() or _port_taken(port)):
                raise _PortLost(f"port {port} was taken before the scheduler bound it")
            if p.role != "worker":
                raise ClusterError(
                    f"the {p.name} {_exit_reason(code)} before the workers finished; "
                    f"last lines of its output:\n{p.tail()}"
                )
            if not p.result:
                raise ClusterError(
                    f"{p.name} {_exit_reason(code)} without returning a result; "
                    f"last lines of its stderr:\n{p.tail()}"
                )
            try:
                status, rank, value = pickle.loads(bytes(p.result))
            except Exception as exc:
                raise ClusterError(f"the result of {p.name} cannot be read here: {exc}") from exc
            if status == "error":
                who = f"the worker of rank {rank}" if rank is not None else p.name
                raise ClusterError(
                    f"{who} raised {value}; last lines of its stderr:\n{p.tail()}"
                )
            answers[rank] = value
            done.add(p.pid)
    return answers
