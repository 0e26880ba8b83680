"""Layering of the notebooks (tools/notebook_format.py): the `going-deeper` tags are where
the headings put them, a first reading can skip every "Going deeper" section, and the
beginner's path through 01-07 stays within its size."""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tools import notebook_format as nf
from tools import sizes, tags

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = nf.notebooks_of(ROOT, nf.ENGLISH)
# The beginner's path: at most this much on the main path of each of 01-07.
BEGINNER_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] in {"01", "02", "03", "04", "05", "06",
                                                             "07"}]
MAX_WORDS, MAX_CODE_LINES = 1200, 100


def _first_line(cell: dict) -> str:
    return nf.source(cell).strip().splitlines()[0][:60] if nf.source(cell).strip() else "(empty)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_going_deeper_sections_are_tagged(path: Path) -> None:
    nb = nf.read(path)
    wrong = [f"cell {i} ({'tagged' if nf.is_deep(nb.cells[i]) else 'untagged'}): "
             f"{_first_line(nb.cells[i])}" for i in nf.mistagged(nb)]
    assert not wrong, f"{path.name} (run make tags):\n" + "\n".join(wrong)


# ---- names defined in going-deeper cells and used on the main path ----------------------


def _python(cell: dict) -> ast.Module:
    """The cell's code as a module, IPython magics and shell lines blanked out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in nf.source(cell).splitlines()]
    return ast.parse("\n".join(lines))


def _bound(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the notebook's namespace."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    names: set[str] = set()
    scoped = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, scoped):
            if not isinstance(n, ast.Lambda) and hasattr(n, "name"):
                names.add(n.name)
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in n.names}
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        stack.extend(ast.iter_child_nodes(n))
    return names


def _used(node: ast.AST) -> set[str]:
    """Names a statement reads, anywhere inside it (function bodies included)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@dataclass
class Leak:
    cell: int  # index of the cell outside Going deeper that uses the name
    name: str
    defined_in: int  # index of the going-deeper cell that defined it last


def deep_names_used_outside(nb: dict) -> list[Leak]:
    """Uses, outside going-deeper cells, of a name whose last definition so far was in one.

    Cells are read in order, statement by statement: a name defined by a going-deeper
    cell and used later by any other cell (main path or solution) before a non-deep cell
    defines it again is a leak; a first reading that skips the going-deeper cells would
    fail there with a NameError, or silently use another value.
    """
    last_deep: dict[str, int] = {}
    leaks: list[Leak] = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        deep = nf.is_deep(cell)
        for statement in _python(cell).body:
            if not deep:
                leaks.extend(Leak(index, name, last_deep[name])
                             for name in sorted(_used(statement)) if name in last_deep)
            for name in _bound(statement):
                if deep:
                    last_deep[name] = index
                else:
                    last_deep.pop(name, None)
    return leaks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_main_path_uses_no_name_from_a_going_deeper_cell(path: Path) -> None:
    leaks = deep_names_used_outside(nf.read(path))
    assert not leaks, f"{path.name}:\n" + "\n".join(
        f"cell {leak.cell} uses {leak.name!r}, defined by going-deeper cell {leak.defined_in}"
        for leak in leaks
    )


@pytest.mark.parametrize("path", BEGINNER_NOTEBOOKS, ids=lambda p: p.name)
def test_the_beginners_main_path_fits_its_size(path: Path) -> None:
    size = nf.main_path_size(nf.read(path))
    assert size.words <= MAX_WORDS and size.code_lines <= MAX_CODE_LINES, (
        f"{path.name}: the main path holds {size.words} words of prose (at most {MAX_WORDS}) "
        f"and {size.code_lines} non-blank code lines (at most {MAX_CODE_LINES}); move "
        "verification studies and advanced variants into a 'Going deeper' section"
    )


# ---- the rules on small notebooks ---------------------------------------------------------


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
    assert deep_names_used_outside(nb) == [Leak(7, "x", 3), Leak(7, "np2", 3), Leak(8, "x", 3)]
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
