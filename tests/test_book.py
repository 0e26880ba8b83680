"""Tests of the HTML edition: book/build.py and the browser check book/check.py.

A small fixture repository in the collection's layout is built into a book in a
temporary folder: an English README and two notebooks (01_cross_correlation and
06_pooling, named like the real ones so that the check's searches apply), with math,
an image, a link to an anchor, one exercise solved in the collection's collapsed-
solution convention and one "Going deeper" section; and a Chinese edition of the same
(README.zh-CN.md, notebooks/zh/), with a two-term glossary. The browser check must
pass on it, seeing solutions and Going deeper sections hidden until opened, the
language links and the three searches, and must report each fault planted in a copy
of it: MathJax removed, an image deleted, a link and an anchor broken, a script from a
CDN, a JavaScript error, the pooling page missing from the search index, solutions and
a Going deeper section open from the start, a Going deeper section not collapsed at
all, a language link missing and one pointing to another page, a Chinese page that
says it is English, and the Chinese search without its stemmer fix (it then fails).

The browser tests need Chromium; without it they are skipped, except in CI (CI=true),
where that is an error. One browser checks the clean and the broken book.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import nbformat
import pytest
from booktools import book_build, book_check, chromium, needs_chromium

# Sphinx 9 deprecates an attribute that myst-parser 5.2 still reads; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
    # jieba 0.42.1's regular expressions, compiled on its first import without a .pyc.
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]


def _png(width: int, height: int) -> bytes:
    """A small grey-gradient PNG, encoded by hand (zlib and the PNG chunk layout)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes((x * 255) // (width - 1) for x in range(width)) for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


KERNELSPEC = {
    "display_name": "Gluon CNN Basics (Python 3.11)",
    "language": "python",
    "name": "gluon-cnn-basics",
}
HIDDEN = {"jupyter": {"source_hidden": True, "outputs_hidden": True}, "tags": ["hide-cell"]}
DEEP = {"tags": ["going-deeper"]}

# The markdown of each edition; code cells, outputs and metadata are shared, as in the
# collection (tools/translations.py).
TEXT = {
    "en": {
        "readme": "# Fixture collection\n\n[中文版](README.zh-CN.md). A landing page. Read"
        " [01 · Cross-correlation](notebooks/01_cross_correlation.ipynb),"
        " then [06 · Pooling](notebooks/06_pooling.ipynb);"
        " the helper is [`utils/pool.py`](utils/pool.py).\n",
        "title": "# 01 · Cross-correlation\n\nCross-correlation slides a kernel over the "
        "input: $y_{ij} = \\sum_{a,b} x_{i+a,j+b} k_{ab}$.\n\nNext: [06](06_pooling.ipynb).",
        "deep": "## Going deeper: the sum in full\n\nEvery window adds $2 \\times 2$ products.",
        "exercises": "## Exercises\n\n1. How many values does $2 \\times 2$ pooling keep of 16?",
        "solution": "<details>\n<summary><b>Solution 1</b> (click to open)</summary>\n\n"
        "A $2 \\times 2$ max pooling with stride 2 keeps $\\frac{1}{4}$ of the values:\n\n"
        "$$\\cancel{16} \\to 4$$\n\n</details>",
        "pooling": "# 06 · Pooling\n\nMax pooling keeps the largest value of each window."
        "\n\nBack to [the exercises of 01](01_cross_correlation.ipynb#exercises).",
    },
    "zh": {
        "readme": "# 示例合集\n\n[English](README.md)。首页。先读"
        " [01 · 互相关运算](notebooks/zh/01_cross_correlation.ipynb)，"
        "再读 [06 · 池化](notebooks/zh/06_pooling.ipynb)；"
        "辅助函数在 [`utils/pool.py`](utils/pool.py)。\n",
        "title": "# 01 · 互相关运算\n\n互相关运算让卷积核在输入上滑动："
        "$y_{ij} = \\sum_{a,b} x_{i+a,j+b} k_{ab}$。\n\n下一节：[06](06_pooling.ipynb)。",
        "deep": "## 深入了解：完整的求和\n\n每个窗口把 $2 \\times 2$ 个乘积相加。",
        "exercises": "## 练习\n\n1. $2 \\times 2$ 池化从 16 个值中保留几个？",
        "solution": "<details>\n<summary><b>解答 1</b>（点击展开）</summary>\n\n"
        "步幅为 2 的 $2 \\times 2$ 最大池化保留 $\\frac{1}{4}$ 的值：\n\n"
        "$$\\cancel{16} \\to 4$$\n\n</details>",
        "pooling": "# 06 · 池化\n\n最大池化层保留每个窗口中最大的值。"
        "\n\n回到 [01 的练习](01_cross_correlation.ipynb#练习)。",
    },
}


def _notebooks(text: dict[str, str]) -> dict[str, nbformat.NotebookNode]:
    figure = nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(_png(16, 8)).decode(), "text/plain": "<Figure>"},
    )
    deep_code = nbformat.v4.new_code_cell(
        "print(2 * 2)",
        execution_count=2,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="4\n")],
    )
    deep_code.metadata = DEEP
    deep_text = nbformat.v4.new_markdown_cell(text["deep"])
    deep_text.metadata = DEEP
    solution_code = nbformat.v4.new_code_cell(
        "kept = 16 // 4\nassert kept == 4\nprint(kept)",
        execution_count=3,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="4\n")],
    )
    solution_code.metadata = HIDDEN
    first = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    first.cells = [
        nbformat.v4.new_markdown_cell(text["title"]),
        nbformat.v4.new_code_cell("draw()", execution_count=1, outputs=[figure]),
        deep_text,
        deep_code,
        nbformat.v4.new_markdown_cell(text["exercises"]),
        nbformat.v4.new_markdown_cell(text["solution"]),
        solution_code,
    ]
    second = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    second.cells = [nbformat.v4.new_markdown_cell(text["pooling"])]
    return {"01_cross_correlation": first, "06_pooling": second}


def write_fixture_repo(repo: Path) -> None:
    """Both editions of a small collection, in the collection's layout and conventions."""
    for edition, readme, folder in (
        ("en", "README.md", repo / "notebooks"),
        ("zh", "README.zh-CN.md", repo / "notebooks" / "zh"),
    ):
        folder.mkdir(parents=True)
        (repo / readme).write_text(TEXT[edition]["readme"], encoding="utf-8")
        for name, nb in _notebooks(TEXT[edition]).items():
            nbformat.write(nb, folder / f"{name}.ipynb")
    (repo / "i18n").mkdir()
    (repo / "i18n" / "glossary.tsv").write_text(
        "# English term<TAB>Chinese term<TAB>note\ncross-correlation\t互相关\npooling\t池化\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory) -> Path:
    """The fixture repository's book (both editions), built by book/build.py."""
    tmp = tmp_path_factory.mktemp("book")
    write_fixture_repo(tmp / "repo")
    book_build.build(tmp / "repo", tmp / "book")
    return tmp / "book"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}: the fixture book changed"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _unindex(index: Path, docname: str) -> None:
    """Take one page out of a built book's search index (it is no longer found)."""
    prefix, suffix = "Search.setIndex(", ")"
    data = json.loads(index.read_text(encoding="utf-8").removeprefix(prefix).removesuffix(suffix))
    doc = data["docnames"].index(docname)
    for kind in ("terms", "titleterms"):
        for term, docs in list(data[kind].items()):
            docs = [d for d in (docs if isinstance(docs, list) else [docs]) if d != doc]
            data[kind][term] = docs
    data["alltitles"] = {
        title: [e for e in entries if e[0] != doc] for title, entries in data["alltitles"].items()
    }
    index.write_text(prefix + json.dumps(data) + suffix, encoding="utf-8")


DEEP_OPEN = '<details class="going-deeper"><summary>'


def plant_faults(book: Path) -> None:
    """Break a copy of the fixture book in every way the check must report."""
    first = book / "notebooks" / "01_cross_correlation.html"
    second = book / "notebooks" / "06_pooling.html"
    zh = book / "zh"
    shutil.rmtree(book / "_static" / "mathjax")  # MathJax removed (English edition)
    for image in (book / "_images").iterdir():  # the figure deleted
        image.unlink()
    _edit(
        book / "index.html",
        'href="notebooks/06_pooling.html"',
        'href="notebooks/06_missing.html"',
    )
    _edit(second, "01_cross_correlation.html#exercises", "01_cross_correlation.html#no-such")
    _edit(second, "</head>", '<script src="https://cdn.example.org/mathjax.js"></script></head>')
    _edit(book / "index.html", "</body>", "<script>notDefinedAnywhere();</script></body>")
    _edit(first, "<details>", "<details open>")  # the solution's prose shown from the start
    _edit(
        first,
        '<details class="admonition hide above-input">',
        '<details class="admonition hide above-input" open>',
    )
    _edit(first, DEEP_OPEN, DEEP_OPEN.replace(">", " open>", 1))  # Going deeper shown
    _unindex(book / "searchindex.js", "notebooks/06_pooling")  # found: index and 01, not 06
    # The Chinese edition.
    _edit(  # Going deeper not collapsed at all
        zh / "notebooks" / "01_cross_correlation.html", DEEP_OPEN, "<div><div>"
    )
    _edit(zh / "notebooks" / "01_cross_correlation.html", "</summary>", "</div>")
    _edit(
        zh / "notebooks" / "01_cross_correlation.html", "</details></section>", "</div></section>"
    )
    page = zh / "notebooks" / "06_pooling.html"  # the language link removed
    page.write_text(
        re.sub(r'<a class="[^"]*language-link"[^>]*>[^<]*</a>', "", page.read_text()),
        encoding="utf-8",
    )
    _edit(  # the language link of an English page pointing to another page
        second,
        'href="../zh/notebooks/06_pooling.html"',
        'href="../zh/notebooks/01_cross_correlation.html"',
    )
    _edit(zh / "index.html", '<html lang="zh-CN"', '<html lang="en"')
    _edit(  # Sphinx 9.0's stemmer bug, which book/conf.py fixes
        zh / "_static" / "language_data.js",
        "window.Stemmer = EnglishStemmer;",
        "window.Stemmer = ChineseStemmer;",
    )


@pytest.fixture(scope="module")
def reports(fixture_book: Path, tmp_path_factory) -> dict[str, book_check.Report]:
    """The check of the clean fixture book and of a copy with every fault planted (one browser)."""
    needs_chromium()
    broken = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(fixture_book, broken)
    plant_faults(broken)
    clean_report, broken_report = book_check.check_books([fixture_book, broken], chromium())
    return {"clean": clean_report, "broken": broken_report}


# --- the build -------------------------------------------------------------------


def test_build_lists_every_notebook_in_order(fixture_book: Path) -> None:
    for edition in (fixture_book, fixture_book / "zh"):
        index = (edition / "index.html").read_text(encoding="utf-8")
        # README links to notebooks/NN_x.ipynb became links to the pages.
        assert 'href="notebooks/01_cross_correlation.html"' in index
        assert ".ipynb" not in re.sub(r"_sources/[^\"]*", "", index)
        nav = re.findall(r'href="notebooks/(\d\d)_[a-z_]+\.html"', index)
        assert nav.index("01") < nav.index("06")
        first = (edition / "notebooks" / "01_cross_correlation.html").read_text(encoding="utf-8")
        assert 'href="06_pooling.html"' in first  # the link in the text and "next"
        assert "_static/mathjax/tex-chtml.js" in first and "cdn" not in first.lower()
    # One copy of MathJax (with its extensions), in the English edition; the Chinese one uses it.
    assert '"../_static/../../_static/mathjax/tex-chtml.js"' in (
        fixture_book / "zh" / "notebooks" / "01_cross_correlation.html"
    ).read_text(encoding="utf-8")
    mathjax = fixture_book / "_static" / "mathjax"
    assert (mathjax / "input" / "tex" / "extensions" / "cancel.js").is_file()
    assert not (fixture_book / "zh" / "_static" / "mathjax").exists()


def test_build_keeps_the_text_of_links_to_source_files(fixture_book: Path) -> None:
    for edition in (fixture_book, fixture_book / "zh"):
        index = (edition / "index.html").read_text(encoding="utf-8")
        assert "utils/pool.py</span></code>" in index and 'href="utils/pool.py"' not in index


def test_build_links_the_readmes_to_each_other(fixture_book: Path) -> None:
    english = (fixture_book / "index.html").read_text(encoding="utf-8")
    chinese = (fixture_book / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<a href="zh/index.html">中文版</a>' in english
    assert '<a href="../index.html">English</a>' in chinese


def test_build_makes_the_chinese_edition_chinese(fixture_book: Path) -> None:
    zh = fixture_book / "zh"
    assert '<html lang="zh-CN"' in (zh / "index.html").read_text(encoding="utf-8")
    assert "搜索" in (zh / "search.html").read_text(encoding="utf-8")  # Sphinx's zh_CN catalog
    assert 'caption-text">笔记本' in (zh / "index.html").read_text(encoding="utf-8")
    first = (zh / "notebooks" / "01_cross_correlation.html").read_text(encoding="utf-8")
    assert "显示代码单元格" in first and "Show code cell" not in first
    language_data = (zh / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert language_data.rstrip().endswith("window.Stemmer = EnglishStemmer;")
    assert "var EnglishStemmer=" in language_data
    prefix = "Search.setIndex("
    index = json.loads(
        (zh / "searchindex.js").read_text(encoding="utf-8").removeprefix(prefix)[:-1]
    )

    def pages(term: str) -> set[str]:  # a term's pages, in the text or in a title
        found = [index[kind].get(term, []) for kind in ("terms", "titleterms")]
        docs = [d for f in found for d in (f if isinstance(f, list) else [f])]
        return {index["docnames"][d] for d in docs}

    # jieba splits the text; the glossary keeps 互相关 whole (jieba alone: 互相 + 关).
    assert "notebooks/01_cross_correlation" in pages("互相关")
    assert "notebooks/06_pooling" in pages("池化")
    assert not (fixture_book / "jupyter_execute").exists()  # myst-nb's images kept outside


@pytest.mark.parametrize(
    "markdown, staged",
    [
        ("[01](notebooks/01_a.ipynb)", "[01](notebooks/01_a.ipynb)"),
        ("[01](notebooks/01_a.ipynb#exercises)", "[01](notebooks/01_a.ipynb#exercises)"),
        ("[pin](utils/pin.py) and [make](Makefile)", "pin and make"),
        ("[MXNet](https://mxnet.apache.org)", "[MXNet](https://mxnet.apache.org)"),
        ("[below](#how-long)", "[below](#how-long)"),
        ("[中文版](README.zh-CN.md)", '<a href="zh/index.html">中文版</a>'),
        ("[01](notebooks/zh/01_a.ipynb)", "01"),
    ],
)
def test_links_the_english_book_keeps(markdown: str, staged: str) -> None:
    assert book_build.relink_readme(markdown, book_build.ENGLISH) == staged


@pytest.mark.parametrize(
    "markdown, staged",
    [
        ("[01](notebooks/zh/01_a.ipynb#练习)", "[01](notebooks/01_a.ipynb#练习)"),
        ("[English](README.md)", '<a href="../index.html">English</a>'),
        ("[pin](utils/pin.py)", "pin"),
        ("[01](notebooks/01_a.ipynb)", "01"),
    ],
)
def test_links_the_chinese_book_keeps(markdown: str, staged: str) -> None:
    assert book_build.relink_readme(markdown, book_build.CHINESE) == staged


def test_build_keeps_solutions_collapsed(fixture_book: Path) -> None:
    for edition in (fixture_book, fixture_book / "zh"):
        first = (edition / "notebooks" / "01_cross_correlation.html").read_text(encoding="utf-8")
        start = first.index("<details>")
        solution = first[start : first.index("</details>", start)]
        # The Markdown inside <details> is rendered (a paragraph, typeset math), not raw text.
        assert '<span class="math' in solution and "$" not in solution
        assert '<div class="cell tag_hide-cell' in first
        assert '<details class="admonition hide above-input">' in first


def test_build_collapses_going_deeper_sections(fixture_book: Path) -> None:
    for edition in (fixture_book, fixture_book / "zh"):
        first = (edition / "notebooks" / "01_cross_correlation.html").read_text(encoding="utf-8")
        deep = first[first.index(DEEP_OPEN) :]
        deep = deep[: deep.index("</details>")]
        # The heading is the summary; the tagged code cell is inside.
        assert re.match(re.escape(DEEP_OPEN) + r"<h2>[^<]*(Going deeper|深入了解)", deep)
        assert '<div class="cell tag_going-deeper' in deep
        assert "tag_hide-cell" not in deep  # the exercises that follow are not inside


def test_build_reports_sphinx_warnings(fixture_book: Path, tmp_path: Path, capfd) -> None:
    repo = tmp_path / "repo"
    write_fixture_repo(repo)
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nSee [nowhere](notebooks/99_missing.ipynb).\n")
    # A going-deeper cell that is not in a section of its own: the main path's exercises
    # would be hidden with it.
    path = repo / "notebooks" / "01_cross_correlation.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[4].metadata = DEEP  # "## Exercises" after the Going deeper section, tagged
    nb.cells[2].metadata = {}  # and the Going deeper heading not
    nbformat.write(nb, path)
    with pytest.raises(SystemExit, match="Sphinx failed on the README.md edition"):
        book_build.build(repo, tmp_path / "book")
    err = capfd.readouterr().err
    assert "99_missing" in err
    # The Going deeper code cell is left alone; the exercises' cells fall in the new section.
    assert "cell 4 is tagged going-deeper but is not in a section" in err
    for cell in (6, 7):
        assert f"cell {cell} is not tagged going-deeper but lies in a going-deeper section" in err


def test_build_needs_both_editions(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_fixture_repo(repo)
    (repo / "notebooks" / "zh" / "06_pooling.ipynb").unlink()
    with pytest.raises(SystemExit, match=r"notebooks/zh/ lacks 06_pooling\.ipynb"):
        book_build.build(repo, tmp_path / "book")
    (repo / "README.zh-CN.md").unlink()
    with pytest.raises(SystemExit, match=r"README\.zh-CN\.md is missing"):
        book_build.build(repo, tmp_path / "book")


def test_glossary_terms(tmp_path: Path) -> None:
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "glossary.tsv").write_text(
        "# comment\tnot a term\nfeature map\t特征图\tnote\npooling\t池化\nempty\n",
        encoding="utf-8",
    )
    assert book_build.glossary_terms(tmp_path) == ["池化", "特征图"]
    assert book_build.glossary_terms(tmp_path / "nowhere") == []


# --- the check's pieces without a browser ------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        ("the window \\(2 \\times 2\\) slides", True),
        ("$$y = x$$ below", True),
        ("keeps $a^2$ values", True),
        ("\\frac{1}{4} of them", True),
        ("a typeset formula y = 2 × 2, 50 $ and 20 $ prices", False),
    ],
)
def test_raw_tex_patterns(text: str, found: bool) -> None:
    assert (book_check.raw_tex(text) is not None) == found


def test_pages_of_the_two_editions() -> None:
    pages = [
        "index.html",
        "notebooks/01_a.html",
        "notebooks/02_b.html",
        "search.html",
        "zh/index.html",
        "zh/notebooks/01_a.html",
        "zh/notebooks/02_b.html",
        "zh/search.html",
    ]
    assert book_check.counterpart("notebooks/02_b.html") == "zh/notebooks/02_b.html"
    assert book_check.counterpart("zh/search.html") == "search.html"
    assert book_check.edition_of("zh/index.html").name == "中文"
    assert book_check.http_pages(pages) == {
        "notebooks/01_a.html",
        "search.html",
        "zh/notebooks/01_a.html",
        "zh/search.html",
    }


def test_going_deeper_sections_of_a_notebook() -> None:
    def md(text: str, deep: bool = False) -> dict:
        return {"cell_type": "markdown", "source": text, "metadata": DEEP if deep else {}}

    def code(text: str, deep: bool = False) -> dict:
        return {"cell_type": "code", "source": text, "metadata": DEEP if deep else {}}

    notebook = {
        "cells": [
            md("# Title\n\n## Main"),
            md("## Going deeper: A", deep=True),
            code("a = 1", deep=True),
            md("### A subsection of A\n\n```\n# not a heading\n```", deep=True),
            code("", deep=True),  # empty: not rendered
            md("## Going deeper: B", deep=True),  # a second section of the same run
            code("b = 1", deep=True),
            md("## Summary"),
            md("### Going deeper: C\n\ntext only", deep=True),
        ]
    }
    assert book_check.going_deeper_in_notebook(notebook) == (3, 2)


def test_chromium_from_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BOOK_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert book_check.find_chromium() is None
    fake = tmp_path / "chrome"
    fake.write_bytes(b"\x7fELF")
    fake.chmod(0o755)
    monkeypatch.setenv("BOOK_CHROMIUM", str(fake))
    assert book_check.find_chromium() == str(fake)


def test_playwright_chromium_only_asked_when_there(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    assert book_check._playwright_browser_folders() == [tmp_path]
    assert book_check._playwright_chromium() is None  # no chromium-* there: no driver started
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", "0")
    assert book_check._playwright_browser_folders()[0].name == ".local-browsers"


def test_missing_build_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make book"):
        book_check.check_books([tmp_path], chromium="/nonexistent")


# --- the check in the browser ------------------------------------------------------


def test_clean_book_passes(reports) -> None:
    clean = reports["clean"]
    assert clean.problems == []
    # index, 01, 06, search in each edition; over http 01 and search
    assert clean.pages == 8 and clean.editions == {"English": 4, "中文": 4}
    assert clean.http_loads == 4 and clean.loads == 12
    assert clean.math_pages == 2  # 01 in each edition (its solution included)
    assert clean.images == 2
    assert clean.language_links == 8
    # per edition: the solution's prose, its hide-cell code cell, the Going deeper section
    assert clean.collapsed == 6 and clean.deep_sections == 2
    assert set(clean.searches) == {"pooling", "池化", "互相关"}


PLANTED = [
    r"^notebooks/01_cross_correlation\.html \(file\): the page has math but MathJax did not",
    r"^notebooks/01_cross_correlation\.html \(http\): raw TeX in the visible text: .*y_\{ij\}",
    r"^notebooks/01_cross_correlation\.html \(file\): failed to load .*mathjax/tex-chtml\.js",
    r"^notebooks/01_cross_correlation\.html \(http\): image did not decode: \.\./_images/",
    r"^index\.html \(file\): link to a missing file: notebooks/06_missing\.html",
    r"^notebooks/06_pooling\.html \(file\): anchor does not resolve: "
    r"01_cross_correlation\.html#no-such",
    r"^notebooks/06_pooling\.html \(file\): request leaves the book \(blocked\): "
    r"https://cdn\.example\.org/",
    r"^index\.html \(file\): page error: .*notDefinedAnywhere",
    r"^search\.html \(file\): the search for 'pooling' found 2 pages, not "
    r"notebooks/06_pooling\.html: notebooks/01_cross_correlation\.html, index\.html",
    r"^notebooks/01_cross_correlation\.html \(file\): collapsed block 'Solution 1 .*' is "
    r"visible before",
    r"^notebooks/01_cross_correlation\.html \(http\): collapsed block '(Show|Hide) code cell "
    r".*' is visible",
    # Going deeper
    r"^notebooks/01_cross_correlation\.html \(file\): collapsed block 'Going deeper: the sum "
    r"in full.*' is visible before it is opened",
    r"^notebooks/01_cross_correlation\.html \(http\): Going deeper code cells visible before "
    r"their section is opened \(cells 1 of 1",
    r"^zh/notebooks/01_cross_correlation\.html \(file\): 0 collapsed Going deeper sections "
    r".*, but the notebook has 1",
    r"^zh/notebooks/01_cross_correlation\.html \(http\): Going deeper code cells visible",
    # the language links
    r"^zh/notebooks/06_pooling\.html \(file\): no link to the other edition",
    r"^notebooks/06_pooling\.html \(file\): the link to the other edition goes to "
    r"zh/notebooks/01_cross_correlation\.html, not to zh/notebooks/06_pooling\.html",
    r"^zh/index\.html \(file\): <html lang=\"en\"> in the 中文 edition",
    # the Chinese search without its stemmer fix
    r"^zh/search\.html \(file\): page error: .*ChineseStemmer is not defined",
    r"^zh/search\.html \(file\): the search for '池化' did not finish",
    r"^zh/search\.html \(http\): the search for '互相关' failed: ReferenceError",
]
# What the planted faults also cause, besides the problems above.
CONSEQUENCES = [
    r"^notebooks/01_cross_correlation\.html \(file\): failed to load .*/_images/",
    r"^notebooks/01_cross_correlation\.html \(http\): HTTP 404 for .*/(_images|_static/mathjax)/",
    r"^zh/.* page error: (Chinese)?Stemmer is not defined",  # every Chinese page has a search box
    # the Chinese edition uses the English edition's MathJax
    r"^zh/notebooks/01_cross_correlation\.html \((file|http)\): (the page has math but MathJax "
    r"did not load|failed to load .*/_static/mathjax/|HTTP 404 for .*/_static/mathjax/|raw TeX)",
]


@pytest.mark.parametrize("expected", PLANTED)
def test_planted_fault_is_reported(reports, expected: str) -> None:
    problems = reports["broken"].problems
    assert any(re.search(expected, p) for p in problems), "\n".join(
        ["not reported:", expected, *problems]
    )


def test_nothing_else_is_reported(reports) -> None:
    """Every problem in the broken book comes from a planted fault (no false alarms); a
    fault on a page opened over both schemes is reported for both."""
    either = [re.sub(r"\\\((file|http)\\\)", r"\\((file|http)\\)", p) for p in PLANTED]
    for problem in reports["broken"].problems:
        assert any(re.search(p, problem) for p in either + CONSEQUENCES), problem
