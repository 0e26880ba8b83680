"""The notebook-format rules (tools/notebook_format.py), `make tags` and `make sizes`, on
small notebooks whose answers are known."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from tools import notebook_format as nf
from tools import sizes, tags

NOTEBOOKS = nf.notebooks_of(Path(__file__).resolve().parent.parent, nf.ENGLISH)


def _cell(kind: str, text: str, *tagged: str) -> nbformat.NotebookNode:
    new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = new(text)
    if tagged:
        cell.metadata.tags = list(tagged)
    return cell


def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_a_planted_leak_and_wrong_tags_are_found_and_the_tags_set_right() -> None:
    nb = _notebook(
        _cell("markdown", "## Main\n```\n## Going deeper: in a fence, not a heading\n```",
              "going-deeper"),  # an extra tag
        _cell("code", "x = 1\nfor k in range(3):\n    y = k"),
        _cell("markdown", "## Going deeper: more\nDetails.", "going-deeper"),
        _cell("code", "h = 124.3\nx = 2\nimport numpy as np2", "going-deeper"),
        _cell("markdown", "### A subsection\n\n## Going deeper: another", "going-deeper"),
        _cell("code", "z = 5", "hide-cell"),  # in the section, not tagged
        _cell("markdown", "## Summary"),
        _cell("code", "print(x, y)\nprint(np2.pi)\nh = 1\nprint(h)"),
        _cell("code", "def f():\n    return z + x", "hide-cell"),
    )
    assert nf.going_deeper_cells(nb) == [False, False, True, True, True, True, False, False,
                                         False]
    assert nf.mistagged(nb) == [0, 5]
    assert nf.collapsed_headings(nb) == [True, True, False, True, False]  # by the tags
    # x and np2 leak into cell 7; h is redefined there before it is read; y and z are main.
    assert nf.deep_names_used_outside(nb) == [
        nf.Leak(7, "x", 3), nf.Leak(7, "np2", 3), nf.Leak(8, "x", 3)]
    assert nf.set_going_deeper_tags(nb) == [0, 5]
    assert nf.mistagged(nb) == []
    assert nf.collapsed_headings(nb) == [False, True, False, True, False]
    assert "tags" not in nb.cells[0].metadata and nf.tags(nb.cells[5]) == ["hide-cell",
                                                                           "going-deeper"]


def test_make_tags_writes_the_tags_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], path)
    nb = nf.read(path)
    deep = nf.going_deeper_cells(nb).index(True)
    del nb.cells[deep].metadata["tags"]  # a tag forgotten
    nf.write(nb, path)
    assert nf.mistagged(nf.read(path)) == [deep]
    tags.main([str(path)])
    assert path.read_bytes() == NOTEBOOKS[0].read_bytes()


def test_sizes_count_prose_and_code_of_the_main_path_only() -> None:
    nb = _notebook(
        _cell("markdown", "Two words `code here` $a + b$ [link](far/away.ipynb) — ·"),
        _cell("code", "a = 1\n\n# a comment\n"),
        _cell("markdown", "<details><summary>Solution</summary>many words here</details>"),
        _cell("code", "b = 2", "hide-cell"),
        _cell("markdown", "## Going deeper: x\nmany more words", "going-deeper"),
        _cell("code", "c = 3", "going-deeper"),
    )
    assert nf.main_path_size(nb) == nf.Size(3, 2)  # "Two", "words", "link"


def test_headings_and_their_anchors() -> None:
    text = "# 01 · `corr2d` and [MXNet](x)\n\nText\n\nSub *title*\n---\n\n~~~\n# code\n~~~\n"
    assert nf.headings(text) == [nf.Heading(1, "01 · corr2d and MXNet"),
                                 nf.Heading(2, "Sub title")]
    assert nf.headings("$$\n# maths\n$$\n\n\\begin{align}\n# too\n\\end{align}\n") == []
    assert [h.anchor for h in nf.headings("## 深入了解：2 × 2 池化\n## A, b: C")] == [
        "深入了解2--2-池化", "a-b-c"]
    assert nf.fenced_lines(text) == {7, 8, 9}


def test_sizes_table_lists_every_notebook() -> None:
    text = sizes.table(NOTEBOOKS)
    assert all(f"| {p.name} |" in text for p in NOTEBOOKS) and "07_whole_cnn" in text
