"""book/build.py and book/check.py loaded as modules for the tests of the book, and the
rule for tests that need Chromium: skipped without it, except in CI (CI=true), where
that is an error. The Chromium binary is looked up once, when a test first needs it
(finding Playwright's own build starts Playwright's driver, about a second)."""

from __future__ import annotations

import functools
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

IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


@functools.cache
def chromium() -> str | None:
    """The Chromium the browser tests use (book/check.py's find_chromium), or None."""
    return book_check.find_chromium()


def needs_chromium() -> None:
    if chromium() is None:
        if IN_CI:
            pytest.fail(f"CI must run the browser check: {book_check.chromium_missing()}")
        pytest.skip(book_check.chromium_missing())
