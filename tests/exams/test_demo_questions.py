"""The demo question bank (``exams/data/demo_questions.csv``) checked against the texts it cites.

Every row must be a well-formed question (type, options, key), sit in a known category, cite an article that
exists in the vendored statute (``exams/data/laws/``) or a section of the Weihai opinions
(``exams/data/seed/``), and quote in its 解析, inside 「」, at least eight Chinese characters that occur verbatim
in the cited text. Plain file reading: no app, no database.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "exams" / "data"
QUESTIONS_FILE = DATA / "demo_questions.csv"
LAWS_DIR = DATA / "laws"
SEED_FILE = DATA / "seed" / "weihai-2016-3-law-enforcement-opinions.txt"

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "类别", "执法类别", "难度",
          "法律依据", "解析"]
LETTERS = "ABCDEF"
LAW_FILES = {
    "行政处罚法": "xingzheng-chufa-fa-2021.md",
    "行政许可法": "xingzheng-xuke-fa-2019.md",
    "行政强制法": "xingzheng-qiangzhi-fa-2011.md",
    "行政复议法": "xingzheng-fuyi-fa-2023.md",
    "行政诉讼法": "xingzheng-susong-fa-2017.md",
    "国家赔偿法": "guojia-peichang-fa-2012.md",
    "政府信息公开条例": "zhengfu-xinxi-gongkai-tiaoli-2019.md",
}
#: category → the least number of questions the demo bank needs in it
MINIMUMS = {"行政处罚法": 40, "行政许可法": 20, "行政强制法": 20, "行政复议法": 20, "行政诉讼法": 15,
            "国家赔偿法": 12, "政府信息公开条例": 12, "听证程序": 18, "执法礼仪与职业道德": 18}
TOTAL_MINIMUM = 330
HEARING = "听证程序"
HEARING_LAWS = {"行政处罚法", "行政许可法"}
ETIQUETTE = "执法礼仪与职业道德"
SEED_TITLE = "《威海市人民政府办公室关于改进和加强行政执法工作的意见》（威政办发〔2016〕3号）"
MIN_QUOTE = 8

NUMERAL = "零〇一二三四五六七八九十百千"
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
ARTICLE_HEADING = re.compile(rf"^第([{NUMERAL}]+)条(?=\s|$)")
LAW_CITATION = re.compile(rf"^《(?P<law>[^《》]+)》(?P<articles>第[{NUMERAL}]+条(?:、第[{NUMERAL}]+条)?)$")
SEED_CITATION = re.compile(re.escape(SEED_TITLE) + r"(?P<section>[一二三四五六七八九十]+(?:\([一二三四五六七八九十]+\)\d*)?)")
SEED_TOP = re.compile(r"^([一二三四五六七八九十]+)、")
SEED_SUB = re.compile(r"^\(([一二三四五六七八九十]+)\)")
SEED_POINT = re.compile(r"^(\d+)\.")
QUOTATION = re.compile(r"「([^「」]+)」")
HAN = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    """The text without whitespace (line breaks, indents, full-width spaces, zero-width spaces)."""
    return re.sub(r"[\s\u200b\ufeff]+", "", text)


def chinese_number(text: str) -> int:
    """一 → 1, 十五 → 15, 六十四 → 64, 一百零三 → 103."""
    if not text:
        raise ValueError("empty numeral")
    total = digit = 0
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in UNITS:
            total += (digit or 1) * UNITS[char]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text}")
    return total + digit


@cache
def law_articles(law: str) -> dict[int, str]:
    """Article number → its text (heading to the next heading, Markdown headings left out, whitespace removed)."""
    lines_of: dict[int, list[str]] = {}
    current = None
    for line in (LAWS_DIR / LAW_FILES[law]).read_text(encoding="utf-8").splitlines():
        heading = ARTICLE_HEADING.match(line)
        if heading:
            current = chinese_number(heading.group(1))
            assert current not in lines_of, f"{law}: article {current} appears twice"
            lines_of[current] = []
        if current is not None and not line.startswith("#"):
            lines_of[current].append(line)
    return {number: squash("".join(lines)) for number, lines in lines_of.items()}


@cache
def seed_sections() -> dict[str, str]:
    """Section label (``三``, ``三(一)``, ``三(一)4``) → its text, whitespace removed; a section includes its parts."""
    sections: dict[str, str] = {}
    top = sub = point = None
    for raw in SEED_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if match := SEED_TOP.match(line):
            top, sub, point = match.group(1), None, None
        elif top and (match := SEED_SUB.match(line)):
            sub, point = match.group(1), None
        elif top and sub and (match := SEED_POINT.match(line)):
            point = match.group(1)
        if top is None:
            continue
        labels = [top]
        if sub:
            labels.append(f"{top}({sub})")
        if sub and point:
            labels.append(f"{top}({sub}){point}")
        for label in labels:
            sections[label] = sections.get(label, "") + squash(line)
    return sections


def cited_source(basis: str) -> tuple[str | None, list[str], list[str]]:
    """(law short name, or ``"seed"``; the cited texts; problems) for a 法律依据 cell."""
    seed = SEED_CITATION.fullmatch(basis)
    if seed:
        section = seed.group("section")
        if section not in seed_sections():
            return "seed", [], [f"no section {section} in the seed document"]
        return "seed", [seed_sections()[section]], []
    match = LAW_CITATION.fullmatch(basis)
    if not match:
        return None, [], [f"法律依据 does not parse: {basis!r}"]
    law = match.group("law")
    if law not in LAW_FILES or not (LAWS_DIR / LAW_FILES[law]).is_file():
        return law, [], [f"no law file for {law!r}"]
    texts, problems = [], []
    for article in match.group("articles").split("、"):
        number = chinese_number(article[1:-1])
        if number in law_articles(law):
            texts.append(law_articles(law)[number])
        else:
            problems.append(f"{law} has no {article}")
    return law, texts, problems


def shape_problems(row: dict) -> list[str]:
    """题型, options and key consistent with one another."""
    kind, answer = row["题型"], row["答案"]
    options = [row[f"选项{letter}"].strip() for letter in LETTERS]
    given = "".join(letter for letter, option in zip(LETTERS, options, strict=True) if option)
    if not row["题干"].strip():
        return ["empty 题干"]
    if kind == "判断":
        problems = [] if answer in ("对", "错") else [f"判断 answer {answer!r} is not 对/错"]
        return problems + (["判断 has options"] if given else [])
    if kind not in ("单选", "多选"):
        return [f"unknown 题型 {kind!r}"]
    problems = []
    if given != LETTERS[:len(given)]:
        problems.append(f"options not contiguous from A: {given}")
    if len(given) < 4:
        problems.append(f"{kind} has {len(given)} options, needs at least 4")
    filled = [squash(option) for option in options if option]
    if len(set(filled)) != len(filled):
        problems.append("duplicate options")
    if not re.fullmatch(r"[A-F]+", answer) or answer != "".join(sorted(set(answer))):
        return problems + [f"answer {answer!r} is not distinct sorted letters"]
    if not set(answer) <= set(given):
        problems.append(f"answer {answer} names an empty option")
    if kind == "单选" and len(answer) != 1:
        problems.append(f"单选 answer {answer} is not one letter")
    if kind == "多选" and len(answer) < 2:
        problems.append(f"多选 answer {answer} has fewer than two letters")
    return problems


def classification_problems(row: dict, source: str | None) -> list[str]:
    """类别, 执法类别 and 难度 allowed, and the citation fits the category."""
    category = row["类别"]
    problems = []
    if category not in MINIMUMS:
        problems.append(f"unknown 类别 {category!r}")
    if row["执法类别"]:
        problems.append("执法类别 is not empty")
    if row["难度"] not in ("1", "2", "3", "4", "5"):
        problems.append(f"难度 {row['难度']!r} is not 1–5")
    if category in LAW_FILES and source != category:
        problems.append(f"a {category} question cites {source}")
    if category == HEARING and source not in HEARING_LAWS:
        problems.append(f"a {HEARING} question cites {source}")
    if category == ETIQUETTE and source != "seed":
        problems.append(f"a {ETIQUETTE} question does not cite the seed document")
    return problems


def quotation_problems(explanation: str, texts: list[str]) -> list[str]:
    """Every 「…」 of the 解析 occurs verbatim in a cited text, and one has at least eight Chinese characters."""
    quotations = QUOTATION.findall(explanation)
    if not quotations:
        return ["解析 has no 「…」 quotation"]
    problems = [f"quotation not in the cited text: 「{quote}」" for quote in quotations
                if not any(squash(quote) in text for text in texts)]
    if not any(len(HAN.findall(quote)) >= MIN_QUOTE for quote in quotations):
        problems.append(f"no quotation of at least {MIN_QUOTE} Chinese characters")
    return problems


def row_problems(row: dict) -> list[str]:
    """Everything wrong with one row of the bank (empty when it is fine)."""
    source, texts, problems = cited_source(row["法律依据"])
    problems = shape_problems(row) + classification_problems(row, source) + problems
    if texts:
        problems += quotation_problems(row["解析"], texts)
    return problems


@cache
def rows() -> tuple[dict, ...]:
    with QUESTIONS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def test_file_is_utf8_without_bom_and_has_the_header():
    raw = QUESTIONS_FILE.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with QUESTIONS_FILE.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == HEADER


def test_every_row_is_valid():
    problems = [f"row {number} ({row['题干'][:20]}…): {problem}"
                for number, row in enumerate(rows(), start=2) for problem in row_problems(row)]
    assert not problems, "\n".join(problems)


def test_counts_per_category():
    counts = Counter(row["类别"] for row in rows())
    short = {category: counts[category] for category, least in MINIMUMS.items() if counts[category] < least}
    assert not short, f"too few questions: {short}"
    assert len(rows()) >= TOTAL_MINIMUM


def test_every_category_mixes_the_three_types():
    for category in MINIMUMS:
        kinds = Counter(row["题型"] for row in rows() if row["类别"] == category)
        total = sum(kinds.values())
        assert kinds["单选"] >= total * 0.4, (category, kinds)
        assert kinds["多选"] >= total * 0.1, (category, kinds)
        assert kinds["判断"] >= total * 0.1, (category, kinds)


def test_difficulties_are_spread():
    levels = Counter(row["难度"] for row in rows())
    assert len(levels) >= 4
    assert levels["2"] + levels["3"] >= len(rows()) / 2


def test_no_duplicate_questions():
    keys = Counter((squash(row["题干"]), tuple(squash(row[f"选项{letter}"]) for letter in LETTERS))
                   for row in rows())
    assert not [key for key, count in keys.items() if count > 1]


@pytest.mark.parametrize("law", sorted(LAW_FILES))
def test_law_files_number_their_articles_from_one_without_gaps(law):
    numbers = sorted(law_articles(law))
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) > 40


def test_seed_sections_are_found():
    sections = seed_sections()
    assert {"一", "三(一)4", "三(二)2", "三(四)2", "四(二)3", "四(三)", "五(五)"} <= set(sections)
    assert "杜绝运动式执法" in sections["三(一)4"]
    assert "杜绝运动式执法" not in sections["三(二)2"]


@pytest.mark.parametrize(("numeral", "value"), [("一", 1), ("十", 10), ("十五", 15), ("二十", 20), ("六十四", 64),
                                                ("一百", 100), ("一百零三", 103), ("一百一十", 110)])
def test_chinese_numbers(numeral, value):
    assert chinese_number(numeral) == value


GOOD = {"题型": "单选", "题干": "当事人要求听证的，应当在行政机关告知后多长时间内提出？", "选项A": "三日内",
        "选项B": "五日内", "选项C": "七日内", "选项D": "十五日内", "选项E": "", "选项F": "", "答案": "B",
        "类别": "听证程序", "执法类别": "", "难度": "2", "法律依据": "《行政处罚法》第六十四条",
        "解析": "依据行政处罚法第六十四条，「当事人要求听证的，应当在行政机关告知后五日内提出」，故选B。"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"法律依据": "《行政处罚法》第六十九条"}, "quotation not in the cited text"),
    ({"法律依据": "《行政处罚法》第九十九条"}, "has no 第九十九条"),
    ({"法律依据": "《行政处罚法》第64条"}, "does not parse"),
    ({"法律依据": "《治安管理处罚法》第六十四条"}, "no law file"),
    ({"解析": "依据第六十四条，「当事人要求听证的，应当在行政机关告知后三日内提出」，故选B。"}, "not in the cited text"),
    ({"解析": "依据第六十四条，「五日内提出」，故选B。"}, "at least 8 Chinese characters"),
    ({"解析": "依据第六十四条，当事人应当在告知后五日内提出，故选B。"}, "no 「…」 quotation"),
    ({"答案": "E"}, "names an empty option"),
    ({"答案": "AB"}, "is not one letter"),
    ({"选项C": ""}, "not contiguous"),
    ({"选项D": "三日内"}, "duplicate options"),
    ({"题型": "判断", "答案": "对"}, "判断 has options"),
    ({"类别": "行政许可法"}, "cites 行政处罚法"),
    ({"难度": "6"}, "not 1–5"),
    ({"类别": ETIQUETTE, "法律依据": SEED_TITLE + "三(二)9"}, "no section 三(二)9"),
    ({"类别": ETIQUETTE, "法律依据": SEED_TITLE + "三(一)4"}, "not in the cited text"),
])
def test_checker_catches_a_broken_row(change, expected):
    assert row_problems(GOOD) == []
    problems = row_problems(GOOD | change)
    assert any(expected in problem for problem in problems), problems


def test_checker_accepts_a_seed_citation_and_two_articles():
    seed = GOOD | {"类别": ETIQUETTE, "法律依据": SEED_TITLE + "三(二)2",
                   "解析": "依据《意见》三(二)2，「调查取证要由2名以上行政执法人员进行」，故选B。"}
    assert row_problems(seed) == []
    both = GOOD | {"法律依据": "《行政处罚法》第六十三条、第六十四条"}
    assert row_problems(both) == []
