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
installs a `.pth` file (see `install`) whose one line sets the variables of `PIN`
at interpreter start-up, before MXNet loads, overriding the caller's values. So
every way of running the notebooks with this environment is pinned: JupyterLab,
`jupyter nbconvert --execute`, VS Code picking `.venv/bin/python`, nbval, the
unit tests and any subprocess they start. Setting `GLUON_CNN_BASICS_UNPINNED=1`
before starting Python turns it off (`make bench` does, to time the machine as
it is).

Run as a script by `make` (it only needs the standard library, so it does not
import the `utils` package or MXNet):

    python utils/pin.py check     # one line and exit status 1 if this CPU can't run the pin
    python utils/pin.py install   # the .pth file, the project's Jupyter kernel, lab settings
    python utils/pin.py show      # what is pinned in this process
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PIN: dict[str, str] = {
    # oneDNN 2.4 (inside libmxnet.so): use at most the AVX2 kernels.
    "DNNL_MAX_CPU_ISA": "AVX2",
    # OpenBLAS (libopenblas.so.0 beside it, built for many CPUs): the Haswell (AVX2) kernels.
    "OPENBLAS_CORETYPE": "Haswell",
    # One OpenMP thread for both, so no sum is split by thread count.
    "OMP_NUM_THREADS": "1",
}
UNPIN_VARIABLE = "GLUON_CNN_BASICS_UNPINNED"
REQUIRED_FLAGS = ("avx2", "fma")
PTH_NAME = "gluon_cnn_basics_pin.pth"
KERNEL_NAME = "gluon-cnn-basics"
KERNEL_DISPLAY_NAME = "Gluon CNN Basics (Python 3.11)"
# JupyterLab settings for a first-time reader: no prompt asking whether to fetch Jupyter news.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}


def pth_line() -> str:
    """The single line of the `.pth` file: Python runs lines that start with `import`
    when it starts up, before any user code."""
    return (
        f"import os; os.environ.get({UNPIN_VARIABLE!r}) or os.environ.update({PIN!r})\n"
    )


def is_pinned(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """True if every variable of `PIN` has its pinned value in `environ`."""
    return all(environ.get(k) == v for k, v in PIN.items())


def _cpu_flags() -> set[str] | None:
    """The CPU's feature flags in lower case, or None if this OS does not say."""
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/cpuinfo").read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].lower().split())
        return None
    if sys.platform == "darwin":
        keys = ["machdep.cpu.features", "machdep.cpu.leaf7_features"]
        try:
            out = subprocess.run(["sysctl", "-n", *keys], capture_output=True, text=True).stdout
        except OSError:
            return None
        return set(out.lower().split()) or None
    return None


def host_problem(machine: str | None = None, flags: set[str] | None = None) -> str | None:
    """Why this machine cannot run the pinned code path, in one sentence, or None if it can.

    `machine` and `flags` default to this machine's (`platform.machine()` and the CPU
    flags the OS reports); tests pass their own.
    """
    machine = platform.machine() if machine is None else machine
    if machine.lower() not in ("x86_64", "amd64"):
        return (
            f"this is a {machine} machine; the stored outputs are pinned to the x86-64 "
            "AVX2 code path of MXNet's oneDNN and OpenBLAS, so they cannot be reproduced here"
        )
    flags = _cpu_flags() if flags is None else flags
    if flags is None:
        return "cannot read this CPU's feature flags to confirm AVX2 and FMA (needs Linux or macOS)"
    missing = [f for f in REQUIRED_FLAGS if f not in flags]
    if missing:
        return (
            f"this CPU lacks {' and '.join(m.upper() for m in missing)}; the stored outputs are "
            "pinned to MXNet's AVX2 code path (x86-64 CPUs since about 2013-2015)"
        )
    return None


def install(prefix: Path = Path(sys.prefix)) -> list[str]:
    """Install the pin into the environment at `prefix` (default: this interpreter's).

    Writes the `.pth` file into its site-packages (only if this machine can run the
    pinned path; otherwise MXNet would be forced onto kernels this CPU lacks), the
    project's Jupyter kernel into `prefix/share/jupyter/kernels/gluon-cnn-basics`, and
    the JupyterLab settings overrides. Returns what it did, one line each.
    """
    done = []
    site = Path(sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)}))
    pth = site / PTH_NAME
    problem = host_problem()
    if problem is None:
        pth.write_text(pth_line())
        done.append(f"pinned numerics: {pth}")
    else:
        pth.unlink(missing_ok=True)
        done.append(f"warning: not pinned ({problem}); `make test` will refuse to run")

    # The kernel: this interpreter, under a name every notebook's metadata gives.
    kernel_dir = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    if kernel_dir.exists():
        shutil.rmtree(kernel_dir)
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [str(prefix / "bin" / "python"), "-Xfrozen_modules=off", "-m",
                 "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    done.append(f"kernel {KERNEL_NAME!r} ({KERNEL_DISPLAY_NAME}): {kernel_dir}")

    settings = prefix / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1) + "\n")
    done.append(f"JupyterLab settings: {settings / 'overrides.json'}")
    return done


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "check":
        problem = host_problem()
        if problem:
            print(f"error: {problem}.", file=sys.stderr)
            return 1
        return 0
    if command == "install":
        for line in install():
            print(line)
        return 0
    if command == "show":
        state = "off" if os.environ.get(UNPIN_VARIABLE) else ("on" if is_pinned() else "not set")
        print(f"pin {state}: " + ", ".join(f"{k}={os.environ.get(k, '')}" for k in PIN))
        return 0
    print("usage: python utils/pin.py check|install|show", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
