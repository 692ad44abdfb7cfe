"""Entrustment agreement pages for the legal office (SPEC §2.2): the agreements in scope (by the entrusting body),
recording a signed agreement with its PDF, and one page each to file, announce, terminate, renew and download it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, policy, transaction
from portal.auth.access import (
    current_actor,
    get_in_scope_or_404,
    in_scope,
    require,
    scope_condition,
    scoped_agencies,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors, paginate, parse_id
from portal.orgs.entrustment import services as entrustment
from portal.orgs.entrustment.forms import AgreementForm, AnnounceForm, DateStepForm, TerminateForm
from portal.orgs.models import AGREEMENT_STATES, Agreement

bp = Blueprint("entrustments", __name__, template_folder="templates")



@bp.context_processor
def _helpers():
    return {"late": entrustment.late, "filing_days_limit": lambda: policy.get("orgs.filing_days")}


@bp.route("/entrustments")
@require("legal", "admin")
def index():
    """Agreements whose entrusting body is in scope, newest first; filter by state."""
    today = clock.today()
    state = request.args.get("state", "")
    query = sa.select(Agreement).where(scope_condition(current_user, Agreement.entrusting_id))
    if state == "signed":
        query = query.where(Agreement.filed_on.is_(None), Agreement.terminated_on.is_(None))
    elif state == "filed":
        query = query.where(Agreement.filed_on.is_not(None), Agreement.announced_on.is_(None),
                            Agreement.terminated_on.is_(None))
    elif state == "in_force":
        query = query.where(entrustment.in_force_condition(today))
    elif state == "ending":
        query = query.where(entrustment.in_force_condition(today),
                            Agreement.ends_on <= today + dt.timedelta(
                                days=int(policy.get("orgs.entrustment_reminder_days"))))
    page = paginate(query.order_by(Agreement.signed_on.desc(), Agreement.id.desc()))
    states = {"": "全部", "signed": "待备案", "filed": "待公告", "in_force": "在有效期内", "ending": "即将期满"}
    return render_template("entrustments/index.html", page=page, state=state, states=states, today=today)


def _choices(form: AgreementForm) -> None:
    agencies = scoped_agencies(current_user)
    today = clock.today()
    form.entrusting_id.choices = [(0, "（请选择）")] + [
        (a.id, "\u3000" * a.depth + a.name) for a in agencies if a.kind == "government" and a.is_valid_body(today)]
    form.entrusted_id.choices = [(0, "（请选择）")] + [
        (a.id, "\u3000" * a.depth + a.name + f"（{a.kind_label}）") for a in agencies
        if a.kind in entrustment.ENTRUSTED_KINDS]


def _data(form: AgreementForm, renews: Agreement | None) -> entrustment.AgreementData:
    upload = form.document.data
    content = upload.read(entrustment.DOCUMENT_MAX + 1) if upload else None
    return entrustment.AgreementData(
        entrusting_id=form.entrusting_id.data or None, entrusted_id=form.entrusted_id.data or None,
        legal_basis=form.legal_basis.data or "", matters=form.matters.data or "", powers=form.powers.data or [],
        meets_article_21=bool(form.meets_article_21.data), starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        rights_obligations=form.rights_obligations.data or "", liability=form.liability.data or "",
        signed_on=form.signed_on.data, document=content, document_name=getattr(upload, "filename", "") or "",
        renews_id=renews.id if renews else None)


@bp.route("/entrustments/new", methods=["GET", "POST"])
@require("legal")
def create():
    """Record a signed agreement; ``?renews=<id>`` starts from the agreement it renews."""
    renews = None
    if request.values.get("renews"):
        renews = get_in_scope_or_404(Agreement, parse_id(request.values.get("renews")) or -1)
    form = AgreementForm(obj=renews if request.method == "GET" else None)
    if request.method == "GET" and renews is not None:
        form.starts_on.data = renews.ends_on + dt.timedelta(days=1) if renews.ends_on < dt.date.max else None
        form.ends_on.data = form.signed_on.data = None
    _choices(form)
    items, status = [], 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        if _only_csrf(form):
            flash("页面已过期，请重新提交。", "warning")
            status = 400
        elif not valid:  # every problem at once: the form's and the rules'
            problems = entrustment.problems(_data(form, renews), clock.today())
            items, status = apply_errors(form, [{"field": f, "message": m} for f, m in problems]), 422
        else:
            data = _data(form, renews)
            if any(agency_id and not in_scope(current_user, agency_id)
                   for agency_id in (data.entrusting_id, data.entrusted_id)):
                abort(404)
            try:
                with transaction.attempt():
                    row = entrustment.create(data, actor=current_actor(), now=clock.now())
            except DomainError as err:
                items, status = apply_errors(form, err.items), err.status
            else:
                flash("委托协议已登记。请在备案后登记备案日期，公告后登记公告日期。", "success")
                return redirect(url_for("entrustments.detail", agreement_id=row.id))
    return render_template("entrustments/form.html", form=form, renews=renews, items=items), status


def _only_csrf(form) -> bool:
    return bool(form.errors.get("csrf_token"))


def _render(agreement: Agreement, items=None, status: int = 200, **forms):
    today = clock.today()
    forms.setdefault("file_form", DateStepForm(formdata=None, day=today, prefix="file"))
    forms.setdefault("announce_form", AnnounceForm(formdata=None, day=today, entrusted_day=today, prefix="announce"))
    forms.setdefault("terminate_form", TerminateForm(formdata=None, day=today, prefix="terminate"))
    renewals = db.session.scalars(sa.select(Agreement).where(Agreement.renews_id == agreement.id)).all()
    return render_template("entrustments/detail.html", agreement=agreement, today=today, items=items or [],
                           renewals=renewals, states=AGREEMENT_STATES, **forms), status


@bp.route("/entrustments/<int:agreement_id>")
@require("legal", "admin")
def detail(agreement_id: int):
    """One agreement: parties, matters, powers, term, filing (flagged when late), announcement, the actions."""
    return _render(get_in_scope_or_404(Agreement, agreement_id))


@bp.route("/entrustments/<int:agreement_id>/document.pdf")
@require("legal", "admin")
def document(agreement_id: int):
    """The signed agreement as uploaded."""
    agreement = get_in_scope_or_404(Agreement, agreement_id)
    response = make_response(agreement.document)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename=agreement-{agreement.id}.pdf"
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: a step's refusal names the service's field; the form's field is this one
STEP_FIELDS = {"filed_on": "day", "announced_on": "day", "terminated_on": "day", "entrusted_announced_on": "entrusted_day"}


def _step(agreement_id: int, slot: str, prefix: str, form_class, act, done: str):
    agreement = get_in_scope_or_404(Agreement, agreement_id)
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        if _only_csrf(form):
            flash("页面已过期，请重新提交。", "warning")
            return redirect(url_for("entrustments.detail", agreement_id=agreement.id))
        return _render(agreement, status=422, **{slot: form})
    try:
        with transaction.attempt():
            act(agreement, form)
    except DomainError as err:
        agreement = db.session.get(Agreement, agreement_id)
        for item in err.items:
            item["field"] = STEP_FIELDS.get(item.get("field"), item.get("field"))
        items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        return _render(agreement, items=items, status=err.status, **{slot: form})
    flash(done, "success")
    return redirect(url_for("entrustments.detail", agreement_id=agreement_id))


@bp.route("/entrustments/<int:agreement_id>/file", methods=["POST"])
@require("legal")
def file(agreement_id: int):
    """Record the filing (备案)."""
    return _step(agreement_id, "file_form", "file", DateStepForm,
                 lambda a, f: entrustment.file(a, f.day.data, actor=current_actor(), now=clock.now()), "已登记备案。")


@bp.route("/entrustments/<int:agreement_id>/announce", methods=["POST"])
@require("legal")
def announce(agreement_id: int):
    """Record both parties' announcements; the agreement is in force from the entrusting body's within its term."""
    return _step(agreement_id, "announce_form", "announce", AnnounceForm,
                 lambda a, f: entrustment.announce(a, f.day.data, actor=current_actor(), now=clock.now(),
                                                   entrusted_announced_on=f.entrusted_day.data),
                 "已登记公告。")


@bp.route("/entrustments/<int:agreement_id>/terminate", methods=["POST"])
@require("legal")
def terminate(agreement_id: int):
    """End the agreement before its term."""
    return _step(agreement_id, "terminate_form", "terminate", TerminateForm,
                 lambda a, f: entrustment.terminate(a, f.day.data, f.reason.data, actor=current_actor(),
                                                    now=clock.now()), "委托协议已终止。")
