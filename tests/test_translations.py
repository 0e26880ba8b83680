"""The Chinese edition (notebooks/zh/, README.zh-CN.md) is derived from the English one
and the catalogs of i18n/zh_CN/ (tools/translations.py, `make translations`).

These tests make any change to an English notebook or README fail until its
translation is updated: the catalog must hold exactly the English messages, each with
a translation that is neither empty nor fuzzy, and the Chinese files must be what
`make translations` writes from them. Each failure names the file and the message.

"Left in English" is counted on a translation's prose (without code, maths, HTML tags
and link targets): its longest run of English words (letters, apostrophes and hyphens),
consecutive with only spaces between them. A run of ENGLISH_RUN words or more fails; names
such as "Apache MXNet Gluon" or "Grace Hopper" are far shorter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tools import notebook_format as nf
from tools import translations as T

ROOT = Path(__file__).resolve().parent.parent

SOURCES = T.sources()
ENGLISH_RUN = 6
_WORD_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*)*")
# (English pattern, Chinese term): used consistently both ways, checked on every message.
GLOSSARY_CHECKS = [
    (r"\bpooling\b", r"\bpool", "池化"),
    (r"\bpadding\b", r"\bpad", "填充"),
    (r"\bstrides?\b", r"\bstrid", "步幅"),
    (r"\breceptive fields?\b", r"\breceptive", "感受野"),
    (r"\bfine-?tun", r"\bfine-?tun", "微调"),
    (r"\bcross-correlation\b", r"\bcross-correlat", "互相关"),
]


def _short(text: str, n: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def english_run(text: str) -> str:
    """The longest run of English words in the prose of `text`."""
    runs = _WORD_RUN.findall(nf.prose(text))
    return max(runs, key=lambda r: len(r.split()), default="")


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_the_catalog_holds_exactly_the_english_messages(src) -> None:
    po = T.load_catalog(src.name)
    have = [e.msgid for e in po]
    want = list(dict.fromkeys(m for m, _ in src.messages))
    missing = [m for m in want if m not in set(have)]
    extra = [m for m in have if m not in set(want)]
    assert not missing and not extra, (
        f"{src.path.name}: the catalog {T.catalog_path(src.name).relative_to(ROOT)} is stale; "
        "run `make translations`, then translate what it marks.\n"
        + "".join(f"  new or changed in English: {_short(m)}\n" for m in missing)
        + "".join(f"  no longer in English: {_short(m)}\n" for m in extra)
    )


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_every_message_is_translated(src) -> None:
    po = T.load_catalog(src.name)
    todo = [f"  {'fuzzy' if 'fuzzy' in e.flags else 'untranslated'}: {_short(e.msgid)}"
            for e in po if not e.msgstr.strip() or "fuzzy" in e.flags]
    assert not todo, (f"{src.path.name}: {len(todo)} messages of "
                      f"{T.catalog_path(src.name).relative_to(ROOT)} need a translation:\n"
                      + "\n".join(todo))


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_no_translation_is_left_in_english(src) -> None:
    left = []
    for e in T.load_catalog(src.name):
        run = english_run(e.msgstr)
        if len(run.split()) >= ENGLISH_RUN:
            left.append(f"  {_short(e.msgid, 60)} -> '{_short(run, 60)}'")
    assert not left, (f"{src.path.name}: translations with a run of {ENGLISH_RUN} or more "
                      "English words:\n" + "\n".join(left))


_MARKDOWN = MarkdownIt("commonmark").enable("table")


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.name)
def test_emphasis_renders_in_chinese(src) -> None:
    """`**粗体：**正文` does not render as bold (a closing ** after punctuation needs a space
    or punctuation after it); put the punctuation outside: `**粗体**：正文`."""
    literal = []
    for e in T.load_catalog(src.name):
        html = _MARKDOWN.render(e.msgstr)
        html = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
        if "**" in html or re.search(r"(?<![\\\w])__\S", html):
            literal.append(f"  {_short(e.msgstr, 80)}")
    assert not literal, (f"{src.path.name}: emphasis shown as literal asterisks:\n"
                         + "\n".join(literal))


def test_the_chinese_files_are_current() -> None:
    stale = [path.relative_to(ROOT).as_posix() for path, text in T.edition().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"not what `make translations` writes: {stale}; run make translations"
    extra = sorted({p.name for p in T.ZH_NOTEBOOKS.glob("*.ipynb")}
                   - {s.target.name for s in SOURCES})
    assert not extra, f"Chinese notebooks without an English one: {extra}"


@pytest.mark.parametrize("path", T.english_notebooks(), ids=lambda p: p.name)
def test_code_outputs_and_metadata_are_the_english_ones(path: Path) -> None:
    en = nf.read(path)
    zh = nf.read(T.ZH_NOTEBOOKS / path.name)
    assert zh["metadata"] == en["metadata"], path.name
    assert len(zh["cells"]) == len(en["cells"]), path.name
    for i, (a, b) in enumerate(zip(en["cells"], zh["cells"], strict=True)):
        if a["cell_type"] == "code":
            assert b == a, f"{path.name}: code cell {i} differs"
        else:
            assert {k: v for k, v in b.items() if k != "source"} == \
                   {k: v for k, v in a.items() if k != "source"}, f"{path.name}: cell {i}"


@pytest.mark.parametrize(("english", "back", "chinese"), GLOSSARY_CHECKS,
                         ids=[c for _, _, c in GLOSSARY_CHECKS])
def test_glossary_terms_are_used_both_ways(english: str, back: str, chinese: str) -> None:
    """A message whose English prose uses the term has it in Chinese, and a translation
    that uses the Chinese term translates an English text (code included) that has it."""
    wrong = []
    for src in SOURCES:
        for e in T.load_catalog(src.name):
            if not e.msgstr:
                continue
            if re.search(english, nf.prose(e.msgid), re.IGNORECASE) and chinese not in e.msgstr:
                wrong.append(f"  {src.name}: no {chinese} for: {_short(e.msgid, 70)}")
            if chinese in nf.prose(e.msgstr) and not re.search(back, e.msgid, re.IGNORECASE):
                wrong.append(f"  {src.name}: {chinese} without '{back}' in: {_short(e.msgid, 70)}")
    assert not wrong, "\n".join(wrong)


def test_every_glossary_check_is_in_the_glossary() -> None:
    glossary = dict(line.split("\t")[:2] for line in
                    T.GLOSSARY.read_text(encoding="utf-8").splitlines()
                    if line and not line.startswith("#"))
    for _, _, chinese in GLOSSARY_CHECKS:
        assert chinese in glossary.values(), chinese


def test_the_readmes_link_each_other() -> None:
    english = T.README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    chinese = T.README_ZH.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "(README.zh-CN.md)" in english and "(README.md)" in chinese


def test_english_run_counts_words_outside_code_and_maths() -> None:
    assert english_run("池化层 `pool2d(X, (2, 2))` 与 $y = max x$") == ""
    assert english_run("用 Apache MXNet Gluon 写的") == "Apache MXNet Gluon"
    assert len(english_run("This sentence was left in English by mistake.").split()) == 8
