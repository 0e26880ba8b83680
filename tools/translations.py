"""The Chinese edition, derived from the English one (`make translations`).

The Chinese text lives in gettext catalogs, `i18n/zh_CN/<name>.po`: one per notebook
(`<name>` is the notebook's file stem) and `README.po` for the README. A message is
one paragraph of a markdown cell (or of README.md): a block of lines between blank
lines, a fenced code block kept whole inside it. Blocks without prose (code fences,
`</details>`, a lone maths display) are not messages and are copied as they are.

    make translations          # extract, update the catalogs, write the edition

1. extracts the messages of notebooks/NN_*.ipynb and README.md;
2. updates the catalogs: a message already there keeps its translation; a new message
   close to one that disappeared (difflib ratio >= 0.6, same source) takes its
   translation, marked fuzzy (for a person to check and unmark); any other new message
   is added untranslated; messages that disappeared are dropped;
3. writes notebooks/zh/NN_*.ipynb, each the English notebook with every message of its
   markdown cells replaced by its translation (untranslated and fuzzy messages stay in
   English, and the tests of tests/test_translations.py fail until they are translated),
   and README.zh-CN.md the same way. Code cells, outputs and all metadata are the
   English notebook's, byte for byte. Links are adjusted to the Chinese files: a
   notebook's `../X` becomes `../../X` (`../README.md` becomes the Chinese README), the
   README's `notebooks/NN_x.ipynb` becomes `notebooks/zh/NN_x.ipynb`, and `#anchor`
   fragments follow the translated headings (their anchors in the book).

What a message, a heading and an edition are is tools/notebook_format.py's; catalogs are
read and written with polib. tests/test_translations.py uses this module for its checks.

    python -m tools.translations    # or make translations
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import polib

from tools import notebook_format as nf

ROOT = Path(__file__).resolve().parent.parent
ZH_NOTEBOOKS = ROOT / nf.CHINESE.notebooks
CATALOGS = ROOT / "i18n" / "zh_CN"
GLOSSARY = ROOT / "i18n" / "glossary.tsv"
README = ROOT / nf.ENGLISH.readme
README_ZH = ROOT / nf.CHINESE.readme
FUZZY_CUTOFF = 0.6

_LINK = re.compile(r"(\]\()([^)\s]+)(\))|(href=\")([^\"]+)(\")")


# ---- blocks and messages ---------------------------------------------------------------


def split_blocks(text: str) -> list[str]:
    """`text` cut at blank lines outside fenced code: blocks and separators alternate,
    starting with a block, and "".join gives `text` back."""
    parts: list[str] = []
    current: list[str] = []
    fenced = nf.fenced_lines(text)
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if i not in fenced and not line.strip():
            separator = []
            while i < len(lines) and i not in fenced and not lines[i].strip():
                separator.append(lines[i])
                i += 1
            parts.append("".join(current))
            parts.append("".join(separator))
            current = []
            continue
        current.append(line)
        i += 1
    parts.append("".join(current))
    return parts


def is_message(block: str) -> bool:
    """A block with words to translate (letters outside code, maths, tags and link targets)."""
    return any(ch.isalpha() for ch in nf.prose(block))


def messages(text: str) -> list[str]:
    """The messages of a markdown text, in order, the trailing newline of a block not
    included (so a cell's last block and a middle one are the same message)."""
    return [b.rstrip("\n") for b in split_blocks(text)[::2] if is_message(b)]


# ---- the sources: notebooks and README -------------------------------------------------


@dataclass
class Source:
    name: str  # catalog name: the notebook's stem, or "README"
    path: Path  # the English file
    target: Path  # the Chinese file
    messages: list[tuple[str, str]] = field(default_factory=list)  # (msgid, "file:cell")


def english_notebooks() -> list[Path]:
    return nf.notebooks_of(ROOT, nf.ENGLISH)


def sources() -> list[Source]:
    found = []
    for path in english_notebooks():
        src = Source(path.stem, path, ZH_NOTEBOOKS / path.name)
        for index, cell in enumerate(nf.read(path).cells):
            if cell.cell_type == "markdown":
                src.messages += [(m, f"{path.name}:{index}") for m in messages(cell.source)]
        found.append(src)
    readme = Source("README", README, README_ZH)
    readme.messages = [(m, "README.md") for m in messages(README.read_text(encoding="utf-8"))]
    found.append(readme)
    return found


# ---- catalogs --------------------------------------------------------------------------


def catalog_path(name: str) -> Path:
    return CATALOGS / f"{name}.po"


def load_catalog(name: str) -> polib.POFile:
    path = catalog_path(name)
    if path.exists():
        return polib.pofile(str(path), wrapwidth=0)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "gluon-cnn-basics",
        "Language": "zh_CN",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return po


def update_catalog(src: Source) -> tuple[polib.POFile, dict[str, int]]:
    """The catalog of `src` brought up to its English messages; counts of what changed."""
    old = load_catalog(src.name)
    known = {e.msgid: e for e in old if not e.obsolete}
    wanted = [m for m, _ in src.messages]
    gone = [m for m in known if m not in set(wanted)]
    po = polib.POFile(wrapwidth=0)
    po.metadata = old.metadata
    counts = {"kept": 0, "fuzzy": 0, "new": 0, "dropped": 0}
    seen: dict[str, polib.POEntry] = {}
    for msgid, where in src.messages:
        if msgid in seen:
            seen[msgid].occurrences.append(tuple(where.split(":")) if ":" in where else (where, ""))
            continue
        if msgid in known:
            entry = known[msgid]
            entry.occurrences = [tuple(where.split(":")) if ":" in where else (where, "")]
            counts["kept"] += 1
        else:
            close = difflib.get_close_matches(msgid, gone, n=1, cutoff=FUZZY_CUTOFF)
            entry = polib.POEntry(msgid=msgid, msgstr="", occurrences=[
                tuple(where.split(":")) if ":" in where else (where, "")])
            if close and known[close[0]].msgstr:
                entry.msgstr = known[close[0]].msgstr
                entry.flags = ["fuzzy"]
                entry.previous_msgid = close[0]
                counts["fuzzy"] += 1
            else:
                counts["new"] += 1
        seen[msgid] = entry
        po.append(entry)
    counts["dropped"] = len([m for m in gone if m not in {e.previous_msgid for e in po}])
    return po, counts


def translation(po: polib.POFile) -> dict[str, str]:
    """msgid -> msgstr for the messages translated and not fuzzy."""
    return {e.msgid: e.msgstr for e in po if e.msgstr and "fuzzy" not in e.flags}


# ---- headings and links ----------------------------------------------------------------


def anchor_map(src: Source, table: dict[str, str]) -> dict[str, str]:
    """English heading anchor -> Chinese heading anchor, pairing the headings of each
    message with those of its translation in order."""
    mapping = {}
    for msgid, _ in src.messages:
        english = nf.headings(msgid)
        chinese = nf.headings(table.get(msgid, msgid))
        for en, zh in zip(english, chinese, strict=False):
            mapping.setdefault(en.anchor, zh.anchor)
    return mapping


def _relink(target: str, src: Source, anchors: dict[str, dict[str, str]]) -> str:
    """A link target of `src` as the Chinese file must write it (see the module docstring)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
        return target
    path, hashmark, fragment = target.partition("#")
    doc = None  # the document the fragment points into, by catalog name
    if src.name == "README":
        if not path:
            doc = "README"
        elif re.fullmatch(r"notebooks/[^/]+\.ipynb", path):
            doc = Path(path).stem
            path = "notebooks/zh/" + path[len("notebooks/"):]
    elif not path:
        doc = src.name
    elif re.fullmatch(r"[^/]+\.ipynb", path):
        doc = Path(path).stem
    elif path == "../README.md":
        doc, path = "README", "../../README.zh-CN.md"
    else:
        path = "../" + path
    if fragment and doc in anchors:
        fragment = anchors[doc].get(fragment, fragment)
    return path + hashmark + fragment


def relink(text: str, src: Source, anchors: dict[str, dict[str, str]]) -> str:
    def sub(m: re.Match) -> str:
        if m.group(1):
            return m.group(1) + _relink(m.group(2), src, anchors) + m.group(3)
        return m.group(4) + _relink(m.group(5), src, anchors) + m.group(6)

    return _LINK.sub(sub, text)


def translate_text(text: str, src: Source, table: dict[str, str],
                   anchors: dict[str, dict[str, str]]) -> str:
    parts = split_blocks(text)
    for i in range(0, len(parts), 2):
        block = parts[i]
        if is_message(block):
            body = block.rstrip("\n")
            parts[i] = table.get(body, body) + block[len(body):]
        parts[i] = relink(parts[i], src, anchors)
    return "".join(parts)


# ---- writing the edition ---------------------------------------------------------------


def render(src: Source, table: dict[str, str], anchors: dict[str, dict[str, str]]) -> str:
    """The Chinese file of `src` as text."""
    if src.name == "README":
        return translate_text(src.path.read_text(encoding="utf-8"), src, table, anchors)
    nb = nf.read(src.path)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_text(cell.source, src, table, anchors)
    return nbformat.writes(nb) + "\n"  # as nbformat.write writes it


def edition(catalogs: dict[str, polib.POFile] | None = None) -> dict[Path, str]:
    """Every Chinese file and its text, from the catalogs on disk (or those given)."""
    srcs = sources()
    pos = catalogs or {s.name: load_catalog(s.name) for s in srcs}
    tables = {s.name: translation(pos[s.name]) for s in srcs}
    anchors = {s.name: anchor_map(s, tables[s.name]) for s in srcs}
    return {s.target: render(s, tables[s.name], anchors) for s in srcs}


def main() -> int:
    CATALOGS.mkdir(parents=True, exist_ok=True)
    ZH_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
    catalogs = {}
    for src in sources():
        po, counts = update_catalog(src)
        po.save(str(catalog_path(src.name)))
        catalogs[src.name] = po
        todo = sum(1 for e in po if not e.msgstr or "fuzzy" in e.flags)
        print(f"{catalog_path(src.name).relative_to(ROOT)}: {len(po)} messages, "
              f"{counts['new']} new, {counts['fuzzy']} fuzzy from a changed message, "
              f"{counts['dropped']} dropped; {todo} to translate")
    for path, text in edition(catalogs).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    wanted = {s.target.name for s in sources()}
    for stale in ZH_NOTEBOOKS.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)} (no English notebook)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
