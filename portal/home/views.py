"""The public front page, each role's home page and ``/healthz``."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from certificates import due
from certificates.models import Application, Certificate, Review
from certificates.reviews import services as reviews
from exams.papers.models import Exam
from exams.papers.services import officer_exams
from portal import audit, background, clock, notify
from portal.admin import audit_labels
from portal.auth.access import public, require, scope_condition, scoped_agencies
from portal.auth.models import ROLES, User
from portal.complaints.models import CLOSED, Complaint
from portal.extensions import db
from portal.forms import ActionForm
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.training import shortfall
from portal.training.progress import progress_of

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@public
def index():
    """The public front page."""
    return render_template("home/index.html")


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is unreachable
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database,
                    "time": clock.now().isoformat(timespec="seconds")}), status


@bp.route("/home")
@require("officer", "hr", "legal", "admin")
def dashboard():
    """Each role lands on the page that answers its first question of the day."""
    return {
        "officer": _officer_home,
        "hr": _hr_home,
        "legal": _legal_home,
        "admin": _admin_home,
    }[current_user.role]()


def _officer_home():
    officer = current_user.officer
    todo = []
    if not officer.has_photo:
        todo.append("尚未登记照片：发放执法证前须有照片，请联系本单位人事管理员上传。")
    if officer.status != "on_duty":
        todo.append(f"您的在岗状态为“{officer.status_label}”。")
    training = progress_of(officer.id, clock.today())
    if officer.status == "on_duty" and not training["annual"].met:
        todo.append(f"本年度培训尚未达标：{training['annual'].describe_unmet()}。")
    now = clock.now()
    open_exams = [(exam, decision) for exam, decision, state in officer_exams(officer, now) if state == "open"]
    certificates = _officer_certificates(officer.id, now.date())
    return render_template("home/officer.html", officer=officer, todo=todo, training=training,
                           open_exams=open_exams, exam_form=ActionForm(), certificates=certificates,
                           today=now.date(), css_due=due.css_class, describe_due=due.describe)


def _officer_certificates(officer_id: int, today):
    """The officer's live certificates with their due dates (a presider's follow the enforcement certificate)."""
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == officer_id, Certificate.status != "revoked").order_by(Certificate.type)).all()
    enforcement = next((c for c in live if c.type == "enforcement"), None)
    return [(c, due.dues(c, today, enforcement)) for c in live]


def _certificate_counts(user) -> dict:
    """Pending applications and suspended certificates in scope (two counts)."""
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.status == "pending", scope_condition(user, Application.agency_id)))
    suspended = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.status == "suspended", scope_condition(user, Certificate.agency_id)))
    lines = reviews.due_list(user, clock.today())
    return {"pending_applications": pending, "suspended": suspended,
            "reviews_to_submit": sum(line.state in ("none", "rejected") for line in lines),
            "reviews_to_decide": db.session.scalar(sa.select(sa.func.count()).select_from(Review).join(
                Certificate, Certificate.id == Review.certificate_id).where(
                Review.status == "submitted", Certificate.status != "revoked",
                scope_condition(user, Review.agency_id)))}


def _officer_counts(condition):
    on_duty = Officer.status == "on_duty"
    has_account = sa.exists().where(User.officer_id == Officer.id)
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(on_duty),
            sa.func.count().filter(on_duty, Officer.has_photo.is_(False)),
            sa.func.count().filter(on_duty, ~has_account),
        ).select_from(Officer).where(condition)
    ).one()
    return {"total": row[0], "on_duty": row[1], "no_photo": row[2], "no_account": row[3]}


def _hr_home():
    condition = scope_condition(current_user, Officer.agency_id)
    counts = _officer_counts(condition)
    recent = db.session.scalars(
        sa.select(Officer).where(condition).order_by(Officer.updated_at.desc()).limit(8)
    ).all()
    short_of_training = shortfall.count_short(current_user, clock.today())
    return render_template("home/hr.html", counts=counts, recent=recent, short_of_training=short_of_training,
                           certificates=_certificate_counts(current_user))


#: units in the legal home's chart (a phone shows ten bars; the full list is one tap away)
LEGAL_CHART_TOP = 10


def _legal_home():
    condition = scope_condition(current_user, Officer.agency_id)
    counts = _officer_counts(condition)
    per_agency = db.session.execute(
        sa.select(Agency.short_name, sa.func.count(Officer.id))
        .join(Officer, Officer.agency_id == Agency.id)
        .where(condition, Officer.status == "on_duty")
        .group_by(Agency.id, Agency.short_name)
        .order_by(sa.func.count(Officer.id).desc(), Agency.short_name)
    ).all()
    agencies = scoped_agencies(current_user)
    bodies = {"confirmed": 0, "pending": 0, "cancelled": 0}
    today = clock.today()
    valid = 0
    for agency in agencies:
        if agency.kind in ("government", "authorized", "township"):
            bodies[agency.qualification_status] += 1
            valid += agency.is_valid_body(today)
    top = per_agency[:LEGAL_CHART_TOP]  # the largest units as a chart; every unit in the table under it
    chart = {
        "type": "bar",
        "data": {"labels": [name for name, _ in top],
                 "datasets": [{"label": "在岗执法人员", "data": [n for _, n in top]}]},
        "options": {"indexAxis": "y"},
    }
    now = clock.now()
    open_exams = db.session.scalar(sa.select(sa.func.count()).select_from(Exam).where(
        scope_condition(current_user, Exam.agency_id), Exam.status == "published", Exam.opens_at <= now,
        Exam.closes_at > now))
    complaints_open = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        scope_condition(current_user, Complaint.agency_id), Complaint.status.not_in(CLOSED)))
    return render_template("home/legal.html", counts=counts, per_agency=per_agency, bodies=bodies, valid=valid,
                           chart=chart, chart_top=len(top), open_exams=open_exams, certificates=_certificate_counts(current_user),
                           complaints_open=complaints_open)


def _admin_home():
    by_role = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    locked = db.session.scalars(
        sa.select(User).where(User.locked_until > clock.now()).order_by(User.locked_until)
    ).all()
    recent = db.session.scalars(sa.select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(10)).all()
    agencies = db.session.scalar(sa.select(sa.func.count()).select_from(Agency))
    now = clock.now()
    states = {s.name: s for s in db.session.scalars(sa.select(background.SchedulerState)).all()}
    scheduled = [(job, states.get(name)) for name, job in sorted(background.SCHEDULED.items())]
    jobs = db.session.scalars(sa.select(background.Job).order_by(background.Job.id.desc()).limit(8)).all()
    outbox = dict(db.session.execute(
        sa.select(notify.Notification.email_status, sa.func.count())
        .where(notify.Notification.email_status.in_(("pending", "sending", "failed")))
        .group_by(notify.Notification.email_status)).all())
    return render_template("home/admin.html", by_role=by_role, roles=ROLES, locked=locked, recent=recent,
                           labels=audit_labels, actors=audit_labels.actor_names(recent),
                           objects=audit_labels.object_names(recent), agencies=agencies, heartbeat=states.get(background.HEARTBEAT), scheduled=scheduled,
                           jobs=jobs, outbox=outbox, stale=background.HEARTBEAT_STALE, now=now)
