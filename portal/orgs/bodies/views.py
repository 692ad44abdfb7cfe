"""Enforcement-body pages for the legal office (SPEC §2.1): the bodies in scope with their standing and
re-confirmation dates, and one page per body to confirm, re-confirm, cancel and announce, with its history."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, transaction
from portal.auth.access import current_actor, get_in_scope_or_404, require, scoped_agencies
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors
from portal.officers.models import Officer
from portal.orgs.bodies import services as bodies
from portal.orgs.bodies.forms import AnnounceForm, BodyDecisionForm
from portal.orgs.models import BODY_KINDS, Agency

bp = Blueprint("bodies", __name__, template_folder="templates")

FILTERS = {"": "全部", "valid": "有效", "unannounced": "待公告", "pending": "待确认", "cancelled": "已取消",
           "due": "复核确认到期或逾期"}


@bp.context_processor
def _helpers():
    return {"standing": bodies.standing, "reconfirm_due": bodies.reconfirm_due, "reconfirm_css": bodies.reconfirm_css,
            "announcement_pending": bodies.announcement_pending}


def _matches(agency: Agency, key: str, today) -> bool:
    if key == "valid":
        return agency.is_valid_body(today)
    if key == "unannounced":
        return bodies.announcement_pending(agency)
    if key == "due":
        return bool(bodies.reconfirm_css(agency, today))
    return not key or agency.qualification_status == key


@bp.route("/bodies")
@require("legal", "admin")
def index():
    """Bodies (行政机关, 授权组织, 乡镇街道) in scope, in tree order, each with its standing, the date its
    re-confirmation is due (coloured) and its on-duty head count; filtered by standing and name."""
    today = clock.today()
    key = request.args.get("show", "")
    key = key if key in FILTERS else ""
    q = (request.args.get("q") or "").strip()[:40]
    everything = [a for a in scoped_agencies(current_user) if a.kind in BODY_KINDS]
    shown = [a for a in everything if _matches(a, key, today) and (not q or q in a.name or q in a.short_name)]
    counts = {k: sum(1 for a in everything if _matches(a, k, today)) for k in FILTERS if k}
    heads = dict(db.session.execute(sa.select(Officer.agency_id, sa.func.count()).where(
        Officer.status == "on_duty", Officer.agency_id.in_([a.id for a in shown] or [-1]))
        .group_by(Officer.agency_id)).all())
    return render_template("bodies/index.html", agencies=shown, counts=counts, heads=heads, key=key, q=q,
                           filters=FILTERS, today=today, total=len(everything))


def _body(agency_id: int) -> Agency:
    agency = get_in_scope_or_404(Agency, agency_id)
    if agency.kind not in BODY_KINDS:
        abort(404)
    return agency


def _render(agency: Agency, decide: BodyDecisionForm | None = None, cancel: BodyDecisionForm | None = None,
            announce: AnnounceForm | None = None, items=None, status: int = 200):
    today = clock.today()
    if decide is None:
        decide = BodyDecisionForm(formdata=None, decided_on=today)
    if cancel is None:
        cancel = BodyDecisionForm(formdata=None, decided_on=today, prefix="cancel")
    if announce is None:
        announce = AnnounceForm(formdata=None, announced_on=today)
    from_history = bodies.history(agency.id)
    return render_template("bodies/detail.html", agency=agency, history=from_history, decide=decide, cancel=cancel,
                           announce=announce, items=items or [], today=today), status


@bp.route("/bodies/<int:agency_id>")
@require("legal", "admin")
def detail(agency_id: int):
    """One body: its standing, what the public registry shows, its history, and the legal office's actions."""
    return _render(_body(agency_id))


def _act(agency: Agency, form, act, done: str, slot: str):
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            flash("页面已过期，请重新提交。", "warning")
            return redirect(url_for("bodies.detail", agency_id=agency.id))
        return _render(agency, **{slot: form}, status=422)
    try:
        with transaction.attempt():
            act()
    except DomainError as err:
        agency = db.session.get(Agency, agency.id)
        items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
        return _render(agency, **{slot: form}, items=items, status=err.status)
    flash(done, "success")
    return redirect(url_for("bodies.detail", agency_id=agency.id))


def _decision(form: BodyDecisionForm) -> bodies.Decision:
    return bodies.Decision(form.decided_on.data, form.legal_basis.data or "", form.announcement_text.data or "")


@bp.route("/bodies/<int:agency_id>/confirm", methods=["POST"])
@require("legal")
def confirm(agency_id: int):
    """Confirm (or re-confirm) the body; it is valid once the decision is announced."""
    agency = _body(agency_id)
    form = BodyDecisionForm()
    again = agency.qualification_status == "confirmed"
    return _act(agency, form, lambda: bodies.confirm(agency, _decision(form), actor=current_actor(), now=clock.now()),
                "已复核确认。" if again else "已确认执法主体资格；公告后方可开展行政执法。", "decide")


@bp.route("/bodies/<int:agency_id>/cancel", methods=["POST"])
@require("legal")
def cancel(agency_id: int):
    """Cancel the body's qualification: its certificates are held at once (执法主体资格失效)."""
    agency = _body(agency_id)
    form = BodyDecisionForm(prefix="cancel")
    return _act(agency, form, lambda: bodies.cancel(agency, _decision(form), actor=current_actor(), now=clock.now()),
                "已取消执法主体资格，本单位证件已暂扣；请登记取消公告。", "cancel")


@bp.route("/bodies/<int:agency_id>/announce", methods=["POST"])
@require("legal")
def announce(agency_id: int):
    """Record the announcement of the latest decision."""
    agency = _body(agency_id)
    form = AnnounceForm()
    return _act(agency, form, lambda: bodies.announce(agency, form.announced_on.data, actor=current_actor(),
                                                      now=clock.now()), "已登记公告。", "announce")
