"""Check the built book in a real browser (`make book-check`).

Headless Chromium (the system package, driven by Playwright) opens every page of
a built book twice: over file:// and over a local HTTP server on 127.0.0.1. Any
request that would leave the book (a CDN, another site, a file outside the book)
is blocked and reported. On each page the check waits for MathJax to typeset, then
reports: raw TeX left in the visible text, MathJax error elements, images that did
not decode, console errors and uncaught page errors, resources that failed to
load, and collapsed blocks (`<details>` solutions, cells tagged hide-cell) whose
content is visible before they are opened or not after. Then it opens every
collapsed block and checks the text inside too. Across pages it reports links to
book files that do not exist and `#anchors` that name no element of their page,
and it searches the book for "pooling" and reports an empty result.

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
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

BOOK = Path(__file__).resolve().parent
DEFAULT_BOOK_DIR = BOOK.parent / "build" / "book"
SEARCH_TERM = "pooling"
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


def _playwright_chromium() -> str | None:
    """The Chromium that `playwright install chromium` put in its cache (GitHub Actions), if any."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
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
    loads: int = 0
    math_pages: int = 0
    images: int = 0
    links: int = 0
    collapsed: int = 0
    search_results: int = 0

    def summary(self) -> str:
        return (
            f"{self.pages} pages opened over file:// and http:// ({self.loads} loads): "
            f"math typeset on {self.math_pages}, {self.images} images decoded, "
            f"{self.links} internal links and anchors resolved, {self.collapsed} collapsed "
            f"blocks hidden until opened, "
            f"search for '{SEARCH_TERM}' found {self.search_results} pages"
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
# per page: a round trip per block made the check twice as slow.
OPEN_COLLAPSED_JS = """
async (selector) => {
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
  const blocks = [...document.querySelectorAll(selector)];
  const before = blocks.map(state);
  blocks.forEach((d, i) => {
    const summary = d.querySelector(':scope > summary');
    if (summary && !before[i].open && !before[i].visible) summary.click();
  });
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return blocks.map((d, i) => ({before: before[i], after: state(d)}));
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
})
"""

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
    """Every HTML page of a built book, relative to its root, in a stable order."""
    return sorted(
        p.relative_to(root)
        for p in root.rglob("*.html")
        if not ASSET_DIRS.intersection(p.relative_to(root).parts)
    )


class _BookRun:
    """The check of one book: its pages over both URL schemes, then the cross-page checks."""

    def __init__(self, root: Path, server: LocalServer) -> None:
        self.root = root
        self.report = Report(root)
        self.bases = {"file": root.as_uri() + "/", "http": server.url}
        self.pages = book_pages(root)
        self.report.pages = len(self.pages)
        self.ids: dict[tuple[str, str], set[str]] = {}  # (scheme, page) -> ids
        self.links: list[tuple[str, str, str, str]] = []  # (scheme, page, href, absolute url)
        self.math_pages: set[str] = set()

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

    async def check_page(self, tab, scheme: str, page: Path) -> None:
        """Load one page in `tab` (a browser tab the caller reuses) and inspect it."""
        name = page.as_posix()
        url = self.bases[scheme] + name
        blocked: set[str] = set()
        answered: set[str] = set()  # URLs answered with an HTTP error, reported once

        async def route(r) -> None:
            if self.inside(scheme, r.request.url):
                await r.continue_()
            else:
                blocked.add(r.request.url)
                await r.abort("blockedbyclient")

        def on_console(msg) -> None:
            # "Failed to load resource" names no URL; the request listeners report it with one.
            if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
                self.problem(scheme, name, f"console error: {msg.text}")

        def on_failed(request) -> None:
            if request.url not in blocked and request.url not in answered:
                self.problem(scheme, name, f"failed to load {request.url} ({request.failure})")

        def on_response(response) -> None:
            if response.status >= 400:
                answered.add(response.url)
                self.problem(scheme, name, f"HTTP {response.status} for {response.url}")

        def on_error(exc) -> None:
            self.problem(scheme, name, f"page error: {exc}")

        listeners = {
            "console": on_console,
            "pageerror": on_error,
            "requestfailed": on_failed,
            "response": on_response,
        }
        await tab.route("**/*", route)
        for event, listener in listeners.items():
            tab.on(event, listener)
        try:
            await tab.goto(url, wait_until="load", timeout=TIMEOUT_MS)
            await self.inspect(tab, scheme, name)
            if name == "search.html":
                await self.search(tab, scheme, name)
            # Let the page finish what it still loads (MathJax asks for its fonts while it
            # typesets); leaving now would abort those requests and report them as failed.
            await tab.evaluate("document.fonts.ready.then(() => true)")
            await tab.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
            # Leave the page before the listeners go, so that its last events are heard.
            await tab.goto("about:blank")
        except Exception as exc:  # a page that cannot be inspected is a problem, not a crash
            self.problem(scheme, name, f"could not be checked: {type(exc).__name__}: {exc}")
        finally:
            for event, listener in listeners.items():
                tab.remove_listener(event, listener)
            await tab.unroute("**/*", route)
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
        for block in await tab.evaluate(OPEN_COLLAPSED_JS, COLLAPSIBLE):
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

    async def search(self, tab, scheme: str, name: str) -> None:
        url = f"{self.bases[scheme]}search.html?q={SEARCH_TERM}"
        await tab.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        try:
            await tab.wait_for_function(
                "() => { const s = document.querySelector('#search-results .search-summary');"
                " return s !== null && s.textContent.trim() !== ''; }",
                timeout=TIMEOUT_MS,
            )
        except Exception:
            self.problem(scheme, name, f"the search for '{SEARCH_TERM}' did not finish")
            return
        hits = await tab.locator("#search-results ul.search > li").count()
        if hits == 0:
            self.problem(scheme, name, f"the search for '{SEARCH_TERM}' found nothing")
        elif scheme == "http":
            self.report.search_results = hits

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
                ids = self.ids.get((scheme, target))
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
        if not self.pages:
            self.report.problems.append("no HTML pages in the book")
        elif "search.html" not in {p.as_posix() for p in self.pages}:
            self.report.problems.append("the book has no search page (search.html)")
        return self.report


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
                    for scheme in ("file", "http"):
                        for page in run.pages:
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
