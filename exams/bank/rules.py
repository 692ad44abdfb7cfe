"""The rules every question obeys: a question as typed or imported (:class:`QuestionData`), checked by
:func:`validate` into what is stored (:class:`Clean`).

:func:`validate` is the one place a question's content is checked — the form and the import both call it, so a
row of a spreadsheet and a typed question get the same answer. It touches no database; duplicates (identical
题干 and options, :func:`exams.bank.models.fingerprint`) are checked by the callers, set-based for an import.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from exams.bank.models import KIND_CODES, KINDS, LETTERS, fingerprint
from portal import policy
from portal.errors import problem

SECTION = "考试"
ETHICS = "执法礼仪与职业道德"
#: the category the hearing-presider exam draws from: hearings of 行政处罚 (处罚法第六十三至六十五条) and 行政许可
#: (许可法第四十六至四十八条) only — a 行政复议 hearing is chaired by 行政复议人员 (复议法第六条、第五十条), not by an
#: enforcement body's presider, and 行政强制法 has no hearing
HEARING = "听证程序"
HEARING_LAWS = ("《行政处罚法》", "《行政许可法》")
policy.define(
    "exams.categories", "题库类别", "list",
    ["行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法", "国家赔偿法", "政府信息公开条例", "听证程序",
     ETHICS],
    SECTION, help="每行一个；试题的“类别”须从中选择，考试蓝图按类别抽题",
)

policy.define(
    "exams.professional_categories", "专业法律知识类别", "list", [], SECTION, optional=True,
    help="每行一个，须为上面“题库类别”中的类别；这些类别的试题是专业法律知识（威政办发〔2016〕3号 四（二）1），"
         "须标明所属执法类别，资格考试可按执法类别抽题。公共法律知识类别（如行政处罚法）不必标明。",
)


@policy.constraint
def _professional_categories_are_categories(values: dict) -> str | None:
    """The professional-law categories are among the bank's categories."""
    unknown = [c for c in values["exams.professional_categories"] if c not in values["exams.categories"]]
    if unknown:
        return f"专业法律知识类别“{unknown[0][:20]}”不在题库类别中"
    return None


MAX_STEM, MAX_OPTION, MAX_BASIS, MAX_EXPLANATION = 1000, 300, 200, 2000
MIN_OPTIONS, MAX_OPTIONS = 2, len(LETTERS)
#: the form's and the import's names of the six option fields, in letter order
OPTION_FIELDS = tuple(f"option_{letter.lower()}" for letter in LETTERS)
FIELD_LABELS = {"kind": "题型", "stem": "题干", "answer": "答案", "category": "类别", "tag": "执法类别",
                "difficulty": "难度", "legal_basis": "法律依据", "explanation": "解析",
                **{name: f"选项{letter}" for name, letter in zip(OPTION_FIELDS, LETTERS, strict=True)}}

_TRUE = {"对", "T", "TRUE", "正确", "√", "是", "Y"}
_FALSE = {"错", "F", "FALSE", "错误", "×", "X", "否", "N"}
_CITATION = re.compile(r"《[^《》]+》")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇两0-9]+条")
#: a section of a document such as the seed's 三（一）4, 四(二)3, or 第三部分 / 第二章 / 第（一）项
_SECTION_MARK = re.compile(r"[一二三四五六七八九十]+\s*[（(]\s*[一二三四五六七八九十]+\s*[)）]"
                           r"|第[一二三四五六七八九十百0-9]+(章|节|部分)|第[（(][一二三四五六七八九十]+[)）]项")
_SPACES = re.compile(r"\s+")


@dataclass
class QuestionData:
    """A question as typed or imported: raw values, checked by :func:`validate`.

    ``options`` holds the six option texts A–F (empty for unused ones); ``answer`` is the key as people write it
    (``B``, ``ACD``, ``A、C``, ``对``, ``错``) — or, from the form, the ticked letters or ``T``/``F``.
    """

    kind: object = ""
    stem: object = ""
    options: list = field(default_factory=lambda: [""] * MAX_OPTIONS)
    answer: object = ""
    category: object = ""
    tag: object = ""
    difficulty: object = ""
    legal_basis: object = ""
    explanation: object = ""


@dataclass
class Clean:
    """A question that passed :func:`validate`: what is stored, and its fingerprint."""

    kind: str
    stem: str
    options: list[str]
    answer: str
    category: str
    tag: str | None
    difficulty: int
    legal_basis: str
    explanation: str
    fingerprint: str

    def content(self) -> dict:
        """The fields that live on a version."""
        return {"kind": self.kind, "stem": self.stem, "options": list(self.options), "answer": self.answer,
                "legal_basis": self.legal_basis, "explanation": self.explanation}


def text_of(value) -> str:
    """A value as trimmed text ('' for empty); whole numbers without '.0'; full-width spaces count as spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _kind(value) -> str | None:
    text = text_of(value)
    if text in KINDS:
        return text
    return KIND_CODES.get(text.removesuffix("题"))


def _difficulty(value) -> tuple[int | None, str | None]:
    if isinstance(value, bool):
        return None, "难度须为 1–5 的整数"
    if isinstance(value, int):
        number = value
    else:
        text = unicodedata.normalize("NFKC", text_of(value))
        if not text:
            return None, "请填写难度（1–5 的整数，1 最易，5 最难）"
        if not text.isascii() or not text.isdigit():
            return None, f"难度须为 1–5 的整数，不能是“{text_of(value)}”"
        number = int(text)
    if not 1 <= number <= 5:
        return None, f"难度须为 1–5 的整数，不能是 {number}"
    return number, None


def _letters(value) -> tuple[str | None, str | None]:
    """Answer letters from ``B``, ``acd``, ``A、C``, ``Ａ，Ｃ`` — sorted, each once — or why not."""
    text = unicodedata.normalize("NFKC", text_of(value)).upper()
    text = re.sub(r"[\s,，、;；/]+", "", text)
    if not text:
        return None, "请填写答案（选项字母，如 B 或 ACD）"
    wrong = sorted({c for c in text if c not in LETTERS})
    if wrong:
        return None, f"答案只能由选项字母 A–F 组成，不能含“{''.join(wrong)}”"
    return "".join(sorted(set(text))), None


def _true_false(value) -> tuple[str | None, str | None]:
    text = unicodedata.normalize("NFKC", text_of(value)).upper()
    if text in _TRUE:
        return "T", None
    if text in _FALSE:
        return "F", None
    if not text:
        return None, "请填写答案：对 或 错"
    return None, f"判断题的答案须为“对”或“错”，不能是“{text_of(value)}”"


def _basis_problem(basis: str, category: str) -> str | None:
    if not basis:
        return "请填写法律依据，如《行政处罚法》第六十四条"
    if len(basis) > MAX_BASIS:
        return f"法律依据最多 {MAX_BASIS} 个字，当前 {len(basis)} 个字"
    if not _CITATION.search(basis):
        return "法律依据须用书名号写明依据的法律文件，如《行政处罚法》第六十四条"
    if category == HEARING and not all(law in HEARING_LAWS for law in _CITATION.findall(basis)):
        return (f"“{HEARING}”类试题只考行政处罚和行政许可的听证，法律依据须为{'或'.join(HEARING_LAWS)}的条款；"
                "行政复议听证的试题请归入“行政复议法”类")
    if _ARTICLE.search(basis):
        return None
    if category == ETHICS and _SECTION_MARK.search(basis):
        return None
    if category == ETHICS:
        return "法律依据须写明条款或文件的部分，如《行政处罚法》第五十五条，或威政办发〔2016〕3号文件的三（一）4"
    return "法律依据须写明具体条款，如《行政处罚法》第六十四条"


def _length(value, label: str, limit: int, field_name: str, items: list, required: bool) -> str:
    text = text_of(value)
    if required and not text:
        items.append(problem(field_name, f"请填写{label}"))
    elif len(text) > limit:
        items.append(problem(field_name, f"{label}最多 {limit} 个字，当前 {len(text)} 个字"))
    return text


def validate(data: QuestionData, categories: list[str] | None = None,
             tags: list[str] | None = None) -> tuple[Clean | None, list[dict]]:
    """Check a question's content and labels (no database): the kind's rules, lengths, labels from the policy
    lists, a citable legal basis. Returns the clean question, or ``None`` and every problem
    ``[{"field", "message"}]`` (fields as :data:`FIELD_LABELS`)."""
    categories = policy.get("exams.categories") if categories is None else categories
    tags = policy.get("officers.categories") if tags is None else tags
    items: list[dict] = []
    kind = _kind(data.kind)
    if kind is None:
        items.append(problem("kind", "题型须为单选、多选或判断" if text_of(data.kind) else "请选择题型（单选、多选或判断）"))
    stem = _length(data.stem, "题干", MAX_STEM, "stem", items, required=True)

    raw = [text_of(o) for o in (list(data.options or []) + [""] * MAX_OPTIONS)[:MAX_OPTIONS]]
    options: list[str] = []
    if kind == "true_false":
        for name, letter, text in zip(OPTION_FIELDS, LETTERS, raw, strict=True):
            if text:
                items.append(problem(name, f"判断题不设选项，请清空选项{letter}"))
    else:
        last = max((i for i, text in enumerate(raw) if text), default=-1)
        seen: dict[str, str] = {}
        for index, (name, letter, text) in enumerate(zip(OPTION_FIELDS, LETTERS, raw, strict=True)):
            if index > last:
                break
            if not text:
                items.append(problem(name, f"选项{letter}为空，但其后的选项{LETTERS[last]}已填写；选项须从 A 起连续填写"))
                continue
            if len(text) > MAX_OPTION:
                items.append(problem(name, f"选项{letter}最多 {MAX_OPTION} 个字，当前 {len(text)} 个字"))
            key = _SPACES.sub("", text)
            if key in seen:
                items.append(problem(name, f"选项{letter}与选项{seen[key]}相同"))
            seen.setdefault(key, letter)
            options.append(text)
        if kind is not None and last + 1 < MIN_OPTIONS:
            field_name = OPTION_FIELDS[max(last + 1, 0)]
            items.append(problem(field_name, f"{KINDS[kind]}题至少需要 {MIN_OPTIONS} 个选项，当前 {last + 1} 个"))

    answer = None
    if kind == "true_false":
        answer, why = _true_false(data.answer)
        if why:
            items.append(problem("answer", why))
    elif kind is not None:
        answer, why = _letters(data.answer)
        if why:
            items.append(problem("answer", why))
        else:
            empty = [letter for letter in answer if LETTERS.index(letter) >= len(raw) or not raw[LETTERS.index(letter)]]
            if empty:
                items.append(problem("answer", f"答案中的选项{'、'.join(empty)}没有内容"))
            elif kind == "single" and len(answer) != 1:
                items.append(problem("answer", f"单选题只能有一个正确答案，当前为 {answer}"))
            elif kind == "multiple" and len(answer) < 2:
                items.append(problem("answer", f"多选题至少有两个正确答案，当前只有 {answer}；只有一个答案请改为单选题"))

    category = text_of(data.category)
    if not category:
        items.append(problem("category", "请选择类别"))
    elif category not in categories:
        items.append(problem("category", f"类别须为{'、'.join(categories)}之一"))
    tag = text_of(data.tag) or None
    if tag is not None and tag not in tags:
        items.append(problem("tag", f"执法类别“{tag}”不在执法类别列表中（{'、'.join(tags)}）；不限执法类别请留空"))
    elif tag is None and category in policy.get("exams.professional_categories"):
        items.append(problem("tag", f"“{category}”是专业法律知识类别，须标明所属执法类别（威政办发〔2016〕3号 四（二）1）"))
    difficulty, why = _difficulty(data.difficulty)
    if why:
        items.append(problem("difficulty", why))
    basis = text_of(data.legal_basis)
    why = _basis_problem(basis, category)
    if why:
        items.append(problem("legal_basis", why))
    explanation = _length(data.explanation, "解析", MAX_EXPLANATION, "explanation", items, required=False)
    if items:
        return None, items
    return Clean(kind=kind, stem=stem, options=options, answer=answer, category=category, tag=tag,
                 difficulty=difficulty, legal_basis=basis, explanation=explanation,
                 fingerprint=fingerprint(stem, options)), []
