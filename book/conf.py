"""Sphinx configuration of the HTML edition of the collection (`make book`), both languages.

The sources are not this folder: book/build.py stages each edition (README.md or
README.zh-CN.md as index.md, with a table of contents of every notebook appended, and
the edition's notebooks as notebooks/NN_*.ipynb) in build/book-src/<edition>/ and runs
Sphinx on that folder with this configuration: the English edition into build/book/,
the Chinese one with `-D language=zh_CN` into build/book/zh/. The notebooks are
rendered from their stored outputs; nothing is executed.

The `setup()` below adds what the theme does not do:
- a link to the same page in the other edition at the top of every page ("中文" on
  English pages, "English" on Chinese ones; template _templates/language-link.html);
- "Going deeper" sections collapsed: a section whose heading comes from a cell tagged
  `going-deeper` becomes a `<details class="going-deeper">` whose summary is that
  heading (styles in _static/book.css), and the build fails when a tagged cell lies
  outside such a section or an untagged one inside it;
- Chinese search that works in Sphinx 9.0: words split by jieba (with a user
  dictionary of the glossary's terms when build.py passes one), and the browser-side
  stemmer for the Latin words of Chinese pages named right (see ChineseSearch);
- one copy of MathJax for both editions, in the English one (_copy_mathjax).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import re
from pathlib import Path

import sphinx
from docutils import nodes
from sphinx.search.en import SearchEnglish
from sphinx.search.zh import SearchChinese
from sphinx.util import logging as sphinx_logging
from sphinx.util.fileutil import copy_asset

project = "Gluon CNN Basics"
author = "the Gluon CNN Basics contributors"
copyright = "the Gluon CNN Basics contributors"

extensions = [
    "myst_nb",  # notebooks and Markdown (MyST)
]

root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]

# The stored outputs are the content: never run a notebook here (CI already does).
nb_execution_mode = "off"
# $...$, $$...$$ and \begin{align} in Markdown cells, as Jupyter renders them.
myst_enable_extensions = ["dollarmath", "amsmath"]
# Headings get ids, so `[...](#a-heading)` and `[...](NN_x.ipynb#a-heading)` links resolve.
myst_heading_anchors = 3

# MathJax from the book itself, never from a CDN (Sphinx's default mathjax_path): MathJax 3
# with its extensions, from the sphinx-mathjax-offline package, copied into the English
# edition's _static/mathjax/ (see _copy_mathjax); the Chinese edition, in zh/, uses that copy.
mathjax_path = "mathjax/tex-chtml.js"
MATHJAX = (
    Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
)

templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_theme = "sphinx_book_theme"
html_title = "Gluon CNN Basics"
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    # The language link first, then the theme's buttons (download, full screen, colours).
    "article_header_end": ["language-link.html", "article-header-buttons.html"],
}
# No "last updated" stamp or build date: the same sources give the same pages.
html_last_updated_fmt = None
# No general index page: the notebooks define no index entries, so it would be empty.
html_use_index = False
# The search page would fetch every result page to quote it, which browsers refuse
# for file:// pages (a console error per result); results list titles instead, so
# the book searches the same whether opened from disk or served.
html_show_search_summary = False
# The theme's colour mode when the reader has not picked one (follows the system);
# without it a first visit logs "invalid theme mode" to the console.
html_context = {"default_mode": "auto"}

# The two editions: where each lives relative to the other, and what its link says.
# The Chinese edition is the folder zh/ inside the English one, with the same page names.
EDITIONS = {
    "en": {
        "title": "Gluon CNN Basics",
        "to_other": "zh/",
        "other_lang": "zh-CN",
        "link_text": "中文",
        "link_title": "中文版",
    },
    "zh": {
        "title": "Gluon CNN Basics 中文版",
        "to_other": "../",
        "other_lang": "en",
        "link_text": "English",
        "link_title": "English edition",
    },
}
DEEP_CLASS = "going-deeper"  # the cell tag, and the class of the collapsed sections
LOGGER = sphinx_logging.getLogger(__name__)
# Sphinx's minified Snowball stemmers (the code that goes into language_data.js).
SNOWBALL_JS = Path(sphinx.__file__).parent / "search" / "minified-js"


def edition_of(language: str | None) -> str:
    return "zh" if (language or "").startswith("zh") else "en"


def language_link(edition: str, pagename: str) -> dict[str, str]:
    """The link from page `pagename` of `edition` to the same page of the other edition."""
    info = EDITIONS[edition]
    up = "../" * pagename.count("/")  # from the page's folder back to its edition's root
    return {
        "href": f"{up}{info['to_other']}{pagename}.html",
        "hreflang": info["other_lang"],
        "text": info["link_text"],
        "title": info["link_title"],
    }


def stemmer_class(stemmer_file: str) -> str:
    """The class a Snowball JS stemmer file defines: english-stemmer.js -> EnglishStemmer."""
    words = re.split(r"[-_]", stemmer_file.removesuffix("-stemmer.js"))
    return "".join(w.capitalize() for w in words) + "Stemmer"


class RememberedStems:
    """A Snowball stemmer that stems each word once: a book's index stems every occurrence
    of every word (tens of thousands, a few thousand different ones), in pure Python."""

    def __init__(self, stemmer) -> None:
        self.stemWord = functools.lru_cache(maxsize=None)(stemmer.stemWord)


class EnglishSearch(SearchEnglish):
    """Sphinx's English search with RememberedStems (the same index, built faster)."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self.stemmer = RememberedStems(self.stemmer)


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search (jieba splits the words), with its JS stemmer named right.

    Chinese pages stem their Latin words with the English Snowball stemmer
    (`js_stemmer_rawcode = 'english-stemmer.js'`), but Sphinx 9.0 ends the generated
    `_static/language_data.js` with `window.Stemmer = ChineseStemmer;`, a class nothing
    defines, so every search on a Chinese page throws a ReferenceError and finds nothing
    (sphinx-doc/sphinx#14229; fixed by #14416 in releases that need Python 3.12). This
    class writes the same stemmer code and names the class its file defines, as that
    fix does. Its Python stemmer is RememberedStems.
    """

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self.stemmer = RememberedStems(self.stemmer)

    js_stemmer_rawcode = ""  # the code below is complete; nothing else to copy
    js_stemmer_code = "\n".join(
        [
            (SNOWBALL_JS / "base-stemmer.js").read_text(encoding="utf-8"),
            (SNOWBALL_JS / SearchChinese.js_stemmer_rawcode).read_text(encoding="utf-8"),
            f"window.Stemmer = {stemmer_class(SearchChinese.js_stemmer_rawcode)};",
        ]
    )


def _edition_settings(app, config) -> None:
    edition = edition_of(config.language)
    config.html_title = EDITIONS[edition]["title"]
    if edition == "zh":
        config.mathjax_path = "../../_static/mathjax/tex-chtml.js"  # zh/_static -> _static
        # myst-nb's buttons of collapsed code cells (Sphinx's catalog does not have them).
        config.nb_code_prompt_show = "显示代码单元格"
        config.nb_code_prompt_hide = "隐藏代码单元格"
        try:
            import jieba
        except ImportError as exc:  # without jieba no Chinese word is indexed at all
            raise RuntimeError("the Chinese book's search needs jieba (pip install jieba)") from exc
        jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict ..." lines


def _page_context(app, pagename, templatename, context, doctree) -> None:
    context["book_language_link"] = language_link(edition_of(app.config.language), pagename)


# myst-nb numbers the source lines of cell i from (i + 1) * 10000 (nb_to_tokens.py: "a
# pseudo base of the cell index"), so a node's line says which cell it came from.
NB_LINE_BASE = 10000


def _cell_of(node: nodes.Node) -> int | None:
    index = node.get("cell_index") if isinstance(node, nodes.Element) else None
    if index is None and node.line:
        index = node.line // NB_LINE_BASE - 1
    return index


def going_deeper_cells(notebook: dict) -> list[bool]:
    """For each cell of a notebook (nbformat 4 JSON), whether it is tagged `going-deeper`."""
    return [DEEP_CLASS in c.get("metadata", {}).get("tags", []) for c in notebook["cells"]]


def _collapse_going_deeper(app, doctree, docname) -> None:
    """Each section whose heading is in a cell tagged `going-deeper` becomes a <details>
    with that heading as its summary; then every node from a tagged cell must lie in
    such a section and no other node may (a warning, an error under -W, names the cell)."""
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return
    deep = going_deeper_cells(json.loads(source.read_text(encoding="utf-8")))
    if not any(deep):
        return
    collapsed: set[nodes.section] = set()
    for section in list(doctree.findall(nodes.section)):
        cell = _cell_of(section)
        inside = any(a in collapsed for a in _ancestors(section))
        if cell is None or not 0 <= cell < len(deep) or not deep[cell] or inside:
            continue
        where = section.first_child_matching_class(nodes.title)
        section.insert(
            where, nodes.raw("", f'<details class="{DEEP_CLASS}"><summary>', format="html")
        )
        section.insert(where + 2, nodes.raw("", "</summary>", format="html"))
        section.append(nodes.raw("", "</details>", format="html"))
        section["classes"].append(DEEP_CLASS)
        collapsed.add(section)
    reported: set[int] = set()
    for node in doctree.findall(nodes.Element):
        cell = _cell_of(node)
        if cell is None or cell in reported or not 0 <= cell < len(deep):
            continue
        inside = node in collapsed or any(a in collapsed for a in _ancestors(node))
        if inside != deep[cell]:
            reported.add(cell)
            what = (
                "is tagged going-deeper but is not in a section that starts with a tagged heading"
                if deep[cell]
                else "is not tagged going-deeper but lies in a going-deeper section"
            )
            LOGGER.warning(
                "cell %d %s; the book collapses whole sections only",
                cell + 1,
                what,
                location=docname,
            )


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _copy_mathjax(app, exc) -> None:
    if exc is None and edition_of(app.config.language) == "en":
        copy_asset(MATHJAX, Path(app.outdir) / "_static" / "mathjax")


def setup(app) -> dict:
    app.add_search_language(EnglishSearch)
    app.add_search_language(ChineseSearch)
    app.connect("config-inited", _edition_settings)
    app.connect("html-page-context", _page_context)
    app.connect("doctree-resolved", _collapse_going_deeper)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
