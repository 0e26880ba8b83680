"""`make setup` on machines without a python3.11 on the PATH (tools/setup_env.sh).

Each test copies the repository into a temporary folder and runs `make setup` there with
a PATH that holds every program of this machine except its Pythons (and, for the second
test, uv). The copy's requirements.lock keeps one small package of the real lock, so
that what is tested, finding the interpreter and installing a locked environment with
uv, takes seconds; uv works offline here (UV_OFFLINE=1), from the cache the real
environment was installed from.

What cannot be tested here: uv downloading a Python 3.11 when none is on the machine
(`uv python install`), which needs the internet. The first test prepares what uv
would have downloaded instead: a managed-Python folder (UV_PYTHON_INSTALL_DIR) holding
this machine's Python 3.11.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test copies the repository and runs make setup

ROOT = Path(__file__).resolve().parent.parent
SMALL_PACKAGE = "six"


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not os.access(found, os.X_OK):
        pytest.skip("no uv here (make puts one in .tools/ when none is on the PATH)")
    return found


def _copy_repository(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if not (ROOT / name).exists():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    lock = (ROOT / "requirements.lock").read_text()
    entry = re.search(rf"^{SMALL_PACKAGE}==.*?(?=^\S)", lock, re.MULTILINE | re.DOTALL)
    assert entry, f"{SMALL_PACKAGE} is no longer in requirements.lock; pick another package"
    (dest / "requirements.lock").write_text(entry.group(0))


def _path_without_python(farm: Path, uv: str | None) -> str:
    """A folder of links to every program on this PATH except Pythons (and uv)."""
    farm.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder) or "pyenv" in folder:
            continue
        for entry in os.scandir(folder):
            name = entry.name
            if name.startswith(("python", "pip", "uv")) or (farm / name).exists():
                continue
            (farm / name).symlink_to(entry.path)
    if uv:
        (farm / "uv").symlink_to(uv)
    return str(farm)


def _make_setup(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The locked environment only: the kernelspec and the pin's .pth come after it and
    # need the whole lock (ipykernel), which the copy's one-package lock leaves out.
    return subprocess.run(["make", ".venv/.installed"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)


def _clean_env(path: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("UV_", "VIRTUAL_ENV", "PYTHON")) and k not in ("MAKEFLAGS",
                                                                                "MFLAGS")}
    return {**env, "PATH": path, "UV_OFFLINE": "1"}


def test_uv_finds_a_managed_python_when_the_path_has_none(tmp_path) -> None:
    uv = _uv()
    repo = tmp_path / "repo"
    _copy_repository(repo)
    this = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    version = ".".join(map(str, sys.version_info[:3]))
    managed = tmp_path / "managed" / f"cpython-{version}-linux-x86_64-gnu" / "bin"
    managed.mkdir(parents=True)
    (managed / "python3.11").symlink_to(this)
    env = {**_clean_env(_path_without_python(tmp_path / "bin", uv)),
           "UV_PYTHON_INSTALL_DIR": str(tmp_path / "managed")}
    out = _make_setup(repo, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"setup: Python {version} at {managed / 'python3.11'} (found by uv)" in out.stdout
    venv_python = repo / ".venv" / "bin" / "python"
    code = ("import importlib.util, six, sys; "
            "print(sys.version_info[:2], importlib.util.find_spec('utils').origin)")
    check = subprocess.run([str(venv_python), "-c", code], capture_output=True, text=True,
                           cwd=tmp_path)
    assert check.stdout.split() == ["(3,", "11)", str(repo / "utils" / "__init__.py")], (
        check.stderr)
    assert (repo / ".venv" / ".installed").exists()


def test_no_python_and_no_uv_names_the_fixes(tmp_path) -> None:
    repo = tmp_path / "repo"
    _copy_repository(repo)
    out = _make_setup(repo, _clean_env(_path_without_python(tmp_path / "bin", None)))
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out.stderr
    assert errors[0].startswith("error: no Python 3.11 and no uv here: install uv (")
    assert "pipx install uv" in errors[0] and "pip install uv" in errors[0]
    assert "make PYTHON=/path/to/python3.11" in errors[0]
    assert not (repo / ".venv").exists()
