"""The rule for the tests that need Chromium (test_book.py, test_the_book.py): skipped
without it, except in CI (CI=true), where that is an error. Chromium is looked up once
(book.check.which starts Playwright's driver, about a second)."""

from __future__ import annotations

import functools
import os

import pytest

from book import check


@functools.cache
def chromium() -> str | None:
    return check.which()


def needs_chromium() -> None:
    if chromium() is None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"CI must run the browser check: {check.MISSING}")
        pytest.skip(check.MISSING)
