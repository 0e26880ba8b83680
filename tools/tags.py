"""Tag the cells of every Going deeper section `going-deeper`, from the headings (`make tags`).

A section starts at a heading that begins with "Going deeper" and runs to the next
heading of the same or a higher level that does not (tools/notebook_format.py). The tag
is added to the cells in such a section and removed from any other; nothing else of the
notebook changes. Only the English notebooks are tagged: the Chinese edition copies
their metadata (`make translations`, which runs this first).

    python -m tools.tags [NOTEBOOK ...]    # default: notebooks/NN_*.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools import notebook_format as nf

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    for path in [Path(p) for p in argv] or nf.notebooks_of(REPO, nf.ENGLISH):
        nb = nf.read(path)
        changed = nf.set_going_deeper_tags(nb)
        if changed:
            nf.write(nb, path)
            print(f"{path}: going-deeper tag set right on cells {', '.join(map(str, changed))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
