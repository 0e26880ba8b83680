"""The numerics pin (utils/pin.py): installed by `make`, applied at interpreter
start-up whatever the caller sets, switchable off, and refused on CPUs that
cannot run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from utils import pin

ROOT = Path(__file__).resolve().parent.parent
SHOW = f"import os, json; print(json.dumps({{k: os.environ.get(k) for k in {list(pin.PIN)!r}}}))"


def _python(env_changes: dict[str, str | None]) -> dict[str, str | None]:
    """The pin's variables as a new process of this interpreter sees them, started
    with `env_changes` applied to a copy of this environment (None removes)."""
    env = dict(os.environ)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    out = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_this_process_is_pinned() -> None:
    """`make` installed the .pth file into the environment that runs the tests."""
    assert pin.is_pinned(), {k: os.environ.get(k) for k in pin.PIN}


@pytest.mark.parametrize(
    "caller",
    [
        {"OMP_NUM_THREADS": "64"},
        {"OMP_NUM_THREADS": "8", "DNNL_MAX_CPU_ISA": "AVX512_CORE"},
        {"OPENBLAS_CORETYPE": "SkylakeX", "DNNL_MAX_CPU_ISA": "SSE41"},
        {k: None for k in pin.PIN},
    ],
)
def test_pin_overrides_the_caller(caller: dict[str, str | None]) -> None:
    assert _python({pin.UNPIN_VARIABLE: None, **caller}) == pin.PIN


def test_unpinned_keeps_the_callers_values() -> None:
    seen = _python({pin.UNPIN_VARIABLE: "1", "OMP_NUM_THREADS": "8", "DNNL_MAX_CPU_ISA": None})
    assert seen["OMP_NUM_THREADS"] == "8"
    assert seen["DNNL_MAX_CPU_ISA"] is None


def test_pth_line_applies_the_pin_to_a_given_environment() -> None:
    environ: dict[str, str] = {"OMP_NUM_THREADS": "16"}
    exec(pin.pth_line().replace("os.environ", "environ"), {"environ": environ})
    assert environ == {**pin.PIN}
    environ = {"OMP_NUM_THREADS": "16", pin.UNPIN_VARIABLE: "1"}
    exec(pin.pth_line().replace("os.environ", "environ"), {"environ": environ})
    assert environ == {"OMP_NUM_THREADS": "16", pin.UNPIN_VARIABLE: "1"}


@pytest.mark.parametrize(
    ("machine", "flags", "expected"),
    [
        ("x86_64", {"sse4_1", "avx", "avx2", "fma"}, None),
        ("AMD64", {"avx2", "fma", "avx512f"}, None),
        ("x86_64", {"sse4_1", "avx"}, "lacks AVX2 and FMA"),
        ("x86_64", {"avx", "avx2"}, "lacks FMA"),
        ("aarch64", {"asimd"}, "aarch64 machine"),
        ("arm64", set(), "arm64 machine"),
    ],
)
def test_host_problem(machine: str, flags: set[str], expected: str | None) -> None:
    problem = pin.host_problem(machine=machine, flags=flags)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_check_command_prints_one_line_on_an_unsupported_host(tmp_path: Path) -> None:
    """`python utils/pin.py check` as `make test` runs it: one line on stderr, status 1."""
    # Pretend to be an ARM machine by wrapping platform.machine before main() runs.
    script = str(ROOT / "utils" / "pin.py")
    code = (
        "import platform, runpy, sys; platform.machine = lambda: 'aarch64'; "
        f"sys.argv = ['pin.py', 'check']; runpy.run_path({script!r}, run_name='__main__')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("error: this is a aarch64 machine")


def test_every_notebook_names_the_project_kernel() -> None:
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / pin.KERNEL_NAME / "kernel.json"
    kernel = json.loads(spec.read_text())
    assert kernel["display_name"] == pin.KERNEL_DISPLAY_NAME
    assert Path(kernel["argv"][0]).resolve() == Path(sys.executable).resolve()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert meta["name"] == pin.KERNEL_NAME, path.name
        assert meta["display_name"] == pin.KERNEL_DISPLAY_NAME, path.name
