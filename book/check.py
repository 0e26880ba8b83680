"""Check the built book, both editions, in a real browser (`make book-check`).

A built book is the English edition (BOOK_DIR) with the Chinese one inside it
(BOOK_DIR/zh/), page for page. Headless Chromium (driven by Playwright) opens every
page of both over file://, as a reader opening the book from the disk does, and a page
of each kind (each edition's search page and first notebook page) once more over a
local HTTP server on 127.0.0.1: over http:// a page runs the same scripts and asks for
the same files, and the pages of a kind are made from one template, so one stands for
all (see http_pages). Any request that would leave the book (a CDN,
another site, a file outside the book) is blocked and reported.

On each page the check waits for MathJax to typeset, then reports: raw TeX left in
the visible text, MathJax error elements, images that did not decode, console errors
and uncaught page errors, resources that failed to load or that are still loading
when it is done, and collapsed blocks (`<details>` solutions, cells tagged
hide-cell, "Going deeper" sections) whose content is visible before they are opened
or not after; then it opens every collapsed block and checks the text inside too. On
a notebook's page, the Going deeper sections must be as many as the notebook (the
copy in _sources/) has, each collapsed, and its code cells tagged going-deeper
hidden until their section is opened. Every page must say its language (`<html
lang>`) and carry, near the top, a visible link ("中文" on English pages, "English" on
Chinese ones) to the same page of the other edition. Each edition's search page runs
its searches, and each must list its page: "pooling" the English pooling page, 池化
and 互相关 the Chinese pooling and cross-correlation pages. Across pages it reports
links to book files that do not exist and `#anchors` that name no element of their
page.

    python book/check.py [BOOK_DIR] [--if-available]
    python book/check.py --which      # the Chromium binary it would use

BOOK_DIR defaults to build/book/ and is checked as it stands (nothing is built).
Without Chromium the check fails, unless --if-available is given outside CI
(CI=true in the environment), where it prints one line and succeeds. The Chromium
binary is $BOOK_CHROMIUM, else the Chromium of `playwright install chromium` (the
build the installed Playwright matches) when there is one, else the Debian/Ubuntu
package's real binary (not the /usr/bin/chromium shell wrapper), else a Chrome or
Chromium on the PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlsplit

BOOK = Path(__file__).resolve().parent
DEFAULT_BOOK_DIR = BOOK.parent / "build" / "book"


@dataclass(frozen=True)
class Edition:
    """One language of the book: its folder in the built book and what is checked there."""

    name: str
    folder: str  # relative to the book's root, "" or ending in "/"
    lang: str  # what <html lang> must start with
    link_text: str  # the text of its link to the other edition
    searches: tuple[tuple[str, str], ...]  # (query, a page, relative to `folder`, it must find)


EDITIONS = (
    Edition("English", "", "en", "中文", (("pooling", "notebooks/06_pooling.html"),)),
    Edition(
        "中文",
        "zh/",
        "zh",
        "English",
        (("池化", "notebooks/06_pooling.html"), ("互相关", "notebooks/01_cross_correlation.html")),
    ),
)
# The cell tag of "Going deeper" sections, and the class of the <details> the book makes of them.
DEEP = "going-deeper"

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Real binaries of distribution packages, tried before anything on the PATH.
PACKAGE_BINARIES = ["/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser"]
PATH_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
# Tabs working at once: pages cost CPU time to lay out and typeset, so one per core.
PARALLEL_PAGES = max(2, min(4, os.cpu_count() or 2))
TIMEOUT_MS = 30_000
# Folders of a Sphinx build that hold assets, not pages.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}


def find_chromium() -> str | None:
    """Path of a Chromium binary Playwright can launch, or None when there is none.

    In order: $BOOK_CHROMIUM; the Chromium of `playwright install chromium`, the build
    the installed Playwright was made for, when it is there; a distribution package's
    real binary; a Chrome or Chromium on the PATH.
    """
    explicit = os.environ.get("BOOK_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    matching = _playwright_chromium()
    if matching:
        return matching
    for path in PACKAGE_BINARIES:
        if os.access(path, os.X_OK):
            return path
    for name in PATH_NAMES:
        found = shutil.which(name)
        if not found:
            continue
        real = os.path.realpath(found)
        with open(real, "rb") as f:
            is_script = f.read(2) == b"#!"
        # A shell wrapper (Debian's /usr/bin/chromium) or a snap launcher is not the browser.
        if not is_script and "chrom" in os.path.basename(real).lower():
            return real
    return None


def _playwright_browser_folders() -> list[Path]:
    """Where `playwright install` puts browsers: $PLAYWRIGHT_BROWSERS_PATH (0: inside the
    package), else the user's cache on Linux, macOS or Windows."""
    explicit = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if explicit == "0":
        import playwright

        return [Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"]
    if explicit:
        return [Path(explicit)]
    home = Path.home()
    local = os.environ.get("LOCALAPPDATA")
    return [
        home / ".cache" / "ms-playwright",
        home / "Library" / "Caches" / "ms-playwright",
        *([Path(local) / "ms-playwright"] if local else []),
    ]


def _playwright_chromium() -> str | None:
    """The Chromium that `playwright install chromium` put in its cache (GitHub Actions), if any.

    Only Playwright's driver knows which of its builds it needs, and starting it takes a
    second, so it is asked only when a Chromium of Playwright's is there at all.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    folders = _playwright_browser_folders()
    if not any(d.is_dir() and any(d.glob("chromium*")) for d in folders):
        return None
    with sync_playwright() as pw:
        path = pw.chromium.executable_path
    return path if os.access(path, os.X_OK) else None


@dataclass
class Report:
    """What the check of one book found: problems (empty when the book is fine) and counts."""

    root: Path
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    editions: dict[str, int] = field(default_factory=dict)  # edition -> its pages
    loads: int = 0
    http_loads: int = 0
    math_pages: int = 0
    images: int = 0
    links: int = 0
    language_links: int = 0
    collapsed: int = 0
    deep_sections: int = 0
    searches: dict[str, int] = field(default_factory=dict)  # query -> pages found

    def summary(self) -> str:
        editions = ", ".join(f"{name} {n}" for name, n in self.editions.items())
        searches = ", ".join(f"'{q}' {n} pages" for q, n in self.searches.items())
        return (
            f"{self.pages} pages ({editions}) opened over file://, {self.http_loads} of them "
            f"also over http:// ({self.loads} loads): math typeset on {self.math_pages}, "
            f"{self.images} images decoded, {self.links} internal links and anchors "
            f"resolved, {self.language_links} language links to the same page in the other "
            f"edition, {self.collapsed} collapsed blocks hidden until opened "
            f"({self.deep_sections} of them Going deeper sections), searches found the "
            f"expected page: {searches}"
        )


# Runs in the page: waits for MathJax's first typesetting (which loads TeX extensions
# such as \cancel on demand) and says whether the page has math at all.
WAIT_MATHJAX_JS = """
async () => {
  const hasMath = document.querySelector('.math, .mathjax_process') !== null;
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return {hasMath, loaded: false};
  await mj.startup.promise;
  return {hasMath, loaded: true};
}
"""

# The collapsible blocks of the content: solutions (<details> in Markdown) and the
# <details class="hide"> that myst-nb makes of cells tagged hide-cell/-input/-output.
COLLAPSIBLE = "main details"

# Every collapsible block's state (open? how many of its parts, all but the <summary>,
# are visible? a label), then a click on the summary of each block that is closed, as a
# reader would, and the state again once the page has rendered the change. One call
# per page: a round trip per block made the check twice as slow. Also, before and after
# the clicks: which code cells tagged going-deeper are visible, and how many blocks are
# Going deeper sections.
OPEN_COLLAPSED_JS = """
async ([selector, deep]) => {
  const state = (d) => {
    const parts = [...d.children].filter((c) => c.tagName !== 'SUMMARY');
    const summary = d.querySelector(':scope > summary');
    return {
      open: d.open,
      label: (summary ? summary.innerText : d.innerText).trim().replace(/\\s+/g, ' ').slice(0, 60),
      parts: parts.length,
      visible: parts.filter((c) => c.checkVisibility()).length,
    };
  };
  const cells = [...document.querySelectorAll(`main .cell.tag_${deep}`)];
  const cellsBefore = cells.map((c) => c.checkVisibility());
  const blocks = [...document.querySelectorAll(selector)];
  const before = blocks.map(state);
  blocks.forEach((d, i) => {
    const summary = d.querySelector(':scope > summary');
    if (summary && !before[i].open && !before[i].visible) summary.click();
  });
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return {
    blocks: blocks.map((d, i) => ({before: before[i], after: state(d)})),
    deepSections: document.querySelectorAll(`main details.${deep}`).length,
    deepCells: cells.map((c, i) => ({before: cellsBefore[i], after: c.checkVisibility()})),
  };
}
"""

# Visible text outside code, with where it is; math that MathJax typeset is skipped
# (<mjx-container>), math it did not typeset is still TeX source in the text.
VISIBLE_TEXT_JS = """
() => {
  const skip = 'pre, code, script, style, textarea, mjx-container, mjx-assistive-mml';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    if (n.textContent.trim()) out.push(n.textContent);
  }
  return out.join(' ');
}
"""

MATHJAX_ERRORS_JS = """
() => [...document.querySelectorAll('mjx-merror, [data-mjx-error], .MathJax_Error')]
  .map((e) => e.getAttribute('data-mjx-error') || e.textContent.trim()).slice(0, 5)
"""

# Every image, made to load now (not lazily), decoded or reported by its src.
IMAGES_JS = """
async () => {
  const imgs = [...document.images];
  const bad = [];
  await Promise.all(imgs.map(async (img) => {
    img.loading = 'eager';
    const timeout = new Promise((_, no) => setTimeout(() => no(new Error('timeout')), 10000));
    try { await Promise.race([img.decode(), timeout]); } catch (e) { /* judged below */ }
    if (!img.complete || img.naturalWidth === 0) bad.push(img.getAttribute('src'));
  }));
  return {count: imgs.length, bad};
}
"""

LINKS_AND_IDS_JS = """
() => ({
  links: [...document.querySelectorAll('a[href]')].map((a) => [a.getAttribute('href'), a.href]),
  ids: [...document.querySelectorAll('[id]')].map((e) => e.id)
    .concat([...document.querySelectorAll('a[name]')].map((a) => a.name)),
  lang: document.documentElement.lang,
  language: [...document.querySelectorAll('a.language-link')].map((a) => ({
    href: a.getAttribute('href'),
    url: a.href,
    text: a.innerText.trim(),
    visible: a.checkVisibility(),
    top: a.getBoundingClientRect().top + window.scrollY,
  })),
})
"""

# Another query on the search page, as its own script runs the one in the URL.
SEARCH_AGAIN_JS = """
(query) => {
  document.getElementById('search-results').replaceChildren();
  try { Search.performSearch(query); } catch (e) { return String(e); }
  return null;
}
"""
SEARCH_RESULTS_JS = """
() => [...document.querySelectorAll('#search-results ul.search > li > a')].map((a) => a.href)
"""
# The search page is done when its summary says how many pages it found.
SEARCH_DONE_JS = """
() => { const s = document.querySelector('#search-results .search-summary');
        return s !== null && s.textContent.trim() !== ''; }
"""
# "Near the top of the page": the link to the other edition lies within this many pixels.
LANGUAGE_LINK_MAX_TOP = 200

RAW_TEX = [
    re.compile(r"\\[()\[\]]"),  # \( \) \[ \] delimiters
    re.compile(r"\$\$"),
    re.compile(
        r"\\(begin|end|frac|times|cdot|sum|sqrt|mathbf|mathrm|text|left|right|cancel|lfloor|rfloor)\b"
    ),
    re.compile(r"\$[^$\n]{0,80}[\\^_][^$\n]{0,80}\$"),  # $a^2$ left as it was typed
]


def raw_tex(text: str) -> str | None:
    """The first TeX-looking snippet of `text` (with some context), or None."""
    for pattern in RAW_TEX:
        m = pattern.search(text)
        if m:
            return " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


class LocalServer:
    """Serves a folder on 127.0.0.1 (a free port) in a thread until stop()."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def book_pages(root: Path) -> list[Path]:
    """Every HTML page of a built book (both editions), relative to its root, in a stable order."""
    return sorted(
        p.relative_to(root)
        for p in root.rglob("*.html")
        if not ASSET_DIRS.intersection(p.relative_to(root).parts)
    )


def edition_of(page: str) -> Edition:
    """The edition a page (a path relative to the book's root) belongs to."""
    for edition in reversed(EDITIONS):  # the most specific folder first
        if page.startswith(edition.folder):
            return edition
    raise ValueError(page)


def counterpart(page: str) -> str:
    """The same page in the other edition: notebooks/x.html <-> zh/notebooks/x.html."""
    edition = edition_of(page)
    other = next(e for e in EDITIONS if e is not edition)
    return other.folder + page[len(edition.folder) :]


def http_pages(pages: list[str]) -> set[str]:
    """The pages also opened over http://: each edition's search page (with its searches)
    and its first notebook page.

    Over http:// a page runs the same scripts and asks for the same files as over
    file://; the landing page and every notebook page are made from one template with
    the same scripts, and the search page from another. What only a server can change
    (an absolute path, an HTTP error, a script that behaves differently on an http
    origin) shows on any page of a kind, so one page of each kind stands for all; over
    file:// every page is opened.
    """
    chosen: set[str] = set()
    for edition in EDITIONS:
        own = [p for p in pages if edition_of(p) is edition]
        notebooks = [p for p in own if p[len(edition.folder) :].startswith("notebooks/")]
        chosen.update(p for p in own if p == edition.folder + "search.html")
        chosen.update(notebooks[:1])
    return chosen


HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
FENCE = re.compile(r"^[ \t]*(```|~~~)")


def heading_levels(markdown: str) -> list[int]:
    """The levels of the ATX headings of a Markdown text, outside fenced code."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (m := HEADING.match(line)):
            levels.append(len(m.group(1)))
    return levels


def going_deeper_in_notebook(notebook: dict) -> tuple[int, int]:
    """(Going deeper sections, code cells in them) of a notebook, from its cell tags.

    A section is one that a heading in a cell tagged going-deeper starts and that no
    such section holds already (a deeper heading in it is a subsection of it); the code
    cells are the tagged code cells that have code (empty cells are not rendered).
    """
    sections = code = 0
    open_level: int | None = None
    for cell in notebook["cells"]:
        text = "".join(cell.get("source", ""))
        deep = DEEP in cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and deep and text.strip():
            code += 1
        if cell["cell_type"] != "markdown":
            continue
        for level in heading_levels(text):
            if not deep:
                open_level = None
            elif open_level is None or level <= open_level:
                sections, open_level = sections + 1, level
    return sections, code


class _BookRun:
    """The check of one book: its pages (both editions), then the cross-page checks."""

    def __init__(self, root: Path, server: LocalServer) -> None:
        self.root = root
        self.report = Report(root)
        self.bases = {"file": root.as_uri() + "/", "http": server.url}
        self.pages = [p.as_posix() for p in book_pages(root)]
        self.http = http_pages(self.pages)
        self.report.pages = len(self.pages)
        self.report.http_loads = len(self.http)
        for edition in EDITIONS:
            self.report.editions[edition.name] = sum(edition_of(p) is edition for p in self.pages)
        self.ids: dict[tuple[str, str], set[str]] = {}  # (scheme, page) -> ids
        self.links: list[tuple[str, str, str, str]] = []  # (scheme, page, href, absolute url)
        self.math_pages: set[str] = set()

    def loads(self) -> list[tuple[str, str]]:
        """(scheme, page) of every load, the pages over file:// first."""
        return [("file", p) for p in self.pages] + [
            ("http", p) for p in self.pages if p in self.http
        ]

    def problem(self, scheme: str, page: str, text: str) -> None:
        self.report.problems.append(f"{page} ({scheme}): {text}")

    def to_page(self, scheme: str, url: str) -> str | None:
        """The book-relative path a URL names, or None when it is outside the book."""
        base = self.bases[scheme]
        url = urldefrag(url).url.split("?", 1)[0]
        if not url.startswith(base):
            return None
        rel = unquote(url[len(base) :])
        return rel + "index.html" if rel == "" or rel.endswith("/") else rel

    def inside(self, scheme: str, url: str) -> bool:
        return url.startswith(("data:", "blob:", "about:")) or self.to_page(scheme, url) is not None

    def outside(self, scheme: str) -> re.Pattern:
        """The URLs a page of `scheme` must not request: all but the book's, data: and the like.

        A regular expression, so that Playwright's driver matches each request itself and
        only requests that leave the book come to Python (a route for every request cost
        a tenth of the check's time).
        """
        allowed = (self.bases[scheme], "data:", "blob:", "about:")
        return re.compile("^(?!" + "|".join(re.escape(a) for a in allowed) + ")")

    async def check_page(self, tab, scheme: str, name: str) -> None:
        """Load one page in `tab` (a browser tab the caller reuses) and inspect it.

        The search page of an edition is loaded with the edition's first query, and its
        other queries are searched on that page (see search_for)."""
        edition = edition_of(name)
        searches = edition.searches if name == edition.folder + "search.html" else ()
        url = self.bases[scheme] + name
        if searches:
            url += "?q=" + quote(searches[0][0])
        blocked: set[str] = set()
        answered: set[str] = set()  # URLs answered with an HTTP error, reported once
        pending: set = set()  # requests not finished yet
        errors: list[float] = []  # when the page threw
        leaving = False

        async def block(r) -> None:
            blocked.add(r.request.url)
            await r.abort("blockedbyclient")

        def on_console(msg) -> None:
            # "Failed to load resource" names no URL; the request listeners report it with one.
            if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
                self.problem(scheme, name, f"console error: {msg.text}")

        def on_request(request) -> None:
            pending.add(request)

        def on_finished(request) -> None:
            pending.discard(request)

        def on_failed(request) -> None:
            pending.discard(request)
            if leaving and request.failure == "net::ERR_ABORTED":
                return  # cut off by the check leaving the page, after the page had settled
            if request.url not in blocked and request.url not in answered:
                self.problem(scheme, name, f"failed to load {request.url} ({request.failure})")

        def on_response(response) -> None:
            if response.status >= 400:
                answered.add(response.url)
                self.problem(scheme, name, f"HTTP {response.status} for {response.url}")

        def on_error(exc) -> None:
            errors.append(time.monotonic())
            self.problem(scheme, name, f"page error: {exc}")

        listeners = {
            "console": on_console,
            "pageerror": on_error,
            "request": on_request,
            "requestfinished": on_finished,
            "requestfailed": on_failed,
            "response": on_response,
        }
        outside = self.outside(scheme)
        await tab.route(outside, block)
        for event, listener in listeners.items():
            tab.on(event, listener)
        try:
            start = time.monotonic()
            await tab.goto(url, wait_until="load", timeout=TIMEOUT_MS)
            if searches:  # the results are part of the page: wait for them first
                await self.search_for(tab, scheme, name, *searches[0], errors, start)
            await self.inspect(tab, scheme, name)
            for query, page in searches[1:]:
                start = time.monotonic()
                error = await tab.evaluate(SEARCH_AGAIN_JS, query)
                if error:
                    self.problem(scheme, name, f"the search for '{query}' failed: {error}")
                else:
                    await self.search_for(tab, scheme, name, query, page, errors, start)
            # Let the page finish what it still loads (MathJax asks for its fonts while it
            # typesets): every request must have ended, a problem if it failed.
            await tab.evaluate("document.fonts.ready.then(() => true)")
            await settle(pending)
            leaving = True
            # Leave the page before the listeners go, so that its last events are heard.
            await tab.goto("about:blank")
        except Exception as exc:  # a page that cannot be inspected is a problem, not a crash
            self.problem(scheme, name, f"could not be checked: {type(exc).__name__}: {exc}")
        finally:
            for event, listener in listeners.items():
                tab.remove_listener(event, listener)
            await tab.unroute(outside, block)
            for u in sorted(blocked):
                self.problem(scheme, name, f"request leaves the book (blocked): {u}")
        self.report.loads += 1

    async def inspect(self, tab, scheme: str, name: str) -> None:
        math = await tab.evaluate(WAIT_MATHJAX_JS)
        if math["hasMath"]:
            if math["loaded"]:
                self.math_pages.add(name)
            else:
                self.problem(scheme, name, "the page has math but MathJax did not load")
        # Collapsed blocks: hidden first, shown once their summary is clicked.
        collapsed = await tab.evaluate(OPEN_COLLAPSED_JS, [COLLAPSIBLE, DEEP])
        for block in collapsed["blocks"]:
            before, after = block["before"], block["after"]
            if before["open"] or before["visible"]:
                self.problem(
                    scheme,
                    name,
                    f"collapsed block '{before['label']}' is visible before it is opened",
                )
            elif not after["open"] or after["visible"] < after["parts"]:
                self.problem(
                    scheme,
                    name,
                    f"collapsed block '{after['label']}' does not show its content when opened",
                )
            elif scheme == "file":
                self.report.collapsed += 1
        self.check_going_deeper(scheme, name, collapsed)
        # Everything is open now: the text inside the solutions is checked too.
        snippet = raw_tex(await tab.evaluate(VISIBLE_TEXT_JS))
        if snippet:
            self.problem(scheme, name, f"raw TeX in the visible text: '{snippet}'")
        for err in await tab.evaluate(MATHJAX_ERRORS_JS):
            self.problem(scheme, name, f"MathJax error: {err}")
        images = await tab.evaluate(IMAGES_JS)
        for src in images["bad"]:
            self.problem(scheme, name, f"image did not decode: {src}")
        if scheme == "file":
            self.report.images += images["count"] - len(images["bad"])
        found = await tab.evaluate(LINKS_AND_IDS_JS)
        self.ids[(scheme, name)] = set(found["ids"])
        for href, absolute in found["links"]:
            self.links.append((scheme, name, href, absolute))
        self.check_language(scheme, name, found)

    def check_going_deeper(self, scheme: str, name: str, collapsed: dict) -> None:
        """The page's Going deeper sections against its notebook (the copy in _sources/)."""
        edition = edition_of(name)
        source = self.root / edition.folder / "_sources" / name[len(edition.folder) :]
        source = source.with_suffix(".ipynb")
        if not source.is_file():
            return
        sections, code = going_deeper_in_notebook(json.loads(source.read_text(encoding="utf-8")))
        if collapsed["deepSections"] != sections:
            self.problem(
                scheme,
                name,
                f"{collapsed['deepSections']} collapsed Going deeper sections "
                f'(<details class="{DEEP}">), but the notebook has {sections}',
            )
        elif scheme == "file":
            self.report.deep_sections += sections
        cells = collapsed["deepCells"]
        if len(cells) != code:
            self.problem(
                scheme,
                name,
                f"{len(cells)} code cells tagged {DEEP} on the page, {code} in the notebook",
            )
        shown = [i + 1 for i, c in enumerate(cells) if c["before"]]
        if shown:
            self.problem(
                scheme,
                name,
                f"Going deeper code cells visible before their section is opened "
                f"(cells {', '.join(map(str, shown))} of {len(cells)} tagged {DEEP})",
            )
        hidden = [i + 1 for i, c in enumerate(cells) if not c["after"]]
        if hidden:
            self.problem(
                scheme,
                name,
                f"Going deeper code cells still hidden once everything is opened "
                f"(cells {', '.join(map(str, hidden))} of {len(cells)} tagged {DEEP})",
            )

    def check_language(self, scheme: str, name: str, found: dict) -> None:
        """The page's edition (<html lang>) and its link to the same page in the other one."""
        edition = edition_of(name)
        if not found["lang"].lower().startswith(edition.lang):
            self.problem(
                scheme, name, f'<html lang="{found["lang"]}"> in the {edition.name} edition'
            )
        expected = counterpart(name)
        if not found["language"]:
            self.problem(scheme, name, "no link to the other edition (a.language-link)")
            return
        link = found["language"][0]
        target = self.to_page(scheme, link["url"])
        if target != expected:
            self.problem(
                scheme,
                name,
                f"the link to the other edition goes to {target or link['href']}, not to "
                f"{expected}",
            )
        elif not (self.root / expected).is_file():
            self.problem(scheme, name, f"the link to the other edition: {expected} does not exist")
        elif not link["visible"] or link["top"] > LANGUAGE_LINK_MAX_TOP:
            self.problem(
                scheme,
                name,
                f"the link to the other edition is not visible near the top of the page "
                f"(visible: {link['visible']}, {link['top']:.0f} px from the top)",
            )
        elif link["text"] != edition.link_text:
            self.problem(
                scheme,
                name,
                f"the link to the other edition says '{link['text']}', not '{edition.link_text}'",
            )
        elif scheme == "file":
            self.report.language_links += 1

    async def search_for(
        self,
        tab,
        scheme: str,
        name: str,
        query: str,
        page: str,
        errors: list[float],
        start: float,
    ) -> None:
        """The search page's results for `query` (searching since `start`) must list `page`."""
        edition = edition_of(name)
        what = f"the search for '{query}'"
        if not await search_done(tab, errors, start):
            self.problem(scheme, name, f"{what} did not finish")
            return
        found = [self.to_page(scheme, u) for u in await tab.evaluate(SEARCH_RESULTS_JS)]
        expected = edition.folder + page
        if not found:
            self.problem(scheme, name, f"{what} found nothing (expected {expected})")
        elif expected not in found:
            self.problem(
                scheme,
                name,
                f"{what} found {len(found)} pages, not {expected}: " + ", ".join(map(str, found)),
            )
        elif scheme == "file":
            self.report.searches[query] = len(found)

    def check_links(self) -> None:
        for scheme, page, href, absolute in self.links:
            if urlsplit(absolute).scheme in ("http", "https") and scheme == "file":
                continue  # another site: a link a reader may follow, not loaded by the page
            if urlsplit(absolute).scheme in ("mailto", "javascript", "tel"):
                continue
            if scheme == "http" and not absolute.startswith(self.bases["http"]):
                continue
            target = self.to_page(scheme, absolute)
            if target is None:
                self.problem(scheme, page, f"link leaves the book: {href}")
                continue
            fragment = urldefrag(absolute).fragment
            path = self.root / target
            if not path.is_file():
                self.problem(scheme, page, f"link to a missing file: {href}")
            elif fragment and target.endswith(".html"):
                # Anchors are looked up in the page as it was loaded over file://
                # (the same HTML over both schemes).
                ids = self.ids.get((scheme, target), self.ids.get(("file", target)))
                if ids is None:
                    self.problem(
                        scheme, page, f"link to a page that is not part of the book: {href}"
                    )
                elif unquote(fragment) not in ids:
                    self.problem(scheme, page, f"anchor does not resolve: {href}")
                elif scheme == "file":
                    self.report.links += 1
            elif scheme == "file":
                self.report.links += 1

    def finish(self) -> Report:
        self.check_links()
        self.report.math_pages = len(self.math_pages)
        names = set(self.pages)
        if not self.pages:
            self.report.problems.append("no HTML pages in the book")
        for edition in EDITIONS:
            if edition.folder + "index.html" not in names:
                self.report.problems.append(
                    f"the {edition.name} edition is missing ({edition.folder}index.html)"
                )
            elif edition.folder + "search.html" not in names:
                self.report.problems.append(
                    f"the {edition.name} edition has no search page ({edition.folder}search.html)"
                )
        return self.report


async def search_done(tab, errors: list[float], start: float, grace: float = 1.0) -> bool:
    """Whether the search page finishes the search it began at `start`: its summary says
    how many pages it found. A search that throws never finishes: after a page error
    (`errors`, the times the page threw, a list that grows) it has `grace` seconds, not
    the whole timeout."""
    deadline = start + TIMEOUT_MS / 1000
    while not await tab.evaluate(SEARCH_DONE_JS):
        now = time.monotonic()
        thrown = [t for t in errors if t >= start]
        if now > deadline or (thrown and now > thrown[0] + grace):
            return False
        await asyncio.sleep(0.05)
    return True


async def settle(pending: set, timeout: float = TIMEOUT_MS / 1000) -> None:
    """Wait until no request of the page is pending, twice in a row 50 ms apart (Playwright's
    "networkidle" waits 500 ms of silence on every page, most of the time of a small page)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        await asyncio.sleep(0.05)
        quiet = 0 if pending else quiet + 1
        if time.monotonic() > deadline:
            urls = ", ".join(sorted(r.url for r in pending)[:3])
            raise TimeoutError(f"requests still pending after {timeout:.0f} s: {urls}")


async def _check_books(roots: list[Path], chromium: str) -> list[Report]:
    from playwright.async_api import async_playwright

    servers = [LocalServer(root) for root in roots]
    runs = [_BookRun(root, server) for root, server in zip(roots, servers, strict=True)]
    try:
        with tempfile.TemporaryDirectory(prefix="book-check-profile-") as profile:
            async with async_playwright() as pw:
                context = await pw.chromium.launch_persistent_context(
                    profile, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
                )
                context.set_default_timeout(TIMEOUT_MS)
                queue: asyncio.Queue = asyncio.Queue()
                for run in runs:
                    for scheme, page in run.loads():
                        queue.put_nowait((run, scheme, page))

                async def worker() -> None:
                    tab = await context.new_page()
                    while not queue.empty():
                        run, scheme, page = queue.get_nowait()
                        await run.check_page(tab, scheme, page)
                    await tab.close()

                await asyncio.gather(*(worker() for _ in range(PARALLEL_PAGES)))
                await context.close()
    finally:
        for server in servers:
            server.stop()
    return [run.finish() for run in runs]


def check_books(roots: list[Path], chromium: str | None = None) -> list[Report]:
    """Check several built books with one browser; one Report per book, in order.

    Raises RuntimeError when no Chromium is found and FileNotFoundError when a
    folder holds no built book (no index.html).
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise RuntimeError(chromium_missing())
    for root in roots:
        if not (root / "index.html").is_file():
            raise FileNotFoundError(
                f"{root / 'index.html'} does not exist: build the book first (make book)"
            )
    return asyncio.run(_check_books([r.resolve() for r in roots], chromium))


def check_book(root: Path, chromium: str | None = None) -> Report:
    """Check one built book (see check_books)."""
    return check_books([root], chromium)[0]


def chromium_missing() -> str:
    return (
        "Chromium is not installed (system package: apt-get install -y chromium; "
        "or set BOOK_CHROMIUM to a Chrome/Chromium binary)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "book", nargs="?", type=Path, default=DEFAULT_BOOK_DIR, help="built book (build/book)"
    )
    parser.add_argument(
        "--which", action="store_true", help="print the Chromium binary used, or fail"
    )
    parser.add_argument(
        "--if-available",
        action="store_true",
        help="outside CI, skip with one line when Chromium is missing",
    )
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if args.which:
        print(chromium or f"book-check: {chromium_missing()}")
        return 0 if chromium else 2
    if chromium is None:
        if args.if_available and os.environ.get("CI", "").lower() not in ("true", "1"):
            print(f"book-check: skipped, {chromium_missing()}")
            return 0
        print(f"book-check: FAILED, {chromium_missing()}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        report = check_book(args.book, chromium)
    except FileNotFoundError as exc:
        print(f"book-check: FAILED, {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    if report.problems:
        for p in report.problems:
            print(f"book-check: {p}", file=sys.stderr)
        print(
            f"book-check: FAILED, {len(report.problems)} problems in {args.book}", file=sys.stderr
        )
        return 1
    print(f"book-check: {args.book} fine, {report.summary()} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
