"""The numerics pin (tools/pin.py): installed by `make` into the project's virtual
environment only, applied at interpreter start-up whatever the caller sets, obeyed by
the libraries themselves, switchable off by exactly one value, and refused on CPUs
that cannot run it."""

from __future__ import annotations

import filecmp
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import _gluon_cnn_basics_pin as pin  # tools/pin.py, as `make` installed it
import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN_SCRIPT = ROOT / "tools" / "pin.py"
SHOW = f"import os, json; print(json.dumps({{k: os.environ.get(k) for k in {list(pin.PIN)!r}}}))"


def _env(changes: dict[str, str | None]) -> dict[str, str]:
    """A copy of this environment with `changes` applied (None removes), minus the pin's
    own variables and the unpin switch, as a reader's shell would be."""
    env = {k: v for k, v in os.environ.items() if k not in pin.PIN and k != pin.UNPIN_VARIABLE}
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def _python(changes: dict[str, str | None], code: str = SHOW) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=_env(changes), capture_output=True,
                          text=True, timeout=120)


def _seen(changes: dict[str, str | None]) -> dict[str, str | None]:
    out = _python(changes)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_this_process_is_pinned() -> None:
    """`make` installed the pin into the environment that runs the tests."""
    assert pin.started_state()[0] == "on"
    assert pin.is_pinned(), {k: os.environ.get(k) for k in pin.PIN}


def test_the_installed_pin_is_this_file() -> None:
    """The module the .pth line imports (and these tests test) is a copy of tools/pin.py;
    `make` re-installs it when tools/pin.py changes. A stale copy would pin by outdated
    rules."""
    site = Path(sysconfig.get_path("purelib"))
    assert filecmp.cmp(site / f"{pin.MODULE_NAME}.py", PIN_SCRIPT, shallow=False)
    assert (site / pin.PTH_NAME).read_text() == pin.pth_line()


# ---- the libraries obey the pin under a hostile caller ----------------------------------

PROBE = """
import json
import numpy as np
from mxnet import nd
from threadpoolctl import threadpool_info
x, w = nd.ones((1, 3, 16, 16)), nd.ones((8, 3, 3, 3))
nd.Convolution(x, w, no_bias=True, kernel=(3, 3), num_filter=8).wait_to_read()
nd.dot(nd.ones((64, 64)), nd.ones((64, 64))).wait_to_read()
np.ones((64, 64)) @ np.ones((64, 64))
print("LIBRARIES " + json.dumps(threadpool_info()))
"""


@pytest.fixture(scope="module")
def probe() -> tuple[str, list[dict]]:
    """What oneDNN prints (DNNL_VERBOSE=1) and what threadpoolctl reports of every OpenBLAS
    and OpenMP library loaded, in a new process of this interpreter started under
    `pin.HOSTILE_CALLER`: other kernels than the pinned ones for both libraries, on any
    x86-64 CPU, and 8 threads."""
    out = _python({**pin.HOSTILE_CALLER, "DNNL_VERBOSE": "1"}, PROBE)
    assert out.returncode == 0, out.stderr
    libraries = json.loads(out.stdout.split("LIBRARIES ", 1)[1])
    return out.stdout, libraries


@pytest.mark.slow  # shares a probe process that imports MXNet
def test_onednn_dispatches_to_avx2(probe) -> None:
    verbose, _ = probe
    isa = re.findall(r"^dnnl_verbose,info,cpu,isa:(.*)$", verbose, re.MULTILINE)
    assert isa == ["Intel AVX2"], verbose[:2000]
    convolutions = re.findall(r"^dnnl_verbose,exec,cpu,convolution,([^,]+),", verbose, re.MULTILINE)
    assert convolutions and all("avx512" not in impl and "sse" not in impl
                                for impl in convolutions), convolutions


@pytest.mark.slow  # shares a probe process that imports MXNet
def test_every_openblas_runs_haswell_kernels_on_one_thread(probe) -> None:
    _, libraries = probe
    blas = {lib["filepath"]: (lib.get("architecture"), lib["num_threads"])
            for lib in libraries if lib["internal_api"] == "openblas"}
    # MXNet's own OpenBLAS and NumPy's (and SciPy's, loaded by threadpoolctl's users) all.
    assert any("mxnet" in path for path in blas) and any("numpy" in path for path in blas), blas
    assert set(blas.values()) == {("Haswell", 1)}, blas


@pytest.mark.slow  # shares a probe process that imports MXNet
def test_openmp_runs_one_thread(probe) -> None:
    _, libraries = probe
    openmp = {lib["filepath"]: lib["num_threads"] for lib in libraries
              if lib["user_api"] == "openmp"}
    assert openmp and set(openmp.values()) == {1}, openmp


# ---- the variables, the switch and the record of what was overridden --------------------


@pytest.mark.parametrize(
    "caller",
    [
        {"OMP_NUM_THREADS": "64"},
        pin.HOSTILE_CALLER,
        {pin.UNPIN_VARIABLE: "0", **pin.HOSTILE_CALLER},  # only "1" unpins
        {pin.UNPIN_VARIABLE: "yes", "OMP_NUM_THREADS": "8"},
        {k: None for k in pin.PIN},
    ],
)
def test_pin_overrides_the_caller(caller: dict[str, str | None]) -> None:
    assert _seen(caller) == pin.PIN


def test_unpinned_keeps_the_callers_values() -> None:
    seen = _seen({pin.UNPIN_VARIABLE: "1", "OMP_NUM_THREADS": "8", "DNNL_MAX_CPU_ISA": None})
    assert seen["OMP_NUM_THREADS"] == "8"
    assert seen["DNNL_MAX_CPU_ISA"] is None


def test_show_names_what_was_overridden() -> None:
    script = str(PIN_SCRIPT)
    out = subprocess.run([sys.executable, script, "show"], capture_output=True, text=True,
                         env=_env({"OMP_NUM_THREADS": "16", "DNNL_MAX_CPU_ISA": "AVX2"}))
    assert out.returncode == 0
    first, second = out.stdout.strip().splitlines()
    assert first == "pin on: DNNL_MAX_CPU_ISA=AVX2, OPENBLAS_CORETYPE=Haswell, OMP_NUM_THREADS=1"
    assert "your OMP_NUM_THREADS=16 was overridden" in second  # AVX2 was the pinned value
    plain = subprocess.run([sys.executable, script, "show"], capture_output=True, text=True,
                           env=_env({}))
    assert len(plain.stdout.strip().splitlines()) == 1


@pytest.fixture
def restore_state(monkeypatch) -> None:
    """`pin` is the interpreter's own start-up module: what a test's `startup` call records
    is put back afterwards, so later tests see the state this process started with."""
    for name in ("STATE", "AT_START", "OVERRIDDEN"):
        monkeypatch.setattr(pin, name, getattr(pin, name))


def test_startup_records_and_applies(monkeypatch, restore_state) -> None:
    monkeypatch.setattr(pin, "host_problem", lambda: None)
    environ = {"OMP_NUM_THREADS": "16", "OPENBLAS_CORETYPE": "Haswell"}
    assert pin.startup(environ) == "on"
    assert environ == pin.PIN
    assert pin.OVERRIDDEN == {"OMP_NUM_THREADS": "16"}
    environ = {"OMP_NUM_THREADS": "16", pin.UNPIN_VARIABLE: "1"}
    assert pin.startup(environ) == "off"
    assert environ == {"OMP_NUM_THREADS": "16", pin.UNPIN_VARIABLE: "1"}


def test_startup_sets_nothing_on_a_cpu_without_avx2(monkeypatch, capsys, restore_state) -> None:
    """A .venv copied to an older CPU: OPENBLAS_CORETYPE=Haswell would crash there."""
    monkeypatch.setattr(pin, "_cpu_flags", lambda: {"sse4_1", "avx"})
    environ = {"OMP_NUM_THREADS": "4"}
    assert pin.startup(environ) == "unsupported"
    assert environ == {"OMP_NUM_THREADS": "4"}
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "numerics not pinned: this CPU lacks AVX2 and FMA" in err


def test_a_child_computes_under_the_state_its_parent_started_with(monkeypatch) -> None:
    """`%env GLUON_CNN_BASICS_UNPINNED=1` in a pinned kernel must not unpin its workers, and
    a kernel started unpinned gives its workers the values it started with."""
    assert pin.child_environment({pin.UNPIN_VARIABLE: "1", "OMP_NUM_THREADS": "8", "X": "y"}) \
        == {**pin.PIN, "X": "y"}
    monkeypatch.setattr(pin, "STATE", "off")
    monkeypatch.setattr(pin, "AT_START", {"OMP_NUM_THREADS": "4", "DNNL_MAX_CPU_ISA": None,
                                             "OPENBLAS_CORETYPE": None})
    assert pin.child_environment({**pin.PIN, "X": "y"}) == {
        pin.UNPIN_VARIABLE: "1", "OMP_NUM_THREADS": "4", "X": "y"}


# ---- install: into a virtual environment only -------------------------------------------


def test_install_refuses_an_interpreter_that_is_not_a_virtual_environment(tmp_path) -> None:
    with pytest.raises(pin.NotAVirtualEnvironment, match="is not a virtual environment"):
        pin.install(prefix=str(tmp_path), base_prefix=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_install_script_with_the_base_interpreter_writes_nothing() -> None:
    """`python3.11 tools/pin.py install` outside a venv: one line, non-zero, nothing written."""
    base = Path(sys.base_prefix) / "bin" / "python3.11"
    if not base.exists():
        pytest.skip(f"no base interpreter at {base}")
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run([str(base), "-c", code], capture_output=True, text=True).stdout.strip()
    pth = Path(site) / pin.PTH_NAME
    before = pth.exists()
    out = subprocess.run([str(base), str(PIN_SCRIPT), "install"],
                         capture_output=True, text=True)
    wrote = pth.exists() and not before
    if wrote:  # undo the damage before failing
        pth.unlink()
        (Path(site) / f"{pin.MODULE_NAME}.py").unlink(missing_ok=True)
    assert not wrote
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "is not a virtual environment" in out.stderr


def test_install_writes_the_module_and_its_start_up_line(tmp_path) -> None:
    venv = tmp_path / "venv"
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    site.mkdir(parents=True)
    pin.install(prefix=str(venv), base_prefix=sys.base_prefix)
    assert (site / pin.PTH_NAME).read_text() == pin.pth_line()
    assert filecmp.cmp(site / f"{pin.MODULE_NAME}.py", PIN_SCRIPT, shallow=False)


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


def test_check_command_prints_one_line_on_an_unsupported_host() -> None:
    """`python tools/pin.py check` as `make test` runs it: one line on stderr, status 1."""
    # Pretend to be an ARM machine by wrapping platform.machine before main() runs.
    script = str(PIN_SCRIPT)
    code = (
        "import platform, runpy, sys; platform.machine = lambda: 'aarch64'; "
        f"sys.argv = ['pin.py', 'check']; runpy.run_path({script!r}, run_name='__main__')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("error: this is a aarch64 machine")


def test_every_notebook_names_the_project_kernel_and_make_installed_it() -> None:
    """The kernel `make` installs (`ipykernel install --prefix .venv`) runs this interpreter,
    under the name and display name in every notebook's metadata, English and Chinese."""
    kernels = Path(sys.prefix) / "share" / "jupyter" / "kernels"
    names = set()
    for path in sorted((ROOT / "notebooks").glob("**/*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        names.add((meta["name"], meta["display_name"]))
    assert len(names) == 1, names
    ((name, display_name),) = names
    kernel = json.loads((kernels / name / "kernel.json").read_text())
    assert kernel["display_name"] == display_name
    assert Path(kernel["argv"][0]).resolve() == Path(sys.executable).resolve()


def test_make_installed_the_lab_settings() -> None:
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(installed.read_text()) == json.loads(
        (ROOT / "tools" / "lab-overrides.json").read_text())
