"""The complaint pages (SPEC §2.10): for the legal office, complaints, praise and reports it handles (about
agencies in scope, and about the parties its bodies entrusted), open ones by deadline, filtered by state and kind;
one page each to accept, decline or transfer, tell the officer, extend, then substantiate or not, with the reply
the sender reads by reference number. For an officer, the complaints they were told of, to answer."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, transaction
from portal.auth.access import current_actor, require
from portal.complaints import handling, rules, services
from portal.complaints.forms import AnswerForm, DecideForm, ExtendForm, TransferForm
from portal.complaints.models import CLOSED, KINDS, STATUSES, Complaint
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors, paginate
from portal.officers.models import Officer
from portal.templating import cn_date

bp = Blueprint("complaints", __name__, template_folder="templates")

VIEWS = {"open": "待处理", "overdue": "已逾期", "closed": "已办结", "all": "全部"}


@bp.route("/complaints")
@require("legal")
def index():
    """What the office handles: open ones first by deadline by default; filters by state, kind and name."""
    today = clock.today()
    view = request.args.get("view", "open")
    view = view if view in VIEWS else "open"
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    q = (request.args.get("q") or "").strip()[:40]
    visible = rules.visible_condition(current_user)
    query = sa.select(Complaint).where(visible)
    open_ = Complaint.status.not_in(CLOSED)
    counts = db.session.execute(sa.select(
        sa.func.count().filter(open_), sa.func.count().filter(Complaint.status.in_(CLOSED)),
        sa.func.count().filter(open_, Complaint.due_on < today)).where(visible)).one()
    if view in ("open", "overdue"):
        query = query.where(open_)
        if view == "overdue":
            query = query.where(Complaint.due_on < today)
        order = (Complaint.due_on.is_(None), Complaint.due_on, Complaint.id)
    else:
        if view == "closed":
            query = query.where(Complaint.status.in_(CLOSED))
        order = (Complaint.submitted_at.desc(), Complaint.id.desc())
    if kind:
        query = query.where(Complaint.kind == kind)
    if q:
        query = query.where(sa.or_(Complaint.reported_name.contains(q, autoescape=True),
                                   Complaint.officer_id.in_(sa.select(Officer.id).where(
                                       Officer.name.contains(q, autoescape=True)))))
    page = paginate(query.order_by(*order))
    return render_template("complaints/index.html", page=page, view=view, views=VIEWS, kind=kind, kinds=KINDS, q=q,
                           today=today, counts={"open": counts[0], "closed": counts[1], "overdue": counts[2]})


def _visible_or_404(complaint_id: int) -> Complaint:
    complaint = rules.visible_or_none(current_user, complaint_id)
    if complaint is None:
        abort(404)
    return complaint


def _render(complaint: Complaint, items=None, status: int = 200, **forms):
    visible = rules.visible_condition(current_user)
    history = [] if complaint.officer_id is None else list(db.session.scalars(sa.select(Complaint).where(
        Complaint.officer_id == complaint.officer_id, Complaint.id != complaint.id, visible)
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc()).limit(50)))
    forms.setdefault("form", DecideForm(formdata=None))
    forms.setdefault("transfer_form", TransferForm(formdata=None, prefix="transfer"))
    forms.setdefault("extend_form", ExtendForm(formdata=None, prefix="extend"))
    return render_template("complaints/detail.html", complaint=complaint, items=items or [], history=history,
                           statuses=STATUSES, today=clock.today(), **forms), status


@bp.route("/complaints/<int:complaint_id>")
@require("legal")
def detail(complaint_id: int):
    """One complaint: what the sender wrote, whom it is about, its deadlines, the officer's answer, the officer's
    other complaints, and the next steps."""
    return _render(_visible_or_404(complaint_id))


def _step(complaint_id: int, slot: str, form, act, done):
    """Run one step from its form: 422 with the form's errors, a conflict or refusal shown on the page."""
    complaint = _visible_or_404(complaint_id)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            flash("页面已过期，请重新提交。", "warning")
            return redirect(url_for("complaints.detail", complaint_id=complaint.id))
        return _render(complaint, status=422, **{slot: form})
    try:
        with transaction.attempt():
            act(complaint, form)
    except DomainError as err:
        complaint = db.session.get(Complaint, complaint_id)
        items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        return _render(complaint, items=items, status=err.status, **{slot: form})
    flash(done(db.session.get(Complaint, complaint_id)), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


@bp.route("/complaints/<int:complaint_id>/decide", methods=["POST"])
@require("legal")
def decide(complaint_id: int):
    """Take the next step (``decision``: accept, not_accept, substantiate, unsubstantiate, acknowledge)."""
    return _step(complaint_id, "form", DecideForm(), lambda c, f: services.decide(
        c, f.decision.data or "", reply=f.reply.data, note=f.note.data, actor=current_actor(), now=clock.now()),
        lambda c: f"已处理：{c.status_label}。")


@bp.route("/complaints/<int:complaint_id>/tell", methods=["POST"])
@require("legal")
def tell(complaint_id: int):
    """Tell the officer the substance and the deadline to answer."""
    return _step(complaint_id, "form", DecideForm(), lambda c, f: handling.tell(
        c, actor=current_actor(), now=clock.now()), lambda c: f"已告知本人，陈述期限至 {cn_date(c.answer_due_on)}。")


@bp.route("/complaints/<int:complaint_id>/transfer", methods=["POST"])
@require("legal")
def transfer(complaint_id: int):
    """移交 to another body."""
    return _step(complaint_id, "transfer_form", TransferForm(prefix="transfer"), lambda c, f: handling.transfer(
        c, f.transferred_to.data, f.reply.data, actor=current_actor(), now=clock.now()),
        lambda c: f"已移交{c.transferred_to}。")


@bp.route("/complaints/<int:complaint_id>/extend", methods=["POST"])
@require("legal")
def extend(complaint_id: int):
    """Extend the 办结 deadline once."""
    return _step(complaint_id, "extend_form", ExtendForm(prefix="extend"), lambda c, f: handling.extend(
        c, f.extension_reason.data, actor=current_actor(), now=clock.now()),
        lambda c: f"办结期限已延长至 {cn_date(c.due_on)}。")


# ---------------------------------------------------------------- the officer

@bp.route("/me/complaints")
@require("officer")
def mine():
    """The complaints the officer was told of: what was reported, by when they may answer, the outcome."""
    rows = handling.told_to(current_user.officer_id)
    return render_template("complaints/mine.html", rows=rows, today=clock.today(),
                           form=AnswerForm(formdata=None))


@bp.route("/me/complaints/<int:complaint_id>/answer", methods=["POST"])
@require("officer")
def answer(complaint_id: int):
    """The officer's 陈述, or waiving it."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.officer_id != current_user.officer_id or complaint.told_at is None:
        abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            flash("页面已过期，请重新提交。", "warning")
            return redirect(url_for("complaints.mine"))
        return _mine(form, next(iter(form.errors.values()))[0], 422)
    try:
        with transaction.attempt():
            handling.answer(complaint, form.answer.data, waive=bool(form.waive.data), actor=current_actor(),
                            now=clock.now())
    except DomainError as err:
        return _mine(form, err.items[0]["message"] if err.items else err.message, err.status)
    flash("已提交。" if not form.waive.data else "已放弃陈述。", "success")
    return redirect(url_for("complaints.mine"))


def _mine(form: AnswerForm, error: str, status: int):
    """The officer's page again with what was typed kept and why it was refused."""
    return render_template("complaints/mine.html", rows=handling.told_to(current_user.officer_id),
                           today=clock.today(), form=form, error=error), status
