"""The collection's own book, as readers get it: `make book` (both editions: README.md and
the notebooks' stored outputs into build/book/, README.zh-CN.md and notebooks/zh/ into
build/book/zh/) and `make book-check` (every page opened in headless Chromium over
file://, a page of each kind also over http://127.0.0.1; the searches for "pooling",
池化 and 互相关; the language links; Going deeper sections collapsed). Part of `make
test`, where it runs beside the notebooks on the other worker.

Long (two Sphinx builds, then about forty page loads with MathJax typesetting), so it is
one test, started first. Without Chromium the check is skipped with a reason, except in
CI (CI=true), where that is an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from booktools import book_build, book_check, chromium, needs_chromium

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
    # jieba 0.42.1's regular expressions, compiled on its first import without a .pyc.
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "book"
CHINESE_SEARCHES = [query for query, _ in book_check.EDITIONS[1].searches]


def explain(problems: list[str]) -> str:
    """The problems, one a line, and what a failed Chinese search most likely means."""
    lines = [f"make book-check found {len(problems)} problems:", *problems]
    if any(f"the search for '{q}'" in p for p in problems for q in CHINESE_SEARCHES):
        lines.append(
            "A Chinese search failed: the Chinese book's search index comes from "
            "notebooks/zh/ and README.zh-CN.md; if they are stale or not translated yet, "
            "translate i18n/zh_CN/*.po and run `make translations`; if the search page "
            "reports a page error, Sphinx's Chinese search itself is broken (book/conf.py, "
            "ChineseSearch)."
        )
    return "\n".join(lines)


def test_the_book_builds_and_passes_the_browser_check() -> None:
    book_build.build(ROOT, OUT)
    for edition in book_build.EDITIONS:
        for nb in book_build.notebooks_of(ROOT, edition):
            page = OUT / edition.subdir / "notebooks" / f"{nb.stem}.html"
            assert page.is_file(), f"{edition.notebooks}/{nb.name} has no page {page}"
    needs_chromium()
    report = book_check.check_book(OUT, chromium())
    assert report.problems == [], explain(report.problems)
    pages = len(book_build.notebooks_of(ROOT, book_build.ENGLISH)) + 2  # and index, search
    assert report.editions == {"English": pages, "中文": pages}
    assert set(report.searches) == {"pooling", *CHINESE_SEARCHES}
    print(f"book-check: {OUT} fine, {report.summary()}")
