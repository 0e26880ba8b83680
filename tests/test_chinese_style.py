"""The Chinese style of the catalogs (tools/zh_style.py): numbers written the Chinese way,
the fixed direction words and terms, no English inside formulas.

The checker is tested first on planted text, then run over every catalog of i18n/zh_CN/;
each failure names the catalog, the start of the English message and the fix.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from tools import zh_style as Z

ROOT = Path(__file__).resolve().parent.parent


def found(text: str) -> list[str]:
    return [f for f, _ in Z.check_text(text)]


@pytest.mark.parametrize(("text", "hit", "fix"), [
    ("每次前向计算约 411 百万次乘加运算。", "411 百万", "4.11 亿"),
    ("共 411百万 次", "411百万", "4.11 亿"),
    ("调用了 200 千次", "200 千", "20 万"),
    ("有 25 百万个参数", "25 百万", "2500 万"),
    ("损失每次降为 2.4 分之一", "2.4 分之一", "1/2.4"),
    ("行数是原来的 kw 分之一", "kw 分之一", "1/kw"),
    ("输出只有原来的 $s$ 分之一", "$s$ 分之一", "1/$s$"),
])
def test_numbers_in_an_english_pattern_are_flagged_with_the_chinese_form(text, hit, fix):
    assert (hit, fix) in Z.check_text(text)


@pytest.mark.parametrize(("text", "hit"), [
    ("读取下面一层的全部 8 张特征图", "下面一层"),
    ("某层下方的步幅", "下方的步幅"),
    ("逐层往下推", "逐层往下推"),
    ("以玩具图像为例", "玩具图像"),
    ("采用余弦学习率计划", "学习率计划"),
    ("分类的输出头", "输出头"),
    ("本合集的其他笔记本", "本合集"),
    ("这套笔记本", "这套笔记本"),
    ("按 Xavier 规则初始化", "Xavier 规则"),
    ("角点…", "…"),
    ("第 0–1、2–3...列", "..."),
    ("运行 oneDNN 的卷积算子", "卷积算子"),
    ("格式为（批量, 通道, 高, 宽）的数组", "（批量, 通道, 高, 宽）"),
    ("深层 CNN 的最后几层", "CNN"),
    ("服务器以 “init N first”中止", " “"),
    (r"$Y = \text{the shape of } X$", r"\text{the shape of }"),
    (r"$$s = \text{edge share}$$", r"\text{edge share}"),
])
def test_wrong_variants_are_flagged(text, hit):
    assert found(text) == [hit]


@pytest.mark.parametrize("text", [
    "约 4.11 亿次乘加运算，20 万次调用，2500 万个参数，降为 1/2.4，十分之一，四分之一",
    "读取前一层的全部 8 张特征图；它之前（更靠近输入）各层的步幅",
    "示例图像、学习率调度、输出层、本系列、Xavier 初始化、正交矩阵、计算内核、运算符",
    "角点…… 窗口覆盖第 0–1、2–3……列",
    "代码中的 `\"411 百万\"`、`下面一层`、`x[...]` 和 `(1, 2)` 都不是正文",
    "```python\nprint('200 千', '本合集')\n```",
    "数学式 $10^{6} \\text{ 或 } 4.11 \\cdot 10^8$ 和 $\\mathrm{ReLU}(z)$ 里没有英文单词",
    "形状为 (1, 1, 8, 8)，布局为 (批量, 通道, 高, 宽)（见笔记本 01）；（对所有 (i, j) 求和）",
    "（准确率为 [−0.0005, +0.0085]，MAE 为 [−0.0022, +0.0003]）",
    '（"with profile minus profile zeroed, seed by seed"）',
    "一个千克、五千米、部分之间只差一点",
    "一个卷积神经网络（CNN）；项目名 Gluon CNN Basics；服务器以“init N first”中止",
    '图中 "push gradients" 即推送梯度',
    '表中 "CNN" 一行；名为 "train_…" 的曲线',
    "链接 [笔记本 01](01_cross_correlation.ipynb#a...b) 的目标不是正文",
])
def test_correct_text_is_not_flagged(text):
    assert Z.check_text(text) == []


def test_chinese_number_groups_by_wan_and_yi():
    assert Z.chinese_number(200_000) == "20 万"
    assert Z.chinese_number(411e6) == "4.11 亿"
    assert Z.chinese_number(25e6) == "2500 万"
    assert Z.chinese_number(3000) == "3000"


def test_a_hit_names_the_catalog_the_message_and_the_fix(tmp_path):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="It reads all 8 maps of the layer below.",
                            msgstr="它读取下面一层的全部 8 张特征图。"))
    po.append(polib.POEntry(msgid="Not translated yet.", msgstr=""))
    path = tmp_path / "99_planted.po"
    po.save(str(path))
    hits = Z.check_catalog(path)
    assert len(hits) == 1
    line = str(hits[0])
    assert line.startswith("99_planted.po: [It reads all 8 maps") and "下面一层" in line
    assert "前一层" in line


@pytest.mark.parametrize("path", Z.catalogs(), ids=lambda p: p.name)
def test_the_catalog_follows_the_chinese_style(path: Path) -> None:
    hits = Z.check_catalog(path)
    assert not hits, (f"{len(hits)} style problems (see tools/zh_style.py):\n"
                      + "\n".join(f"  {hit}" for hit in hits))


def test_every_variant_the_glossary_rules_out_is_flagged() -> None:
    variants = Z.glossary_variants()
    assert ("学习率计划", "学习率调度") in variants and ("这套笔记本", "本系列") in variants
    missed = [f"{wrong} (glossary: {term})" for wrong, term in variants
              if not Z.check_text(f"这里写的是{wrong}。")]
    assert not missed, "not flagged by tools/zh_style.py: " + ", ".join(missed)
