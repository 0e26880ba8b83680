"""Build the HTML edition of the collection in both languages (`make book`).

Two books, one inside the other, with the same page names:
- English, into the output folder (build/book/): README.md as the landing page and
  notebooks/NN_*.ipynb;
- Chinese, into its zh/ folder (build/book/zh/): README.zh-CN.md as the landing page and
  notebooks/zh/NN_*.ipynb (written by `make translations`), built with
  `language = "zh_CN"` (the theme's words from Sphinx's Chinese catalog) and a search
  index whose Chinese words jieba splits, with the Chinese terms of
  i18n/glossary.tsv as its user dictionary so that they stay whole.

Each edition is staged in build/book-src/<en|zh>/: the README becomes index.md, with a
hidden table of contents listing the notebooks in file-name order appended; its links
to notebooks point to the staged notebooks, its link to the other README to the other
edition's landing page, and its links to other files of the repository, which have no
page in the book, are reduced to their text. Then Sphinx runs with book/conf.py,
warnings as errors: the English edition into the output folder, which is emptied
first, the Chinese one beside the staging folder, then moved into the output's zh/
(myst-nb writes the images it extracts next to its output folder). The two builds
highlight each piece of code once (their code cells are the same) and share one copy
of MathJax. conf.py adds a link to the same page of the other edition at the top of
every page and collapses the "Going deeper" sections. Nothing is executed: the pages
show the stored outputs. The build stops, naming the files, when an edition is
missing or the editions do not hold notebooks of the same names.

    python book/build.py [--repo DIR] [--out DIR]

--repo defaults to this repository and --out to build/book/; the tests build small
fixture repositories with the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sphinx.cmd.build import build_main
from sphinx.highlighting import PygmentsBridge

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
GLOSSARY = Path("i18n") / "glossary.tsv"


@dataclass(frozen=True)
class Edition:
    """Where one language's sources are in the repository and its book in the output."""

    name: str  # the staging folder's name
    readme: str  # the landing page, relative to the repository
    notebooks: str  # the folder of its notebooks, relative to the repository
    subdir: str  # where its book goes, relative to the output folder
    language: str | None  # Sphinx's `language`, None for Sphinx's default (English)
    other_readme: str  # the other edition's README, linked from this one
    other_index: str  # the other edition's landing page, relative to this one's index
    caption: str  # the title of the list of notebooks in the sidebar


ENGLISH = Edition(
    "en", "README.md", "notebooks", "", None, "README.zh-CN.md", "zh/index.html", "Notebooks"
)
CHINESE = Edition(
    "zh", "README.zh-CN.md", "notebooks/zh", "zh", "zh_CN", "README.md", "../index.html", "笔记本"
)
EDITIONS = (ENGLISH, CHINESE)


# A Markdown link whose target is a relative path (not a URL, not an #anchor).
RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def relink_readme(markdown: str, edition: Edition = ENGLISH) -> str:
    """The README's links as the book needs them (the edition's landing page).

    Links to the edition's notebooks point to the staged copies (notebooks/NN_x.ipynb
    in both editions); a link to the other edition's README goes to the other book's
    landing page (raw HTML: it is not a page of this Sphinx project); links to other
    files of the repository (`utils/pin.py`), which have no page in the book, keep
    their text without the link.
    """
    prefix = edition.notebooks + "/"

    def relink(match: re.Match) -> str:
        text, target = match.groups()
        path, hash_, fragment = target.partition("#")
        if path.startswith(prefix) and path.endswith(".ipynb") and "/" not in path[len(prefix) :]:
            return f"[{text}](notebooks/{path[len(prefix) :]}{hash_}{fragment})"
        if path == edition.other_readme:
            return f'<a href="{html.escape(edition.other_index)}">{text}</a>'
        return text

    return RELATIVE_LINK.sub(relink, markdown)


def notebooks_of(repo: Path, edition: Edition) -> list[Path]:
    return sorted((repo / edition.notebooks).glob("*.ipynb"))


def check_editions(repo: Path) -> None:
    """Stop unless both editions exist and hold notebooks of the same names."""
    names = {}
    for edition in EDITIONS:
        if not (repo / edition.readme).is_file():
            raise SystemExit(f"book: {repo / edition.readme} is missing (make translations)")
        names[edition.name] = {nb.name for nb in notebooks_of(repo, edition)}
    if not names[ENGLISH.name]:
        raise SystemExit(f"book: no notebooks in {repo / ENGLISH.notebooks}")
    for edition, other in ((ENGLISH, CHINESE), (CHINESE, ENGLISH)):
        missing = sorted(names[other.name] - names[edition.name])
        if missing:
            raise SystemExit(
                f"book: {edition.notebooks}/ lacks {', '.join(missing)} of "
                f"{other.notebooks}/ (make translations writes the Chinese edition)"
            )


def stage(repo: Path, src: Path, edition: Edition = ENGLISH) -> list[str]:
    """Copy the landing page and the notebooks of one edition of `repo` into `src`;
    return the docnames."""
    notebooks = notebooks_of(repo, edition)
    if not notebooks:
        raise SystemExit(f"book: no notebooks in {repo / edition.notebooks}")
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
            f":caption: {edition.caption}",
            "",
            *docnames,
            "```",
            "",
        ]
    )
    readme = relink_readme((repo / edition.readme).read_text(encoding="utf-8"), edition)
    (src / "index.md").write_text(readme.rstrip("\n") + toctree, encoding="utf-8")
    return docnames


def glossary_terms(repo: Path) -> list[str]:
    """The Chinese terms of the repository's glossary (second column), or [] without one."""
    path = repo / GLOSSARY
    if not path.is_file():
        return []
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.split("\t")
        if line.startswith("#") or len(columns) < 2:
            continue
        terms.extend(t for t in re.split(r"[,，、/;；]\s*", columns[1]) if t.strip())
    return sorted({t.strip() for t in terms})


def sphinx_args(
    src: Path, out: Path, doctrees: Path, edition: Edition, search_dict: Path | None
) -> list[str]:
    args = ["-b", "html", "-W", "--keep-going", "-E", "-c", str(BOOK), "-d", str(doctrees)]
    if edition.language:
        args += ["-D", f"language={edition.language}"]
    if search_dict is not None:
        args += ["-D", f"html_search_options.dict={search_dict}"]
    return args + [str(src), str(out)]


@contextlib.contextmanager
def highlighting_once() -> Iterator[None]:
    """While it lasts, Sphinx highlights a given piece of code once: the Chinese edition's
    code cells are the English ones, so its build reuses their HTML (a tenth of a build).

    Sphinx's PygmentsBridge.highlight_block is wrapped with a cache keyed by everything
    its result depends on (the bridge's output and style, the code, language, options).
    """
    original = PygmentsBridge.highlight_block
    cache: dict[tuple, str] = {}

    def highlight_block(self, source, lang, opts=None, force=False, location=None, **kwargs):
        key = (
            self.dest,
            self.latex_engine,
            self.formatter,
            repr(self.formatter_args),
            source,
            lang,
            repr(opts),
            force,
            repr(sorted(kwargs.items())),
        )
        if key not in cache:
            cache[key] = original(self, source, lang, opts, force, location, **kwargs)
        return cache[key]

    PygmentsBridge.highlight_block = highlight_block
    try:
        yield
    finally:
        PygmentsBridge.highlight_block = original


def build(
    repo: Path = REPO, out: Path | None = None, src: Path | None = None, quiet: bool = True
) -> None:
    """Stage both editions of `repo` and build them into `out` (default REPO/build/book)
    and `out`/zh; exit on failure."""
    out = out if out is not None else repo / "build" / "book"
    src = src if src is not None else out.parent / (out.name + "-src")
    check_editions(repo)
    if out.exists():
        shutil.rmtree(out)
    with highlighting_once():
        for edition in EDITIONS:
            build_edition(repo, out, src, edition, quiet)


def build_edition(repo: Path, out: Path, src: Path, edition: Edition, quiet: bool) -> None:
    """Stage one edition in `src` and build it into its place in `out`; exit on failure."""
    staged = src / edition.name
    stage(repo, staged, edition)
    search_dict = None
    terms = glossary_terms(repo) if edition is CHINESE else []
    if terms:  # jieba keeps each line's word whole when it splits the text for the index
        search_dict = src / f"{edition.name}-search-words.txt"
        search_dict.write_text("\n".join(terms) + "\n", encoding="utf-8")
    # The Chinese book is built beside the staging folder, then moved into the English one:
    # myst-nb writes the images it extracts next to the output folder (../jupyter_execute),
    # which must not land inside the English book.
    target = out / edition.subdir
    built = src / f"{edition.name}-html" / "book" if edition.subdir else out
    if edition.subdir and built.parent.exists():
        shutil.rmtree(built.parent)
    args = sphinx_args(staged, built, src / f"{edition.name}-doctrees", edition, search_dict)
    if quiet:
        args.insert(0, "-q")
    status = build_main(args)
    if status != 0:
        raise SystemExit(
            f"book: Sphinx failed on the {edition.readme} edition (exit {status}); "
            "the warnings above are errors"
        )
    if built != target:
        shutil.move(built, target)


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
    print(f"book: built {out / 'index.html'} and {out / CHINESE.subdir / 'index.html'}")


if __name__ == "__main__":
    sys.exit(main())
