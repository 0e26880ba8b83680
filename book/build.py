"""Build the HTML edition of the collection in both languages (`make book`).

Two books, one inside the other, with the same page names (tools/notebook_format.py's
editions): English into the output folder (build/book/), README.md as the landing page
and notebooks/NN_*.ipynb; Chinese into its zh/ folder, README.zh-CN.md and
notebooks/zh/NN_*.ipynb (written by `make translations`), built with
`language = "zh_CN"` and a search index whose Chinese words jieba splits, with the
Chinese terms of i18n/glossary.tsv as its user dictionary so that they stay whole.

Each edition is staged in build/book-src/<en|zh>/: the README becomes index.md, with a
hidden table of contents listing the notebooks in file-name order appended; its links
to notebooks point to the staged notebooks, its link to the other README to the other
edition's landing page, and its links to other files of the repository, which have no
page in the book, are reduced to their text. Then Sphinx runs with book/conf.py,
warnings as errors (so a link to a missing document or heading anchor fails the
build): the English edition into the output folder, which is emptied first, the
Chinese one beside the staging folder, then moved into the output's zh/ (myst-nb
writes the images it extracts next to its output folder). Nothing is executed: the
pages show the stored outputs.

The build stops, naming the files, when an edition is missing, the editions do not
hold notebooks of the same names, or a notebook's `going-deeper` tags disagree with its
headings (`make tags`); and, once built, when a page does not show what the HTML must
(check_pages): its edition's language, and its notebook's Going deeper sections
collapsed with every tagged cell inside them. What only a browser sees is
book/check.py's (`make book-check`).

    python -m book.build [--repo DIR] [--out DIR]

--repo defaults to this repository and --out to REPO/build/book/; the tests build
small fixture repositories with the same code.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from tools import notebook_format as nf

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
GLOSSARY = Path("i18n") / "glossary.tsv"
CAPTION = {"en": "Notebooks", "zh": "笔记本"}  # the title of the sidebar's list of notebooks

# A Markdown link whose target is a relative path (not a URL, not an #anchor).
RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def relink_readme(markdown: str, edition: nf.Edition = nf.ENGLISH) -> str:
    """The README's links as the book needs them (the edition's landing page).

    Links to the edition's notebooks point to the staged copies (notebooks/NN_x.ipynb
    in both editions); a link to the other edition's README goes to the other book's
    landing page (raw HTML: it is not a page of this Sphinx project); links to other
    files of the repository (`tools/pin.py`), which have no page in the book, keep
    their text without the link.
    """
    prefix = edition.notebooks + "/"
    other = nf.other(edition)
    other_index = "../" * edition.book.count("/") + other.book + "index.html"

    def relink(match: re.Match) -> str:
        text, target = match.groups()
        path, hash_, fragment = target.partition("#")
        if path.startswith(prefix) and path.endswith(".ipynb") and "/" not in path[len(prefix) :]:
            return f"[{text}](notebooks/{path[len(prefix) :]}{hash_}{fragment})"
        if path == other.readme:
            return f'<a href="{html.escape(other_index)}">{text}</a>'
        return text

    return RELATIVE_LINK.sub(relink, markdown)


def check_editions(repo: Path) -> None:
    """Stop unless both editions exist, hold notebooks of the same names, and the English
    notebooks (whose metadata the Chinese ones copy) are tagged as their headings say."""
    names = {}
    for edition in nf.EDITIONS:
        if not (repo / edition.readme).is_file():
            raise SystemExit(f"book: {repo / edition.readme} is missing (make translations)")
        names[edition] = {nb.name for nb in nf.notebooks_of(repo, edition)}
    if not names[nf.ENGLISH]:
        raise SystemExit(f"book: no notebooks in {repo / nf.ENGLISH.notebooks}")
    for edition in nf.EDITIONS:
        missing = sorted(names[nf.other(edition)] - names[edition])
        if missing:
            raise SystemExit(
                f"book: {edition.notebooks}/ lacks {', '.join(missing)} of "
                f"{nf.other(edition).notebooks}/ (make translations writes the Chinese edition)"
            )
    for path in nf.notebooks_of(repo, nf.ENGLISH):
        wrong = nf.mistagged(nf.read(path))
        if wrong:
            raise SystemExit(
                f"book: {path.name}: the going-deeper tags of cells {', '.join(map(str, wrong))} "
                "disagree with the headings (make tags, then make translations)"
            )


def stage(repo: Path, src: Path, edition: nf.Edition = nf.ENGLISH) -> list[str]:
    """Copy the landing page and the notebooks of one edition of `repo` into `src`;
    return the docnames."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    docnames = []
    for nb in nf.notebooks_of(repo, edition):
        shutil.copy2(nb, src / "notebooks" / nb.name)
        docnames.append(f"notebooks/{nb.stem}")
    toctree = ["```{toctree}", ":hidden:", ":maxdepth: 1", f":caption: {CAPTION[edition.key]}",
               "", *docnames, "```", ""]
    readme = relink_readme((repo / edition.readme).read_text(encoding="utf-8"), edition)
    (src / "index.md").write_text(readme.rstrip("\n") + "\n\n" + "\n".join(toctree),
                                  encoding="utf-8")
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


def build(repo: Path = REPO, out: Path | None = None, quiet: bool = True) -> None:
    """Stage both editions of `repo`, build them into `out` (default REPO/build/book) and
    `out`/zh, and check the pages (check_pages); exit on failure."""
    out = out if out is not None else repo / "build" / "book"
    src = out.parent / (out.name + "-src")
    check_editions(repo)
    if out.exists():
        shutil.rmtree(out)
    for edition in nf.EDITIONS:
        build_edition(repo, out, src, edition, quiet)
    problems = check_pages(out, repo)
    if problems:
        raise SystemExit("book: the built pages are wrong:\n" + "\n".join(problems))


def build_edition(repo: Path, out: Path, src: Path, edition: nf.Edition, quiet: bool) -> None:
    """Stage one edition in `src` and build it into its place in `out`; exit on failure."""
    staged = src / edition.key
    stage(repo, staged, edition)
    args = ["-b", "html", "-W", "--keep-going", "-E", "-c", str(BOOK)]
    args += ["-d", str(src / f"{edition.key}-doctrees"), *(["-q"] if quiet else [])]
    if edition.language:
        args += ["-D", f"language={edition.language}"]
    terms = glossary_terms(repo) if edition is nf.CHINESE else []
    if terms:  # jieba keeps each line's word whole when it splits the text for the index
        words = src / f"{edition.key}-search-words.txt"
        words.write_text("\n".join(terms) + "\n", encoding="utf-8")
        args += ["-D", f"html_search_options.dict={words}"]
    # The Chinese book is built beside the staging folder, then moved into the English one:
    # myst-nb writes the images it extracts next to the output folder (../jupyter_execute),
    # which must not land inside the English book.
    built = src / f"{edition.key}-html" / "book" if edition.book else out
    if edition.book and built.parent.exists():
        shutil.rmtree(built.parent)
    status = build_main([*args, str(staged), str(built)])
    if status != 0:
        raise SystemExit(
            f"book: Sphinx failed on the {edition.readme} edition (exit {status}); "
            "the warnings above are errors"
        )
    if edition.book:
        shutil.move(built, out / edition.book)


# The markup check_pages reads, as Sphinx and conf.py write it: the <html> tag, <details>
# tags (conf.py's Going deeper sections, myst-nb's collapsed cells, solutions) and the
# cells tagged going-deeper. A scan for these few tags, not a parse of whole pages: the
# highlighted code makes a page tens of thousands of tags (BeautifulSoup took 14 s of CPU).
HTML_LANG = re.compile(r'<html[^>]*\blang="([^"]*)"')
DEEP_MARKUP = re.compile(
    rf'<details(?P<deep> class="{nf.DEEP_TAG}")?[^>]*>|(?P<end></details>)'
    rf'|(?P<cell><div class="cell [^"]*\btag_{nf.DEEP_TAG}\b)'
)


def check_pages(out: Path, repo: Path = REPO) -> list[str]:
    """What the HTML of a built book must show: every page its edition's language
    (`<html lang>`); on a notebook's page, one `<details class="going-deeper">` for each
    Going deeper section of its notebook and every cell tagged going-deeper inside one."""
    problems = []
    for edition in nf.EDITIONS:
        root = out / edition.book
        for page in sorted([*root.glob("*.html"), *root.glob("notebooks/*.html")]):
            name = page.relative_to(out).as_posix()
            text = page.read_text(encoding="utf-8")
            lang = m.group(1) if (m := HTML_LANG.search(text)) else ""
            if lang != edition.html_lang:
                problems.append(f'{name}: <html lang="{lang}">, not "{edition.html_lang}"')
            notebook = repo / edition.notebooks / f"{page.stem}.ipynb"
            if page.parent.name != "notebooks" or not notebook.is_file():
                continue
            want = sum(nf.collapsed_headings(nf.read(notebook)))
            open_details: list[bool] = []  # for each <details> open here: Going deeper?
            sections = loose = 0
            for tag in DEEP_MARKUP.finditer(text):
                if tag["end"]:
                    open_details = open_details[:-1]  # a stray </details> closes nothing
                elif tag["cell"]:
                    loose += not any(open_details)
                else:
                    open_details.append(bool(tag["deep"]))
                    sections += bool(tag["deep"])
            if sections != want:
                problems.append(f"{name}: {sections} collapsed Going deeper sections "
                                f'(<details class="{nf.DEEP_TAG}">), {want} in {notebook.name}')
            if loose:
                problems.append(f"{name}: {loose} cells tagged {nf.DEEP_TAG} outside "
                                "every collapsed Going deeper section")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="repository with README.md and notebooks/")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: REPO/build/book)")
    args = parser.parse_args(argv)
    out = (args.out or args.repo / "build" / "book").resolve()
    build(args.repo.resolve(), out)
    print(f"book: built {out / 'index.html'} and {out / nf.CHINESE.book / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
