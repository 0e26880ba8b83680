"""The collection's own book, as readers get it: `make book` (README.md and every
notebook's stored outputs through Sphinx into build/book/) and `make book-check` (every
page opened in headless Chromium over file:// and http://127.0.0.1). Part of `make
test`, where it runs beside the notebooks on the other worker.

Long (about 30 s: a Sphinx build, then two loads of every page with MathJax
typesetting), so it is one test, started first. Without Chromium the check is skipped
with a reason, except in CI (CI=true), where that is an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from booktools import CHROMIUM, book_build, book_check, needs_chromium

pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "book"


def test_the_book_builds_and_passes_the_browser_check() -> None:
    book_build.build(ROOT, OUT)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        assert (OUT / "notebooks" / f"{nb.stem}.html").is_file(), nb.name
    needs_chromium()
    report = book_check.check_book(OUT, CHROMIUM)
    assert report.problems == [], "\n".join(report.problems)
    assert report.pages >= len(notebooks) + 1 and report.search_results >= 1
    print(f"book-check: {OUT} fine, {report.summary()}")
