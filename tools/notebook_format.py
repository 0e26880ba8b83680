"""The collection's notebook format: the one home of the rules every tool shares.

The book (book/), the checks (tests/), the translations (tools/translations.py), the
tags (tools/tags.py) and `make sizes` (tools/sizes.py) all read notebooks through this
module:

- **files**: a notebook is read and written with nbformat (version 4), which writes
  the collection's files back byte for byte;
- **cells**: a cell's source as one string, its tags; a **worked solution** is a
  markdown cell holding a `<details>` block or a code cell tagged `hide-cell`;
- **headings**: the ATX and setext headings of a markdown text as myst, which builds
  the book's sections from them, reads it (its parser, with the book's extensions
  MYST_EXTENSIONS), so never inside a code fence or a maths block; their text without
  markup, and their anchors (myst's `github_slugify`);
- **Going deeper**: a section starts at a heading whose text begins with "Going
  deeper" and runs to the next heading of the same or a higher level that does not;
  a deeper heading inside it is a subsection. Every cell in it carries the tag
  `going-deeper` (written by `make tags`, tools/tags.py); the book collapses the
  sections whose heading is in a tagged cell, so both editions, whatever language
  their headings are in, collapse the same sections;
- **skipping**: a first reading skips every Going deeper section, so no cell outside
  one may read a name whose last definition was in one (`deep_names_used_outside`);
- **main path**: every cell but the Going deeper cells and the solutions; its size is
  counted in prose words (see `words`) and non-blank code lines;
- **prose**: markdown without code (fenced and inline), maths, HTML tags and link
  targets, what a reader reads as words;
- **editions**: the English notebooks in notebooks/ with README.md, the Chinese ones
  in notebooks/zh/ with README.zh-CN.md, and where each goes in the built book.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from myst_parser.slugs import github_slugify

DEEP_TAG = "going-deeper"
SOLUTION_TAG = "hide-cell"
DEEP_TITLE = re.compile(r"going deeper\b", re.IGNORECASE)
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
# The markdown extensions the book's myst enables ($...$ and $$...$$ maths, amsmath
# environments), so that this module reads a cell's headings as the book does.
MYST_EXTENSIONS = ("dollarmath", "amsmath")


# ---- the two editions ------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """Where one language's sources are in the repository and its pages in the book."""

    key: str  # "en" or "zh"
    readme: str  # the landing page, relative to the repository
    notebooks: str  # the folder of its notebooks, relative to the repository
    book: str  # its folder in the built book, "" or ending in "/"
    language: str | None  # Sphinx's `language` (None: Sphinx's default, English)
    html_lang: str  # what its pages' <html lang> says


ENGLISH = Edition("en", "README.md", "notebooks", "", None, "en")
CHINESE = Edition("zh", "README.zh-CN.md", "notebooks/zh", "zh/", "zh_CN", "zh-CN")
EDITIONS = (ENGLISH, CHINESE)


def other(edition: Edition) -> Edition:
    return CHINESE if edition is ENGLISH else ENGLISH


def edition_for_language(language: str | None) -> Edition:
    """The edition Sphinx builds with `language`."""
    return CHINESE if (language or "").startswith("zh") else ENGLISH


def edition_of_page(page: str) -> Edition:
    """The edition of a page of the built book, given relative to the book's root."""
    return CHINESE if page.startswith(CHINESE.book) else ENGLISH


def notebooks_of(repo: Path, edition: Edition) -> list[Path]:
    """The edition's notebooks (NN_topic.ipynb) in `repo`, in file-name order."""
    return sorted((repo / edition.notebooks).glob(NOTEBOOK_GLOB))


# ---- files and cells ---------------------------------------------------------------------


def read(path: Path | str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def write(nb: nbformat.NotebookNode, path: Path | str) -> None:
    nbformat.write(nb, path)


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def is_deep(cell: dict) -> bool:
    return DEEP_TAG in tags(cell)


def is_solution(cell: dict) -> bool:
    """A collapsed worked solution: its prose in `<details>`, or a code cell tagged hide-cell."""
    if cell["cell_type"] == "markdown":
        return "<details" in source(cell)
    return SOLUTION_TAG in tags(cell)


# ---- headings and fences -----------------------------------------------------------------


@cache
def _markdown() -> MarkdownIt:
    config = MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))
    return create_md_parser(config, RendererHTML)


# The inline tokens that hold a heading's text: plain text, `code`, escapes and entities.
_TEXT_TOKENS = {"text", "code_inline", "text_special"}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # without markup: `code` and [links](x) reduced to their text

    @property
    def anchor(self) -> str:
        """The heading's anchor in the book (myst_heading_anchors, GitHub style)."""
        return github_slugify(self.text)


def headings(markdown: str) -> list[Heading]:
    """The headings of a markdown text, in order."""
    tokens = _markdown().parse(markdown)
    return [
        Heading(int(token.tag[1]), "".join(
            t.content for t in tokens[i + 1].children or [] if t.type in _TEXT_TOKENS))
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def fenced_lines(markdown: str) -> set[int]:
    """The indices of the lines of a markdown text that belong to fenced code blocks."""
    return {
        line
        for token in _markdown().parse(markdown)
        if token.type == "fence" and token.map
        for line in range(*token.map)
    }


# ---- Going deeper sections -----------------------------------------------------------------


def _sections(nb: dict, opens: Callable[[dict, Heading], bool]) -> tuple[list[bool], list[bool]]:
    """Walk the headings of the notebook's markdown cells: (for each cell, whether it ends
    inside a collapsed section; for each heading, whether it opens one), where `opens`
    says whether a heading that is not a subsection of an open section starts one."""
    level: int | None = None  # the level of the open section's heading
    cells: list[bool] = []
    starts: list[bool] = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for heading in headings(source(cell)):
                if level is not None and heading.level > level:
                    starts.append(False)  # a subsection
                    continue
                starts.append(opens(cell, heading))
                level = heading.level if starts[-1] else None
        cells.append(level is not None)
    return cells, starts


def going_deeper_cells(nb: dict) -> list[bool]:
    """For each cell, whether it lies in a Going deeper section (by the headings' text):
    the cells the tag `going-deeper` belongs on."""
    return _sections(nb, lambda cell, heading: bool(DEEP_TITLE.match(heading.text)))[0]


def collapsed_headings(nb: dict) -> list[bool]:
    """For each heading of the notebook's markdown cells, in order, whether the book makes
    its section a collapsed Going deeper section: its cell is tagged `going-deeper`."""
    return _sections(nb, lambda cell, heading: is_deep(cell))[1]


def mistagged(nb: dict) -> list[int]:
    """The indices of the cells whose `going-deeper` tag disagrees with the headings."""
    return [i for i, (c, deep) in enumerate(zip(nb["cells"], going_deeper_cells(nb), strict=True))
            if is_deep(c) != deep]


def set_going_deeper_tags(nb: dict) -> list[int]:
    """Tag exactly the cells of Going deeper sections `going-deeper` (other tags are kept,
    an emptied tag list removed); return the indices of the cells changed."""
    changed = mistagged(nb)
    for index in changed:
        metadata = nb["cells"][index].setdefault("metadata", {})
        kept = [t for t in metadata.get("tags", []) if t != DEEP_TAG]
        if not is_deep(nb["cells"][index]):
            kept.append(DEEP_TAG)
        if kept:
            metadata["tags"] = kept
        else:
            metadata.pop("tags", None)
    return changed


# ---- prose and the main path's size ------------------------------------------------------

_NOT_PROSE = [
    re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL),  # code
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL),  # maths
    re.compile(r"<[^>]+>"),  # HTML tags
    re.compile(r"\]\([^)]*\)"),  # link targets
]


def prose(markdown: str) -> str:
    """`markdown` without code, maths, HTML tags and link targets: what a reader reads."""
    for pattern in _NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return markdown


def words(markdown: str) -> int:
    """The prose's words: pieces between white space with a letter or digit in them (so
    "—" is not a word, and a run of Chinese characters without spaces is one)."""
    return sum(1 for piece in prose(markdown).split() if any(ch.isalnum() for ch in piece))


def main_path(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if not is_deep(c) and not is_solution(c)]


@dataclass(frozen=True)
class Size:
    words: int
    code_lines: int


def main_path_size(nb: dict) -> Size:
    """Prose words of the markdown cells and non-blank lines of the code cells (comments
    included) on the main path."""
    cells = main_path(nb)
    return Size(
        sum(words(source(c)) for c in cells if c["cell_type"] == "markdown"),
        sum(1 for c in cells if c["cell_type"] == "code"
            for line in source(c).splitlines() if line.strip()),
    )


# ---- names a going-deeper cell defines, used outside one ------------------------------


def _python(cell: dict) -> ast.Module:
    """The cell's code as a module, IPython magics and shell lines blanked out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in source(cell).splitlines()]
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


@dataclass(frozen=True)
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
        deep = is_deep(cell)
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
