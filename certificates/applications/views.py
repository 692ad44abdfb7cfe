"""Application pages: HR applies for an officer and sees every eligibility rule with pass/fail and why; the legal
office approves or rejects with a reason, one by one or many at once (a background job with a progress bar)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certificates import batch as batches
from certificates import eligibility
from certificates.applications import services
from certificates.applications.forms import (
    ApplicationFilterForm,
    ApplicationForm,
    ApproveForm,
    RejectForm,
    WithdrawForm,
)
from certificates.applications.models import APPLICATION_STATUSES, Application
from certificates.models import TYPES
from portal import clock, transaction
from portal.auth.access import current_actor, get_in_scope_or_404, require, scope_condition
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors, paginate, parse_id
from portal.officers import idcard
from portal.officers.models import Officer

bp = Blueprint("applications", __name__, template_folder="templates")

SEARCH_MAX = 20


@bp.route("/certificates/applications")
@require("hr", "legal")
def index():
    """Applications in scope; pending first. Legal ticks several and decides them as one batch job."""
    args = request.args.to_dict()
    args.setdefault("status", "pending")
    form = ApplicationFilterForm(data=args)
    query = sa.select(Application).where(scope_condition(current_user, Application.agency_id))
    if args["status"] in APPLICATION_STATUSES:
        query = query.where(Application.status == args["status"])
    if args.get("type") in TYPES:
        query = query.where(Application.type == args["type"])
    name = (args.get("q") or "").strip()[:40]
    if name:
        query = query.join(Officer, Officer.id == Application.officer_id).where(
            Officer.name.contains(name, autoescape=True))
    query = query.order_by(Application.applied_at.desc(), Application.id.desc())
    page = paginate(query)
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.status == "pending", scope_condition(current_user, Application.agency_id)))
    return render_template("applications/index.html", form=form, page=page, pending=pending,
                           batch=services.BATCH.form() if current_user.role == "legal" else None)


def _officer_choices(term: str):
    term = term.strip()[:40]
    if not term:
        return []
    query = sa.select(Officer).where(scope_condition(current_user, Officer.agency_id))
    if idcard.looks_like(term):
        query = query.where(Officer.id_number == idcard.normalize(term))
    else:
        query = query.where(Officer.name.contains(term, autoescape=True))
    return db.session.scalars(query.order_by(Officer.name, Officer.id).limit(SEARCH_MAX)).all()


@bp.route("/certificates/applications/new", methods=["GET", "POST"])
@require("hr")
def new():
    """Pick an officer (by ID number or name), see the rules for the type, and apply."""
    officer_id = parse_id(request.values.get("officer_id"))
    officer = get_in_scope_or_404(Officer, officer_id) if officer_id else None
    form = ApplicationForm()
    if officer is None:
        term = request.args.get("q", "")
        return render_template("applications/pick.html", term=term, found=_officer_choices(term))
    form.categories.choices = [(c, c) for c in officer.categories]
    if request.method == "GET":
        form.type.data = request.args.get("type") if request.args.get("type") in TYPES else "enforcement"
        form.categories.data = list(officer.categories)
        form.region.data = officer.region
    chosen = form.type.data if form.type.data in TYPES else "enforcement"
    rules = eligibility.check(officer, chosen, clock.today())
    status = 200
    if request.method == "POST" and form.validate():
        try:
            with transaction.attempt():
                row = services.apply(current_actor(), current_user, officer, form.type.data, form.categories.data or [],
                                     form.region.data or "", form.note.data or "", clock.now())
        except DomainError as err:
            status = err.status
            for item in apply_errors(form, err.items) or ([] if err.items else [{"message": err.message}]):
                flash(item["message"], "danger")
        else:
            flash(f"已提交{officer.name}的{row.type_label}申请，等待法制机构审核。", "success")
            return redirect(url_for("applications.detail", application_id=row.id))
    elif request.method == "POST":
        status = 422
    return render_template("applications/new.html", form=form, officer=officer, rules=rules,
                           mask=idcard.mask), status


def _application_or_404(application_id: int) -> Application:
    return get_in_scope_or_404(Application, application_id)


@bp.route("/certificates/applications/<int:application_id>")
@require("hr", "legal")
def detail(application_id: int):
    """An application with every eligibility rule (as of today while pending, as decided once decided)."""
    application = _application_or_404(application_id)
    rules = None
    if application.status == "pending":
        rules = eligibility.check(application.officer, application.type, clock.today()).rules
    return render_template("applications/detail.html", application=application, rules=rules,
                           approve_form=ApproveForm(), reject_form=RejectForm(), withdraw_form=WithdrawForm(),
                           mask=idcard.mask)


def _decide(application_id: int, operation, done_message: str):
    application = _application_or_404(application_id)
    try:
        with transaction.attempt():
            operation(application)
    except DomainError as err:
        flash(err.message, "danger")
    else:
        flash(done_message, "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.route("/certificates/applications/<int:application_id>/approve", methods=["POST"])
@require("legal")
def approve(application_id: int):
    if not ApproveForm().validate_on_submit():
        abort(400)
    return _decide(application_id, lambda a: services.approve(current_actor(), current_user, a, clock.now()),
                   "已批准并发证。")


@bp.route("/certificates/applications/<int:application_id>/reject", methods=["POST"])
@require("legal")
def reject(application_id: int):
    form = RejectForm()
    if not form.validate_on_submit():
        application = _application_or_404(application_id)
        rules = eligibility.check(application.officer, application.type, clock.today()).rules \
            if application.status == "pending" else None
        return render_template("applications/detail.html", application=application, rules=rules,
                               approve_form=ApproveForm(), reject_form=form, withdraw_form=WithdrawForm(),
                               mask=idcard.mask), 422
    return _decide(application_id, lambda a: services.reject(current_actor(), current_user, a, form.reason.data,
                                                             clock.now()), "已作出不予批准决定，并通知申请单位。")


@bp.route("/certificates/applications/<int:application_id>/withdraw", methods=["POST"])
@require("hr")
def withdraw(application_id: int):
    if not WithdrawForm().validate_on_submit():
        abort(400)
    return _decide(application_id, lambda a: services.withdraw(current_actor(), current_user, a, clock.now()),
                   "申请已撤回。")


@bp.route("/certificates/applications/batch", methods=["POST"])
@require("legal")
def batch():
    """Queue the ticked applications' decision as a background job and show its progress."""
    return batches.queue_view(services.BATCH)


@bp.route("/certificates/applications/batches/<int:job_id>")
@require("legal")
def batch_job(job_id: int):
    """The batch job's progress bar, then each failure with its reason and the numbers issued."""
    return batches.job_view(services.BATCH, job_id)
