"""book/build.py and book/check.py loaded as modules for the tests of the book, and the
rule for tests that need Chromium: skipped without it, except in CI (CI=true), where
that is an error."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


book_build = _load("book_build", BOOK / "build.py")
book_check = _load("book_check", BOOK / "check.py")

CHROMIUM = book_check.find_chromium()
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def needs_chromium() -> None:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail(f"CI must run the browser check: {book_check.chromium_missing()}")
        pytest.skip(book_check.chromium_missing())
