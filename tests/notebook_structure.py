"""How a notebook is layered: its main path, its "Going deeper" sections, its size.

A notebook's **main path** is what a first reading goes through: every cell except
- the cells of "Going deeper: ..." sections, tagged `going-deeper`;
- the worked solutions, collapsed: markdown cells holding a `<details>` block and code
  cells tagged `hide-cell`.

A "Going deeper" section starts at a markdown cell whose heading begins with
"Going deeper" and runs to the next heading of the same or a higher level that does
not. Every cell in it, markdown and code, carries the tag `going-deeper`.

Sizes, counted on the main path only:
- **prose words**: the markdown text without code (fenced blocks and `inline` spans),
  maths (`$...$`, `$$...$$`), HTML tags and link targets, split at white space; a
  word is a piece with at least one letter or digit (so "—" and "·" are not words,
  and a run of Chinese characters without spaces counts as one);
- **code lines**: the non-blank lines of code cells, comments included.

    python tests/notebook_structure.py [NOTEBOOK ...]   # a table; default notebooks/*.ipynb

`make sizes` prints it. The tests are in tests/test_notebook_structure.py.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEEP_TAG = "going-deeper"
SOLUTION_TAG = "hide-cell"
HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
DEEP_TITLE = re.compile(r"^going deeper\b", re.IGNORECASE)


def load(path: Path | str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def is_solution(cell: dict) -> bool:
    """A collapsed worked solution: its prose in `<details>`, or a code cell tagged hide-cell."""
    if cell["cell_type"] == "markdown":
        return "<details" in source(cell)
    return SOLUTION_TAG in tags(cell)


def deep_sections(nb: dict) -> list[bool]:
    """For each cell, whether it lies in a "Going deeper" section (by the headings)."""
    inside, level, flags = False, 0, []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for hashes, title in HEADING.findall(source(cell)):
                if DEEP_TITLE.match(title.strip()):
                    inside, level = True, len(hashes)
                elif inside and len(hashes) <= level:
                    inside = False
        flags.append(inside)
    return flags


def is_deep(cell: dict) -> bool:
    return DEEP_TAG in tags(cell)


def main_path(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if not is_deep(c) and not is_solution(c)]


_CODE_BLOCK = re.compile(r"```.*?```|~~~.*?~~~", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`]*`")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def prose_words(text: str) -> int:
    for pattern, repl in ((_CODE_BLOCK, " "), (_INLINE_CODE, " "), (_MATH, " "), (_TAG, " "),
                          (_LINK_TARGET, "] ")):
        text = pattern.sub(repl, text)
    return sum(1 for piece in text.split() if any(ch.isalnum() for ch in piece))


@dataclass
class Size:
    words: int
    code_lines: int


def main_path_size(nb: dict) -> Size:
    words = lines = 0
    for cell in main_path(nb):
        if cell["cell_type"] == "markdown":
            words += prose_words(source(cell))
        elif cell["cell_type"] == "code":
            lines += sum(1 for line in source(cell).splitlines() if line.strip())
    return Size(words, lines)


# ---- names defined in going-deeper cells and used on the main path ----------------------


def _python(cell: dict) -> ast.Module:
    """The cell's code as a module, IPython magics and shell lines blanked out."""
    lines = [
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source(cell).splitlines()
    ]
    return ast.parse("\n".join(lines))


def _bound(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the notebook's namespace."""
    names: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
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
    cell: int  # index of the main-path cell that uses the name
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
        deep = is_deep(cell)
        for statement in _python(cell).body:
            if not deep:
                leaks.extend(
                    Leak(index, name, last_deep[name])
                    for name in sorted(_used(statement))
                    if name in last_deep
                )
            for name in _bound(statement):
                if deep:
                    last_deep[name] = index
                else:
                    last_deep.pop(name, None)
    return leaks


def table(paths: list[Path]) -> str:
    rows = ["| notebook | main-path prose words | main-path code lines |", "|---|---|---|"]
    for path in paths:
        size = main_path_size(load(path))
        rows.append(f"| {path.name} | {size.words:,} | {size.code_lines} |")
    return "\n".join(rows)


if __name__ == "__main__":
    given = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(table(given))
