"""The portability check: training notebooks reproduce their stored outputs on
simulated machines.

oneDNN and OpenBLAS pick kernels by CPU and split sums by thread count, so
notebooks that train are the ones whose digits move from one machine to another.
Each test below re-runs them under strict nbval in a fresh process whose
environment is what a reader's machine could hand it: another oneDNN ISA cap,
another OpenMP thread count. The interpreter's pin (utils/pin.py) must override
all of it, so every stored output still matches. `make test` runs this file
with the rest; `make portability` runs it alone.

Each simulated machine is its own class, so that `--dist loadscope` can hand
different machines to different workers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from utils import pin

ROOT = Path(__file__).resolve().parent.parent
# Every notebook that trains a network; a new one that trains joins this list
# (test_every_training_notebook_is_checked keeps it complete).
TRAINING_NOTEBOOKS = [
    "02_learning_a_kernel.ipynb",
    "08_multi_input_output_data.ipynb",
    "09_finetuning.ipynb",
    "11_training_on_several_machines.ipynb",
]
# Notebook 11 trains in worker processes that run_cluster starts; each of them applies
# the pin at its own start-up, whatever its parent's environment (tests/test_dist.py
# checks that the workers are pinned), and one run of the notebook costs the CPU of
# about seven kernels (a server and two or four workers per cluster, each importing
# MXNet). So it goes through one simulated machine, the eight-thread one, not all three.
ONE_MACHINE_ONLY = {"11_training_on_several_machines.ipynb"}
# What makes a notebook a training notebook: a Gluon Trainer, the `train` loop of
# utils, or a hand-written gradient step (`w -= lr * w.grad()`).
TRAINING_CODE = re.compile(r"Trainer\(|(?<![\w.])train\(|-=.*\.grad\b")


def _host_has_avx512() -> bool:
    flags = pin._cpu_flags() or set()
    return "avx512f" in flags


def run_simulated(
    caller_env: dict[str, str], rotate: int = 0, every_notebook: bool = False
) -> subprocess.CompletedProcess:
    """nbval on the training notebooks in a new process started with `caller_env`
    on top of this environment, minus the pin's own variables (as a reader's shell
    would be before the project's interpreter starts). `rotate` starts the list at
    another notebook: run_cluster (notebook 11) runs one cluster at a time per machine,
    so simulated machines running side by side take the notebooks in different orders
    rather than queue for it together. Notebooks in ONE_MACHINE_ONLY run only when
    `every_notebook` is set."""
    env = {k: v for k, v in os.environ.items() if k not in pin.PIN}
    env.pop(pin.UNPIN_VARIABLE, None)
    env.update(caller_env)
    k = rotate % len(TRAINING_NOTEBOOKS)
    order = TRAINING_NOTEBOOKS[k:] + TRAINING_NOTEBOOKS[:k]
    if not every_notebook:
        order = [nb for nb in order if nb not in ONE_MACHINE_ONLY]
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
        "--nbval", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
        *[str(ROOT / "notebooks" / nb) for nb in order],
    ]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def check(caller_env: dict[str, str], rotate: int = 0, every_notebook: bool = False) -> None:
    result = run_simulated(caller_env, rotate, every_notebook)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, f"stored outputs differ under {caller_env}:\n{tail}"
    assert " passed" in result.stdout and "failed" not in result.stdout, tail


@pytest.mark.portability
class TestOneThreadAVX2:
    """A 2013-2015-era desktop: oneDNN capped at AVX2, one OpenMP thread."""

    def test_training_notebooks(self) -> None:
        check({"DNNL_MAX_CPU_ISA": "AVX2", "OMP_NUM_THREADS": "1"})


@pytest.mark.portability
class TestTwoThreadsAVX512:
    """A 2-core cloud runner with AVX-512 (the cap is a no-op where the host lacks it)."""

    def test_training_notebooks(self) -> None:
        if not _host_has_avx512():
            pytest.skip("this host has no AVX-512; AVX512_CORE would cap nothing")
        check({"DNNL_MAX_CPU_ISA": "AVX512_CORE", "OMP_NUM_THREADS": "2"}, rotate=1)


@pytest.mark.portability
class TestEightThreadsNative:
    """A workstation with 8 threads and whatever instruction set this host has."""

    def test_training_notebooks(self) -> None:
        check({"OMP_NUM_THREADS": "8"}, rotate=-1, every_notebook=True)


def test_every_training_notebook_is_checked() -> None:
    """A notebook that updates weights from gradients must be in TRAINING_NOTEBOOKS."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        if TRAINING_CODE.search(code):
            assert path.name in TRAINING_NOTEBOOKS, f"{path.name} trains but is not checked"
