"""Training pages: records, classes, courses, officers' progress (the shortfall list and its export are in
:mod:`portal.training.shortfall_views`, on this blueprint).

HR records training (one officer, a whole class) and keeps the course catalogue; legal reads the same lists within
its scope; an officer sees their own progress (我的培训). Everything is limited to the account's scope; an object
outside it answers 404.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import clock, transaction
from portal.auth.access import (
    current_actor,
    get_in_scope_or_404,
    in_scope,
    require,
    scope_condition,
    scoped_agencies,
)
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.forms import apply_errors, id_arg, int_arg, paginate, parse_id
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.templating import cn_date
from portal.training import services, shortfall
from portal.training.forms import (
    ClassForm,
    CourseFilterForm,
    CourseForm,
    RecordFilterForm,
    RecordForm,
    agency_choices,
)
from portal.training.models import CATEGORIES, Course, TrainingRecord
from portal.training.progress import progress_of

bp = Blueprint("training", __name__, template_folder="templates")



@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    """Hours as people write them: ``16``, ``1.5``."""
    if value is None:
        return ""
    return f"{float(value):g}"


def _years(today: dt.date) -> list[tuple[str, str]]:
    return [("", "全部年度")] + [(str(y), f"{y}年") for y in range(today.year, today.year - 10, -1)]


def _agency_filter(agencies, value: str):
    """The agency the filter names, when it is in scope (else no agency filter)."""
    return next((a for a in agencies if str(a.id) == (value or "")), None)


def _subtree(agency: Agency):
    return sa.select(Agency.id).where(Agency.path.startswith(agency.path, autoescape=True))


def _officer_condition(q: str):
    q = (q or "").strip()
    if not q:
        return None
    if idcard.looks_like(q):
        return Officer.id_number == idcard.normalize(q)
    return Officer.name.contains(q, autoescape=True)


# --- records --------------------------------------------------------------------------------------------------

@bp.route("/training/records")
@require("hr", "legal")
def records():
    """Training records in scope: filters (officer name or ID number, agency, category, year, source) in the URL."""
    today = clock.today()
    agencies = scoped_agencies(current_user)
    form = RecordFilterForm(request.args)
    form.agency.choices = [("", "全部单位")] + [(str(a.id), "\u3000" * a.depth + a.short_name) for a in agencies]
    form.year.choices = _years(today)
    query = (sa.select(TrainingRecord).join(Officer, Officer.id == TrainingRecord.officer_id)
             .where(scope_condition(current_user, Officer.agency_id)))
    condition = _officer_condition(request.args.get("q", ""))
    if condition is not None:
        query = query.where(condition)
    officer = None
    officer_id = id_arg(request.args, "officer")
    if officer_id:
        officer = get_in_scope_or_404(Officer, officer_id)
        query = query.where(TrainingRecord.officer_id == officer.id)
    course = None
    course_id = id_arg(request.args, "course")
    if course_id:
        course = db.session.get(Course, course_id)
        if course is None or not in_scope(current_user, course.agency_id):
            abort(404)
        query = query.where(TrainingRecord.course_id == course.id)
    agency = _agency_filter(agencies, request.args.get("agency", ""))
    if agency is not None:
        query = query.where(Officer.agency_id.in_(_subtree(agency)))
    if request.args.get("category") in CATEGORIES:
        query = query.where(TrainingRecord.category == request.args["category"])
    year = int_arg(request.args, "year", 0, 0, 9999)
    if 2000 <= year <= 2100:
        query = query.where(TrainingRecord.completed_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if request.args.get("source") in ("manual", "import", "api"):
        query = query.where(TrainingRecord.source == request.args["source"])
    query = query.order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
    page = paginate(query)
    return render_template("training/records.html", form=form, page=page, officer=officer, course=course)


def _officer_choices(agencies) -> list:
    order = {a.id: position for position, a in enumerate(agencies)}
    people = db.session.execute(
        sa.select(Officer.id, Officer.name, Officer.id_number, Officer.agency_id, Officer.status, Agency.short_name)
        .join(Agency, Agency.id == Officer.agency_id)
        .where(scope_condition(current_user, Officer.agency_id))).all()
    people.sort(key=lambda p: (p.status != "on_duty", order.get(p.agency_id, 0), shortfall.name_key(p.name)))
    return [(0, "请选择")] + [
        (p.id, f"{p.name}（{p.short_name}，{idcard.mask(p.id_number)}{'' if p.status == 'on_duty' else '，非在岗'}）")
        for p in people]


def _course_choices(blank: str) -> list:
    courses = db.session.scalars(
        sa.select(Course).where(scope_condition(current_user, Course.agency_id))
        .order_by(Course.starts_on.desc(), Course.id.desc()).limit(300)).all()
    return [(0, blank)] + [(c.id, f"{c.title}（{c.category_label}，{c.hours:g}学时，{cn_date(c.starts_on)}）")
                           for c in courses]


def _posted_id(name: str) -> int | None:
    return parse_id((request.form if request.method == "POST" else request.args).get(name))


@bp.route("/training/records/new", methods=["GET", "POST"])
@require("hr")
def record_new():
    """Record one officer's training: a catalogue course, or a free title with its category, hours and provider."""
    officer_id = _posted_id("officer_id")
    officer = get_in_scope_or_404(Officer, officer_id) if officer_id else None
    course_id = _posted_id("course_id")
    course = None
    if course_id:
        course = db.session.get(Course, course_id)
        if course is None or not in_scope(current_user, course.agency_id):
            abort(404)
    form = RecordForm()
    agencies = scoped_agencies(current_user)
    form.officer_id.choices = _officer_choices(agencies)
    form.course_id.choices = _course_choices("不选课程，手工填写")
    items = []
    if request.method == "GET":
        form.officer_id.data = officer.id if officer else 0
        form.course_id.data = course.id if course else 0
        form.completed_on.data = clock.today().isoformat()
    elif form.validate_on_submit():
        data = services.RecordData(
            officer_id=officer.id if officer else None, course_id=course.id if course else None,
            title=form.title.data or "", category=form.category.data or "", hours=form.hours.data or "",
            completed_on=form.completed_on.data or "", provider=form.provider.data or "", note=form.note.data or "")
        try:
            try:
                with transaction.attempt():
                    record = services.record_training(current_actor(), current_user, data, clock.now())
            except IntegrityError:
                raise DomainError.invalid([problem(
                    "completed_on", "该人员在该日已有同名培训记录（刚刚由他人登记），请核对")]) from None
        except DomainError as err:
            if err.status == 404:
                abort(404)
            items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        else:
            flash(f"已为{record.officer.name}登记培训“{record.title}”{record.hours:g}学时。", "success")
            if request.form.get("next") == "another":
                return redirect(url_for("training.record_new", officer_id=record.officer_id))
            return redirect(url_for("training.records", officer=record.officer_id))
    return render_template("training/record_form.html", form=form, items=items, officer=officer)


@bp.route("/training/classes/new", methods=["GET", "POST"])
@require("hr")
def class_new():
    """Record a class: a course, the attendees ticked from the agency's on-duty officers, the day it ended."""
    agencies = scoped_agencies(current_user)
    if not agencies:
        abort(404)
    source = request.form if request.method == "POST" else request.args
    agency_id = source.get("agency", "")
    agency = _agency_filter(agencies, agency_id)
    if agency_id and agency is None:
        abort(404)
    agency = agency or agencies[0]
    course_id = _posted_id("course_id")
    course = None
    if course_id:
        course = db.session.get(Course, course_id)
        if course is None or not in_scope(current_user, course.agency_id):
            abort(404)
    if request.method == "POST":
        posted = {parse_id(v) for v in request.form.getlist("officer_ids")} - {None}
        if posted:
            allowed = db.session.scalar(sa.select(sa.func.count()).select_from(Officer).where(
                Officer.id.in_(posted), scope_condition(current_user, Officer.agency_id)))
            if allowed != len(posted):
                abort(404)
    order = {a.id: position for position, a in enumerate(agencies)}
    people = db.session.execute(
        sa.select(Officer.id, Officer.name, Officer.id_number, Officer.post, Officer.agency_id, Agency.short_name)
        .join(Agency, Agency.id == Officer.agency_id)
        .where(Officer.agency_id.in_(_subtree(agency)), Officer.status == "on_duty",
               scope_condition(current_user, Officer.agency_id))).all()
    people.sort(key=lambda p: (order.get(p.agency_id, 0), shortfall.name_key(p.name), p.id))
    form = ClassForm()
    form.course_id.choices = _course_choices("请选择课程")
    form.officer_ids.choices = [(p.id, p.name) for p in people]
    form.agency.data = str(agency.id)
    items = []
    action = request.form.get("action", "save")
    # who already has the course: shown beside their names, and not offered again (a course is completed once)
    already = services.recorded_for(course, [p.id for p in people]) if course else {}
    course_day = min(course.ends_on, clock.today()) if course else None
    if request.method == "GET":
        form.course_id.data = course.id if course else 0
        # the course's last day; with no course chosen yet, nothing — never today by default (issue 13)
        form.completed_on.data = course_day.isoformat() if course_day else ""
        form.officer_ids.data = []
    elif action == "choose_course":  # the page again for the course chosen, its day and who already has it
        form.completed_on.data = course_day.isoformat() if course_day else form.completed_on.data
        form.officer_ids.data = [i for i in form.officer_ids.data or [] if i not in already]
        form.course_id.errors, form.officer_ids.errors = [], []
    elif action in ("select_all", "select_none"):
        # the keyboard-friendly "select all" works without JavaScript: the form comes back with every box ticked
        form.officer_ids.data = [p.id for p in people if p.id not in already] if action == "select_all" else []
        form.officer_ids.errors = []
    elif form.validate_on_submit():
        try:
            try:
                with transaction.attempt():
                    created = services.record_class(current_actor(), current_user, course.id if course else None,
                                                    form.officer_ids.data, form.completed_on.data, clock.now(),
                                                    form.note.data or "")
            except IntegrityError:
                raise DomainError.invalid([problem(
                    "officer_ids", "所选人员中有人刚刚被他人登记了同一天的本课程记录，请刷新后重试")]) from None
        except DomainError as err:
            if err.status == 404:
                abort(404)
            items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        else:
            flash(f"已为 {len(created)} 名人员登记“{created[0].title}”，每人 {created[0].hours:g} 学时。", "success")
            return redirect(url_for("training.records", course=created[0].course_id))
    details = {p.id: p for p in people}
    return render_template("training/class_form.html", form=form, items=items, agencies=agencies, agency=agency,
                           course=course, details=details, mask=idcard.mask, already=already)


# --- courses --------------------------------------------------------------------------------------------------

@bp.route("/training/courses")
@require("hr", "legal")
def courses():
    """The course catalogue of the agencies in scope, with how many attended each."""
    today = clock.today()
    form = CourseFilterForm(request.args)
    form.year.choices = _years(today)
    query = sa.select(Course).where(scope_condition(current_user, Course.agency_id))
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(Course.title.contains(q, autoescape=True))
    if request.args.get("category") in CATEGORIES:
        query = query.where(Course.category == request.args["category"])
    year = int_arg(request.args, "year", 0, 0, 9999)
    if 2000 <= year <= 2100:
        query = query.where(Course.starts_on <= dt.date(year, 12, 31), Course.ends_on >= dt.date(year, 1, 1))
    query = query.order_by(Course.starts_on.desc(), Course.id.desc())
    page = paginate(query)
    ids = [c.id for c in page.items]
    attendees = dict(db.session.execute(
        sa.select(TrainingRecord.course_id, sa.func.count()).where(TrainingRecord.course_id.in_(ids))
        .group_by(TrainingRecord.course_id)).all()) if ids else {}
    return render_template("training/courses.html", form=form, page=page, attendees=attendees)


@bp.route("/training/courses/new", methods=["GET", "POST"])
@require("hr")
def course_new():
    """Add a course to the catalogue of an agency in scope."""
    form = CourseForm()
    agencies = scoped_agencies(current_user)
    form.agency_id.choices = agency_choices(agencies)
    items = []
    if request.method == "GET":
        form.agency_id.data = agencies[0].id if agencies else 0
        form.starts_on.data = form.ends_on.data = clock.today().isoformat()
    elif form.validate_on_submit():
        data = services.CourseData(title=form.title.data or "", category=form.category.data or "",
                                   hours=form.hours.data or "", provider=form.provider.data or "",
                                   mode=form.mode.data or "", starts_on=form.starts_on.data or "",
                                   ends_on=form.ends_on.data or "", agency_id=form.agency_id.data or None)
        try:
            with transaction.attempt():
                course = services.create_course(current_actor(), current_user, data, clock.now())
        except DomainError as err:
            items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        else:
            flash(f"已添加课程“{course.title}”。", "success")
            return redirect(url_for("training.courses"))
    return render_template("training/course_form.html", form=form, items=items)


# --- an officer's own progress ----------------------------------------------------------------------------------

@bp.route("/training/mine")
@require("officer")
def mine():
    """我的培训: progress bars per category, the pre-exam rule today, and every record."""
    officer = current_user.officer
    today = clock.today()
    page = paginate(sa.select(TrainingRecord).where(TrainingRecord.officer_id == officer.id)
                    .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc()))
    return render_template("training/mine.html", officer=officer, progress=progress_of(officer.id, today),
                           page=page, today=today)
