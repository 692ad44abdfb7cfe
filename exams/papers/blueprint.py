"""An exam's blueprint: the sections editor's rows as typed, the checked sections, and whether the bank can fill them.

**The blueprint check** runs on every save and at publish: each section's pool (active questions of its
category, tag and kind) must hold its count, and the sections of one category together must be fillable at once
— their counts are matched against the category's questions grouped by (tag, kind) as a small flow problem, so
two sections drawing from overlapping pools are refused when the bank cannot give both their questions. The draw
fills them with the same allocation (:func:`exams.bank.pool.allocate`), so a blueprint accepted here can be drawn.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from exams.bank.models import KINDS, Question
from exams.bank.pool import allocate, pool
from exams.papers.models import Exam
from exams.papers.values import _plain, _whole
from portal import policy
from portal.errors import problem
from portal.extensions import db

MAX_SECTION_TITLE = 60
MAX_SECTIONS = 20
MAX_COUNT, MAX_POINTS = 200, 100
#: the question categories when the bank has not declared its setting (SPEC §3, the demo's laws)
FALLBACK_CATEGORIES = ["行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法", "国家赔偿法",
                       "政府信息公开条例", "执法礼仪与职业道德", "听证程序"]


def question_categories() -> list[str]:
    """The bank's question categories (policy ``exams.categories``, declared by the bank)."""
    try:
        return list(policy.get("exams.categories"))
    except KeyError:
        return list(FALLBACK_CATEGORIES)


def officer_categories() -> list[str]:
    """The enforcement categories (执法类别) a section's tag may name."""
    return list(policy.get("officers.categories"))


@dataclass
class SectionRow:
    """One row of the sections editor as typed (``position``: its row on the form, from 0)."""

    position: int
    title: str = ""
    category: str = ""
    tag: str = ""
    kind: str = ""
    count: object = ""
    points: object = ""

    @property
    def blank(self) -> bool:
        return not any(_plain(v) for v in (self.title, self.category, self.tag, self.kind, self.count, self.points))


@dataclass(frozen=True)
class Section:
    """A checked blueprint section."""

    title: str
    category: str
    tag: str | None
    kind: str | None
    count: int
    points: int
    row: int = 0  # the form row it came from, for error fields


def _sections(rows: list[SectionRow], items: list) -> list[Section]:
    categories, tags = question_categories(), officer_categories()
    typed = [row for row in rows if not row.blank]
    if not typed:
        items.append(problem("sections", "请至少填写一个试题部分（类别、题量和每题分值）"))
        return []
    if len(typed) > MAX_SECTIONS:
        items.append(problem("sections", f"试题部分最多 {MAX_SECTIONS} 个，当前 {len(typed)} 个"))
        return []
    sections = []
    for row in typed:
        name = f"sections-{row.position}-"
        before = len(items)
        category = _plain(row.category)
        if category not in categories:
            items.append(problem(name + "category", "请从列表中选择试题类别"))
        title = " ".join(_plain(row.title).split()) or category
        if len(title) > MAX_SECTION_TITLE:
            items.append(problem(name + "title", f"部分名称最多 {MAX_SECTION_TITLE} 个字，当前 {len(title)} 个字"))
        tag = _plain(row.tag) or None
        if tag is not None and tag not in tags:
            items.append(problem(name + "tag", "执法类别须从列表中选择（可不选）"))
        kind = _plain(row.kind) or None
        if kind is not None and kind not in KINDS:
            items.append(problem(name + "kind", "题型须为单选、多选或判断（可不选）"))
        count = _whole(row.count, "题量", 1, MAX_COUNT, name + "count", items)
        points = _whole(row.points, "每题分值", 1, MAX_POINTS, name + "points", items)
        if len(items) == before:
            sections.append(Section(title, category, tag, kind, count, points, row.position))
    return sections


def pool_cells(categories) -> dict[str, dict[tuple[str | None, str], int]]:
    """Active questions per category, grouped by (tag, kind): one query for every category asked."""
    categories = sorted(set(categories))
    cells: dict[str, dict[tuple[str | None, str], int]] = {c: {} for c in categories}
    if not categories:
        return cells
    offered = sa.union_all(*(pool(c) for c in categories)).subquery()
    rows = db.session.execute(
        sa.select(Question.category, Question.tag, Question.kind, sa.func.count())
        .join(offered, offered.c.question_id == Question.id)
        .group_by(Question.category, Question.tag, Question.kind)).all()
    for category, tag, kind, n in rows:
        cells[category][(tag, kind)] = n
    return cells


def section_pool(cells: dict[tuple[str | None, str], int], tag: str | None, kind: str | None) -> int:
    """How many of a category's active questions a section with this tag and kind filter may draw."""
    return sum(n for (t, k), n in cells.items() if (tag is None or t == tag) and (kind is None or k == kind))


def check_blueprint(sections: list[Section]) -> list[dict]:
    """Problems with filling ``sections`` from the bank (empty when it can), each naming its section."""
    items: list[dict] = []
    cells = pool_cells(s.category for s in sections)
    for number, section in enumerate(sections, start=1):
        have = section_pool(cells[section.category], section.tag, section.kind)
        if have < section.count:
            items.append(problem(f"sections-{section.row}-count",
                                 f"第 {number} 部分“{section.title}”：题库中符合条件的启用试题仅 {have} 道，"
                                 f"本部分需要 {section.count} 道"))
    if items:
        return items
    by_category: dict[str, list[tuple[int, Section]]] = defaultdict(list)
    for number, section in enumerate(sections, start=1):
        by_category[section.category].append((number, section))
    for category, numbered in by_category.items():
        if len(numbered) < 2:
            continue
        group = [s for _, s in numbered]
        names = "、".join(str(n) for n, _ in numbered)
        need = sum(s.count for s in group)
        have = sum(cells[category].values())
        if have < need:
            items.append(problem("sections", f"第 {names} 部分都从“{category}”类试题中抽取，共需 {need} 道，"
                                             f"题库中该类别的启用试题仅 {have} 道"))
            continue
        most = sum(sum(took.values()) for took in allocate(group, cells[category]))
        if most < need:
            items.append(problem("sections", f"第 {names} 部分抽取的“{category}”类试题相互重叠，共需 {need} 道，"
                                             f"题库中符合各部分条件的启用试题最多只能同时抽出 {most} 道"))
    return items


def exam_pool_sizes(exam: Exam) -> dict[int, int]:
    """Each section's pool size now (section id → active questions it may draw), with one query."""
    cells = pool_cells(s.category for s in exam.sections)
    return {s.id: section_pool(cells[s.category], s.tag, s.kind) for s in exam.sections}
