"""Build the HTML edition of the collection (`make book`).

Stages README.md and every notebooks/*.ipynb of a repository in a source folder
(README.md becomes index.md, the landing page, with a hidden table of contents
listing the notebooks in file-name order appended, and its links to source files,
which have no page in the book, reduced to their text), then runs Sphinx with
book/conf.py, warnings as errors, into the output folder, which is emptied
first. Nothing is executed: the pages show the notebooks' stored outputs.

    python book/build.py [--repo DIR] [--out DIR]

--repo defaults to this repository and --out to build/book/; the tests build
small fixture repositories with the same code.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent


# A Markdown link whose target is a relative path (not a URL, not an #anchor).
RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def unlink_repository_files(markdown: str) -> str:
    """Keep links to notebooks; turn links to other files of the repository into their text.

    On a code host README.md links to source files (`utils/pin.py`); the book has no page
    for them, so such a link would dangle there. Its text stays, without the link.
    """

    def relink(match: re.Match) -> str:
        text, target = match.groups()
        return match.group(0) if target.split("#")[0].endswith(".ipynb") else text

    return RELATIVE_LINK.sub(relink, markdown)


def stage(repo: Path, src: Path) -> list[str]:
    """Copy the landing page and the notebooks of `repo` into `src`; return the docnames."""
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"book: no notebooks in {repo / 'notebooks'}")
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    docnames = []
    for nb in notebooks:
        shutil.copy2(nb, src / "notebooks" / nb.name)
        docnames.append(f"notebooks/{nb.stem}")
    toctree = "\n".join(
        [
            "",
            "",
            "```{toctree}",
            ":hidden:",
            ":maxdepth: 1",
            ":caption: Notebooks",
            "",
            *docnames,
            "```",
            "",
        ]
    )
    readme = unlink_repository_files((repo / "README.md").read_text(encoding="utf-8"))
    (src / "index.md").write_text(readme.rstrip("\n") + toctree, encoding="utf-8")
    return docnames


def build(
    repo: Path = REPO, out: Path | None = None, src: Path | None = None, quiet: bool = True
) -> None:
    """Stage `repo` and build its book into `out` (default REPO/build/book); exit on failure."""
    out = out if out is not None else repo / "build" / "book"
    src = src if src is not None else out.parent / (out.name + "-src")
    stage(repo, src)
    if out.exists():
        shutil.rmtree(out)
    args = ["-b", "html", "-W", "--keep-going", "-E", "-c", str(BOOK), str(src), str(out)]
    if quiet:
        args.insert(0, "-q")
    status = build_main(args)
    if status != 0:
        raise SystemExit(f"book: Sphinx failed (exit {status}); the warnings above are errors")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="repository with README.md and notebooks/"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: REPO/build/book)"
    )
    args = parser.parse_args(argv)
    build(args.repo.resolve(), args.out.resolve() if args.out else None)
    out = args.out or args.repo / "build" / "book"
    print(f"book: built {out / 'index.html'}")


if __name__ == "__main__":
    sys.exit(main())
