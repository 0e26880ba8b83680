"""Tests of the HTML edition: book/build.py (with book/conf.py) and book/check.py.

A small fixture repository in the collection's layout is built into a book in a
temporary folder: an English README and two notebooks (01_cross_correlation and
06_pooling, named like the real ones so that the check's searches apply) with math, an
image, a link to an anchor, an exercise with a collapsed solution, a Going deeper
section and (in 06) an animation player; and the same in Chinese (README.zh-CN.md,
notebooks/zh/) with a two-term glossary. Each check is shown to fail on a fault
planted for it: the build on a broken link and anchor (Sphinx), a mistagged notebook
and a missing edition, and its page check (check_pages) on a copy of the built pages;
the browser check must pass on the clean book and report each fault planted in a copy
of it, and nothing else.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from booktools import needs_chromium
from PIL import Image

from book import build, check
from tools import notebook_format as nf

pytestmark = [
    pytest.mark.slow,  # Sphinx builds of the fixture book
    # Sphinx 9 deprecates an attribute that myst-parser still reads; not ours to fix.
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
    # jieba 0.42.1's regular expressions, compiled on its first import without a .pyc.
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

HIDDEN = {"jupyter": {"source_hidden": True, "outputs_hidden": True}, "tags": ["hide-cell"]}
DEEP = {"tags": [nf.DEEP_TAG]}
DEEP_OPEN = f'<details class="{nf.DEEP_TAG}"><summary>'
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


def _animation():
    """A two-frame player of utils.figures.animation, as the notebooks store one."""
    from matplotlib.figure import Figure

    from utils.figures.animation import Animation

    def draw(n: int) -> Figure:
        fig = Figure(figsize=(2, 1))
        fig.text(0.5, 0.5, f"frame {n + 1}")
        return fig

    return Animation(draw, ["the first window", "the second window"], "pooling", n_frames=2,
                     dpi=30)


def _notebooks(text: dict[str, str]) -> dict[str, nbformat.NotebookNode]:
    png = io.BytesIO()
    Image.linear_gradient("L").resize((16, 8)).save(png, "PNG")
    v4 = nbformat.v4
    figure = v4.new_output("display_data", data={
        "image/png": base64.b64encode(png.getvalue()).decode(), "text/plain": "<Figure>"})
    printed = [v4.new_output("stream", name="stdout", text="4\n")]
    first = v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                     "display_name": "Python 3"}})
    first.cells = [
        v4.new_markdown_cell(text["title"]),
        v4.new_code_cell("draw()", execution_count=1, outputs=[figure]),
        v4.new_markdown_cell(text["deep"], metadata=DEEP),
        v4.new_code_cell("print(2 * 2)", execution_count=2, outputs=printed, metadata=DEEP),
        v4.new_markdown_cell(text["exercises"]),
        v4.new_markdown_cell(text["solution"]),
        v4.new_code_cell("kept = 16 // 4\nassert kept == 4\nprint(kept)", execution_count=3,
                         outputs=printed, metadata=HIDDEN),
    ]
    second = v4.new_notebook(metadata=first.metadata)
    player = v4.new_output("display_data", data={"text/html": _animation().html,
                                                 "text/plain": "<Animation>"})
    second.cells = [v4.new_markdown_cell(text["pooling"]),
                    v4.new_code_cell("animation", execution_count=1, outputs=[player])]
    return {"01_cross_correlation": first, "06_pooling": second}


def write_fixture_repo(repo: Path) -> None:
    """Both editions of a small collection, in the collection's layout and conventions."""
    for edition in nf.EDITIONS:
        (repo / edition.notebooks).mkdir(parents=True)
        (repo / edition.readme).write_text(TEXT[edition.key]["readme"], encoding="utf-8")
        for name, nb in _notebooks(TEXT[edition.key]).items():
            nf.write(nb, repo / edition.notebooks / f"{name}.ipynb")
    (repo / "i18n").mkdir()
    (repo / "i18n" / "glossary.tsv").write_text(
        "# English term\tChinese term\tnote\ncross-correlation\t互相关\npooling\t池化\n",
        encoding="utf-8")


@pytest.fixture(scope="module")
def fixture_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("fixture") / "repo"
    write_fixture_repo(repo)
    return repo


@pytest.fixture(scope="module")
def fixture_book(fixture_repo: Path) -> Path:
    """The fixture repository's book (both editions), built by book/build.py."""
    build.build(fixture_repo, fixture_repo.parent / "book")
    return fixture_repo.parent / "book"


def _read(book: Path, page: str) -> str:
    return (book / page).read_text(encoding="utf-8")


def _edit(book: Path, page: str, old: str, new: str) -> None:
    text = _read(book, page)
    assert old in text, f"{old!r} not in {page}: the fixture book changed"
    (book / page).write_text(text.replace(old, new, 1), encoding="utf-8")


# --- the build --------------------------------------------------------------------------


def test_build_links_pages_readmes_and_mathjax(fixture_book: Path) -> None:
    for edition in nf.EDITIONS:
        index = _read(fixture_book, edition.book + "index.html")
        nav = re.findall(r'href="notebooks/(\d\d)_[a-z_]+\.html"', index)
        assert nav and nav.index("01") < nav.index("06")  # README links and sidebar, in order
        assert ".ipynb" not in re.sub(r"_sources/[^\"]*", "", index)
        assert "utils/pool.py</span></code>" in index and 'href="utils/pool.py"' not in index
        first = _read(fixture_book, edition.book + "notebooks/01_cross_correlation.html")
        assert 'href="06_pooling.html"' in first and "cdn" not in first.lower()
    assert '<a href="zh/index.html">中文版</a>' in _read(fixture_book, "index.html")
    assert '<a href="../index.html">English</a>' in _read(fixture_book, "zh/index.html")
    # One copy of MathJax (with its extensions), in the English edition; Chinese pages use it.
    assert (fixture_book / "_static/mathjax/input/tex/extensions/cancel.js").is_file()
    assert not (fixture_book / "zh" / "_static" / "mathjax").exists()
    assert '"../_static/../../_static/mathjax/tex-chtml.js"' in _read(
        fixture_book, "zh/notebooks/01_cross_correlation.html")


def test_build_makes_the_chinese_edition_chinese(fixture_book: Path) -> None:
    assert "搜索" in _read(fixture_book, "zh/search.html")  # Sphinx's zh_CN catalog
    assert 'caption-text">笔记本' in _read(fixture_book, "zh/index.html")
    first = _read(fixture_book, "zh/notebooks/01_cross_correlation.html")
    assert "显示代码单元格" in first and "Show code cell" not in first
    assert "chinese-stemmer.js" in first
    assert "chinese-stemmer.js" not in _read(fixture_book, "notebooks/01_cross_correlation.html")
    index = json.loads(_read(fixture_book, "zh/searchindex.js")
                       .removeprefix("Search.setIndex(").removesuffix(")"))

    def pages(term: str) -> set[str]:  # a term's pages, in the text or in a title
        found = [index[kind].get(term, []) for kind in ("terms", "titleterms")]
        return {index["docnames"][d] for f in found for d in (f if isinstance(f, list) else [f])}

    # jieba splits the text; the glossary keeps 互相关 whole (jieba alone: 互相 + 关).
    assert "notebooks/01_cross_correlation" in pages("互相关")
    assert "notebooks/06_pooling" in pages("池化")
    assert not (fixture_book / "jupyter_execute").exists()  # myst-nb's images kept outside


@pytest.mark.parametrize("edition, markdown, staged", [
    (nf.ENGLISH, "[01](notebooks/01_a.ipynb#exercises)", "[01](notebooks/01_a.ipynb#exercises)"),
    (nf.ENGLISH, "[pin](tools/pin.py) and [make](Makefile)", "pin and make"),
    (nf.ENGLISH, "[MXNet](https://mxnet.apache.org) [below](#a)",
     "[MXNet](https://mxnet.apache.org) [below](#a)"),
    (nf.ENGLISH, "[中文版](README.zh-CN.md)", '<a href="zh/index.html">中文版</a>'),
    (nf.ENGLISH, "[01](notebooks/zh/01_a.ipynb)", "01"),
    (nf.CHINESE, "[01](notebooks/zh/01_a.ipynb#练习)", "[01](notebooks/01_a.ipynb#练习)"),
    (nf.CHINESE, "[English](README.md)", '<a href="../index.html">English</a>'),
    (nf.CHINESE, "[01](notebooks/01_a.ipynb)", "01"),
])
def test_readme_links_in_the_book(edition: nf.Edition, markdown: str, staged: str) -> None:
    assert build.relink_readme(markdown, edition) == staged


def test_build_collapses_solutions_and_going_deeper(fixture_book: Path) -> None:
    for edition in nf.EDITIONS:
        first = _read(fixture_book, edition.book + "notebooks/01_cross_correlation.html")
        start = first.index("<details>")
        solution = first[start : first.index("</details>", start)]
        # The Markdown inside <details> is rendered (a paragraph, typeset math), not raw text.
        assert '<span class="math' in solution and "$" not in solution
        assert '<details class="admonition hide above-input">' in first
        deep = first[first.index(DEEP_OPEN) :]
        deep = deep[: deep.index("</details>")]
        # The heading, in either language, is the summary; the tagged code cell is inside.
        assert re.match(re.escape(DEEP_OPEN) + "<h2>[^<]*(Going deeper|深入了解)", deep)
        assert '<div class="cell tag_going-deeper' in deep and "tag_hide-cell" not in deep
    assert build.check_pages(fixture_book, fixture_book.parent / "repo") == []


@pytest.mark.parametrize("markdown, error", [
    ("See [nowhere](notebooks/99_missing.ipynb).", "99_missing"),
    ("See [01's](notebooks/01_cross_correlation.ipynb#no-such-heading).", "no-such-heading"),
    ("See [below](#no-such-heading).", "no-such-heading"),
])
def test_sphinx_fails_on_a_broken_link_or_anchor(tmp_path: Path, capfd, markdown: str,
                                                 error: str) -> None:
    repo = tmp_path / "repo"
    write_fixture_repo(repo)
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + f"\n{markdown}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="Sphinx failed on the README.md edition"):
        build.build(repo, tmp_path / "book")
    assert error in capfd.readouterr().err


def test_build_fails_when_page_and_notebook_disagree_on_sections(
        fixture_repo: Path, tmp_path: Path, monkeypatch, capfd) -> None:
    """conf.py pairs a page's sections with its notebook's headings; a heading the page does
    not have (here planted in notebook_format's reading) stops the build."""
    headings = nf.collapsed_headings
    monkeypatch.setattr(nf, "collapsed_headings", lambda nb: [*headings(nb), False])
    with pytest.raises(SystemExit, match="Sphinx failed on the README.md edition"):
        build.build(fixture_repo, tmp_path / "book")
    assert "3 sections on the page but 4 headings in the notebook" in capfd.readouterr().err


def test_build_needs_both_editions_and_tags_from_headings(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_fixture_repo(repo)
    path = repo / "notebooks" / "01_cross_correlation.ipynb"
    nb = nf.read(path)
    nb.cells[4].metadata = DEEP  # "## Exercises", after the Going deeper section, tagged
    nf.write(nb, path)
    with pytest.raises(SystemExit, match="01_cross_correlation.ipynb: the going-deeper tags of "
                                         "cells 4 disagree with the headings"):
        build.check_editions(repo)
    (repo / "notebooks" / "zh" / "06_pooling.ipynb").unlink()
    with pytest.raises(SystemExit, match=r"notebooks/zh/ lacks 06_pooling\.ipynb"):
        build.check_editions(repo)
    (repo / "README.zh-CN.md").unlink()
    with pytest.raises(SystemExit, match=r"README\.zh-CN\.md is missing"):
        build.check_editions(repo)


def test_page_check_finds_each_planted_fault(fixture_book: Path, tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(fixture_book, book)
    _edit(book, "zh/index.html", '<html lang="zh-CN"', '<html lang="en"')
    page = "notebooks/01_cross_correlation.html"  # the Going deeper section not collapsed
    _edit(book, page, DEEP_OPEN, "<div><div>")
    _edit(book, page, "</summary>", "</div>")
    _edit(book, page, "</details></section>", "</div></section>")
    assert build.check_pages(book, fixture_book.parent / "repo") == [
        f'{page}: 0 collapsed Going deeper sections (<details class="going-deeper">), '
        "1 in 01_cross_correlation.ipynb",
        f"{page}: 1 cells tagged going-deeper outside every collapsed Going deeper section",
        'zh/index.html: <html lang="en">, not "zh-CN"',
    ]


def test_glossary_terms(tmp_path: Path) -> None:
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "glossary.tsv").write_text(
        "# comment\tnot a term\nfeature map\t特征图\tnote\npooling\t池化\nempty\n",
        encoding="utf-8")
    assert build.glossary_terms(tmp_path) == ["池化", "特征图"]
    assert build.glossary_terms(tmp_path / "nowhere") == []


# --- the browser check ------------------------------------------------------------------


def test_counterparts_and_a_missing_build(tmp_path: Path) -> None:
    assert check.counterpart("notebooks/02_b.html") == "zh/notebooks/02_b.html"
    assert check.counterpart("zh/search.html") == "search.html"
    with pytest.raises(FileNotFoundError, match="make book"):
        check.check_books([tmp_path])


def test_chromium_is_playwrights_or_debians_or_on_the_path(monkeypatch, tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    playwright = SimpleNamespace(chromium=SimpleNamespace(executable_path=str(tmp_path / "no")))
    monkeypatch.setattr(check, "DEBIAN_CHROMIUM", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert check.chromium(playwright) is None
    monkeypatch.setenv("PATH", str(tmp_path))
    assert check.chromium(playwright) == str(fake)
    playwright.chromium.executable_path = "/bin/sh"
    assert check.chromium(playwright) == "/bin/sh"


def _unindex(index: Path, docname: str) -> None:
    """Take one page out of a built book's search index (it is no longer found)."""
    prefix, suffix = "Search.setIndex(", ")"
    data = json.loads(index.read_text(encoding="utf-8").removeprefix(prefix).removesuffix(suffix))
    doc = data["docnames"].index(docname)
    for kind in ("terms", "titleterms"):
        for term, docs in data[kind].items():
            data[kind][term] = [d for d in (docs if isinstance(docs, list) else [docs]) if d != doc]
    data["alltitles"] = {t: [e for e in entries if e[0] != doc]
                         for t, entries in data["alltitles"].items()}
    index.write_text(prefix + json.dumps(data) + suffix, encoding="utf-8")


def plant_faults(book: Path) -> None:
    """Break a copy of the fixture book in every way the browser check must report."""
    first, second = "notebooks/01_cross_correlation.html", "notebooks/06_pooling.html"
    _edit(book, first, "mathjax/tex-chtml.js", "mathjax/missing.js")  # MathJax not there
    for image in (book / "zh" / "_images").iterdir():  # the Chinese edition's figure deleted
        image.unlink()
    _edit(book, second, "</head>", '<script src="https://cdn.example.org/x.js"></script></head>')
    _edit(book, "index.html", "</body>", "<script>notDefinedAnywhere();</script></body>")
    _edit(book, first, "<details>", "<details open>")  # the solution's prose shown
    _edit(book, first, '<details class="admonition hide above-input">',
          '<details class="admonition hide above-input" open>')  # its code shown
    _edit(book, first, DEEP_OPEN, DEEP_OPEN.replace(">", " open>", 1))  # Going deeper shown
    _unindex(book / "searchindex.js", "notebooks/06_pooling")  # found: index and 01, not 06
    page = book / "zh" / second  # the language link removed
    page.write_text(re.sub(r'<a class="[^"]*language-link"[^>]*>[^<]*</a>', "",
                           page.read_text(encoding="utf-8")), encoding="utf-8")
    _edit(book, second, 'href="../zh/notebooks/06_pooling.html"',  # pointing to another page
          'href="../zh/notebooks/01_cross_correlation.html"')
    # A formula MathJax cannot typeset, in the Chinese edition.
    _edit(book, "zh/" + first, r"\frac{1}{4}", r"\frac{1}")
    (book / "zh" / "_static" / "chinese-stemmer.js").unlink()  # Sphinx 9.0's Chinese search bug
    # The player's "next" button stepping nowhere; the Chinese player's script gone.
    _edit(book, second, "next: function () { pause(); show(current + 1); }",
          "next: function () { pause(); show(current); }")
    page = book / "zh" / second
    page.write_text(re.sub(r"<script>\(function \(\) \{.*?\}\)\(\);</script>", "",
                           page.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    _edit(book, "zh/" + first, "</head>",  # a Going deeper section's code hidden when opened
          f"<style>details.{nf.DEEP_TAG} > .cell {{display: none}}</style></head>")


# Each planted fault, as the check reports it (page: problem).
PLANTED = [
    r"^notebooks/01_cross_correlation\.html: 6 formulas, but MathJax did not load",
    r"^notebooks/01_cross_correlation\.html: failed to load .*/_static/mathjax/missing\.js",
    r"^zh/notebooks/01_cross_correlation\.html: image did not decode: \.\./_images/",
    r"^notebooks/06_pooling\.html: failed to load https://cdn\.example\.org/x\.js",
    r"^index\.html: page error: .*notDefinedAnywhere",
    r"^search\.html \(search pooling\): found 2 pages, not notebooks/06_pooling\.html",
    r"^notebooks/01_cross_correlation\.html: collapsed block 'Solution 1 .*' shows before",
    r"^notebooks/01_cross_correlation\.html: collapsed block '(Show|Hide) code cell.*' shows",
    r"^notebooks/01_cross_correlation\.html: collapsed block 'Going deeper: the sum in full' "
    r"shows before",
    r"^zh/notebooks/06_pooling\.html: no link to the other edition",
    r"^notebooks/06_pooling\.html: the link to the other edition goes to .*"
    r"zh/notebooks/01_cross_correlation\.html, not to zh/notebooks/06_pooling\.html",
    r"^zh/notebooks/01_cross_correlation\.html: MathJax error: Missing argument for \\frac",
    r"^zh/search\.html \(search 池化\): found 0 pages, not zh/notebooks/06_pooling\.html",
    r"^zh/search\.html \(search 互相关\): found 0 pages",
    r"^zh/notebooks/01_cross_correlation\.html: collapsed block '深入了解：完整的求和' does not "
    r"show when opened",
    r"^notebooks/06_pooling\.html: animation gcb-anim-\w+: 'next' shows 'frame 1 of 2', "
    r"not 'frame 2 of 2'",
    r"^zh/notebooks/06_pooling\.html: animation gcb-anim-\w+: its controls do not show",
]
# What the planted faults also cause, besides the problems above.
CONSEQUENCES = [
    r"^zh/notebooks/01_cross_correlation\.html: failed to load .*/_images/",
    r"^zh/.*: (page error: .*Stemmer is not defined|failed to load .*chinese-stemmer)",
]


@pytest.fixture(scope="module")
def reports(fixture_book: Path, tmp_path_factory) -> dict[str, check.Report]:
    """The check of the clean fixture book and of a copy with every fault planted (one browser)."""
    needs_chromium()
    broken = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(fixture_book, broken)
    plant_faults(broken)
    clean, broken_report = check.check_books([fixture_book, broken])
    return {"clean": clean, "broken": broken_report}


@pytest.mark.browser
def test_clean_book_passes(reports) -> None:
    clean = reports["clean"]
    assert clean.problems == []
    assert clean.pages == {"en": 4, "zh": 4}  # index, 01, 06, search
    assert clean.formulas == 12  # on 01, in each edition
    assert clean.images == 2 + 4  # 01's figure and 06's two frames, in each edition
    assert clean.animations == 2  # on 06, in each edition
    # per edition: the solution's prose, its hide-cell code cell, the Going deeper section
    assert clean.collapsed == 6
    assert set(clean.searches) == {"pooling", "池化", "互相关"}


@pytest.mark.browser
@pytest.mark.parametrize("expected", PLANTED)
def test_planted_fault_is_reported(reports, expected: str) -> None:
    problems = reports["broken"].problems
    assert any(re.search(expected, p) for p in problems), "\n".join(
        ["not reported:", expected, *problems])


@pytest.mark.browser
def test_nothing_else_is_reported(reports) -> None:
    """Every problem in the broken book comes from a planted fault (no false alarms)."""
    for problem in reports["broken"].problems:
        assert any(re.search(p, problem) for p in PLANTED + CONSEQUENCES), problem
