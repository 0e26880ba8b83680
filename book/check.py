"""Check the built book, both editions, in headless Chromium: what only a browser sees
(`make book-check`).

The rest is checked without a browser when the book is built (book/build.py): Sphinx,
warnings as errors, fails on a link to a missing document or heading anchor, and the
build checks each page's `<html lang>` and collapsed Going deeper sections in its HTML.

Here Playwright opens every page of both editions over file://, as a reader opening
the book from the disk does, waits until the network is idle, and reports:
- uncaught page errors and console errors; requests that fail (a missing file, and
  anything outside the book, which is blocked);
- math that MathJax did not typeset (MathJax missing, a formula left as TeX, a TeX error);
- images that do not decode;
- the link to the same page in the other edition, when it is not visible or does not
  resolve to that page;
- collapsed blocks (solutions, cells tagged hide-cell, Going deeper sections) whose
  content shows before their summary is clicked, or not after;
- animations (`.gcb-animation`) whose controls do not show, or whose "next" button
  does not move them to frame 2 with another caption;
- each edition's search (SEARCHES): the search page, loaded with a query, must list
  the page the query is about.

    python -m book.check [BOOK_DIR]    # default build/book/, checked as it stands
    python -m book.check --which       # the Chromium it uses

Chromium, on Linux: the one `playwright install chromium` put in Playwright's cache when
there is one (the build the installed Playwright is made for), else the Debian package's
real binary (/usr/lib/chromium/chromium; apt-get install chromium), else `chromium` on
the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag

from tools import notebook_format as nf

DEFAULT_BOOK = Path(__file__).resolve().parent.parent / "build" / "book"
DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"
MISSING = "no Chromium: apt-get install -y chromium (Debian), or playwright install chromium"
# Each edition's searches: the query, and the page (in the edition's folder) it must find.
SEARCHES = {
    nf.ENGLISH: {"pooling": "notebooks/06_pooling.html"},
    nf.CHINESE: {"池化": "notebooks/06_pooling.html",
                 "互相关": "notebooks/01_cross_correlation.html"},
}
TABS = 2  # pages open at once: laying out and typesetting take a core each
TIMEOUT_MS = 30_000
# A request that leaves the book: anything but a file (the book's) and the page's own data.
OUTSIDE = re.compile(r"^(?!(file|data|blob|about):)")
# Counted by the page itself from its first script on: errors thrown (the search waits
# for its results or for an error, whichever comes first).
COUNT_ERRORS_JS = "window.__errors = 0; addEventListener('error', () => { window.__errors++; });"

# One call per page: math, images, the language link, then every collapsed block before
# and after a click on its summary, as a reader opens it.
INSPECT_JS = """
async () => {
  const formulas = [...document.querySelectorAll('.math')];
  let math = null;
  if (formulas.length && window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    math = {
      formulas: formulas.length,
      untypeset: formulas.filter((f) => !f.querySelector('mjx-container')).length,
      errors: [...document.querySelectorAll('mjx-merror')]
        .map((e) => e.getAttribute('data-mjx-error') || e.textContent),
    };
  }
  const images = [];
  for (const img of document.images) {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) { /* judged below */ }
    if (img.naturalWidth === 0) images.push(img.getAttribute('src'));
  }
  const a = document.querySelector('a.language-link');
  const link = a && {url: a.href,
                      visible: a.checkVisibility() && a.getBoundingClientRect().top < 200};
  const state = (d) => {
    const parts = [...d.children].filter((c) => c.tagName !== 'SUMMARY');
    const shown = parts.filter((c) => c.checkVisibility()).length;
    return {open: d.open, parts: parts.length, shown};
  };
  const details = [...document.querySelectorAll('main details')];
  const before = details.map(state);
  details.forEach((d) => { if (!d.open) d.querySelector(':scope > summary')?.click(); });
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await document.fonts.ready;
  const blocks = details.map((d, i) => ({
    label: (d.querySelector(':scope > summary') || d).innerText.trim()
      .replace(/\\s+/g, ' ').slice(0, 50),
    before: before[i], after: state(d)}));
  // Each animation's player, as a reader steps it: its controls show (its script ran),
  // and "next" moves it to frame 2 with another caption.
  const players = [...document.querySelectorAll('.gcb-animation')].map((root) => {
    const controls = root.querySelector('.gcb-controls');
    const caption = root.querySelector('.gcb-caption');
    const counter = root.querySelector('.gcb-counter');
    const first = caption && caption.textContent;
    const visible = !!controls && controls.checkVisibility();
    if (visible) root.querySelector('button[data-action=next]')?.click();
    return {id: root.id, visible, frames: root.querySelectorAll('img.gcb-frame').length,
            counter: counter && counter.textContent,
            stepped: !!caption && caption.textContent !== first};
  });
  return {math, formulas: formulas.length, link, blocks, players,
          images: {count: document.images.length, bad: images}};
}
"""
SEARCH_DONE_JS = """
() => window.__errors > 0
  || (document.querySelector('#search-results .search-summary') || {}).textContent
"""
SEARCH_RESULTS_JS = """
() => [...document.querySelectorAll('#search-results ul.search > li > a')].map((a) => a.href)
"""


@dataclass
class Report:
    """What the check of one book found: problems (none when it is fine) and counts."""

    problems: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # edition -> pages opened
    formulas: int = 0  # typeset
    images: int = 0  # decoded
    collapsed: int = 0  # hidden until opened, shown after
    animations: int = 0  # stepped to their second frame
    searches: dict[str, int] = field(default_factory=dict)  # query -> pages found

    def summary(self) -> str:
        pages = ", ".join(f"{edition} {n}" for edition, n in self.pages.items())
        searches = ", ".join(f"'{q}' {n} pages" for q, n in self.searches.items())
        return (f"pages {pages}: {self.formulas} formulas typeset, {self.images} images "
                f"decoded, {self.collapsed} collapsed blocks hidden until opened, "
                f"{self.animations} animations stepped; the searches "
                f"found their page ({searches})")


def chromium(playwright) -> str | None:
    """The Chromium to launch, given a started Playwright (sync or async), or None."""
    for path in (playwright.chromium.executable_path, DEBIAN_CHROMIUM, shutil.which("chromium")):
        if path and os.access(path, os.X_OK):
            return path
    return None


def which() -> str | None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        return chromium(pw)


def pages_of(root: Path) -> list[str]:
    """The pages of both editions, relative to the book's root."""
    return [p.relative_to(root).as_posix() for edition in nf.EDITIONS
            for p in sorted([*(root / edition.book).glob("*.html"),
                             *(root / edition.book).glob("notebooks/*.html")])]


def counterpart(page: str) -> str:
    """The same page in the other edition: notebooks/x.html <-> zh/notebooks/x.html."""
    edition = nf.edition_of_page(page)
    return nf.other(edition).book + page[len(edition.book):]


class BookRun:
    """The check of one book: each load of one of its pages adds to its report."""

    def __init__(self, root: Path) -> None:
        self.root, self.base = root, root.as_uri() + "/"
        self.pages = pages_of(root)
        self.report = Report()
        for edition in nf.EDITIONS:
            self.report.pages[edition.key] = sum(nf.edition_of_page(p) is edition
                                                 for p in self.pages)

    def loads(self) -> list[tuple[str, str | None]]:
        """(page, search query or None): every page, and each search page once per query."""
        searches = [(edition.book + "search.html", query)
                    for edition, queries in SEARCHES.items() for query in queries]
        return [(page, None) for page in self.pages] + searches

    def page_of(self, url: str) -> str | None:
        url = urldefrag(url).url.split("?", 1)[0]
        return unquote(url[len(self.base):]) if url.startswith(self.base) else None

    async def check(self, context, page: str, query: str | None) -> None:
        where = f"{page}{f' (search {query})' if query else ''}"
        found: list[str] = []
        tab = await context.new_page()

        def console(message) -> None:
            # "Failed to load resource" names no URL: requestfailed reports it with one.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                found.append(f"console error: {message.text}")

        tab.on("console", console)
        tab.on("pageerror", lambda exc: found.append(f"page error: {exc}"))
        tab.on("requestfailed", lambda r: found.append(f"failed to load {r.url} ({r.failure})"))
        try:
            url = self.base + page + (f"?q={quote(query)}" if query else "")
            await tab.goto(url, wait_until="networkidle")
            # Idle counts from the first byte: a long page can be idle while it is parsed,
            # before it has loaded and run its deferred scripts (MathJax's among them).
            await tab.wait_for_load_state("load")
            if query:
                await self.search(tab, query, nf.edition_of_page(page), found)
            else:
                self.inspect(page, await tab.evaluate(INSPECT_JS), found)
        except Exception as exc:  # a page that cannot be inspected is a problem, not a crash
            found.append(f"could not be checked: {type(exc).__name__}: {exc}")
        self.report.problems += [f"{where}: {problem}" for problem in list(found)]
        await tab.close()

    async def search(self, tab, query: str, edition: nf.Edition, found: list[str]) -> None:
        await tab.wait_for_function(SEARCH_DONE_JS)
        results = [self.page_of(u) for u in await tab.evaluate(SEARCH_RESULTS_JS)]
        want = edition.book + SEARCHES[edition][query]
        if want in results:
            self.report.searches[query] = len(results)
        else:
            found.append(f"found {len(results)} pages, not {want}: {', '.join(map(str, results))}")

    def inspect(self, page: str, seen: dict, found: list[str]) -> None:
        math = seen["math"]
        if seen["formulas"] and math is None:
            found.append(f"{seen['formulas']} formulas, but MathJax did not load")
        elif math:
            if math["untypeset"]:
                found.append(f"{math['untypeset']} of {math['formulas']} formulas not typeset")
            found += [f"MathJax error: {error}" for error in math["errors"]]
            self.report.formulas += math["formulas"] - math["untypeset"]
        found += [f"image did not decode: {src}" for src in seen["images"]["bad"]]
        self.report.images += seen["images"]["count"] - len(seen["images"]["bad"])
        link, other = seen["link"], counterpart(page)
        if not link:
            found.append("no link to the other edition (a.language-link)")
        elif self.page_of(link["url"]) != other:
            found.append(f"the link to the other edition goes to {link['url']}, not to {other}")
        elif not link["visible"]:
            found.append("the link to the other edition is not visible at the top")
        for block in seen["blocks"]:
            before, after = block["before"], block["after"]
            if before["open"] or before["shown"]:
                found.append(f"collapsed block '{block['label']}' shows before it is opened")
            elif not after["open"] or after["shown"] < after["parts"]:
                found.append(f"collapsed block '{block['label']}' does not show when opened")
            else:
                self.report.collapsed += 1
        for player in seen["players"]:
            where, second = f"animation {player['id']}", f"frame 2 of {player['frames']}"
            if not player["visible"]:
                found.append(f"{where}: its controls do not show (its script did not run)")
            elif player["counter"] != second:
                found.append(f"{where}: 'next' shows {player['counter']!r}, not {second!r}")
            elif not player["stepped"]:
                found.append(f"{where}: 'next' leaves the caption as it was")
            else:
                self.report.animations += 1


async def _check_books(roots: list[Path]) -> list[Report]:
    from playwright.async_api import async_playwright

    runs = [BookRun(root) for root in roots]
    async with async_playwright() as pw:
        executable = chromium(pw)
        if executable is None:
            raise RuntimeError(MISSING)
        browser = await pw.chromium.launch(executable_path=executable)
        context = await browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        await context.add_init_script(COUNT_ERRORS_JS)
        await context.route(OUTSIDE, lambda route: route.abort("blockedbyclient"))
        tabs = asyncio.Semaphore(TABS)

        async def load(run: BookRun, page: str, query: str | None) -> None:
            async with tabs:
                await run.check(context, page, query)

        await asyncio.gather(*(load(run, *each) for run in runs for each in run.loads()))
        await browser.close()
    for run in runs:
        run.report.problems.sort()
    return [run.report for run in runs]


def check_books(roots: list[Path]) -> list[Report]:
    """Check built books (each the English edition with the Chinese one in zh/) in one
    browser; a Report for each. RuntimeError without Chromium, FileNotFoundError for a
    folder that holds no built book."""
    for root in roots:
        if not (root / "index.html").is_file():
            raise FileNotFoundError(f"{root / 'index.html'} does not exist: run make book first")
    return asyncio.run(_check_books([root.resolve() for root in roots]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", nargs="?", type=Path, default=DEFAULT_BOOK)
    parser.add_argument("--which", action="store_true", help="print the Chromium it uses")
    args = parser.parse_args(argv)
    if args.which:
        executable = which()
        print(executable or f"book-check: {MISSING}")
        return 0 if executable else 2
    try:
        report = check_books([args.book])[0]
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"book-check: FAILED, {exc}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(f"book-check: {problem}", file=sys.stderr)
    if report.problems:
        print(f"book-check: FAILED, {len(report.problems)} problems in {args.book}",
              file=sys.stderr)
        return 1
    print(f"book-check: {args.book} fine: {report.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
