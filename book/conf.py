"""Sphinx configuration of the HTML edition of the collection (`make book`).

The sources are not this folder: book/build.py stages README.md (as index.md,
with a table of contents of every notebook appended) and notebooks/*.ipynb in
build/book-src/ and runs Sphinx on that folder with this configuration. The
notebooks are rendered from their stored outputs; nothing is executed.
"""

project = "Gluon CNN Basics"
author = "the Gluon CNN Basics contributors"
copyright = "the Gluon CNN Basics contributors"

extensions = [
    "myst_nb",  # notebooks and Markdown (MyST)
    "sphinx-mathjax-offline",  # copies MathJax 3 (with its extensions) into _static/mathjax
]

root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]

# The stored outputs are the content: never run a notebook here (CI already does).
nb_execution_mode = "off"
# $...$, $$...$$ and \begin{align} in Markdown cells, as Jupyter renders them.
myst_enable_extensions = ["dollarmath", "amsmath"]
# Headings get ids, so `[...](#a-heading)` and `[...](NN_x.ipynb#a-heading)` links resolve.
myst_heading_anchors = 3

# MathJax from the build itself, never from a CDN (Sphinx's default mathjax_path).
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "Gluon CNN Basics"
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
# No "last updated" stamp or build date: the same sources give the same pages.
html_last_updated_fmt = None
# The search page would fetch every result page to quote it, which browsers refuse
# for file:// pages (a console error per result); results list titles instead, so
# the book searches the same whether opened from disk or served.
html_show_search_summary = False
# The theme's colour mode when the reader has not picked one (follows the system);
# without it a first visit logs "invalid theme mode" to the console.
html_context = {"default_mode": "auto"}
