"""The daily sweep (SPEC §2.8): what nobody has to remember.

In order: certificates of officers marked ``left_post`` / ``retired`` that were missed are revoked; makeup windows
that ended without a pass revoke (注销, 未参加补考) when a makeup sitting was offered in them, and are extended (legal
told to schedule one) when none was; a window whose update-test due date has come gets its ``update_test_failed``
hold; certificates follow the holder's 人员类别 (:mod:`certificates.holder`); certificates follow their authority — ``body_invalid`` while their body is not
valid, ``entrustment_ended`` while an entrusted party has no agreement in force — and the legal office is reminded
of bodies due for re-confirmation and agreements ending soon; certificates past a due date get the ``review_overdue`` /
``update_test_overdue`` hold (no update-test hold while a makeup window is open); officers due for the update
test are enrolled in the next update test; the reminders due today (60 / 30 / 7 days before a due date
*(default)*) go to the officer and their agency's HR; the legal office is reminded, once, of each proposed
revocation whose answer deadline has passed, and of each complaint whose deadline (受理/移交, 办结) is near or past
(:func:`portal.complaints.handling.remind_due`).

Set-based: a handful of queries find everything to do whatever the number of certificates; only the changes
themselves are written one by one (each is an event, an audit entry and a notice). Idempotent: a second run on
the same day finds nothing to do and sends nothing. ``run`` flushes; the caller commits — or, for a dry run, rolls
back, so a dry run reports exactly what a real run would do.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from certificates import authority, cycles, due, holder, lifecycle, proposals
from certificates.cycle_models import Reminder, Review, UpdateTestRound
from certificates.models import Certificate, Hold
from exams.papers.models import Enrolment, Exam
from portal import audit, clock, notify, policy
from portal.audit import AuditEntry
from portal.auth.models import User
from portal.complaints import handling as complaints
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.bodies import services as bodies
from portal.orgs.models import Agency
from portal.templating import cn_date

policy.define("certificates.reminder_days", "到期提醒（提前天数，以逗号分隔）", "text", "60,30,7", lifecycle.SECTION,
              help="审核确认和法律知识更新测试到期前的提醒天数，如 60,30,7；提醒发给本人和所在单位人事管理员。")
KINDS = {"review": "审核确认", "update_test": "法律知识更新测试"}
OVERDUE_HOLD = {"review": "review_overdue", "update_test": "update_test_overdue"}


@dataclass
class Report:
    """What a sweep changed (or, dry, would change): one line per change, and counts by kind."""

    today: dt.date
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        self.lines.append(line)

    def summary(self) -> str:
        labels = {"revoked": "注销", "held": "暂扣", "lifted": "解除暂扣", "enrolled": "报名更新测试",
                  "extended": "延长补考期", "reminded": "到期提醒"}
        parts = [f"{labels[k]} {self.counts.get(k, 0)}" for k in labels]
        return f"{self.today:%Y-%m-%d} 巡检：" + "，".join(parts)


def _reminder_parts(raw: str) -> list[str]:
    return [part.strip() for part in str(raw or "").replace("，", ",").split(",") if part.strip()]


def _a_day(part: str) -> bool:
    return part.isascii() and part.isdigit() and len(part) <= 3 and 0 < int(part) <= 366


@policy.constraint
def _reminder_days_are_days(values: dict) -> str | None:
    """The reminder thresholds are whole numbers of days, 1–366, separated by commas."""
    parts = _reminder_parts(values["certificates.reminder_days"])
    wrong = [part for part in parts if not _a_day(part)]
    if wrong:
        return f"到期提醒中的“{wrong[0][:20]}”不是 1–366 之间的天数：请填写以逗号分隔的天数，如 60,30,7"
    if not parts:
        return "到期提醒须至少填写一个天数，如 60,30,7"
    return None


def reminder_days() -> list[int]:
    """The reminder thresholds, largest first. A malformed setting (stored before it was checked on save) falls
    back to 60, 30, 7 as a whole: dropping only its bad part would silently leave out a reminder."""
    parts = _reminder_parts(policy.get("certificates.reminder_days"))
    if not parts or not all(_a_day(part) for part in parts):
        return [60, 30, 7]
    return sorted({int(part) for part in parts}, reverse=True)


def _live_enforcement_rows(today: dt.date):
    """The live enforcement certificates of officers on duty with a due date near enough to matter today — overdue,
    within the largest reminder threshold, or within the update-test enrolment window — read through the stored,
    indexed due dates: a superset of what the rules below then decide on exactly, not every certificate."""
    months = int(policy.get("certificates.update_test_enrol_months"))
    horizon = today + dt.timedelta(days=max(reminder_days()[0], 31 * (months + 1)))
    return db.session.execute(sa.select(
        Certificate.id, Certificate.number, Certificate.first_issued_on, Certificate.reviews_done,
        Certificate.update_tests_done, Certificate.officer_id, Officer.name, Officer.agency_id,
        Agency.path.label("agency_path"))
        .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Officer.agency_id)
        .where(Certificate.type == "enforcement", Certificate.status != "revoked", Officer.status == "on_duty",
               sa.or_(Certificate.review_due_on <= horizon, Certificate.update_test_due_on <= horizon))
        .order_by(Certificate.number)).all()


def _dues(row) -> dict[str, dt.date]:
    return {"review": due.review_due(row.first_issued_on, row.reviews_done),
            "update_test": due.update_test_due(row.first_issued_on, row.update_tests_done)}


def run(today: dt.date, *, actor: audit.Actor, now: dt.datetime | None = None) -> Report:
    """Do the day's work for ``today`` (flushes; the caller commits or, for a dry run, rolls back)."""
    if now is None:  # a sweep for another day (``--today``) acts at 01:00 of that day, as the scheduled one does
        now = clock.now() if today == clock.today() else dt.datetime.combine(today, dt.time(1, 0), tzinfo=clock.TZ)
    report = Report(today)
    _revoke_departed(report, actor, now)
    _expire_makeups(report, today, actor, now)
    _authority(report, today, actor, now)
    _holders(report, actor, now)
    rows = _live_enforcement_rows(today)
    _overdue_holds(report, rows, today, actor, now)
    _enrol(report, rows, today, actor, now)
    _remind(report, rows, today, now)
    for proposal in proposals.remind_overdue(today, now=now):
        report.add("reminded", f"提醒 拟{proposal.word} {proposal.certificate.number} {proposal.certificate.officer.name}："
                               f"陈述申辩期限已于 {proposal.answer_by:%Y-%m-%d} 届满，待作出决定")
    for complaint in complaints.remind_due(today, now=now):
        step = "受理或移交" if complaint.status == "received" else "办结"
        report.add("reminded", f"提醒 {complaint.kind_label} {complaint.reference}：{step}期限 {complaint.due_on:%Y-%m-%d}")
    db.session.flush()
    return report


def _revoke_departed(report: Report, actor: audit.Actor, now: dt.datetime) -> None:
    missed = db.session.execute(sa.select(Officer.id, Officer.status).join(
        Certificate, Certificate.officer_id == Officer.id).where(
        Officer.status.in_(("left_post", "retired")), Certificate.status != "revoked").distinct()).all()
    for officer_id, status in missed:
        for certificate in cycles.revoke_for_status(officer_id, status, actor=actor, now=now):
            report.add("revoked", f"注销 {certificate.number} {certificate.officer.name}："
                                  f"{'调离执法岗位' if status == 'left_post' else '退休'}")


def _expire_makeups(report: Report, today: dt.date, actor: audit.Actor, now: dt.datetime) -> None:
    ended = db.session.scalars(sa.select(UpdateTestRound).where(
        UpdateTestRound.status == "makeup", UpdateTestRound.makeup_until < today)
        .order_by(UpdateTestRound.id)).all()
    for round_ in ended:
        until = round_.makeup_until
        certificate = cycles.expire_round(round_, actor=actor, now=now)
        if certificate is not None:
            report.add("revoked", f"注销 {certificate.number} {certificate.officer.name}：更新测试补考期"
                                  f"（至 {cn_date(until)}）届满，已安排补考而未参加")
        elif round_.status == "makeup" and round_.makeup_until != until:
            held = db.session.get(Certificate, round_.certificate_id)
            report.add("extended", f"延长补考期 {held.number} {held.officer.name}：至 {cn_date(until)} 没有可参加的补考场次，"
                                   f"延长至 {cn_date(round_.makeup_until)}，已提醒法制机构安排")
    for certificate in cycles.hold_due_makeups(today, actor=actor, now=now):
        report.add("held", f"暂扣 {certificate.number} {certificate.officer.name}：法律知识更新测试未通过，"
                           "已到更新测试到期日，补考期内")


def _authority(report: Report, today: dt.date, actor: audit.Actor, now: dt.datetime) -> None:
    words = {authority.HOLD: "执法主体资格失效", authority.ENDED: "委托协议不在有效期内"}
    cured = {authority.HOLD: "执法主体资格已确认并公告", authority.ENDED: "委托协议在有效期内"}
    for certificate, reason, placed in authority.reconcile(today, actor=actor, now=now):
        agency = certificate.agency.name
        if placed:
            report.add("held", f"暂扣 {certificate.number} {certificate.officer.name}：{agency}{words[reason]}")
        else:
            report.add("lifted", f"解除暂扣 {certificate.number} {certificate.officer.name}：{agency}{cured[reason]}")
    for agency in authority.remind_reconfirmation(today, now=now):
        report.add("reminded", f"提醒 {agency.name}：执法主体资格应于 "
                               f"{bodies.reconfirm_due(agency):%Y-%m-%d} 前复核确认")
    for agreement in authority.remind_entrustment_ends(today, now=now):
        report.add("reminded", f"提醒 {agreement.entrusting.name}委托{agreement.entrusted.name}的协议将于 "
                               f"{agreement.ends_on:%Y-%m-%d} 期满")


def _holders(report: Report, actor: audit.Actor, now: dt.datetime) -> None:
    for certificate, placed in holder.reconcile(actor=actor, now=now):
        officer = certificate.officer
        if placed:
            report.add("held", f"暂扣 {certificate.number} {officer.name}：人员类别“{officer.staff_kind_label}”不可持证")
        else:
            report.add("lifted", f"解除暂扣 {certificate.number} {officer.name}：人员类别“{officer.staff_kind_label}”可持证")


def _overdue_holds(report: Report, rows, today: dt.date, actor: audit.Actor, now: dt.datetime) -> None:
    held = set(db.session.execute(sa.select(Hold.certificate_id, Hold.reason).where(
        Hold.lifted_at.is_(None), Hold.reason.in_(OVERDUE_HOLD.values()))).all())
    in_makeup = set(db.session.scalars(sa.select(UpdateTestRound.certificate_id).where(
        UpdateTestRound.status == "makeup")))
    todo: list[tuple[int, str, dt.date]] = []
    for row in rows:
        for kind, day in _dues(row).items():
            reason = OVERDUE_HOLD[kind]
            if due.is_overdue(day, today) and (row.id, reason) not in held:
                if kind == "update_test" and row.id in in_makeup:
                    continue
                todo.append((row.id, reason, day))
    certificates = {c.id: c for c in db.session.scalars(sa.select(Certificate).where(
        Certificate.id.in_({cid for cid, _, _ in todo} or {-1})))}
    for certificate_id, reason, day in todo:
        certificate = lifecycle.lock_certificate(certificates[certificate_id])
        # read again under the lock: a review confirmed or a test passed since the rows were read is not overdue
        if reason == "review_overdue":
            day = due.review_due(certificate.first_issued_on, certificate.reviews_done)
        else:
            day = due.update_test_due(certificate.first_issued_on, certificate.update_tests_done)
            if cycles.open_round(certificate.id) is not None:
                continue
        if not due.is_overdue(day, today) or certificate.status == "revoked":
            continue
        if lifecycle.ensure_hold(certificate, reason, actor=actor, now=now, legal_basis=cycles.BASIS):
            kind = "review" if reason == "review_overdue" else "update_test"
            report.add("held", f"暂扣 {certificate.number} {certificate.officer.name}：{KINDS[kind]}逾期"
                               f"（应于 {day:%Y-%m-%d} 前完成）")


def update_exams(now: dt.datetime) -> list[Exam]:
    """The update tests officers can still be enrolled in: published, not yet closed, earliest first."""
    return list(db.session.scalars(sa.select(Exam).where(
        Exam.purpose == "update_test", Exam.status == "published", Exam.closes_at > now)
        .order_by(Exam.opens_at, Exam.id)))


def _withdrawn(exam_ids: list[int]) -> set[tuple[int, int]]:
    """(exam, officer) pairs the legal office took off an exam's list: the sweep does not put them back."""
    rows = db.session.execute(sa.select(AuditEntry.object_id, AuditEntry.change).where(
        AuditEntry.action == "exam.unenrol", AuditEntry.object_type == "exam",
        AuditEntry.object_id.in_([str(i) for i in exam_ids]))).all()
    return {(int(object_id), int(change.get("officer"))) for object_id, change in rows
            if isinstance(change, dict) and str(change.get("officer", "")).isdigit()}


def _enrol(report: Report, rows, today: dt.date, actor: audit.Actor, now: dt.datetime) -> None:
    exams = update_exams(now)
    if not exams:
        return
    ids = [exam.id for exam in exams]
    enrolled = set(db.session.scalars(sa.select(Enrolment.officer_id).where(Enrolment.exam_id.in_(ids))))
    withdrawn = _withdrawn(ids)
    chosen: list[tuple] = []
    for row in rows:
        if row.officer_id in enrolled or today < cycles.enrol_window_start(_dues(row)["update_test"]):
            continue
        # the earliest update test of a legal office whose jurisdiction covers the officer's agency, unless the
        # office took the officer off that one's list
        exam = next((e for e in exams if row.agency_path.startswith(e.agency.path)
                     and (e.id, row.officer_id) not in withdrawn), None)
        if exam is not None:
            chosen.append((row, exam))
    if not chosen:
        return
    db.session.execute(sa.insert(Enrolment.__table__), [
        {"exam_id": exam.id, "officer_id": row.officer_id, "source": "sweep", "enrolled_by": None, "enrolled_at": now}
        for row, exam in chosen])
    accounts = dict(db.session.execute(sa.select(User.officer_id, User).where(
        User.officer_id.in_([row.officer_id for row, _ in chosen]), User.active.is_(True))).all())
    per_exam: dict[int, int] = defaultdict(int)
    for row, exam in chosen:
        day = _dues(row)["update_test"]
        per_exam[exam.id] += 1
        if row.officer_id in accounts:
            notify.user(accounts[row.officer_id], "已为您报名法律知识更新测试",
                        f"您的法律知识更新测试应于 {cn_date(day)} 前完成，已为您报名“{exam.title}”"
                        f"（{exam.opens_at:%Y-%m-%d %H:%M} 至 {exam.closes_at:%Y-%m-%d %H:%M}）。", "/me/exams", now=now)
        report.add("enrolled", f"报名 {row.number} {row.name}：“{exam.title}”（更新测试应于 {day:%Y-%m-%d} 前完成）")
    for exam in exams:
        if per_exam.get(exam.id):
            audit.record(actor, "exam.enrol_due", exam, {"officers": per_exam[exam.id]}, agency_id=exam.agency_id,
                         now=now)


def _remind(report: Report, rows, today: dt.date, now: dt.datetime) -> None:
    thresholds = reminder_days()
    horizon = today + dt.timedelta(days=thresholds[0])
    sent = set(db.session.execute(sa.select(Reminder.certificate_id, Reminder.kind, Reminder.due_on, Reminder.days)
                                  .where(Reminder.due_on >= today, Reminder.due_on <= horizon)).all())
    submitted = set(db.session.execute(sa.select(Review.certificate_id, Review.due_on).where(
        Review.status == "submitted")).all())
    due_rows: list[tuple] = []
    marks: list[dict] = []
    for row in rows:
        for kind, day in _dues(row).items():
            if kind == "review" and (row.id, day) in submitted:
                continue  # HR has submitted it: the legal office has it, nobody needs reminding
            left = (day - today).days
            applicable = [t for t in thresholds if 0 <= left <= t]
            if not applicable or (row.id, kind, day, min(applicable)) in sent:
                continue
            due_rows.append((row, kind, day, left))
            marks += [{"certificate_id": row.id, "kind": kind, "due_on": day, "days": t, "sent_at": now}
                      for t in applicable if (row.id, kind, day, t) not in sent]
    if not due_rows:
        return
    db.session.execute(sa.insert(Reminder.__table__), marks)
    accounts = dict(db.session.execute(sa.select(User.officer_id, User).where(
        User.officer_id.in_({row.officer_id for row, *_ in due_rows}), User.active.is_(True))).all())
    by_agency: dict[int, list[str]] = defaultdict(list)
    for row, kind, day, left in due_rows:
        text = f"{KINDS[kind]}应于 {cn_date(day)} 前完成（还有 {left} 天）"
        if row.officer_id in accounts:
            notify.user(accounts[row.officer_id], f"{KINDS[kind]}即将到期", f"您的{text}。", "/me/certificates", now=now)
        by_agency[row.agency_id].append(f"{row.name}（{row.number}）{text}")
        report.add("reminded", f"提醒 {row.number} {row.name}：{text}")
    for agency_id, items in by_agency.items():
        notify.agency_hr(agency_id, f"本单位 {len(items)} 人审核确认或更新测试即将到期", "\n".join(items), now=now)
