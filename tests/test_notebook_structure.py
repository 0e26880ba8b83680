"""Layering of the notebooks (tools/notebook_format.py): the `going-deeper` tags are where
the headings put them, a first reading can skip every "Going deeper" section, and the
beginner's path through 01-07 stays within its size. The rules themselves are tested on
small notebooks in test_notebook_format.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import notebook_format as nf

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = nf.notebooks_of(ROOT, nf.ENGLISH)
# The beginner's path: at most this much on the main path of each of 01-07.
BEGINNER_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] <= "07"]
MAX_WORDS, MAX_CODE_LINES = 1200, 100


def _first_line(cell: dict) -> str:
    return nf.source(cell).strip().splitlines()[0][:60] if nf.source(cell).strip() else "(empty)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_going_deeper_sections_are_tagged(path: Path) -> None:
    nb = nf.read(path)
    wrong = [f"cell {i} ({'tagged' if nf.is_deep(nb.cells[i]) else 'untagged'}): "
             f"{_first_line(nb.cells[i])}" for i in nf.mistagged(nb)]
    assert not wrong, f"{path.name} (run make tags):\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_main_path_uses_no_name_from_a_going_deeper_cell(path: Path) -> None:
    leaks = nf.deep_names_used_outside(nf.read(path))
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_code_cells_are_collapsed(path: Path) -> None:
    """A cell tagged hide-cell holds a worked solution: JupyterLab must open it with its
    source and its outputs collapsed, or the answer shows before the reader asks."""
    nb = nf.read(path)
    open_ = [f"cell {i}: {_first_line(cell)}" for i, cell in enumerate(nb.cells)
             if nf.SOLUTION_TAG in cell.metadata.get("tags", [])
             and not (cell.metadata.get("jupyter", {}).get("source_hidden")
                      and cell.metadata.get("jupyter", {}).get("outputs_hidden"))]
    assert not open_, f"{path.name}: solution cells not collapsed:\n" + "\n".join(open_)
