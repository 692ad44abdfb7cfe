"""Training in the Weihai demo (SPEC §2.4): a course catalogue and four calendar years of records per officer,
some officers short of the annual requirement, the provincial platform's records by API and by import.
"""
from __future__ import annotations

import datetime as dt
import random
import zlib
from typing import NamedTuple

import sqlalchemy as sa

from portal.demo._common import insert, seeded
from portal.demo.agencies import TREE
from portal.demo.officers import DEMO_OFFICERS
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.training import requirements
from portal.training.models import CATEGORIES, Course, TrainingRecord

CITY_LEGAL = "威海市司法局"
ONLINE_PLATFORM = "山东省司法厅网络培训平台"
PARTY_SCHOOL = "中共威海市委党校"

# (title, category, hours, provider, mode, owning agency, first day counted from the load date, days)
COURSES = [
    ("《中华人民共和国行政处罚法》专题培训", "public_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -290, 1),
    ("行政复议与行政诉讼应诉实务", "public_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -200, 1),
    ("《行政许可法》《行政强制法》重点条款解读", "public_law", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -120, 1),
    ("全市行政执法人员公共法律知识网络专题学习", "public_law", 8, ONLINE_PLATFORM, "online", CITY_LEGAL, -160, 61),
    ("《政府信息公开条例》与行政执法公示", "public_law", 3, ONLINE_PLATFORM, "online", CITY_LEGAL, 12, 30),
    ("行政执法程序规范", "professional_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -250, 1),
    ("听证程序与重大执法决定法制审核实务", "professional_law", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -60, 1),
    ("城市管理综合执法业务骨干培训班", "professional_law", 8, "威海市综合行政执法局", "classroom",
     "威海市综合行政执法局", -95, 2),
    ("市场监管行政处罚案件办理实务", "professional_law", 6, "威海市市场监督管理局", "classroom",
     "威海市市场监督管理局", -180, 1),
    ("生态环境执法文书制作与案卷评查", "professional_law", 4, "威海市生态环境局", "classroom", "威海市生态环境局",
     -40, 1),
    ("交通运输行政执法证据收集与固定", "professional_law", 4, "威海市交通运输局", "classroom", "威海市交通运输局",
     -130, 1),
    ("执法礼仪与职业道德", "ethics", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -75, 1),
    ("行政执法人员廉洁从政警示教育", "ethics", 3, CITY_LEGAL, "classroom", CITY_LEGAL, -220, 1),
    ("执法沟通与舆情应对", "ethics", 4, ONLINE_PLATFORM, "online", CITY_LEGAL, 30, 45),
]

# Training outside the catalogue, per category: (title, provider, mode); {year}, {field} (a category of the
# officer's agency) and {agency} are filled in. The provincial platform's own courses (taken by some officers
# this year and last) came by its API this year and by importing its export last year, with its record number
# as the external id.
TOPICS = {
    "public_law": [
        ("习近平法治思想专题学习", PARTY_SCHOOL, "classroom"),
        ("《中华人民共和国行政处罚法》专题培训", CITY_LEGAL, "classroom"),
        ("《中华人民共和国民法典》与行政执法", CITY_LEGAL, "classroom"),
        ("《行政复议法》（2023年修订）解读", CITY_LEGAL, "classroom"),
        ("《国家赔偿法》与行政执法风险防范", CITY_LEGAL, "classroom"),
        ("宪法学习与宪法宣誓", "{agency}", "classroom"),
        ("《优化营商环境条例》与包容审慎监管", "{agency}", "classroom"),
        ("{year}年度全省行政执法人员网络培训（公共法律知识）", ONLINE_PLATFORM, "online"),
    ],
    "professional_law": [
        ("{field}领域法律法规专题培训", "{agency}", "classroom"),
        ("{field}领域典型案例研讨", "{agency}", "classroom"),
        ("行政执法案卷评查与执法文书规范", CITY_LEGAL, "classroom"),
        ("行政执法证据收集与固定", CITY_LEGAL, "classroom"),
        ("行政执法“三项制度”实务", CITY_LEGAL, "classroom"),
        ("行政强制措施实施规范", "{agency}", "classroom"),
        ("{year}年度全省行政执法人员网络培训（专业法律知识）", ONLINE_PLATFORM, "online"),
    ],
    "ethics": [
        ("执法礼仪与职业道德", CITY_LEGAL, "classroom"),
        ("廉洁从政警示教育", "{agency}", "classroom"),
        ("执法沟通技巧与群众工作方法", PARTY_SCHOOL, "classroom"),
        ("执法风险防范与心理调适", "{agency}", "classroom"),
        ("新时代公务员职业道德建设", PARTY_SCHOOL, "classroom"),
        ("{year}年度全省行政执法人员网络培训（职业素养）", ONLINE_PLATFORM, "online"),
    ],
}
PLATFORM_SHARE = 0.4  # officers who took the platform's own courses in a year
TRAINING_YEARS = 4  # the load date's calendar year and the three before it
SHORT_THIS_YEAR, SHORT_EARLIER = 0.15, 0.05  # share of officers short of the annual requirement
PIECES = (8, 12, 12, 16, 16, 16)  # half-hours of one record when a category's hours are split: 4–8 hours


class _Class(NamedTuple):
    """A course of the catalogue as the training generator needs it (plain values: read some 20,000 times)."""

    id: int
    title: str
    category: str
    half_hours: int
    provider: str
    mode: str
    starts_on: dt.date
    ends_on: dt.date
    agency_id: int
    city_wide: bool  # run by 威海市司法局 for every agency; otherwise for the owning agency's officers


def _day(rng: random.Random, first: dt.date, last: dt.date, weekday: bool = True) -> dt.date:
    """A day between ``first`` and ``last`` — with ``weekday``, Monday to Friday unless the range has none."""
    span = (last - first).days + 1
    day = first + dt.timedelta(days=rng.randrange(span))
    if weekday and span > 2:
        for _ in range(10):
            if day.weekday() < 5:
                break
            day = first + dt.timedelta(days=rng.randrange(span))
    return day


def load_courses(agencies: dict[str, Agency], now: dt.datetime) -> tuple[list[Course], int]:
    """The catalogue, in :data:`COURSES` order; a course already there (by title) keeps its dates."""
    existing = {c.title: c for c in db.session.scalars(sa.select(Course)).all()}
    new = []
    for title, category, hours, provider, mode, owner, offset, days in COURSES:
        if title in existing:
            continue
        starts = now.date() + dt.timedelta(days=offset)
        while mode == "classroom" and starts.weekday() + days > 5:  # Monday to Friday
            starts -= dt.timedelta(days=1)
        course = Course(title=title, category=category, half_hours=hours * 2, provider=provider, mode=mode,
                        starts_on=starts, ends_on=starts + dt.timedelta(days=days - 1),
                        agency_id=agencies[owner].id, created_at=now)
        existing[title] = course
        new.append(course)
    db.session.add_all(new)
    db.session.flush()
    return [existing[entry[0]] for entry in COURSES], len(new)


def _training_window(year: int, today: dt.date, officer) -> tuple[dt.date, dt.date] | None:
    """The days of ``year`` on which the officer trained: 2 January (or 1 January this year, when it is all
    there is) to 31 December — or, this year, to the day before the load date, so this year's hours also count
    towards the pre-exam rule (the 365 days before the load date) — within the officer's service."""
    if year < today.year:
        first, last = dt.date(year, 1, 2), dt.date(year, 12, 31)
    else:
        last = max(today - dt.timedelta(days=1), dt.date(year, 1, 1))
        first = min(dt.date(year, 1, 2), last)
    first = max(first, officer.hired_on)
    if officer.status != "on_duty" and officer.status_changed_on:
        last = min(last, officer.status_changed_on)
    return (first, last) if first <= last else None


def _targets(rng: random.Random, need: dict[str, int], short_share: float,
             protected: bool) -> tuple[dict[str, int], set[str]]:
    """Half-hours to reach per category in one year, and the categories left short.

    Met: each minimum plus up to a quarter more (topped up to the total minimum). Short (``short_share`` of
    officers, never the demo accounts): one category — most often ethics — or two, 0.5 to half the minimum
    below; or barely started (under half of every minimum).
    """
    categories = [c for c in CATEGORIES if need[c] >= 4]
    short: set[str] = set()
    barely = False
    if not protected and categories and rng.random() < short_share:
        kind = rng.random()
        if kind < 0.7:
            short = {rng.choices(categories, weights=[2 if c == "ethics" else 1 for c in categories])[0]}
        elif kind < 0.85:
            short = set(rng.sample(categories, min(2, len(categories))))
        else:
            short, barely = set(categories), True
    targets = {}
    for category in CATEGORIES:
        minimum = need[category] * 2
        if barely:
            amount = rng.randint(0, minimum // 2)
            targets[category] = amount if amount >= 4 else 0
        elif category in short:
            targets[category] = minimum - rng.randint(1, need[category])
        else:
            targets[category] = minimum + rng.randint(0, need[category]) // 2
    missing = need["total"] * 2 - sum(targets.values())
    if missing > 0 and not short:
        targets[rng.choice(["public_law", "professional_law"])] += missing
    return targets, short


def _split(rng: random.Random, half_hours: int) -> list[int]:
    """``half_hours`` (0, or 4 and more) as records of 2 to 8 hours."""
    pieces = []
    while half_hours > 0:
        if half_hours <= 16 and (half_hours < 12 or rng.random() < 0.75):
            piece = half_hours
        else:
            piece = rng.choice([p for p in PIECES if half_hours - p >= 4])
        pieces.append(piece)
        half_hours -= piece
    return pieces


def _officer_year(rng: random.Random, officer, year: int, window: tuple[dt.date, dt.date],
                  need: dict[str, int], classes: list[_Class], agency_name: str, fields: list[str],
                  now: dt.datetime) -> list[dict]:
    """One officer's training records in one calendar year: classes of the catalogue (within ``window``,
    the city-wide ones for some officers, the own agency's for most of its officers), then other training up
    to the year's targets (see :func:`_targets`), in records of 2 to 8 hours on days within ``window``."""
    today = now.date()
    first, last = window
    targets, short = _targets(rng, need, SHORT_THIS_YEAR if year == today.year else SHORT_EARLIER,
                              officer.id_number in DEMO_OFFICERS)
    rows, taken = [], set()

    def add(title, category, half_hours, day, provider, mode, course_id=None):
        tries = 0
        while (title, day) in taken and tries < 20:
            day, tries = _day(rng, first, last, mode == "classroom"), tries + 1
        if (title, day) in taken:
            return
        taken.add((title, day))
        source = external_id = note = None
        if provider == ONLINE_PLATFORM and course_id is None:
            source = "api" if year == today.year else "import"
            external_id = f"SDZFPX{year}-{zlib.crc32(f'{officer.id_number}:{title}'.encode()):08X}"
            note = None if source == "api" else "山东省司法厅网络培训平台年度学时导出，批量导入"
        rows.append({"officer_id": officer.id, "course_id": course_id, "title": title, "category": category,
                     "half_hours": half_hours, "completed_on": day, "provider": provider,
                     "source": source or "manual", "external_id": external_id, "recorded_by": None,
                     "note": note, "created_at": now})

    had = dict.fromkeys(CATEGORIES, 0)
    for course in classes:
        roll = rng.random()
        chance = 0.8 if course.agency_id == officer.agency_id else 0.3 if course.city_wide else 0.0
        if course.category in short or roll >= chance:
            continue
        if course.mode == "classroom":
            day = course.ends_on
            if not first <= day <= last:
                continue
        else:
            start, end = max(course.starts_on, first), min(course.ends_on, last)
            if start > end:
                continue
            day = _day(rng, start, end, weekday=False)
        add(course.title, course.category, course.half_hours, day, course.provider, course.mode, course.id)
        had[course.category] += course.half_hours

    course_titles = {title for title, *_ in taken}
    platform = year >= today.year - 1 and rng.random() < PLATFORM_SHARE
    for category, topics in TOPICS.items():
        remaining = targets[category] - had[category]
        remaining = 0 if remaining <= 0 else max(remaining, 4)
        pool = [t for t in topics if t[0].format(year=year, field="", agency="") not in course_titles
                and (t[1] != ONLINE_PLATFORM or platform)]
        pool = rng.sample(pool, len(pool))
        for index, half_hours in enumerate(_split(rng, remaining)):
            title, provider, mode = pool[index % len(pool)]
            fill = {"year": year, "field": rng.choice(fields), "agency": agency_name}
            add(title.format(**fill), category, half_hours, _day(rng, first, last, mode == "classroom"),
                provider.format(**fill), mode)
    return rows


def load_training(seed: int, numbers: list[str], agencies: dict[str, Agency], courses: list[Course],
              now: dt.datetime) -> int:
    """Four calendar years of training for the demo officers, up to the day before the load date.

    An officer's year that already has training is left alone (so a later run, whose dates would shift with
    its load date, adds nothing); otherwise records are matched by (officer, title, date) and external id.
    """
    today = now.date()
    years = range(today.year - TRAINING_YEARS + 1, today.year + 1)
    need = requirements.minimums("annual")
    fields = {name: cats for name, _s, _k, _r, cats, *_ in TREE if cats}
    by_id = {agency.id: agency for agency in agencies.values()}
    city_legal = agencies[CITY_LEGAL].id
    classes = [_Class(c.id, c.title, c.category, c.half_hours, c.provider, c.mode, c.starts_on, c.ends_on,
                      c.agency_id, c.agency_id == city_legal) for c in courses]
    officers = {o.id_number: o for o in db.session.execute(sa.select(
        Officer.id, Officer.id_number, Officer.agency_id, Officer.status, Officer.hired_on,
        Officer.status_changed_on)).all()}

    existing = db.session.execute(sa.select(TrainingRecord.officer_id, TrainingRecord.title,
                                            TrainingRecord.completed_on)
                                  .where(TrainingRecord.completed_on >= dt.date(years[0], 1, 1))).all()
    trained_years = {(officer_id, day.year) for officer_id, _title, day in existing}
    keys = {(officer_id, title, day) for officer_id, title, day in existing}
    external_ids = set(db.session.scalars(sa.select(TrainingRecord.external_id)
                                          .where(TrainingRecord.external_id.is_not(None))).all())
    new = []
    for number in sorted(set(numbers)):
        officer = officers[number]
        agency = by_id[officer.agency_id]
        for year in years:
            window = _training_window(year, today, officer)
            if window is None or (officer.id, year) in trained_years:
                continue
            rows = _officer_year(seeded(seed, number, year), officer, year, window, need, classes,
                                 agency.name, fields.get(agency.name, ["综合执法"]), now)
            for row in rows:
                key = (row["officer_id"], row["title"], row["completed_on"])
                if key in keys or row["external_id"] in external_ids:
                    continue
                keys.add(key)
                if row["external_id"]:
                    external_ids.add(row["external_id"])
                new.append(row)
    insert(TrainingRecord, new)
    return len(new)
