"""Scale data (``flask --app wsgi bench-data --officers N``): a province's worth of officers added to the demo, to
measure the portal at its size (issue 16; ``make bench``).

Set-based: rows are built in Python from seeded generators and written with one multi-row INSERT per table and
batch, never an ORM object per row — 100,000 officers, about 960,000 training records and 99,000 certificates (each
with its signed QR token, its first edition and its 发证 history) in a minute or two on SQLite and PostgreSQL.

Consistent with every constraint and with the rules, so that a sweep right after it changes nothing but the demo's
own due items: every officer is an eligible 人员类别 of a valid body; those still on duty hold an active enforcement
certificate whose next review is more than 60 days off and whose next update test is more than six months off
(no reminder, no enrolment, no overdue hold is due); those who left or retired hold one revoked for that reason on
the day HR recorded it. Each officer has the annual training of the last two years. Deterministic for a given
``seed``; a second run adds as many again, with new ID numbers and certificate numbers.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

import sqlalchemy as sa

from certificates import due, keys, numbering, tokens
from certificates.models import Certificate, CertificateEvent, CertificateSerial, Edition
from portal import audit, policy
from portal.demo.agencies import TREE
from portal.demo.officers import BIRTH_REGIONS, GIVEN, POSTS, REGION_NAMES, SURNAMES
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import idcard
from portal.officers import services as officer_services
from portal.officers.models import Officer, OfficerCategory
from portal.orgs.bodies.services import valid_condition
from portal.orgs.models import Agency
from portal.training.models import TrainingRecord

BATCH = 5_000
#: the share of officers who left their post or retired (their certificates revoked for it)
LEFT, RETIRED = 0.012, 0.006
#: the annual training of each year, in March, June and September: (title, category, hours) — 16 + 16 + 8 = 40,
#: the annual requirement
ANNUAL = [("公共法律知识专题培训", "public_law", 16), ("专业法律知识专题培训", "professional_law", 16),
          ("执法礼仪与职业道德", "ethics", 8)]
PROVIDER = "威海市司法局"
#: each demo agency's enforcement categories (the demo's tree)
CATEGORIES = {name: cats for name, _short, _kind, _region, cats, *_ in TREE if cats}


def _insert(model, rows: Iterable[dict]) -> int:
    """Write ``rows`` in batches of multi-row INSERTs; returns how many."""
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model.__table__), rows[start:start + BATCH])
    return len(rows)


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _sync_sequence(model) -> None:
    """On PostgreSQL, move the id sequence past the ids written here (explicit ids do not advance it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        table = model.__tablename__
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))"))


def _agencies(today: dt.date) -> list[Agency]:
    """Valid bodies that enforce in their own name, weighted later by their demo size."""
    return list(db.session.scalars(sa.select(Agency).where(
        valid_condition(today), Agency.kind.in_(("government", "authorized"))).order_by(Agency.id)))


def _id_numbers(rng: random.Random, count: int, taken: set[str], today: dt.date) -> list[tuple[str, dt.date, str]]:
    """``count`` synthetic ID numbers (valid check characters) never used before: (number, birth date, gender)."""
    found: list[tuple[str, dt.date, str]] = []
    serial = rng.randrange(10_000)
    while len(found) < count:
        serial += 1
        born = dt.date(today.year - 60, 1, 1) + dt.timedelta(days=(serial // 500) % (36 * 365))
        gender = "M" if serial % 2 else "F"
        digit = (1, 3, 5, 7, 9)[serial % 5] if gender == "M" else (0, 2, 4, 6, 8)[serial % 5]
        first17 = f"{BIRTH_REGIONS[(serial // 100_000) % len(BIRTH_REGIONS)]}{born:%Y%m%d}{(serial // 5) % 100:02d}{digit}"
        number = first17 + idcard.check_character(first17)
        if number not in taken and born <= dt.date(today.year - 23, 12, 31):  # so hired (at 22) before this year
            taken.add(number)
            found.append((number, born, gender))
    return found


def _first_issued(rng: random.Random, today: dt.date, hired: dt.date) -> tuple[dt.date, int, int]:
    """A first issue date up to eight years back, not before ``hired``, whose next review is 62 to 729 days off and
    next update test more than 190 days off — and the cycles done by today."""
    oldest = min(8 * 365, (today - hired).days)
    while True:
        first = today - dt.timedelta(days=rng.randint(min(30, oldest), oldest))
        reviews = next(n for n in range(10) if due.review_due(first, n) > today)
        tests = next(n for n in range(10) if due.update_test_due(first, n) > today)
        review_in = (due.review_due(first, reviews) - today).days
        test_in = (due.update_test_due(first, tests) - today).days
        if 62 <= review_in and test_in > 190:
            return first, reviews, tests


class _Serials:
    """Certificate numbers, counted on from each (region, type, year) counter and written back at the end."""

    def __init__(self, region: str):
        self.region = region
        self.last = {row.year: row.last for row in db.session.scalars(sa.select(CertificateSerial).where(
            CertificateSerial.region == region, CertificateSerial.type_digit == 1))}

    def next(self, year: int) -> str:
        self.last[year] = self.last.get(year, 0) + 1
        return numbering.compose(self.region, 1, year, self.last[year])

    def save(self) -> None:
        table = CertificateSerial.__table__
        for year, last in self.last.items():
            updated = db.session.execute(table.update().where(
                table.c.region == self.region, table.c.type_digit == 1, table.c.year == year).values(last=last))
            if updated.rowcount == 0:
                db.session.execute(table.insert().values(region=self.region, type_digit=1, year=year, last=last))


def generate(officers: int, *, now: dt.datetime, seed: int = 2016, progress=None) -> dict[str, int]:
    """Add ``officers`` officers with their training, certificates and history; returns counts of what was added.
    ``progress(step, done, total)`` is told as it goes. Flushes; the caller commits."""
    rng = random.Random(f"{seed}:{officers}:{_next_id(Officer)}")
    today = now.date()
    agencies = _agencies(today)
    if not agencies:
        raise DomainError("no_bodies", "没有已确认并公告的执法主体：请先载入演示数据（flask --app wsgi demo load）")
    eligible = sorted(officer_services.eligible_staff_kinds())
    taken = set(db.session.scalars(sa.select(Officer.id_number)))
    people = _id_numbers(rng, officers, taken, today)
    first_id = _next_id(Officer)
    officer_rows, category_rows, plans = [], [], []
    for index, (id_number, born, gender) in enumerate(people):
        agency = agencies[index % len(agencies)]
        roll = rng.random()
        status = "left_post" if roll < LEFT else "retired" if roll < LEFT + RETIRED else "on_duty"
        hired = max(dt.date(born.year + 22, 7, 1), today - dt.timedelta(days=rng.randint(400, 30 * 365)))
        # left or retired 20 to 400 days ago, and at least 30 days after they were hired
        changed = (max(today - dt.timedelta(days=rng.randint(20, 400)), hired + dt.timedelta(days=30))
                   if status != "on_duty" else None)
        officer_id = first_id + index
        officer_rows.append(dict(
            id=officer_id, name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            gender=gender, birth_date=born, id_number=id_number, agency_id=agency.id, post=rng.choice(POSTS),
            region=REGION_NAMES.get(agency.region_code, "威海市区"), mobile=f"13{rng.randrange(10**9):09d}",
            status=status, staff_kind=rng.choice(eligible), status_changed_on=changed, hired_on=hired,
            has_photo=False, created_at=now, updated_at=now, version=1))
        categories = CATEGORIES.get(agency.name, ["综合执法"])[:2]
        category_rows += [dict(officer_id=officer_id, name=name) for name in categories]
        plans.append((officer_id, agency, categories, status, changed, hired))
    counts = {"officers": _insert(Officer, officer_rows)}
    _insert(OfficerCategory, category_rows)
    _sync_sequence(Officer)
    if progress:
        progress("officers", len(officer_rows), officers)
    counts["training_records"] = _training(plans, today, now)
    if progress:
        progress("training", counts["training_records"], counts["training_records"])
    counts["certificates"] = _certificates(rng, plans, {r["id"]: r["name"] for r in officer_rows}, today, now,
                                           progress)
    audit.record(audit.Actor.system("cli:bench-data"), "demo.load", change={"bench": counts}, now=now)
    db.session.flush()
    return counts


def _training(plans, today: dt.date, now: dt.datetime) -> int:
    """The annual 40 hours of each of the last two calendar years (and this year's so far, for those on duty)."""
    rows, record_id = [], _next_id(TrainingRecord)
    for officer_id, _agency, _categories, _status, changed, hired in plans:
        for year in (today.year - 2, today.year - 1, today.year):
            for month, (title, category, hours) in zip((3, 6, 9), ANNUAL, strict=True):
                day = dt.date(year, month, 10 + officer_id % 15)
                if day >= today or day < hired or (changed and day >= changed):
                    continue
                rows.append(dict(id=record_id, officer_id=officer_id, title=title, category=category,
                                 half_hours=hours * 2, completed_on=day, provider=PROVIDER, source="import",
                                 created_at=now))
                record_id += 1
    count = _insert(TrainingRecord, rows)
    _sync_sequence(TrainingRecord)
    return count


def _certificates(rng: random.Random, plans, names: dict[int, str], today: dt.date, now: dt.datetime,
                  progress) -> int:
    serials = _Serials(policy.get("certificates.region_code"))
    kid = keys.current_key().kid
    certificate_id = _next_id(Certificate)
    certificates, editions, events = [], [], []
    for officer_id, agency, categories, status, changed, hired in plans:
        first, reviews, tests = _first_issued(rng, today, hired)
        if changed and first >= changed:
            first = max(changed - dt.timedelta(days=rng.randint(400, 2000)), hired)
            reviews = next(n for n in range(10) if due.review_due(first, n) > changed)
            tests = next(n for n in range(10) if due.update_test_due(first, n) > changed)
        number = serials.next(first.year)
        issued_at = dt.datetime.combine(first, dt.time(10), tzinfo=now.tzinfo)
        revoked_at = dt.datetime.combine(changed, dt.time(9), tzinfo=now.tzinfo) if changed else None
        certificates.append(dict(
            id=certificate_id, number=number, type="enforcement", officer_id=officer_id, agency_id=agency.id,
            categories=categories, region=REGION_NAMES.get(agency.region_code, "威海市区"),
            status="revoked" if changed else "active", status_since=revoked_at or issued_at, edition=1,
            issued_on=first, first_issued_on=first, reviews_done=reviews, update_tests_done=tests,
            review_due_on=due.review_due(first, reviews), update_test_due_on=due.update_test_due(first, tests),
            revoked_at=revoked_at, revocation_kind=status if changed else None, created_at=issued_at,
            updated_at=revoked_at or issued_at))
        token = tokens.sign(tokens.claims_for(number, 1, names[officer_id], agency.short_name, issued_at))
        editions.append(dict(certificate_id=certificate_id, edition=1, issued_on=first, reason="first_issue",
                             agency_id=agency.id, categories=categories, region=certificates[-1]["region"], kid=kid,
                             signed_at=issued_at, token=token))
        events.append(dict(certificate_id=certificate_id, at=issued_at, actor="批量数据", from_status=None,
                           to_status="active", action="issue", detail={"edition": 1, "categories": categories}))
        if changed:
            events.append(dict(certificate_id=certificate_id, at=revoked_at, actor="批量数据", from_status="active",
                               to_status="revoked", action="revoke", reason=status, detail={}))
        certificate_id += 1
        if progress and len(certificates) % 10_000 == 0:
            progress("certificates", len(certificates), len(plans))
    count = _insert(Certificate, certificates)
    _sync_sequence(Certificate)
    _insert(Edition, editions)
    _insert(CertificateEvent, events)
    serials.save()
    return count
