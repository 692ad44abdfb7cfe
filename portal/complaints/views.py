"""The legal office's complaint pages (SPEC §2.10): complaints and praise about officers in scope, newest first,
filtered by state and kind; one page each to accept or decline, then substantiate or not, with the reply the
sender reads by reference number."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, transaction
from portal.auth.access import current_actor, get_in_scope_or_404, in_scope, require, scope_condition
from portal.complaints import services
from portal.complaints.forms import DecideForm
from portal.complaints.models import CLOSED, KINDS, STATUSES, Complaint
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors, paginate
from portal.officers.models import Officer

bp = Blueprint("complaints", __name__, template_folder="templates")

VIEWS = {"open": "待处理", "closed": "已办结", "all": "全部"}


@bp.route("/complaints")
@require("legal")
def index():
    """Complaints and praise in scope: open ones first by default; filters by state, kind and officer name."""
    view = request.args.get("view", "open")
    view = view if view in VIEWS else "open"
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    q = (request.args.get("q") or "").strip()[:40]
    query = sa.select(Complaint).where(scope_condition(current_user, Complaint.agency_id))
    counts = dict(db.session.execute(sa.select(Complaint.closed_at.is_(None), sa.func.count()).where(
        scope_condition(current_user, Complaint.agency_id)).group_by(Complaint.closed_at.is_(None))).all())
    if view == "open":
        query = query.where(Complaint.status.not_in(CLOSED))
    elif view == "closed":
        query = query.where(Complaint.status.in_(CLOSED))
    if kind:
        query = query.where(Complaint.kind == kind)
    if q:
        query = query.where(Complaint.officer_id.in_(sa.select(Officer.id).where(
            Officer.name.contains(q, autoescape=True))))
    page = paginate(query.order_by(Complaint.submitted_at.desc(), Complaint.id.desc()))
    return render_template("complaints/index.html", page=page, view=view, views=VIEWS, kind=kind, kinds=KINDS, q=q,
                           counts={"open": counts.get(True, 0), "closed": counts.get(False, 0)})


def _render(complaint: Complaint, form: DecideForm | None = None, items=None, status: int = 200):
    history = [c for c in services.of_officer(complaint.officer_id)
               if c.id != complaint.id and in_scope(current_user, c.agency_id)]
    return render_template("complaints/detail.html", complaint=complaint, form=form or DecideForm(formdata=None),
                           items=items or [], history=history, statuses=STATUSES), status


@bp.route("/complaints/<int:complaint_id>")
@require("legal")
def detail(complaint_id: int):
    """One complaint: what the sender wrote, the officer and certificate, the officer's other complaints, and
    the next step."""
    return _render(get_in_scope_or_404(Complaint, complaint_id))


@bp.route("/complaints/<int:complaint_id>/decide", methods=["POST"])
@require("legal")
def decide(complaint_id: int):
    """Take the next step (``decision``: accept, not_accept, substantiate, unsubstantiate, acknowledge)."""
    complaint = get_in_scope_or_404(Complaint, complaint_id)
    form = DecideForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            flash("页面已过期，请重新提交。", "warning")
            return redirect(url_for("complaints.detail", complaint_id=complaint.id))
        return _render(complaint, form, status=422)
    try:
        with transaction.attempt():
            services.decide(complaint, form.decision.data or "", reply=form.reply.data, note=form.note.data,
                            actor=current_actor(), now=clock.now())
    except DomainError as err:
        complaint = db.session.get(Complaint, complaint_id)
        items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        return _render(complaint, form, items=items, status=err.status)
    flash(f"已处理：{complaint.status_label}。", "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))
