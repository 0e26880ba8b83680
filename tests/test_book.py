"""Tests of the HTML edition: book/build.py and the browser check book/check.py.

A small fixture repository (a README and two notebooks written here, with math,
an image, a link to an anchor and one exercise solved in the collection's
collapsed-solution convention) is built into a book in a temporary folder. The
browser check must pass on it, seeing the solution hidden until opened, and must
report each fault planted in a copy of it: MathJax removed, an image deleted, a
link and an anchor broken, a script from a CDN, a JavaScript error, an empty
search index, and solutions that are open from the start.

The browser tests need Chromium; without it they are skipped, except in CI
(CI=true), where that is an error.
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
from booktools import CHROMIUM, book_build, book_check, needs_chromium

# Sphinx 9 deprecates an attribute that myst-parser 5.2 still reads; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")


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
SOLUTION = """<details>
<summary><b>Solution 1</b> (click to open)</summary>

A $2 \\times 2$ max pooling with stride 2 keeps $\\frac{1}{4}$ of the values:

$$\\cancel{16} \\to 4$$

</details>"""


def write_fixture_repo(repo: Path) -> None:
    """A README and two notebooks in the collection's layout and conventions."""
    (repo / "notebooks").mkdir(parents=True)
    (repo / "README.md").write_text(
        "# Fixture collection\n\nA landing page. Read"
        " [01 · Max pooling](notebooks/01_max_pooling.ipynb),"
        " then [02 · After pooling](notebooks/02_after_pooling.ipynb);"
        " the helper is [`utils/pool.py`](utils/pool.py).\n",
        encoding="utf-8",
    )
    figure = nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(_png(16, 8)).decode(), "text/plain": "<Figure>"},
    )
    solution_code = nbformat.v4.new_code_cell(
        "kept = 16 // 4\nassert kept == 4\nprint(kept)",
        execution_count=2,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="4\n")],
    )
    solution_code.metadata = HIDDEN
    first = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    first.cells = [
        nbformat.v4.new_markdown_cell(
            "# 01 · Max pooling\n\n池化 (pooling) keeps the largest value of each window: "
            "$y_{ij} = \\max_{a,b} x_{i+a,j+b}$.\n\nNext: [02](02_after_pooling.ipynb)."
        ),
        nbformat.v4.new_code_cell("draw()", execution_count=1, outputs=[figure]),
        nbformat.v4.new_markdown_cell(
            "## Exercises\n\n1. How many values does $2 \\times 2$ pooling keep of 16?"
        ),
        nbformat.v4.new_markdown_cell(SOLUTION),
        solution_code,
    ]
    second = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    second.cells = [
        nbformat.v4.new_markdown_cell(
            "# 02 · After pooling\n\nBack to [the exercises of 01](01_max_pooling.ipynb#exercises)."
        )
    ]
    nbformat.write(first, repo / "notebooks" / "01_max_pooling.ipynb")
    nbformat.write(second, repo / "notebooks" / "02_after_pooling.ipynb")


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory) -> Path:
    """The fixture repository's book, built by book/build.py."""
    tmp = tmp_path_factory.mktemp("book")
    write_fixture_repo(tmp / "repo")
    book_build.build(tmp / "repo", tmp / "book")
    return tmp / "book"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}: the fixture book changed"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def plant_faults(book: Path) -> None:
    """Break a copy of the fixture book in every way the check must report."""
    first = book / "notebooks" / "01_max_pooling.html"
    second = book / "notebooks" / "02_after_pooling.html"
    shutil.rmtree(book / "_static" / "mathjax")  # MathJax removed
    for image in (book / "_images").iterdir():  # the figure deleted
        image.unlink()
    _edit(
        book / "index.html",
        'href="notebooks/02_after_pooling.html"',
        'href="notebooks/02_missing.html"',
    )
    _edit(second, "01_max_pooling.html#exercises", "01_max_pooling.html#no-such-section")
    _edit(second, "</head>", '<script src="https://cdn.example.org/mathjax.js"></script></head>')
    _edit(book / "genindex.html", "</body>", "<script>notDefinedAnywhere();</script></body>")
    _edit(first, "<details>", "<details open>")  # the solution's prose shown from the start
    _edit(
        first,
        '<details class="admonition hide above-input">',
        '<details class="admonition hide above-input" open>',
    )
    index = book / "searchindex.js"
    prefix, suffix = "Search.setIndex(", ")"
    data = json.loads(index.read_text(encoding="utf-8").removeprefix(prefix).removesuffix(suffix))
    data.update(terms={}, titleterms={}, alltitles={})
    index.write_text(prefix + json.dumps(data) + suffix, encoding="utf-8")


@pytest.fixture(scope="module")
def reports(fixture_book: Path, tmp_path_factory) -> dict[str, book_check.Report]:
    """The check of the clean fixture book and of a copy with every fault planted (one browser)."""
    needs_chromium()
    broken = tmp_path_factory.mktemp("broken") / "book"
    shutil.copytree(fixture_book, broken)
    plant_faults(broken)
    clean_report, broken_report = book_check.check_books([fixture_book, broken], CHROMIUM)
    return {"clean": clean_report, "broken": broken_report}


# --- the build -------------------------------------------------------------------


def test_build_lists_every_notebook_in_order(fixture_book: Path) -> None:
    index = (fixture_book / "index.html").read_text(encoding="utf-8")
    # README links to notebooks/NN_x.ipynb became links to the pages.
    assert 'href="notebooks/01_max_pooling.html"' in index
    assert ".ipynb" not in re.sub(r"_sources/[^\"]*", "", index)
    nav = re.findall(r'href="notebooks/(\d\d)_[a-z_]+\.html"', index)
    assert nav.index("01") < nav.index("02")
    first = (fixture_book / "notebooks" / "01_max_pooling.html").read_text(encoding="utf-8")
    assert 'href="02_after_pooling.html"' in first  # the link in the text and "next"
    assert "_static/mathjax/tex-chtml.js" in first and "cdn" not in first.lower()
    assert (
        fixture_book / "_static" / "mathjax" / "input" / "tex" / "extensions" / "cancel.js"
    ).is_file()


def test_build_keeps_the_text_of_links_to_source_files(fixture_book: Path) -> None:
    index = (fixture_book / "index.html").read_text(encoding="utf-8")
    assert "utils/pool.py</span></code>" in index and 'href="utils/pool.py"' not in index


@pytest.mark.parametrize(
    "markdown, staged",
    [
        ("[01](notebooks/01_a.ipynb)", "[01](notebooks/01_a.ipynb)"),
        ("[01](notebooks/01_a.ipynb#exercises)", "[01](notebooks/01_a.ipynb#exercises)"),
        ("[pin](utils/pin.py) and [make](Makefile)", "pin and make"),
        ("[MXNet](https://mxnet.apache.org)", "[MXNet](https://mxnet.apache.org)"),
        ("[below](#how-long)", "[below](#how-long)"),
    ],
)
def test_links_the_book_keeps(markdown: str, staged: str) -> None:
    assert book_build.unlink_repository_files(markdown) == staged


def test_build_keeps_solutions_collapsed(fixture_book: Path) -> None:
    first = (fixture_book / "notebooks" / "01_max_pooling.html").read_text(encoding="utf-8")
    solution = first[first.index("<details>") : first.index("</details>")]
    # The Markdown inside <details> is rendered (a paragraph, typeset math), not raw text.
    assert '<p>A <span class="math' in solution and "$" not in solution
    assert '<div class="cell tag_hide-cell' in first
    assert '<details class="admonition hide above-input">' in first


def test_build_reports_a_sphinx_warning(fixture_book: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_fixture_repo(repo)
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nSee [nowhere](notebooks/99_missing.ipynb).\n")
    with pytest.raises(SystemExit, match="Sphinx failed"):
        book_build.build(repo, tmp_path / "book")


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


def test_chromium_from_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BOOK_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert book_check.find_chromium() is None
    fake = tmp_path / "chrome"
    fake.write_bytes(b"\x7fELF")
    fake.chmod(0o755)
    monkeypatch.setenv("BOOK_CHROMIUM", str(fake))
    assert book_check.find_chromium() == str(fake)


def test_missing_build_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make book"):
        book_check.check_books([tmp_path], chromium="/nonexistent")


# --- the check in the browser ------------------------------------------------------


def test_clean_book_passes(reports) -> None:
    clean = reports["clean"]
    assert clean.problems == []
    assert clean.pages == 5 and clean.loads == 10  # index, 01, 02, genindex, search; twice
    assert clean.math_pages == 1  # 01 (its solution included); the others have no math
    assert clean.images == 1
    assert clean.collapsed == 2  # the solution's prose and its hide-cell code cell
    assert clean.search_results >= 1


@pytest.mark.parametrize(
    "expected",
    [
        r"01_max_pooling\.html \(file\): the page has math but MathJax did not load",
        r"01_max_pooling\.html \(http\): raw TeX in the visible text: .*\\\(y_\{ij\}",
        r"01_max_pooling\.html \(file\): failed to load .*mathjax/tex-chtml\.js",
        r"01_max_pooling\.html \(http\): image did not decode: \.\./_images/",
        r"index\.html \(file\): link to a missing file: notebooks/02_missing\.html",
        r"02_after_pooling\.html \(http\): anchor does not resolve: "
        r"01_max_pooling\.html#no-such-section",
        r"02_after_pooling\.html \(file\): request leaves the book \(blocked\): https://cdn\.example\.org/",
        r"genindex\.html \(http\): page error: .*notDefinedAnywhere",
        r"search\.html \(file\): the search for 'pooling' found nothing",
        r"01_max_pooling\.html \(file\): collapsed block 'Solution 1 .*' is visible before",
        r"01_max_pooling\.html \(http\): collapsed block '(Show|Hide) code cell .*' is visible",
    ],
)
def test_planted_fault_is_reported(reports, expected: str) -> None:
    problems = reports["broken"].problems
    assert any(re.search(expected, p) for p in problems), "\n".join(
        ["not reported:", expected, *problems]
    )
