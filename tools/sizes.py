"""Prose words and code lines on each notebook's main path (`make sizes`).

The main path is every cell but the Going deeper sections and the collapsed solutions;
see tools/notebook_format.py for how words and lines are counted.
tests/test_notebook_structure.py holds the limits.

    python -m tools.sizes [NOTEBOOK ...]    # default: notebooks/NN_*.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools import notebook_format as nf

REPO = Path(__file__).resolve().parent.parent


def table(paths: list[Path]) -> str:
    rows = ["| notebook | main-path prose words | main-path code lines |", "|---|---|---|"]
    for path in paths:
        size = nf.main_path_size(nf.read(path))
        rows.append(f"| {path.name} | {size.words:,} | {size.code_lines} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    print(table([Path(p) for p in argv] or nf.notebooks_of(REPO, nf.ENGLISH)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
