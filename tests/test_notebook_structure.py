"""Layering of the notebooks (tests/notebook_structure.py): a first reading can skip every
"Going deeper" section, and the beginner's path through 01-06 stays within its size."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_structure import (
    Leak,
    deep_names_used_outside,
    deep_sections,
    is_deep,
    load,
    main_path_size,
    source,
    table,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The beginner's path: at most this much on the main path of each of 01-06.
BEGINNER_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] in {"01", "02", "03", "04", "05", "06"}]
MAX_WORDS, MAX_CODE_LINES = 1200, 100


def _first_line(cell: dict) -> str:
    return source(cell).strip().splitlines()[0][:60] if source(cell).strip() else "(empty)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_going_deeper_sections_are_tagged(path: Path) -> None:
    nb = load(path)
    wrong = [
        f"cell {i} ({'in' if inside else 'outside'} a Going deeper section, "
        f"{'untagged' if inside else 'tagged going-deeper'}): {_first_line(cell)}"
        for i, (cell, inside) in enumerate(zip(nb["cells"], deep_sections(nb), strict=True))
        if inside != is_deep(cell)
    ]
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_main_path_uses_no_name_from_a_going_deeper_cell(path: Path) -> None:
    leaks = deep_names_used_outside(load(path))
    assert not leaks, f"{path.name}:\n" + "\n".join(
        f"cell {leak.cell} uses {leak.name!r}, defined by going-deeper cell {leak.defined_in}"
        for leak in leaks
    )


@pytest.mark.parametrize("path", BEGINNER_NOTEBOOKS, ids=lambda p: p.name)
def test_the_beginners_main_path_fits_its_size(path: Path) -> None:
    size = main_path_size(load(path))
    print(f"{path.name}: {size.words} words, {size.code_lines} code lines on the main path")
    assert size.words <= MAX_WORDS and size.code_lines <= MAX_CODE_LINES, (
        f"{path.name}: the main path holds {size.words} words of prose (at most {MAX_WORDS}) "
        f"and {size.code_lines} non-blank code lines (at most {MAX_CODE_LINES}); move "
        "verification studies and advanced variants into a 'Going deeper' section"
    )


def _cell(kind: str, text: str, *tags: str) -> dict:
    cell = {"cell_type": kind, "source": text, "metadata": {"tags": list(tags)}}
    if kind == "code":
        cell["outputs"] = []
    return cell


def test_a_planted_leak_and_a_missing_tag_are_found() -> None:
    nb = {"cells": [
        _cell("markdown", "## Main\nText."),
        _cell("code", "x = 1\nfor k in range(3):\n    y = k"),
        _cell("markdown", "## Going deeper: more\nDetails.", "going-deeper"),
        _cell("code", "h = 124.3\nx = 2\nimport numpy as np2", "going-deeper"),
        _cell("code", "z = 5"),  # in the section, not tagged
        _cell("markdown", "## Summary"),
        _cell("code", "print(x, y)\nprint(np2.pi)\nh = 1\nprint(h)"),
        _cell("code", "def f():\n    return z + x", "hide-cell"),
    ]}
    assert deep_sections(nb) == [False, False, True, True, True, False, False, False]
    assert [is_deep(c) for c in nb["cells"]] == [False, False, True, True, False, False, False,
                                                 False]
    # x and np2 leak into cell 6; h is redefined there before it is read; y and z are main.
    assert deep_names_used_outside(nb) == [Leak(6, "x", 3), Leak(6, "np2", 3), Leak(7, "x", 3)]


def test_sizes_count_prose_and_code_of_the_main_path_only() -> None:
    nb = {"cells": [
        _cell("markdown", "Two words `code here` $a + b$ [link](far/away.ipynb) — ·"),
        _cell("code", "a = 1\n\n# a comment\n"),
        _cell("markdown", "<details><summary>Solution</summary>many words here</details>"),
        _cell("code", "b = 2", "hide-cell"),
        _cell("markdown", "## Going deeper: x\nmany more words", "going-deeper"),
        _cell("code", "c = 3", "going-deeper"),
    ]}
    size = main_path_size(nb)
    assert (size.words, size.code_lines) == (3, 2)  # "Two", "words", "link"


def test_sizes_table_lists_every_beginner_notebook() -> None:
    text = table(BEGINNER_NOTEBOOKS)
    print("\n" + text)
    assert all(p.name in text for p in BEGINNER_NOTEBOOKS)
