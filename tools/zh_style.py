"""Chinese style of the catalogs i18n/zh_CN/*.po: the mistakes a reader of d2l-zh stumbles on.

`check_text(msgstr)` returns the problems of one translation, `check_catalog(path)` those of
a catalog (each naming the catalog, the start of the English message and the fix), and
`python tools/zh_style.py` prints them for every catalog. Three kinds of problem:

- numbers in an English pattern in the prose: "200 千", "411 百万", "2.4 分之一" (N digits,
  ASCII letters, or a code or maths span); Chinese groups by 万 and 亿 and writes a
  fraction 1/N: 20 万, 4.11 亿, 1/2.4;
- wrong variants of fixed words (WRONG_VARIANTS): direction words for "toward the input"
  (之前 / 前一层), terms that drifted (学习率调度, 输出层, 本系列, ...), a single "…", a space
  around a full-width quote, a tuple in full-width brackets with half-width commas;
- English words inside maths: `\\text{...}` holding a lower-case Latin word or a phrase,
  where the formula should use a symbol the prose defines.

Code spans, fenced blocks, maths, HTML tags and link targets are not prose: the number and
variant checks skip them (a code span or a formula directly before 分之一 still counts as N).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "i18n" / "zh_CN"
GLOSSARY = ROOT / "i18n" / "glossary.tsv"

# One private-use character stands for each span that is not prose.
_HOLE = "\ue000"
_NOT_PROSE = re.compile(
    r"```.*?```|~~~.*?~~~|``[^`]+``|`[^`\n]*`"  # fenced blocks and code spans
    r"|\$\$.*?\$\$|\$[^$\n]+\$"  # maths
    r"|<[^>]+>|\]\([^)]*\)"  # HTML tags and link targets
    r'|"[^"\n\u4e00-\u9fff]*"',  # an English label quoted from a figure or table
    re.DOTALL,
)
_MATHS = re.compile(r"\$\$(.*?)\$\$|\$([^$\n]+)\$", re.DOTALL)
_TEXT_IN_MATHS = re.compile(r"\\(?:text|textrm|textit|textbf|textsf|mbox)\s*\{([^{}]*)\}")

# N before 千 / 百万 / 分之: a number, an ASCII name, or a code or maths span.
_N = rf"(?<![\w.])(\d+(?:\.\d+)?|[A-Za-z]+|{_HOLE})[ \t]*"
_THOUSAND = re.compile(_N + r"千(?![克米瓦])")
_MILLION = re.compile(_N + r"百万")
_FRACTION = re.compile(_N + r"分之[一二三四五六七八九十几]")

# (pattern, fix): variants of fixed words that mislead or drift; see i18n/glossary.tsv.
WRONG_VARIANTS: list[tuple[str, str]] = [
    (r"下面一层", "前一层 (toward the input: 之前 / 前一层; 下面一层 reads as the next layer)"),
    (r"下方的步幅|下方各层", "之前各层的步幅 (toward the input: 之前 / 前一层)"),
    (r"逐层往下推|逐层向下推", "逐层往前推 (toward the input: 之前 / 前一层)"),
    (r"玩具图像", "示例图像"),
    (r"学习率计划", "学习率调度"),
    (r"输出头", "输出层"),
    (r"本合集|这套笔记本|这个合集", "本系列"),
    (r"Xavier\s*规则", "Xavier 初始化"),
    (r"相互垂直", "正交 (of matrices and vectors; 相互垂直 only of lines in a figure)"),
    (r"卷积算子|算子", "运算符 (an MXNet operator) or 计算内核 (a compute kernel)"),
    (r"底层实现", "计算内核 (oneDNN's or OpenBLAS's compute kernel)"),
    (r"负担得起", "开销可以接受 / 承受得起"),
    (r"必须被告知", "需要指明"),
    (r"(?<!…)…(?!…)", "…… (the Chinese ellipsis is two characters)"),
    (r"(?<!\.)\.\.\.(?!\.)", "…… (the Chinese ellipsis)"),
    (r"[ \t]“|”[ \t]", "no space around a full-width quote: 以“init N first”中止"),
    (r"(?<!卷积神经网络（)(?<!Gluon )(?<![A-Za-z])CNNs?(?![A-Za-z])",
     "卷积神经网络 in prose (CNN only in parentheses after it, where first introduced)"),
]
_WRONG = [(re.compile(p), fix) for p, fix in WRONG_VARIANTS]
# A tuple is written as in code, half-width: (1, 1, 8, 8), (批量, 通道, 高, 宽), (行, 列).
# Found: full-width brackets around a half-width comma that no half-width tuple holds.
_FULL_WIDTH_GROUP = re.compile(r"（[^（）\n]*）")
_TUPLE_FIX = "a tuple in half-width brackets with \", \": (批量, 通道, 高, 宽)"


@dataclass(frozen=True)
class Hit:
    """One problem: where (catalog, start of the English message), what, and the fix."""

    catalog: str
    msgid: str
    found: str
    fix: str

    def __str__(self) -> str:
        start = " ".join(self.msgid.split())[:50]
        return f"{self.catalog}: [{start}] '{self.found}' -> {self.fix}"


def _split(text: str) -> tuple[str, list[str]]:
    """`text` with every non-prose span replaced by _HOLE, and the spans in order."""
    spans: list[str] = []

    def hole(m: re.Match) -> str:
        spans.append(m.group(0))
        return _HOLE

    return _NOT_PROSE.sub(hole, text.replace(_HOLE, "")), spans


def _restore(found: str, prose: str, start: int, spans: list[str]) -> str:
    """The original text of `found`, which starts at `start` in `prose`."""
    first = prose.count(_HOLE, 0, start)
    parts = found.split(_HOLE)
    return "".join(p + (spans[first + i] if i < len(parts) - 1 else "")
                   for i, p in enumerate(parts))


def chinese_number(value: float) -> str:
    """`value` written the Chinese way: 200000 -> "20 万", 411000000 -> "4.11 亿"."""
    for unit, size in (("亿", 1e8), ("万", 1e4)):
        if abs(value) >= size:
            return f"{value / size:.4g} {unit}"
    return f"{value:.4g}"


def _number_fix(n: str, factor: float | None) -> str:
    if factor is None:
        return f"1/{n}"
    try:
        return chinese_number(float(n) * factor)
    except ValueError:
        return f"{n} grouped by 万 and 亿 (20 万, 4.11 亿)"


def _is_tuple(inner: str) -> bool:
    """A bracket's content reads as a tuple: short items, no quotes, brackets or
    clauses, joined by half-width commas (a remark that merely holds a comma is not)."""
    items = [item.strip() for item in inner.split(",")]
    return (
        len(items) > 1
        and re.search(r"\w, ", inner) is not None
        and all(0 < len(item) <= 10 and not re.search(r"[\[\]\"“”：:为是]", item) for item in items)
    )


def check_text(text: str) -> list[tuple[str, str]]:
    """The problems of one translation: (the text found, the fix), in order of the rules."""
    prose, spans = _split(text)
    hits: list[tuple[str, str]] = []
    for pattern, factor in ((_THOUSAND, 1e3), (_MILLION, 1e6), (_FRACTION, None)):
        for m in pattern.finditer(prose):
            n = _restore(m.group(1), prose, m.start(1), spans)
            hits.append((_restore(m.group(0), prose, m.start(), spans), _number_fix(n, factor)))
    for pattern, fix in _WRONG:
        for m in pattern.finditer(prose):
            hits.append((_restore(m.group(0), prose, m.start(), spans), fix))
    for m in _FULL_WIDTH_GROUP.finditer(prose):
        if _is_tuple(re.sub(r"\([^()]*\)", "", m.group(0))[1:-1]):
            hits.append((_restore(m.group(0), prose, m.start(), spans), _TUPLE_FIX))
    for m in _MATHS.finditer(text):
        for words in _TEXT_IN_MATHS.findall(m.group(1) or m.group(2)):
            if re.search(r"[a-z]{2,}|[A-Za-z]+\s+[A-Za-z]", words):
                hits.append((f"\\text{{{words}}}", "no English in maths: a symbol the prose "
                             "defines, or the words in Chinese outside the formula"))
    return hits


def check_catalog(path: Path) -> list[Hit]:
    """The problems of every translated message of the catalog at `path`."""
    return [Hit(path.name, e.msgid, found, fix)
            for e in polib.pofile(str(path)) if e.msgstr
            for found, fix in check_text(e.msgstr)]


def glossary_variants() -> list[tuple[str, str]]:
    """(wrong variant, glossary term) for every variant a glossary note rules out with
    "not X" or "not X or Y" (X a Chinese word or a quoted phrase)."""
    word = r'"[^"]+"|[\u4e00-\u9fff]+'
    pairs = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        for group in re.findall(rf"\bnot ((?:{word})(?:(?: or |, )(?:{word}))*)", fields[2]):
            pairs += [(v.strip('"'), fields[1]) for v in re.findall(word, group)]
    return pairs


def catalogs() -> list[Path]:
    """Every catalog of the Chinese edition."""
    return sorted(CATALOGS.glob("*.po"))


def main() -> int:
    hits = [hit for path in catalogs() for hit in check_catalog(path)]
    print("\n".join(map(str, hits)) or "no problems")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
