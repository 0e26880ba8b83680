"""The numerics pin: one arithmetic code path for MXNet on every reader's machine.

MXNet 1.9.1 computes on the CPU with two libraries that choose their kernels at
run time: oneDNN (convolution, fully connected layers) by the CPU's instruction
set, OpenBLAS (`nd.dot`, `linalg.gemm2`) by the CPU model, and both split sums
across OpenMP threads. Other kernels and other splits add the same numbers in
another order, so a reader with an AVX-512 CPU or 64 cores would get other last
digits than the notebooks store. Like MKL's conditional numerical
reproducibility mode, the pin fixes the code path instead: AVX2 kernels in
both libraries and one thread. Every x86-64 CPU with AVX2 and FMA (Intel since
2013, AMD since 2015) runs that path and gets the same bits.

The pin is a property of the project's interpreter, `.venv/bin/python`: `make`
installs this file into the environment's site-packages as a module of its own
(`_gluon_cnn_basics_pin`) and a `.pth` file whose one line runs `startup()` when
the interpreter starts, before any user code and before MXNet loads. `startup`
sets the variables of `PIN`, overriding the caller's values and remembering them
(`OVERRIDDEN`), so every way of running the notebooks with this environment is
pinned: JupyterLab, `jupyter nbconvert --execute`, VS Code picking
`.venv/bin/python`, nbval, the unit tests and any subprocess they start. It
first checks that the CPU has AVX2 and FMA; on a CPU without them it sets
nothing (the pinned kernels would not run there) and says so on stderr in one
line. Starting Python with `GLUON_CNN_BASICS_UNPINNED=1` turns the pin off
(`make bench` does, to time the machine as it is); any other value leaves it on.
What a process started with is its state for good: `child_environment` gives a
subprocess the same state whatever the parent's `os.environ` says by then.

It lives in tools/, apart from the teaching package `utils`, because it is part of
the environment, not of a lesson. `make` runs it as a script (it needs only the standard
library, so it imports neither `utils` nor MXNet), and installs the project's Jupyter
kernel (`ipykernel install`) and JupyterLab settings (tools/lab-overrides.json) beside it:

    python tools/pin.py check     # one line and exit status 1 if this CPU can't run the pin
    python tools/pin.py install   # into the running virtual environment
    python tools/pin.py show      # what is pinned in this process, and what was overridden
    python tools/pin.py hostile   # a caller environment every pinned variable differs from
"""

from __future__ import annotations

import os
import sys

PIN: dict[str, str] = {
    # oneDNN 2.4 (inside libmxnet.so): use at most the AVX2 kernels.
    "DNNL_MAX_CPU_ISA": "AVX2",
    # OpenBLAS (libopenblas.so.0 beside it, built for many CPUs): the Haswell (AVX2) kernels.
    "OPENBLAS_CORETYPE": "Haswell",
    # One OpenMP thread for both, so no sum is split by thread count.
    "OMP_NUM_THREADS": "1",
}
# A caller's environment that differs from the pin in every variable, on any x86-64 CPU
# (SSE4.1 and Sandy Bridge kernels are below AVX2; 8 threads are more than 1). `make test`
# runs its pytest session under it, and tests/test_pin.py asks the libraries what they run
# under it: with the pin working, the answers are the pinned ones.
HOSTILE_CALLER: dict[str, str] = {
    "DNNL_MAX_CPU_ISA": "SSE41",
    "OPENBLAS_CORETYPE": "Sandybridge",
    "OMP_NUM_THREADS": "8",
}
UNPIN_VARIABLE = "GLUON_CNN_BASICS_UNPINNED"
REQUIRED_FLAGS = ("avx2", "fma")
MODULE_NAME = "_gluon_cnn_basics_pin"
PTH_NAME = "gluon_cnn_basics_pin.pth"
# What `startup` found and did in this process (set only in the installed module).
STATE: str | None = None  # "on", "off" (unpinned on request) or "unsupported" (no AVX2/FMA)
AT_START: dict[str, str | None] = {}  # the caller's values of PIN's variables
OVERRIDDEN: dict[str, str] = {}  # those of them the pin replaced: name -> the caller's value


def pth_line() -> str:
    """The single line of the `.pth` file: Python runs lines that start with `import`
    when it starts up, before any user code."""
    return f"import {MODULE_NAME}; {MODULE_NAME}.startup()\n"


def startup(environ: dict[str, str] | os._Environ | None = None) -> str:
    """Apply the pin to `environ` (default `os.environ`) as the interpreter starts.

    Records the caller's values (`AT_START`, `OVERRIDDEN`) and the outcome (`STATE`,
    also returned): "off" when `GLUON_CNN_BASICS_UNPINNED` is "1" (nothing set),
    "unsupported" when this CPU lacks AVX2 or FMA (nothing set, one line on stderr),
    else "on" with every variable of `PIN` set.
    """
    global STATE, AT_START, OVERRIDDEN
    if environ is None:
        if STATE is not None:  # site-packages seen twice (lib64 -> lib): keep the first record
            return STATE
        environ = os.environ
    AT_START = {k: environ.get(k) for k in PIN}
    OVERRIDDEN = {}
    if environ.get(UNPIN_VARIABLE) == "1":
        STATE = "off"
        return STATE
    problem = host_problem()
    if problem is not None:
        sys.stderr.write(f"gluon-cnn-basics: numerics not pinned: {problem}\n")
        STATE = "unsupported"
        return STATE
    OVERRIDDEN = {k: v for k, v in AT_START.items() if v is not None and v != PIN[k]}
    environ.update(PIN)
    STATE = "on"
    return STATE


def started_state() -> tuple[str | None, dict[str, str | None]]:
    """This process's pin state at start-up and the caller's values then; (None, {}) if
    the interpreter has no pin installed (another environment than the project's)."""
    module = sys.modules.get(MODULE_NAME)
    if module is None or module.STATE is None:
        return None, {}
    return module.STATE, dict(module.AT_START)


def child_environment(environ: dict[str, str]) -> dict[str, str]:
    """A copy of `environ` under which a new process of this interpreter computes as this
    one does: pinned if this process started pinned, else unpinned with the values this
    process started with, whatever `environ` says now (a `%env` in a running kernel
    changes `os.environ`, not the libraries already loaded). Unchanged in an interpreter
    without the pin. Used by `utils.dist.run_cluster` for its workers."""
    state, at_start = started_state()
    env = dict(environ)
    if state == "on":
        env.pop(UNPIN_VARIABLE, None)
        env.update(PIN)
    elif state in ("off", "unsupported"):
        if state == "off":
            env[UNPIN_VARIABLE] = "1"
        for k, v in at_start.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
    return env


def is_pinned(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """True if every variable of `PIN` has its pinned value in `environ`."""
    return all(environ.get(k) == v for k, v in PIN.items())


def _cpu_flags() -> set[str] | None:
    """The CPU's feature flags in lower case, or None if this OS does not say."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("flags"):
                        return set(line.split(":", 1)[1].lower().split())
        except OSError:
            return None
        return None
    return None


def host_problem(machine: str | None = None, flags: set[str] | None = None) -> str | None:
    """Why this machine cannot run the pinned code path, in one sentence, or None if it can.

    `machine` and `flags` default to this machine's (`platform.machine()` and the CPU
    flags the OS reports); tests pass their own.
    """
    if machine is None:
        import platform

        machine = platform.machine()
    if machine.lower() not in ("x86_64", "amd64"):
        return (
            f"this is a {machine} machine; the stored outputs are pinned to the x86-64 "
            "AVX2 code path of MXNet's oneDNN and OpenBLAS, so they cannot be reproduced here"
        )
    flags = _cpu_flags() if flags is None else flags
    if flags is None:
        return "cannot read this CPU's feature flags to confirm AVX2 and FMA (needs Linux)"
    missing = [f for f in REQUIRED_FLAGS if f not in flags]
    if missing:
        return (
            f"this CPU lacks {' and '.join(m.upper() for m in missing)}; the stored outputs are "
            "pinned to MXNet's AVX2 code path (x86-64 CPUs since about 2013-2015)"
        )
    return None


class NotAVirtualEnvironment(Exception):
    """`install` was asked to write into an interpreter that is not a virtual environment."""


def install(prefix: str | None = None, base_prefix: str | None = None) -> list[str]:
    """Install the pin into the virtual environment at `prefix` (default: this interpreter's).

    Refuses, writing nothing, unless `prefix` is a virtual environment (it differs from
    `base_prefix`, the interpreter's installation): the pin applies to every program
    the interpreter runs. Writes this file into the environment's site-packages as the
    module `_gluon_cnn_basics_pin` and the `.pth` line that calls its `startup()`. Returns
    what it did, one line each.
    """
    import shutil
    import sysconfig
    from pathlib import Path

    prefix = sys.prefix if prefix is None else prefix
    base_prefix = sys.base_prefix if base_prefix is None else base_prefix
    if os.path.realpath(prefix) == os.path.realpath(base_prefix):
        raise NotAVirtualEnvironment(
            f"{prefix} is not a virtual environment; the pin changes every program of the "
            "interpreter it is installed into, so it goes only into the project's .venv "
            "(run `make setup`, or .venv/bin/python tools/pin.py install)"
        )
    done = []
    site = Path(sysconfig.get_path("purelib", vars={"base": prefix, "platbase": prefix}))
    shutil.copyfile(__file__, site / f"{MODULE_NAME}.py")
    (site / PTH_NAME).write_text(pth_line())
    problem = host_problem()
    if problem is None:
        done.append(f"pinned numerics: {site / PTH_NAME}")
    else:
        done.append(f"warning: this CPU cannot be pinned ({problem}); `make test` will refuse "
                    "to run")

    return done


def describe() -> str:
    """What `show` prints: the pin's state in this process and what it overrode."""
    state, at_start = started_state()
    values = ", ".join(f"{k}={os.environ.get(k, '')}" for k in PIN)
    if state is None:
        return f"pin not installed in this interpreter ({sys.prefix}): {values}"
    if state == "off":
        return f"pin off ({UNPIN_VARIABLE}=1): {values}"
    if state == "unsupported":
        return f"pin not applied: {host_problem()}"
    line = f"pin on: {values}"
    overridden = {k: v for k, v in at_start.items() if v is not None and v != PIN[k]}
    if overridden:
        line += "\n  your " + ", ".join(f"{k}={v}" for k, v in overridden.items()) + (
            f" {'was' if len(overridden) == 1 else 'were'} overridden; the stored outputs "
            f"need the pinned values (start with {UNPIN_VARIABLE}=1 to keep yours)"
        )
    return line


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "check":
        problem = host_problem()
        if problem:
            print(f"error: {problem}.", file=sys.stderr)
            return 1
        return 0
    if command == "install":
        try:
            lines = install()
        except NotAVirtualEnvironment as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for line in lines:
            print(line)
        return 0
    if command == "show":
        print(describe())
        return 0
    if command == "hostile":
        print(" ".join(f"{k}={v}" for k, v in HOSTILE_CALLER.items()))
        return 0
    print("usage: python tools/pin.py check|install|show|hostile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
