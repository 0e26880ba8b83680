"""The collection's own book, as readers get it: `make book` (both editions built from the
stored outputs into build/book/ and build/book/zh/, their pages checked) and `make
book-check` (every page of both opened in headless Chromium over file://, and the
searches of book/check.py's SEARCHES). Long (two Sphinx builds, then some forty page
loads with MathJax typesetting), so it is one test. Without Chromium the browser check is
skipped with a reason, except in CI (CI=true), where that is an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from booktools import needs_chromium

from book import build, check
from tools import notebook_format as nf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
    # jieba 0.42.1's regular expressions, compiled on its first import without a .pyc.
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "book"


def explain(problems: list[str]) -> str:
    """The problems, one a line, and what a failed Chinese search most likely means."""
    lines = [f"make book-check found {len(problems)} problems:", *problems]
    if any(p.startswith(nf.CHINESE.book + "search.html") for p in problems):
        lines.append(
            "A Chinese search failed: its index comes from notebooks/zh/ and README.zh-CN.md; "
            "if they are stale, translate i18n/zh_CN/*.po and run `make translations`; if the "
            "search page reports a page error, the Chinese search itself is broken "
            "(book/_static/chinese-stemmer.js, book/conf.py)."
        )
    return "\n".join(lines)


def test_the_book_builds_and_passes_the_browser_check() -> None:
    build.build(ROOT, OUT)
    notebooks = nf.notebooks_of(ROOT, nf.ENGLISH)
    for edition in nf.EDITIONS:
        for nb in notebooks:
            page = OUT / edition.book / "notebooks" / f"{nb.stem}.html"
            assert page.is_file(), f"{edition.notebooks}/{nb.name} has no page {page}"
    needs_chromium()
    report = check.check_books([OUT])[0]
    assert report.problems == [], explain(report.problems)
    assert report.pages == {"en": len(notebooks) + 2, "zh": len(notebooks) + 2}  # index, search
    assert set(report.searches) == {q for queries in check.SEARCHES.values() for q in queries}
    print(f"book-check: {OUT} fine: {report.summary()}")
