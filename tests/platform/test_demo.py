"""``flask --app wsgi demo load``: the Weihai tree, 300+ synthetic officers with valid numbers, the demo accounts
(password ``demo-pass-2016``, no forced change) each seeing its own scope; idempotent; ``--if-empty`` skips a
database that already has data. Loading takes seconds, so one test loads it and checks everything — including
four years of training (李晓梅 meeting the pre-exam rule, 王建国 the annual one, some officers short of it) and
eight quarters of routine assessment (a few 较差), whose totals are computed here independently; the question bank
(every category of SPEC §3), the three current exams and two closed ones with graded attempts."""
from __future__ import annotations

import collections
import re
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from exams.attempts import admission
from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import Question, QuestionVersion
from exams.papers.models import Exam
from portal import clock
from portal.assessment.models import AssessmentScore, Indicator, IndicatorTemplate
from portal.auth.models import User
from portal.extensions import db
from portal.imports import engine
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.agencies import uscc
from portal.orgs.bodies import services as bodies
from portal.orgs.models import BODY_KINDS, Agency
from portal.training import requirements
from portal.training.models import Course, TrainingRecord
from tests.sql import statements

PASSWORD = "demo-pass-2016"
STAFF = ("admin", "legal", "legal_huancui", "hr")
OFFICERS = {"371002199003071233": "王建国", "371002198805120047": "李晓梅"}
CITY, HR_AGENCY, HUANCUI = "威海市人民政府", "威海市综合行政执法局", "环翠区人民政府"
COUNTIES = {"环翠区人民政府", "文登区人民政府", "荣成市人民政府", "乳山市人民政府"}
WANG, LI = "371002199003071233", "371002198805120047"
TEMPLATE = "2025年度执法人员平时考核指标"
NEW_TABLES = ("course", "training_record", "indicator_template", "indicator", "assessment_score", "question",
              "question_version", "exam", "exam_section", "exam_attempt", "exam_attempt_item")
LAWS = {"行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法", "国家赔偿法", "政府信息公开条例", "听证程序",
        "执法礼仪与职业道德"}


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def officers_under(top: Agency) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Officer).join(Agency).where(
        Agency.path.startswith(top.path)))


def listed_total(client, path="/officers") -> int:
    page = client.get(path)
    assert page.status_code == 200, path
    return int(re.search(r"共 (\d+) 条", page.get_data(as_text=True)).group(1))


def load(runner, *options):
    result = runner.invoke(args=["demo", "load", *options])
    assert result.exit_code == 0, result.output
    return result.output


def assert_lists_accounts(output: str) -> None:
    for login in (*STAFF, *OFFICERS):
        assert re.search(rf"(?m)^\s*{login}\b", output), login
    assert PASSWORD in output


def check_tree(today) -> None:
    agencies = db.session.scalars(sa.select(Agency)).all()
    by_id = {a.id: a for a in agencies}
    roots = [a for a in agencies if a.parent_id is None]
    assert [a.name for a in roots] == [CITY]
    city = roots[0]
    children = [a for a in agencies if a.parent_id == city.id]
    assert {a.name for a in children if a.name.endswith(("区人民政府", "市人民政府"))} == COUNTIES
    zones = [a for a in children if "开发区" in a.name or "管理委员会" in a.name]
    assert len(zones) >= 2, "functional zones (开发区)"
    assert all(any(b.parent_id == zone.id for b in agencies) for zone in zones)
    for a in agencies:
        assert a.uscc and uscc.problem(a.uscc) is None, (a.name, a.uscc)
        expected = (by_id[a.parent_id].path if a.parent_id else "/") + f"{a.id}/"
        assert a.path == expected, a.name
    valid = [a for a in agencies if a.kind in BODY_KINDS and a.is_valid_body(today) and a.announcement_text]
    assert len(valid) >= 10, "departments confirmed and announced"
    assert any(a.qualification_status == "cancelled" and a.announced_on for a in agencies), "a cancelled body"
    # each decided body has the history behind its standing, and the re-confirmation dates show both colours
    decided = [a for a in agencies if a.qualification_status != "pending"]
    histories = {a.id: bodies.history(a.id) for a in decided}
    for a in decided:
        latest = next(d for d in histories[a.id] if d.action != "announce")
        assert latest.decided_on == a.qualification_decided_on, a.name
        assert max(d.decided_on for d in histories[a.id] if d.action == "announce") == a.announced_on, a.name
    colours = {bodies.reconfirm_css(a, today) for a in decided}
    assert {"status-due", "status-overdue"} <= colours
    assert sum(1 for a in decided if bodies.reconfirm_css(a, today)) == 2


def check_officers(today) -> None:
    officers = db.session.scalars(sa.select(Officer)).all()
    assert len(officers) >= 300
    for o in officers:
        assert idcard.problem(o.id_number, today) is None, o.id_number
        assert idcard.birth_date(o.id_number) == o.birth_date, o.id_number
        assert idcard.gender(o.id_number) == o.gender, o.id_number
        assert o.agency.kind != "other", f"{o.name} works for {o.agency.name}, which holds no enforcement power"
    for number, name in OFFICERS.items():
        officer = db.session.scalar(sa.select(Officer).where(Officer.id_number == number))
        assert (officer.name, officer.agency.name, officer.status) == (name, HR_AGENCY, "on_duty")
    # Issue 13: uploading a sample file to the demo must change nobody — its people and its unit are not the demo's
    samples = engine.KINDS["officers"].samples
    sample_ids = {row[1] for row in samples} | {row[0] for row in engine.KINDS["training"].samples}
    assert not set(db.session.scalars(sa.select(Officer.id_number).where(Officer.id_number.in_(sample_ids))))
    assert not db.session.scalar(sa.select(Agency.id).where(Agency.name.in_({row[2] for row in samples})))


def check_accounts(client, auth) -> None:
    for login in (*STAFF, *OFFICERS):
        response = auth.login(login, PASSWORD)
        assert response.status_code == 302, login
        assert response.headers["Location"].endswith("/home"), (login, response.headers["Location"])
        assert client.get("/home").status_code == 200, login
        if login == "hr":
            assert listed_total(client) == officers_under(agency(HR_AGENCY)) > 0
        elif login == "legal_huancui":
            assert listed_total(client) == officers_under(agency(HUANCUI)) > 0
            assert listed_total(client) < db.session.scalar(sa.select(sa.func.count()).select_from(Officer))
        elif login == "legal":
            assert listed_total(client) == db.session.scalar(sa.select(sa.func.count()).select_from(Officer))
        elif login == "admin":
            assert client.get("/audit").status_code == 200
            assert "legal_huancui" in client.get("/admin/users").get_data(as_text=True)
        else:
            assert client.get("/officers").status_code == 403
            assert OFFICERS[login] in client.get("/me").get_data(as_text=True)
        auth.logout()
    users = db.session.scalars(sa.select(User)).all()
    assert not [u for u in users if u.must_change_password]
    # issue 13: with MAIL_SERVER set the demo sent nothing — nobody had an address. Every demo person has one, in a
    # domain reserved for examples, so a notice to any account queues an e-mail
    from portal import notify

    addresses = [notify._address(u) for u in users]
    assert all(a and a.endswith("@example.gov.cn") for a in addresses), addresses
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Officer).where(Officer.email.is_(None)))
    note = notify.user(next(u for u in users if u.officer_id), "演示", "演示通知")
    assert note.email_status == "pending" and note.email_to.endswith("@example.gov.cn")
    db.session.rollback()


def officer_id(number: str) -> int:
    return db.session.scalar(sa.select(Officer.id).where(Officer.id_number == number))


def on_duty_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Officer.id).where(Officer.status == "on_duty")))


def check_training(today) -> None:
    courses = db.session.scalars(sa.select(Course)).all()
    assert len(courses) >= 10
    assert {c.category for c in courses} == {"public_law", "professional_law", "ethics"}
    assert {c.mode for c in courses} == {"classroom", "online"}
    records = db.session.execute(sa.select(TrainingRecord.officer_id, TrainingRecord.completed_on,
                                           TrainingRecord.half_hours, TrainingRecord.source,
                                           TrainingRecord.external_id, TrainingRecord.course_id)).all()
    assert {r.completed_on.year for r in records} == set(range(today.year - 3, today.year + 1)), "four years"
    assert max(r.completed_on for r in records) <= today, "nothing after the load date"
    assert all(4 <= r.half_hours <= 16 for r in records), "2 to 8 hours, in 0.5 steps"
    assert any(r.course_id for r in records), "classes of the catalogue"
    imported = [r for r in records if r.external_id]
    assert imported and {r.source for r in imported} <= {"import", "api"}
    assert len(imported) < len(records) / 10, "a few records come with external ids"
    assert not [r for r in records if r.source != "manual" and not r.external_id]

    on_duty = on_duty_ids()
    last_year = collections.Counter(r.officer_id for r in records if r.completed_on.year == today.year - 1)
    counts = sorted(last_year[i] for i in on_duty if last_year[i])
    assert 5 <= counts[len(counts) // 2] <= 9, "5–9 records a year for most officers"

    results = requirements.check_many(on_duty, "annual", today)
    short = [r for r in results.values() if not r.met]
    assert 0.05 * len(on_duty) < len(short) < 0.3 * len(on_duty), "some officers short of this year's hours"
    assert any([p.code for p in r.unmet] == ["ethics"] for r in short), "short in ethics alone"
    hr_ids = db.session.scalars(sa.select(Officer.id).join(Agency).where(
        Agency.name == HR_AGENCY, Officer.status == "on_duty")).all()
    assert any(not results[i].met for i in hr_ids), "hr's shortfall list has content"
    assert requirements.check(officer_id(LI), "pre_exam", today).met, "李晓梅 may sit the exam opening today"
    assert requirements.check(officer_id(WANG), "annual", today).met


def quarters_before(today, count=8) -> list[tuple[int, int]]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        quarters.append((year, quarter))
    return quarters


def grade(total: Decimal) -> str:
    return "好" if total >= 90 else "较好" if total >= 75 else "一般" if total >= 60 else "较差"


def check_assessments(today) -> None:
    template = db.session.scalar(sa.select(IndicatorTemplate).where(IndicatorTemplate.name == TEMPLATE))
    assert template is not None and template.active
    weights = collections.Counter()
    for indicator in template.indicators:
        weights[indicator.group] += indicator.weight
    assert weights == {"general": 30, "specialised": 50, "external": 20}
    assert len(template.indicators) >= 6

    quarter = (AssessmentScore.officer_id, AssessmentScore.year, AssessmentScore.quarter)
    weighted = sa.func.sum(AssessmentScore.tenths * Indicator.weight)  # thousandths of a point
    rows = db.session.execute(sa.select(*quarter, sa.func.count(), weighted)
                              .join(Indicator, Indicator.id == AssessmentScore.indicator_id)
                              .where(Indicator.template_id == template.id).group_by(*quarter)).all()
    assert {(year, q) for _o, year, q, _n, _s in rows} == set(quarters_before(today)), "the last 8 quarters"
    assert all(n == len(template.indicators) for *_key, n, _s in rows), "every indicator scored"
    assert {o for o, *_ in rows} <= set(on_duty_ids())
    grades = collections.Counter(
        grade((Decimal(weighted) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        for *_key, _n, weighted in rows)
    assert grades["较差"] >= 1, "a few 较差"
    assert grades["较差"] <= 0.05 * len(rows)
    assert grades["好"] + grades["较好"] >= 0.7 * len(rows), "mostly 好 and 较好"
    assert grades["一般"] > 0


def check_exams(now) -> None:
    questions = db.session.scalars(sa.select(Question)).all()
    assert len(questions) >= 150 and {q.category for q in questions} == LAWS
    assert all(q.status == "active" and q.current.legal_basis.startswith("《") for q in questions)
    exams = db.session.scalars(sa.select(Exam)).all()
    open_now = {e.purpose for e in exams if e.is_open(now)}
    assert {"qualification", "hearing_presider"} <= open_now
    assert any(e.purpose == "update_test" and not e.has_closed(now) for e in exams)
    closed = [e for e in exams if e.has_closed(now)]
    assert len(closed) == 3
    for exam in closed:
        attempts = db.session.scalars(sa.select(Attempt).where(Attempt.exam_id == exam.id)).all()
        assert len(attempts) >= 50 and all(a.is_final and a.finished_at <= exam.closes_at for a in attempts)
        assert {a.number for a in attempts} == {1, 2} and {a.passed for a in attempts} == {True, False}
        assert all(a.score == sum(i.mark for i in a.items) for a in attempts), "scores add up their marks"
        assert all(a.passed == (a.score >= exam.pass_mark) for a in attempts)
        for attempt in attempts[:20]:
            assert len(attempt.items) == exam.question_count
            assert len({i.question_id for i in attempt.items}) == exam.question_count
    # the marks are the keys' verdicts on the responses
    wrong = db.session.scalar(sa.select(sa.func.count()).select_from(AttemptItem).join(QuestionVersion).where(
        (AttemptItem.response == QuestionVersion.answer) != (AttemptItem.mark == AttemptItem.points)))
    assert wrong == 0
    li = db.session.scalar(sa.select(Officer).where(Officer.id_number == LI))
    qualification = next(e for e in exams if e.purpose == "qualification" and e.is_open(now))
    decision = admission.decide(li, qualification, now)
    assert decision.ok and not decision.resumes, decision.reason


def officer_history(number: str) -> tuple[set, set, set]:
    """An officer's training, scores and exam papers, by value (not by id)."""
    oid = officer_id(number)
    training = set(db.session.execute(sa.select(
        TrainingRecord.title, TrainingRecord.completed_on, TrainingRecord.half_hours,
        TrainingRecord.external_id).where(TrainingRecord.officer_id == oid)).all())
    scores = set(db.session.execute(sa.select(
        AssessmentScore.year, AssessmentScore.quarter, Indicator.name, AssessmentScore.tenths)
        .join(Indicator).where(AssessmentScore.officer_id == oid)).all())
    papers = set(db.session.execute(sa.select(
        Exam.title, Attempt.number, Attempt.score, AttemptItem.position, AttemptItem.question_id,
        AttemptItem.option_order, AttemptItem.response)
        .join(Attempt, Attempt.exam_id == Exam.id).join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.officer_id == oid)).all())
    return training, scores, papers


def test_demo_load_builds_weihai_once_and_every_account_sees_its_scope(app, runner, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    assert row_counts()["agency"] == 0
    with statements(app) as written:
        first = load(runner)
    assert_lists_accounts(first)
    assert re.search(r"培训记录 [1-9]\d* 条", first) and re.search(r"平时考核评分 [1-9]\d* 项", first)
    today = clock.today()
    check_tree(today)
    check_officers(today)
    check_training(today)
    check_assessments(today)
    check_exams(clock.now())

    counts = row_counts()
    assert all(counts[table] > 0 for table in NEW_TABLES), counts
    # set-based, counted rather than timed: a statement per row of its ~48,000 would show here (today ~7,300)
    assert len(written) < sum(counts.values()) / 4, (len(written), sum(counts.values()))
    with statements(app) as again:
        second = load(runner)
    assert len(again) < 200, len(again)  # a second run reads what is there and adds nothing
    assert_lists_accounts(second)
    assert "课程 0 门、培训记录 0 条、考核指标模板 0 套、平时考核评分 0 项、试题 0 道、考试 0 场、考试记录 0 份" in second
    assert row_counts() == counts, "a second run adds nothing"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    skipped = load(runner, "--if-empty")
    assert row_counts() == counts
    assert "跳过" in skipped

    check_accounts(client, auth)


def test_a_second_run_completes_a_partial_demo_with_the_same_numbers(app, runner, monkeypatch):
    """Deterministic: an officer removed by hand comes back with the same ID number, nothing else is added."""
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load(runner)
    from certificates.applications.models import Application
    from certificates.models import Certificate

    victim = db.session.scalar(sa.select(Officer).where(
        Officer.id_number.notin_(list(OFFICERS)),
        ~sa.exists().where(Certificate.officer_id == Officer.id),  # a certificate's holder is not removed by hand
        ~sa.exists().where(Application.officer_id == Officer.id)).order_by(Officer.id.desc()))
    number = victim.id_number
    history = officer_history(number)
    assert history[0], "the victim has training"
    counts = row_counts()
    db.session.execute(sa.text("DELETE FROM exam_attempt_item WHERE attempt_id IN "
                               "(SELECT id FROM exam_attempt WHERE officer_id = :id)"), {"id": victim.id})
    for table in ("officer_category", "officer_photo", "training_record", "assessment_score", "exam_attempt"):
        db.session.execute(sa.text(f"DELETE FROM {table} WHERE officer_id = :id"), {"id": victim.id})
    db.session.execute(sa.text("DELETE FROM officer WHERE id = :id"), {"id": victim.id})
    db.session.commit()
    output = load(runner)
    assert "人员 1 名" in output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Officer).where(Officer.id_number == number)) == 1
    assert officer_history(number) == history, "the same training and scores come back"
    after = row_counts()
    assert after.pop("audit_entry") == counts.pop("audit_entry") + 1
    assert after == counts


def test_if_empty_leaves_a_database_with_data_alone(runner, world):
    counts = row_counts()
    output = load(runner, "--if-empty")
    assert row_counts() == counts
    assert "跳过" in output
    assert not db.session.scalar(sa.select(User).where(User.username == "legal_huancui"))
