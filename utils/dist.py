"""A real MXNet parameter-server cluster on this machine: `run_cluster`.

MXNet trains on several machines with its `dist_sync` kvstore: a scheduler
introduces the processes to each other, servers hold the weights, and workers
push gradients and pull weights. `run_cluster` starts such a cluster as
subprocesses of this Python process, every socket on 127.0.0.1, runs a worker
function in each worker, returns the workers' results in rank order, and takes
the whole cluster down again whatever happens. The environment each role gets
is `role_environment`, the same variables MXNet's own launcher sets on real
machines.

Passing the function: a worker is a fresh Python process, so it re-imports the
function by its module and name (`pickle` by reference). The function must
therefore live in a module the worker can import — a `.py` file, not a notebook
cell. The worker sees the parent's `sys.path` and working folder, so a module
next to the notebook works. Keyword arguments and results travel pickled.

Processes: every process is started with this interpreter, under the numerics pin
state this process started with (`utils.pin.child_environment`: pinned, one OpenMP
thread each, unless this process itself started unpinned), in one process
group of its own, and asks the kernel to kill it when its parent dies
(`PR_SET_PDEATHSIG` on Linux; a watchdog thread polling the parent elsewhere).
Nothing is written to disk: arguments go through stdin, results through stdout.
Clusters on one machine run one at a time (see `_one_cluster_at_a_time`).
"""

from __future__ import annotations

import json
import os
import pickle
import selectors
import signal
import socket
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

PARENT_VARIABLE = "GLUON_CNN_BASICS_CLUSTER_PARENT"
PATH_VARIABLE = "GLUON_CNN_BASICS_CLUSTER_PATH"
DIST_VARIABLE = "GLUON_CNN_BASICS_CLUSTER_DIST"
HOST = "127.0.0.1"
LOCK_NAME = "\0gluon-cnn-basics-run-cluster"
# After this many seconds of waiting for another cluster, run_cluster says so on stderr.
LOCK_NOTICE_SECONDS = 3.0
# MXNet 1.9.1's parameter server aborts in a consistency check of its own when it is asked
# for a key it never received ("init N first", or a reply without data in ps-lite's
# kv_app.h): for instance when a worker's first push of a weight that oneDNN had left in
# its blocked layout failed inside MXNet's engine (see utils.dist_workers.digits_cnn). A
# cluster that ends so is ended and a fresh one started, with a RuntimeWarning naming the
# cause, at most this many times; the error is raised after that.
MXNET_ABORT_RETRIES = 2
_MXNET_ABORTS = ("Check failed: !stored.is_none(): init", "kv_app.h", "van.cc")
# The scheduler's port is chosen free, then bound by the scheduler a moment later; if
# another program takes it in between, the cluster is started again on another port.
PORT_RETRIES = 3
_PIN_MODULE = "_gluon_cnn_basics_pin"  # utils/pin.py as the interpreter's start-up loaded it
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
    _check_count("num_workers", num_workers)
    _check_count("num_servers", num_servers)
    return {
        "DMLC_ROLE": role,
        "DMLC_PS_ROOT_URI": str(root_uri),
        "DMLC_PS_ROOT_PORT": str(int(root_port)),
        "DMLC_NUM_SERVER": str(num_servers),
        "DMLC_NUM_WORKER": str(num_workers),
        "DMLC_NODE_HOST": str(node_host),
        "PS_VERBOSE": "0",
    }


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def _check_function(fn: object) -> None:
    """TypeError unless a worker process can import `fn` by its module and name."""
    if not callable(fn):
        raise TypeError(f"fn must be a callable, got {type(fn).__name__}")
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", type(fn).__qualname__)
    if module == "__main__" or "<" in name:
        where = "a notebook cell or script" if module == "__main__" else "a function"
        raise TypeError(
            f"fn={name} is defined in {where}, "
            "which a worker process cannot import: put it in a .py module (for example one next "
            "to the notebook) and import it from there"
        )
    try:
        pickle.dumps(fn)
    except Exception as exc:
        raise TypeError(f"fn={name} cannot be sent to the workers by reference: {exc}") from exc


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


# What every child runs (`python -c`). It must not import `utils` before its role is
# known: importing MXNet in a server or the scheduler starts serving right away.
_BOOTSTRAP = r"""
import os, signal, sys, threading, time

parent = int(os.environ["GLUON_CNN_BASICS_CLUSTER_PARENT"])
armed = False
if sys.platform.startswith("linux"):
    import ctypes
    armed = ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0) == 0  # 1: PR_SET_PDEATHSIG
if os.getppid() != parent:  # the parent died before the line above ran
    os._exit(70)
if not armed:
    def watchdog():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(70)
    threading.Thread(target=watchdog, daemon=True).start()

if os.environ["DMLC_ROLE"] == "worker":
    # This file alone, not the utils package (whose other modules import scikit-learn):
    # a worker imports what its function needs when it unpickles it.
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "_run_cluster", os.environ["GLUON_CNN_BASICS_CLUSTER_DIST"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._worker_main()
else:
    # A server or the scheduler: it serves from inside `import mxnet`, then exits. MXNet
    # imports scipy.stats only for its test utilities, which neither role uses; without
    # SciPy the import takes about half the CPU time (1.5 s less per process).
    sys.modules["scipy"] = None
    import mxnet
"""


def _worker_main() -> None:
    """The worker side of `run_cluster` (runs in the child process).

    Reads the pickled (fn, kwargs) from stdin and calls fn(**kwargs). Its rank is that
    of the `dist` kvstore fn creates: `mxnet.kvstore.create` is wrapped so as to keep a
    reference to it (a process can join the cluster only once: a second dist kvstore
    waits forever). If fn created none, the worker joins after fn returns. It writes
    ("ok", rank, result) or ("error", rank, summary) pickled to its stdout, which only
    `run_cluster` reads (everything the worker prints goes to stderr), then exits at
    once: a worker that raised would otherwise wait forever in ps-lite's shutdown
    barrier, and the parent ends the cluster itself.
    """
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for entry in json.loads(os.environ.get(PATH_VARIABLE, "[]")):
        if entry not in sys.path:
            sys.path.append(entry)
    joined: list[Any] = []
    try:
        fn, kwargs = pickle.loads(sys.stdin.buffer.read())
        import mxnet.kvstore

        create = mxnet.kvstore.create

        def create_and_keep(name: str = "local") -> Any:
            kv = create(name)
            if kv.type.startswith("dist"):
                joined.append(kv)
            return kv

        mxnet.kvstore.create = create_and_keep
        value = fn(**kwargs)
        if not joined:
            joined.append(create("dist_sync"))
        message = pickle.dumps(("ok", joined[0].rank, value))
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
        traceback.print_exc()
        rank = joined[0].rank if joined else None
        message = pickle.dumps(("error", rank, f"{type(exc).__name__}: {exc}"))
    results.write(message)
    results.flush()
    sys.stderr.flush()
    os._exit(0)


class _Process:
    """One child: its role, its Popen and what it wrote so far."""

    def __init__(self, role: str, index: int, popen: subprocess.Popen) -> None:
        self.role, self.index, self.popen = role, index, popen
        self.result = bytearray()
        self.stderr = bytearray()
        self.open_streams = 0

    @property
    def name(self) -> str:
        return self.role if self.role == "scheduler" else f"{self.role} process {self.index}"

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


def _start(role: str, index: int, env: dict[str, str], group: int) -> _Process:
    popen = subprocess.Popen(
        [sys.executable, "-c", _BOOTSTRAP],
        env=env,
        stdin=subprocess.PIPE if role == "worker" else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if role == "worker" else subprocess.STDOUT,
        process_group=group,
    )
    return _Process(role, index, popen)


def _teardown(processes: list[_Process]) -> None:
    """Kill every child (the whole process group first) and reap it; close the pipes."""
    if processes:
        try:
            os.killpg(processes[0].popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for p in processes:
        if p.popen.poll() is None:
            p.popen.kill()
    for p in processes:
        try:
            p.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process in the D state
            pass
        for stream in (p.popen.stdin, p.popen.stdout, p.popen.stderr):
            if stream is not None:
                stream.close()


def run_cluster(
    fn: Callable[..., Any],
    num_workers: int = 2,
    num_servers: int = 1,
    timeout: float = 60.0,
    **kwargs: Any,
) -> list[Any]:
    """Run fn(**kwargs) in every worker of a local `dist_sync` cluster; results by rank.

    Starts 1 scheduler, `num_servers` servers and `num_workers` workers on 127.0.0.1
    (a free port, this interpreter, so pinned numerics and one thread per process).
    Each worker joins the cluster, calls fn(**kwargs) and sends back its return value;
    inside fn, `mx.kv.create("dist_sync")` (or a Trainer with kvstore="dist_sync")
    joins the same cluster. Returns the list of return values, index i from the worker
    of rank i. Once every worker has answered, the servers and the scheduler are
    ended. fn must be importable by a worker (defined in a .py module, not a notebook
    cell), else `TypeError`, as for a non-callable or unpicklable kwargs; counts below
    1 or a timeout <= 0 are a `ValueError`; all before anything starts. A worker that
    raises or dies, a server or scheduler that exits early, or `timeout` seconds
    passing is a `ClusterError` naming the process, with the end of its stderr. On
    every way out, including KeyboardInterrupt, every process started is killed and
    reaped before this function returns or raises. Clusters on one machine run one at
    a time: a second call waits until the first has ended, says so on stderr after a
    few seconds, and counts the wait against `timeout`. A cluster in which a process
    dies in one of MXNet's own consistency checks (see `MXNET_ABORT_RETRIES`) is ended
    and a fresh one started, within the same timeout, with a `RuntimeWarning` naming
    the cause; fn then runs again, in new processes, so it must not rely on running
    once. A scheduler port taken by another program before the scheduler bound it is
    replaced by another (`PORT_RETRIES`). Introduced in
    notebooks/11_training_on_several_machines.ipynb.
    """
    _check_function(fn)
    _check_count("num_workers", num_workers)
    _check_count("num_servers", num_servers)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    try:
        payload = pickle.dumps((fn, kwargs))
    except Exception as exc:
        raise TypeError(f"the keyword arguments cannot be sent to the workers: {exc}") from exc

    deadline = time.monotonic() + timeout
    lock = _one_cluster_at_a_time(deadline, timeout)
    try:
        aborts = ports_lost = 0
        while True:
            try:
                return _run(payload, num_workers, num_servers, deadline, timeout)
            except _PortLost:
                ports_lost += 1
                if ports_lost > PORT_RETRIES:
                    raise ClusterError(
                        f"the scheduler's port was taken by another program {ports_lost} times "
                        "in a row before the scheduler could bind it"
                    ) from None
            except _MXNetAbort as abort:
                aborts += 1
                if aborts > MXNET_ABORT_RETRIES:
                    raise ClusterError(
                        f"{abort} (MXNet aborted in {aborts} clusters in a row)"
                    ) from None
                warnings.warn(
                    f"run_cluster: {abort.cause}. Ending that cluster and starting a fresh one "
                    f"(restart {aborts} of at most {MXNET_ABORT_RETRIES}): fn runs again in new "
                    "processes.",
                    RuntimeWarning,
                    stacklevel=2,
                )
    finally:
        if lock is not None:
            lock.close()


class _MXNetAbort(ClusterError):
    """A process of the cluster died in one of MXNet's own consistency checks."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


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
    payload: bytes,
    num_workers: int,
    num_servers: int,
    deadline: float,
    timeout: float,
) -> list[Any]:
    """Start the processes, collect the answers, and end every process on the way out."""
    pin = sys.modules.get(_PIN_MODULE)
    base = pin.child_environment(dict(os.environ)) if pin is not None else dict(os.environ)
    base[PARENT_VARIABLE] = str(os.getpid())
    base[DIST_VARIABLE] = os.path.abspath(__file__)
    base[PATH_VARIABLE] = json.dumps([os.path.abspath(p) if p else os.getcwd() for p in sys.path])
    port = _free_port()
    roles = ["scheduler"] + ["server"] * num_servers + ["worker"] * num_workers
    processes: list[_Process] = []
    selector = selectors.DefaultSelector()
    try:
        for i, role in enumerate(roles):
            env = {**base, **role_environment(role, num_workers, num_servers, HOST, port)}
            index = i - 1 if role == "server" else i - 1 - num_servers
            group = processes[0].popen.pid if processes else 0
            processes.append(_start(role, index, env, group))
        for p in processes:
            if p.role == "worker":
                try:
                    p.popen.stdin.write(payload)
                    p.popen.stdin.close()
                except BrokenPipeError:
                    pass  # it died already; the loop below reports it
                selector.register(p.popen.stdout, selectors.EVENT_READ, (p, p.result))
                selector.register(p.popen.stderr, selectors.EVENT_READ, (p, p.stderr))
                p.open_streams = 2
            else:
                selector.register(p.popen.stdout, selectors.EVENT_READ, (p, p.stderr))
                p.open_streams = 1
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
            waiting = [p for p in workers if id(p) not in done]
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
                selector.unregister(key.fileobj)
                p.open_streams -= 1
        for p in processes:
            code = p.popen.poll()
            if code is None or p.open_streams > 0 or id(p) in done:
                continue
            if p.role == "scheduler" and ("bind failed" in p.tail() or _port_taken(port)):
                raise _PortLost(f"port {port} was taken before the scheduler bound it")
            if code == -signal.SIGABRT and any(m in p.tail() for m in _MXNET_ABORTS):
                cause = next(line.strip() for line in reversed(p.tail().splitlines())
                             if any(m in line for m in _MXNET_ABORTS))
                raise _MXNetAbort(
                    f"the {p.name} {_exit_reason(code)} inside MXNet; last lines of its "
                    f"output:\n{p.tail()}",
                    cause=f"the {p.name} {_exit_reason(code)} inside MXNet ({cause})",
                )
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
            done.add(id(p))
    return answers
