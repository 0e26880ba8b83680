"""The environment is the lock: requirements.lock names every package of .venv with its
exact version, `make` installs exactly that (tools/setup_env.sh, `uv pip sync` with
hashes), and the lock is compiled from requirements.txt."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "gluon-cnn-basics-utils"  # utils/, installed in editable mode on top of the lock
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PINNED.findall(path.read_text())}


def _installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_every_locked_package_has_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text[re.search(r"^[A-Za-z0-9]", text, re.M).start():])
    assert len(entries) == len(_pins(ROOT / "requirements.lock"))
    missing = [e.split()[0] for e in entries if "--hash=sha256:" not in e]
    assert not missing, missing


def test_the_environment_equals_the_lock() -> None:
    locked = _pins(ROOT / "requirements.lock")
    installed = _installed()
    assert installed.pop(PROJECT, None) is not None, f"{PROJECT} (utils/) is not installed"
    extra = sorted(set(installed) - set(locked))
    missing = sorted(set(locked) - set(installed))
    other = sorted(f"{n} {installed[n]} (lock: {locked[n]})"
                   for n in set(locked) & set(installed) if installed[n] != locked[n])
    assert not (extra or missing or other), (
        f"not in the lock: {extra}\nlocked but not installed: {missing}\n"
        f"other versions: {other}\nrun make (it syncs .venv with requirements.lock)"
    )


def test_the_lock_follows_requirements_txt() -> None:
    """Every version requirements.txt pins is the locked one: editing requirements.txt
    without `make lock` fails here."""
    wanted = _pins(ROOT / "requirements.txt")
    locked = _pins(ROOT / "requirements.lock")
    differ = {n: (v, locked.get(n)) for n, v in wanted.items() if locked.get(n) != v}
    assert not differ, f"requirements.txt vs requirements.lock: {differ}; run make lock"


def test_every_installed_requirement_is_satisfied() -> None:
    """`uv pip check`: each installed package's own requirements are installed at an
    accepted version (uv from the PATH or the one tools/setup_env.sh put in .tools/)."""
    uv = subprocess.run(["bash", str(ROOT / "tools" / "setup_env.sh"), "--uv"],
                        capture_output=True, text=True, timeout=120)
    assert uv.returncode == 0, uv.stderr
    out = subprocess.run([uv.stdout.strip(), "pip", "check", "--python", sys.executable],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
