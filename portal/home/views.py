"""The public front page, each role's home page and ``/healthz``."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, url_for
from flask_login import current_user

from certificates import due
from exams.attempts.admission import officer_exams
from portal import background, clock
from portal.admin import audit_labels
from portal.auth.access import public, require, scope_condition
from portal.auth.models import ROLES
from portal.complaints import handling as complaint_handling
from portal.extensions import db
from portal.forms import ActionForm
from portal.home import queries
from portal.officers.models import Officer
from portal.templating import cn_date
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
        with db.engine.connect() as conn:  # a connection of its own: the request's unit of work is not touched
            conn.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is unreachable
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
    for proposal in queries.proposals_to_answer(officer.id, now.date()):
        todo.insert(0, (f"法制机构拟{proposal.word}您的{proposal.certificate.type_label}（{proposal.kind_label}）：请于 "
                        f"{cn_date(proposal.answer_by)} 前陈述申辩或声明放弃。", url_for("register.mine"), "去陈述申辩"))
    for complaint in complaint_handling.awaiting(officer.id, now.date()):
        todo.insert(0, (f"有一件针对您的投诉（{cn_date(complaint.happened_on)}，{complaint.place}）：请于 "
                        f"{cn_date(complaint.answer_due_on)} 前陈述意见或放弃陈述。", url_for("complaints.mine"), "去陈述"))
    open_exams = [(exam, decision) for exam, decision, state in officer_exams(officer, now) if state == "open"]
    certificates = queries.officer_certificates(officer.id, now.date())
    return render_template("home/officer.html", officer=officer, todo=todo, training=training,
                           open_exams=open_exams, exam_form=ActionForm(), certificates=certificates,
                           today=now.date(), css_due=due.css_class, describe_due=due.describe)


def _hr_home():
    condition = scope_condition(current_user, Officer.agency_id)
    counts = queries.officer_counts(condition)
    recent = queries.recent_officers(condition)
    short_of_training = shortfall.count_short(current_user, clock.today())
    return render_template("home/hr.html", counts=counts, recent=recent, short_of_training=short_of_training,
                           certificates=queries.certificate_counts(current_user))


#: units in the legal home's chart (a phone shows ten bars; the full list is one tap away)
LEGAL_CHART_TOP = 10


def _legal_home():
    condition = scope_condition(current_user, Officer.agency_id)
    counts = queries.officer_counts(condition)
    per_agency = queries.officers_per_agency(condition)
    bodies, valid = queries.body_counts(current_user, clock.today())
    top = per_agency[:LEGAL_CHART_TOP]  # the largest units as a chart; every unit in the table under it
    chart = {
        "type": "bar",
        "data": {"labels": [name for name, _ in top],
                 "datasets": [{"label": "在岗执法人员", "data": [n for _, n in top]}]},
        "options": {"indexAxis": "y"},
    }
    open_exams = queries.open_exam_count(current_user, clock.now())
    complaints_open, complaints_overdue = queries.open_complaint_counts(current_user, clock.today())
    return render_template("home/legal.html", counts=counts, per_agency=per_agency, bodies=bodies, valid=valid,
                           chart=chart, chart_top=len(top), open_exams=open_exams, certificates=queries.certificate_counts(current_user),
                           complaints_open=complaints_open, complaints_overdue=complaints_overdue)


def _admin_home():
    by_role = queries.accounts_per_role()
    locked = queries.locked_accounts(clock.now())
    recent = queries.recent_audit_entries()
    agencies = queries.agency_count()
    now = clock.now()
    states = queries.scheduler_states()
    scheduled = [(job, states.get(name)) for name, job in sorted(background.SCHEDULED.items())]
    jobs = queries.recent_jobs()
    outbox = queries.outbox_counts()
    return render_template("home/admin.html", by_role=by_role, roles=ROLES, locked=locked, recent=recent,
                           labels=audit_labels, actors=audit_labels.actor_names(recent),
                           objects=audit_labels.object_names(recent), agencies=agencies, heartbeat=states.get(background.HEARTBEAT), scheduled=scheduled,
                           jobs=jobs, outbox=outbox, stale=background.HEARTBEAT_STALE, now=now)
