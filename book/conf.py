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
- "Going deeper" sections collapsed: the section of each heading that
  tools/notebook_format.py says opens one (its cell is tagged `going-deeper`) becomes a
  `<details class="going-deeper">` whose summary is that heading (styles in
  _static/book.css); a page's sections are its notebook's headings, in order;
- Chinese search that works in Sphinx 9.0: words split by jieba (with a user dictionary
  of the glossary's terms when build.py passes one), and _static/chinese-stemmer.js;
- one copy of MathJax for both editions, in the English one (_copy_mathjax).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from docutils import nodes
from sphinx.util import logging as sphinx_logging
from sphinx.util.fileutil import copy_asset

from tools import notebook_format as nf

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
myst_enable_extensions = list(nf.MYST_EXTENSIONS)
# Headings get ids, so `[...](#a-heading)` and `[...](NN_x.ipynb#a-heading)` links resolve
# (and a link to an id no heading has fails the build, under -W).
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

# What each edition calls itself and its link to the other one.
TITLE = {"en": "Gluon CNN Basics", "zh": "Gluon CNN Basics 中文版"}
LINK = {"en": ("中文", "中文版"), "zh": ("English", "English edition")}  # (text, title)
LOGGER = sphinx_logging.getLogger(__name__)


def language_link(edition: nf.Edition, pagename: str) -> dict[str, str]:
    """The link from page `pagename` of `edition` to the same page of the other edition."""
    other = nf.other(edition)
    up = "../" * (pagename.count("/") + edition.book.count("/"))  # to the English root
    text, title = LINK[edition.key]
    return {"href": f"{up}{other.book}{pagename}.html", "hreflang": other.html_lang,
            "text": text, "title": title}


def _edition_settings(app, config) -> None:
    edition = nf.edition_for_language(config.language)
    config.html_title = TITLE[edition.key]
    if edition is nf.CHINESE:
        config.mathjax_path = "../../_static/mathjax/tex-chtml.js"  # zh/_static -> _static
        # Sphinx 9.0's language_data.js for Chinese names a stemmer class it never defines
        # (sphinx-doc/sphinx#14229; fixed in releases that need Python 3.12): this defines it.
        config.html_js_files = [*config.html_js_files, "chinese-stemmer.js"]
        # myst-nb's buttons of collapsed code cells (Sphinx's catalog does not have them).
        config.nb_code_prompt_show = "显示代码单元格"
        config.nb_code_prompt_hide = "隐藏代码单元格"
        try:
            import jieba
        except ImportError as exc:  # without jieba no Chinese word is indexed at all
            raise RuntimeError("the Chinese book's search needs jieba (pip install jieba)") from exc
        jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict ..." lines


def _page_context(app, pagename, templatename, context, doctree) -> None:
    context["book_language_link"] = language_link(
        nf.edition_for_language(app.config.language), pagename
    )


def _collapse_going_deeper(app, doctree, docname) -> None:
    """Each section whose heading opens a Going deeper section becomes a <details> with
    that heading as its summary. A notebook's page has a section for each heading of its
    markdown cells, in order; when the counts differ nothing is collapsed and a warning
    (an error under -W) says so."""
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    opens = nf.collapsed_headings(nf.read(path))
    sections = list(doctree.findall(nodes.section))
    if len(sections) != len(opens):
        LOGGER.warning("%d sections on the page but %d headings in the notebook: Going deeper "
                       "sections not collapsed", len(sections), len(opens), location=docname)
        return
    for section, deep in zip(sections, opens, strict=True):
        if deep:
            where = section.first_child_matching_class(nodes.title)
            section.insert(where, nodes.raw(
                "", f'<details class="{nf.DEEP_TAG}"><summary>', format="html"))
            section.insert(where + 2, nodes.raw("", "</summary>", format="html"))
            section.append(nodes.raw("", "</details>", format="html"))


def _copy_mathjax(app, exc) -> None:
    if exc is None and nf.edition_for_language(app.config.language) is nf.ENGLISH:
        copy_asset(MATHJAX, Path(app.outdir) / "_static" / "mathjax")


def setup(app) -> dict:
    app.connect("config-inited", _edition_settings)
    app.connect("html-page-context", _page_context)
    app.connect("doctree-resolved", _collapse_going_deeper)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
