"""Exam pages: the legal office's exams and blueprints, enrolments; the officer's exam list (我的考试).

Legal sees the exams of the jurisdictions in its scope (``exam.agency_id``); another jurisdiction's exam answers
404. An officer sees the published exams whose audience includes them, each with a start or resume button or
the reason they cannot start.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from exams import usage
from exams.attempts import admission
from exams.attempts.models import Attempt
from exams.bank.models import KINDS
from exams.papers import blueprint, enrolment, services
from exams.papers.forms import WINDOW_STATES, EnrolForm, ExamFilterForm, PublishForm, RemoveForm
from exams.papers.models import AUDIENCES, ENROLMENT_SOURCES, PURPOSES, Enrolment, Exam
from portal import clock, transaction
from portal.auth.access import current_actor, get_in_scope_or_404, require, scope_condition, scoped_agencies
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import int_arg, paginate
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency

bp = Blueprint("papers", __name__, template_folder="templates")

BLANK_ROWS = 3  # blank section rows after the typed ones
MORE_ROWS = 3  # rows added by 增加一行


@bp.context_processor
def _helpers():
    return {"has_view": lambda endpoint: endpoint in current_app.view_functions, "mask": idcard.mask}


def _window_condition(state: str, now: dt.datetime):
    if state == "upcoming":
        return Exam.opens_at > now
    if state == "open":
        return sa.and_(Exam.opens_at <= now, Exam.closes_at > now)
    return Exam.closes_at <= now


def _attempt_stats(exam_ids: list[int]) -> dict[int, dict]:
    """Per exam: attempts, officers who sat it, open attempts, passes (one grouped query)."""
    if not exam_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attempt.exam_id, sa.func.count(), sa.func.count(sa.distinct(Attempt.officer_id)),
                  sa.func.count().filter(Attempt.status == "open"),
                  sa.func.count(sa.distinct(Attempt.officer_id)).filter(Attempt.passed.is_(True)))
        .where(Attempt.exam_id.in_(exam_ids)).group_by(Attempt.exam_id)).all()
    stats = {i: {"attempts": 0, "officers": 0, "open": 0, "passed": 0} for i in exam_ids}
    for exam_id, attempts, officers, open_, passed in rows:
        stats[exam_id] = {"attempts": attempts, "officers": officers, "open": open_, "passed": passed}
    return stats


def _enrolment_counts(exam_ids: list[int]) -> dict[int, int]:
    if not exam_ids:
        return {}
    return dict(db.session.execute(sa.select(Enrolment.exam_id, sa.func.count()).where(
        Enrolment.exam_id.in_(exam_ids)).group_by(Enrolment.exam_id)).all())


# --- the legal office's list ------------------------------------------------------------------------------------

@bp.route("/exams")
@require("legal")
def index():
    """The exams of the jurisdictions in scope: filters (type, status, window), counts per window state."""
    now = clock.now()
    form = ExamFilterForm(request.args)
    in_scope = scope_condition(current_user, Exam.agency_id)
    query = sa.select(Exam).where(in_scope)
    if request.args.get("purpose") in PURPOSES:
        query = query.where(Exam.purpose == request.args["purpose"])
    if request.args.get("status") in ("draft", "published"):
        query = query.where(Exam.status == request.args["status"])
    state = request.args.get("state", "")
    if state in WINDOW_STATES:
        query = query.where(_window_condition(state, now))
    query = query.order_by(Exam.opens_at.desc(), Exam.id.desc())
    page = paginate(query)
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.count().filter(Exam.status == "draft"),
        sa.func.count().filter(Exam.status == "published", _window_condition("upcoming", now)),
        sa.func.count().filter(Exam.status == "published", _window_condition("open", now)),
        sa.func.count().filter(Exam.status == "published", _window_condition("closed", now)),
    ).select_from(Exam).where(in_scope)).one()
    counts = dict(zip(("all", "draft", "upcoming", "open", "closed"), row, strict=True))
    ids = [e.id for e in page.items]
    return render_template("papers/index.html", form=form, page=page, counts=counts, now=now,
                           stats=_attempt_stats(ids), enrolled=_enrolment_counts(ids), state_of=services.window_state,
                           states=WINDOW_STATES)


# --- the exam form ----------------------------------------------------------------------------------------------

def _rows_of(exam: Exam | None) -> list[blueprint.SectionRow]:
    rows = [blueprint.SectionRow(i, s.title, s.category, s.tag or "", s.kind or "", str(s.count), str(s.points))
            for i, s in enumerate(exam.sections)] if exam else []
    rows += [blueprint.SectionRow(i) for i in range(len(rows), len(rows) + BLANK_ROWS)]
    return rows


def _posted_rows(extra: int = 0) -> list[blueprint.SectionRow]:
    count = int_arg(request.form, "rows", 1, 1, blueprint.MAX_SECTIONS + BLANK_ROWS)
    count = min(count + extra, blueprint.MAX_SECTIONS + BLANK_ROWS)
    return [blueprint.SectionRow(i, *(request.form.get(f"sections-{i}-{name}", "") for name in
                                     ("title", "category", "tag", "kind", "count", "points")))
            for i in range(count)]


def _moment_value(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment:%Y-%m-%dT%H:%M}" if moment.second == 0 else f"{moment:%Y-%m-%dT%H:%M:%S}"


def _values_of(exam: Exam | None, agencies) -> dict:
    if exam is None:
        return {"title": "", "purpose": "", "instructions": "", "duration_minutes": "", "opens_at": "",
                "closes_at": "", "pass_mark": "", "max_attempts": "", "audience": "everyone", "agency_ids": [],
                "agency_id": str(agencies[0].id) if agencies else ""}
    return {"title": exam.title, "purpose": exam.purpose, "instructions": exam.instructions,
            "duration_minutes": str(exam.duration_minutes), "opens_at": _moment_value(exam.opens_at),
            "closes_at": _moment_value(exam.closes_at), "pass_mark": str(exam.pass_mark),
            "max_attempts": str(exam.max_attempts), "audience": exam.audience,
            "agency_ids": [str(a.id) for a in services.audience_agencies(exam)], "agency_id": str(exam.agency_id)}


def _posted_values() -> dict:
    names = ("title", "purpose", "instructions", "duration_minutes", "opens_at", "closes_at", "pass_mark",
             "max_attempts", "audience", "agency_id")
    values = {name: request.form.get(name, "") for name in names}
    values["agency_ids"] = request.form.getlist("agency_ids")
    return values


def _data(values: dict, rows: list[blueprint.SectionRow]) -> services.ExamData:
    agency_id = values.get("agency_id", "")
    return services.ExamData(
        title=values["title"], purpose=values["purpose"], instructions=values["instructions"],
        duration_minutes=values["duration_minutes"], opens_at=values["opens_at"], closes_at=values["closes_at"],
        pass_mark=values["pass_mark"], max_attempts=values["max_attempts"], audience=values["audience"],
        agency_ids=values["agency_ids"], sections=rows,
        agency_id=int(agency_id) if agency_id.isascii() and agency_id.isdigit() and len(agency_id) < 10 else None)


def _exam_form(exam: Exam | None):
    jurisdictions = list(current_user.scopes)
    locked = exam is not None and usage.attempt_count(exam.id) > 0
    values = _values_of(exam, jurisdictions)
    rows = _rows_of(exam)
    errors: dict[str, str] = {}
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        posted = _posted_values()
        if locked:
            # only the close and the audience can change: the rest is taken from the exam as it is
            values.update({k: posted[k] for k in ("closes_at", "audience", "agency_ids")})
        else:
            values = posted
            if exam is not None:
                values["agency_id"] = str(exam.agency_id)
            rows = _posted_rows(MORE_ROWS if "more" in request.form else 0)
        if "more" not in request.form:
            data = _data(values, rows)
            try:
                with transaction.attempt():
                    if exam is None:
                        saved = services.create_exam(current_actor(), current_user, data, clock.now())
                    else:
                        services.update_exam(current_actor(), current_user, exam, data, clock.now())
                        saved = exam
            except DomainError as err:
                status = err.status
                for item in err.items:
                    errors.setdefault(item.get("field") or "", item["message"])
                messages = [item["message"] for item in err.items] or [err.message]
            else:
                flash(f"考试“{saved.title}”已保存。" if exam else
                      f"已新建考试“{saved.title}”（草稿）。核对无误后请发布。", "success")
                return redirect(url_for("papers.detail", exam_id=saved.id))
    return render_template(
        "papers/form.html", exam=exam, locked=locked, values=values, rows=rows, errors=errors, messages=messages,
        jurisdictions=jurisdictions, agencies=scoped_agencies(current_user), purposes=PURPOSES,
        audiences=AUDIENCES, categories=blueprint.question_categories(), tags=blueprint.officer_categories(),
        kinds=KINDS, pass_percent=services.default_pass_mark(100), max_attempts=services.default_max_attempts(),
        locked_message=services.LOCKED_MESSAGE), status


@bp.route("/exams/new", methods=["GET", "POST"])
@require("legal")
def new():
    """A new exam (a draft): purpose, window, blueprint sections, pass mark, attempts, audience."""
    return _exam_form(None)


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@require("legal")
def edit(exam_id: int):
    """Change an exam: everything until someone starts it, then only the close and a wider audience."""
    exam = get_in_scope_or_404(Exam, exam_id)
    return _exam_form(exam)


# --- one exam ---------------------------------------------------------------------------------------------------

@bp.route("/exams/<int:exam_id>")
@require("legal")
def detail(exam_id: int):
    """An exam: its blueprint with each section's pool now, its audience, enrolments and attempts."""
    exam = get_in_scope_or_404(Exam, exam_id)
    now = clock.now()
    stats = _attempt_stats([exam.id])[exam.id]
    return render_template(
        "papers/detail.html", exam=exam, now=now, state=services.window_state(exam, now), states=WINDOW_STATES,
        pools=blueprint.exam_pool_sizes(exam), agencies=services.audience_agencies(exam), stats=stats,
        enrolled=_enrolment_counts([exam.id]).get(exam.id, 0), kinds=KINDS, publish_form=PublishForm(),
        locked=stats["attempts"] > 0, locked_message=services.LOCKED_MESSAGE)


@bp.route("/exams/<int:exam_id>/publish", methods=["POST"])
@require("legal")
def publish(exam_id: int):
    """Publish a draft (the blueprint is checked against the bank again)."""
    exam = get_in_scope_or_404(Exam, exam_id)
    if exam.status == "published":
        flash("该考试已发布。", "info")
        return redirect(url_for("papers.detail", exam_id=exam.id))
    try:
        with transaction.attempt():
            services.publish(current_actor(), exam, clock.now())
    except DomainError as err:
        flash(err.message, "danger")
        for item in err.items:
            flash(item["message"], "danger")
    else:
        flash(f"考试“{exam.title}”已发布，考生将在开考时收到通知。", "success")
    return redirect(url_for("papers.detail", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/enrolments", methods=["GET", "POST"])
@require("legal")
def enrolments(exam_id: int):
    """Officers admitted by name: add by ID numbers or names pasted one per line (all or nothing), remove."""
    exam = get_in_scope_or_404(Exam, exam_id)
    form = EnrolForm()
    items: list[dict] = []
    status = 200
    if request.method == "POST":
        remove = request.form.get("remove", "")
        try:
            if remove:
                officer_id = int(remove) if remove.isascii() and remove.isdigit() and len(remove) < 10 else 0
                officer = db.session.get(Officer, officer_id)
                with transaction.attempt():
                    enrolment.unenrol(current_actor(), exam, officer_id, clock.now())
                flash(f"已取消{officer.name}的报名。", "success")
                return redirect(url_for("papers.enrolments", exam_id=exam.id))
            try:
                with transaction.attempt():
                    new, already = enrolment.enrol_lines(current_actor(), exam, form.lines.data or "", clock.now())
            except IntegrityError:
                raise DomainError("conflict", "刚刚有他人为本考试报名了其中的人员，请重新提交", status=409) from None
        except DomainError as err:
            status = err.status
            items = err.items or [{"message": err.message}]
        else:
            flash(f"已报名 {len(new)} 人" + (f"，{already} 人此前已报名" if already else "") + "。", "success")
            return redirect(url_for("papers.enrolments", exam_id=exam.id))
    query = (sa.select(Enrolment, Officer, Agency.short_name).join(Officer, Officer.id == Enrolment.officer_id)
             .join(Agency, Agency.id == Officer.agency_id).where(Enrolment.exam_id == exam.id)
             .order_by(Enrolment.enrolled_at.desc(), Officer.name))
    page = paginate(query)
    rows = db.session.execute(query.limit(page.per_page).offset((page.page - 1) * page.per_page)).all()
    ids = [r.Officer.id for r in rows]
    sat = set(db.session.scalars(sa.select(Attempt.officer_id).where(
        Attempt.exam_id == exam.id, Attempt.officer_id.in_(ids or [-1])))) if ids else set()
    return render_template("papers/enrolments.html", exam=exam, form=form, items=items, page=page, rows=rows,
                           sat=sat, sources=ENROLMENT_SOURCES, remove_form=RemoveForm()), status


# --- the officer's list -----------------------------------------------------------------------------------------

@bp.route("/me/exams")
@require("officer")
def mine():
    """我的考试: each exam with a start or resume button or the reason; past attempts with score and result."""
    officer = current_user.officer
    now = clock.now()
    listed = admission.officer_exams(officer, now)
    attempts = db.session.scalars(
        sa.select(Attempt).where(Attempt.officer_id == officer.id, Attempt.status == "final")
        .options(lazyload(Attempt.items)).order_by(Attempt.finished_at.desc(), Attempt.id.desc()).limit(100)).all()
    groups: dict[str, list] = {"open": [], "upcoming": [], "closed": []}
    for exam, decision, state in listed:
        groups[state].append((exam, decision))
    return render_template("papers/mine.html", officer=officer, groups=groups, attempts=attempts, now=now,
                           start_form=PublishForm(), states=WINDOW_STATES)
