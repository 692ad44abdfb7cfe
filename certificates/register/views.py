"""Certificate pages: the register in scope, one certificate with its history and the legal office's actions
(hold, lift, reinstate, reissue; revoke on a recorded fact; propose a revocation, decide it once the officer was
heard; set a revocation aside), and the officer's own certificates where they answer a hold, a revocation or a
proposal in writing.

Every page shows the next review and update-test dates with their colour (``certificates.due``).
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from certificates import answers, due, lifecycle, proposals, revocation
from certificates.access import certificate_or_404
from certificates.models import (
    HOLD_REASONS,
    REVOCATION_KINDS,
    STATUSES,
    TYPES,
    Answer,
    Certificate,
    CertificateEvent,
    Edition,
)
from certificates.proposal_models import PROPOSED_KINDS, Proposal
from certificates.register.forms import (
    AnswerForm,
    CertificateFilterForm,
    DecideForm,
    HoldForm,
    LiftForm,
    ProposeForm,
    ReinstateForm,
    ReissueForm,
    RevokeForm,
    SetAsideForm,
    StatementForm,
)
from portal import clock, policy, transaction
from portal.auth.access import current_actor, require, scope_condition, scoped_agencies
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors, paginate, parse_id
from portal.officers.models import Officer

bp = Blueprint("register", __name__, template_folder="templates")



@bp.context_processor
def _helpers():
    def pdf_url(number: str, card: bool) -> str | None:
        endpoint = "certificate_pdf.card" if card else "certificate_pdf.certificate"
        if endpoint not in current_app.view_functions:
            return None
        return url_for(endpoint, number=number)

    def event_reason(event: CertificateEvent) -> str:
        if event.action in ("hold", "lift"):
            return HOLD_REASONS.get(event.reason or "", "")
        if event.action in ("revoke", "propose", "drop", "set_aside", "correction"):
            return REVOCATION_KINDS.get(event.reason or "", "")
        return ""

    return {"pdf_url": pdf_url, "css_due": due.css_class, "describe_due": due.describe, "event_reason": event_reason}


def _enforcement_of(officer_ids) -> dict[int, Certificate]:
    """Each officer's live enforcement certificate (a presider's cycles follow it), in one query."""
    rows = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id.in_(list(officer_ids) or [-1]), Certificate.type == "enforcement",
        Certificate.status != "revoked")).all()
    return {row.officer_id: row for row in rows}


def _dues(certificates, today):
    enforcement = _enforcement_of({c.officer_id for c in certificates if c.type == "hearing_presider"})
    return {c.id: due.dues(c, today, enforcement.get(c.officer_id)) for c in certificates}


@bp.route("/certificates")
@require("hr", "legal")
def index():
    """Certificates in scope, filtered by status, type, an open proposal, name or number; due dates coloured."""
    form = CertificateFilterForm(request.args)
    query = sa.select(Certificate).where(scope_condition(current_user, Certificate.agency_id))
    if request.args.get("status") in STATUSES:
        query = query.where(Certificate.status == request.args["status"])
    if request.args.get("type") in TYPES:
        query = query.where(Certificate.type == request.args["type"])
    if request.args.get("proposal") == "open":  # 拟注销 / 拟吊销 / 拟撤销 waiting for the answer or the decision
        query = query.where(Certificate.id.in_(sa.select(Proposal.certificate_id).where(Proposal.status == "open")))
    term = (request.args.get("q") or "").strip()[:40]
    if term:
        if term[:1].isdigit():
            query = query.where(Certificate.number.startswith(term.upper(), autoescape=True))
        else:
            query = query.join(Officer, Officer.id == Certificate.officer_id).where(
                Officer.name.contains(term, autoescape=True))
    query = query.order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    page = paginate(query)
    counts = dict(db.session.execute(sa.select(Certificate.status, sa.func.count()).where(
        scope_condition(current_user, Certificate.agency_id)).group_by(Certificate.status)).all())
    today = clock.today()
    # the page's open proposals (拟注销 / 拟吊销 / 拟撤销), in one read: what is proposed and by when it may be decided
    open_proposals = {p.certificate_id: p for p in db.session.scalars(sa.select(Proposal).where(
        Proposal.certificate_id.in_([c.id for c in page.items] or [-1]), Proposal.status == "open"))}
    return render_template("register/index.html", form=form, page=page, counts=counts, today=today,
                           dues=_dues(page.items, today), proposals=open_proposals)


def _history(certificate: Certificate):
    events = db.session.scalars(sa.select(CertificateEvent).where(
        CertificateEvent.certificate_id == certificate.id).order_by(CertificateEvent.at, CertificateEvent.id)).all()
    editions = db.session.scalars(sa.select(Edition).where(Edition.certificate_id == certificate.id)
                                  .order_by(Edition.edition)).all()
    answers_by: dict[tuple, list[Answer]] = defaultdict(list)
    for answer in db.session.scalars(sa.select(Answer).where(Answer.certificate_id == certificate.id)
                                     .order_by(Answer.submitted_at)):
        answers_by[("hold", answer.hold_id) if answer.hold_id else ("event", answer.event_id)].append(answer)
    return events, editions, answers_by


def _reissue_form(certificate: Certificate, formdata=None) -> ReissueForm:
    form = ReissueForm(formdata) if formdata is not None else ReissueForm()
    # only units a card may move to (lifecycle.reissue): valid enforcement bodies, and the card's own unit
    today = clock.today()
    agencies = [a for a in scoped_agencies(current_user) if a.id == certificate.agency_id
                or (a.kind != "entrusted" and a.is_valid_body(today))]
    form.agency_id.choices = [(str(a.id), a.name) for a in agencies]
    categories = list(dict.fromkeys(list(certificate.officer.categories) + list(certificate.categories)))
    form.categories.choices = [(c, c) for c in categories]
    if formdata is None:
        form.agency_id.data = str(certificate.agency_id)
        form.categories.data = list(certificate.categories)
        form.region.data = certificate.region
    return form


def _render_detail(certificate: Certificate, status: int = 200, **forms):
    today = clock.today()
    enforcement = _enforcement_of([certificate.officer_id]).get(certificate.officer_id) \
        if certificate.type == "hearing_presider" else None
    events, editions, answers_by = _history(certificate)
    stamp = lifecycle.stamp(certificate)
    revoke_form, propose_form = RevokeForm(formdata=None), ProposeForm(formdata=None)
    if request.args.get("kind") in PROPOSED_KINDS:  # e.g. from a rejected review: 审核确认未通过
        propose_form.kind.data = request.args["kind"]
    elif request.args.get("kind") in REVOCATION_KINDS:
        revoke_form.kind.data = request.args["kind"]
    proposal = proposals.open_for(certificate.id)
    decide_form = DecideForm(formdata=None)
    if proposal is not None:
        decide_form.proposal_id.data = str(proposal.id)
        decide_form.decision.choices = [("", "请选择")] + (
            [("revoke", f"决定{proposal.word}")] if proposal.heard(clock.today()) else []) + [
            ("drop", f"不予{proposal.word}")]
    defaults = {"hold_form": HoldForm(formdata=None), "reinstate_form": ReinstateForm(formdata=None),
                "revoke_form": revoke_form, "lift_form": LiftForm(formdata=None), "propose_form": propose_form,
                "decide_form": decide_form, "set_aside_form": SetAsideForm(formdata=None),
                "reissue_form": _reissue_form(certificate)}
    defaults.update(forms)
    for form in defaults.values():
        form.stamp.data = stamp
    decided = db.session.scalars(sa.select(Proposal).where(Proposal.certificate_id == certificate.id,
                                                           Proposal.status != "open")).all()
    return render_template("register/detail.html", certificate=certificate, today=today,
                           dues=due.dues(certificate, today, enforcement), events=events, editions=editions,
                           answers_by=answers_by, proposal=proposal, decided={p.id: p for p in decided},
                           hearing_days=policy.get("certificates.hearing_days"),
                           correction=revocation.correction_refusal(certificate, today)
                           if certificate.status == "revoked" else None, **defaults), status


@bp.route("/certificates/<number>")
@require("hr", "legal")
def detail(number: str):
    """One certificate: status, due dates, open holds with the officer's answers, editions and the history."""
    return _render_detail(certificate_or_404(number))


def _act(number: str, form_name: str, form, operation, done: str):
    certificate = certificate_or_404(number)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        return _render_detail(certificate, 422, **{form_name: form})
    seen = lifecycle.parse_stamp(form.stamp.data)
    if seen is None:
        flash("页面已过期，请查看证件的最新状态后重新操作。", "danger")
        return redirect(url_for("register.detail", number=certificate.number))
    try:
        with transaction.attempt():
            operation(certificate, seen)
    except DomainError as err:
        rest = apply_errors(form, err.items)
        if err.status == 409 or not err.items or rest:
            flash(err.message, "danger")
        if err.status == 409:
            return redirect(url_for("register.detail", number=certificate.number))
        return _render_detail(certificate, err.status, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("register.detail", number=certificate.number))


@bp.route("/certificates/<number>/hold", methods=["POST"])
@require("legal")
def hold(number: str):
    form = HoldForm()
    return _act(number, "hold_form", form, lambda c, seen: lifecycle.place_hold(
        c, form.reason.data, actor=current_actor(), now=clock.now(), legal_basis=form.legal_basis.data,
        note=form.note.data, expected=seen, public_text=form.public_text.data or None), "证件已暂扣，并已通知本人。")


@bp.route("/certificates/<number>/lift", methods=["POST"])
@require("legal")
def lift(number: str):
    form = LiftForm()
    return _act(number, "lift_form", form, lambda c, seen: lifecycle.lift_hold(
        c, parse_id(form.hold_id.data) or 0, actor=current_actor(), now=clock.now(), note=form.note.data or "",
        expected=seen), "已解除该项暂扣。")


@bp.route("/certificates/<number>/reinstate", methods=["POST"])
@require("legal")
def reinstate(number: str):
    form = ReinstateForm()
    return _act(number, "reinstate_form", form, lambda c, seen: lifecycle.reinstate(
        c, actor=current_actor(), now=clock.now(), note=form.note.data or "", expected=seen), "证件已恢复有效。")


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@require("legal")
def revoke(number: str):
    form = RevokeForm()
    return _act(number, "revoke_form", form, lambda c, seen: revocation.revoke(
        c, form.kind.data, actor=current_actor(), now=clock.now(), legal_basis=form.legal_basis.data or "",
        note=form.note.data or "", expected=seen), "证件已失效，并已通知本人。")


@bp.route("/certificates/<number>/propose", methods=["POST"])
@require("legal")
def propose(number: str):
    form = ProposeForm()
    if proposals.open_for(certificate_or_404(number).id) is not None:  # the form is not shown then: say why here
        flash("该证件已有待决定的拟注销（吊销、撤销）告知，请先作出决定", "danger")
        return redirect(url_for("register.detail", number=number))
    return _act(number, "propose_form", form, lambda c, seen: proposals.propose(
        c, form.kind.data, facts=form.facts.data, reasons=form.reasons.data, legal_basis=form.legal_basis.data,
        actor=current_actor(), now=clock.now(), expected=seen),
        "已告知本人并通知其单位人事管理员；本人陈述申辩（或放弃）或期限届满后，方可作出决定。")


@bp.route("/certificates/<number>/decide", methods=["POST"])
@require("legal")
def decide(number: str):
    form = DecideForm()

    def operation(c, seen):
        proposal = db.session.get(Proposal, parse_id(form.proposal_id.data) or 0)
        if proposal is None or proposal.certificate_id != c.id:
            abort(404)
        proposals.decide(proposal, form.decision.data, note=form.note.data, actor=current_actor(), now=clock.now(),
                         expected=seen)

    return _act(number, "decide_form", form, operation, "已作出决定，并已通知本人。")


@bp.route("/certificates/<number>/set-aside", methods=["POST"])
@require("legal")
def set_aside(number: str):
    form = SetAsideForm()
    return _act(number, "set_aside_form", form, lambda c, seen: revocation.set_aside(
        c, reasons=form.reasons.data, actor=current_actor(), now=clock.now(), expected=seen),
        "原决定已撤销，证件已恢复，并已通知本人。")


@bp.route("/certificates/<number>/reissue", methods=["POST"])
@require("legal")
def reissue(number: str):
    certificate = certificate_or_404(number)
    form = _reissue_form(certificate, request.form)

    def operation(c, seen):
        agency_id = parse_id(form.agency_id.data)
        agency = next((a for a in scoped_agencies(current_user) if a.id == agency_id), None)
        if agency is None:
            raise DomainError("invalid_agency", "请选择管辖范围内的单位", status=422,
                              items=[{"field": "agency_id", "message": "请选择管辖范围内的单位"}])
        if not form.categories.data:
            raise DomainError("invalid_categories", "请至少选择一个执法类别", status=422,
                              items=[{"field": "categories", "message": "请至少选择一个执法类别"}])
        lifecycle.reissue(c, form.reason.data, actor=current_actor(), now=clock.now(), note=form.note.data or "",
                          agency=agency, categories=form.categories.data, region=form.region.data,
                          expected=seen)

    return _act(number, "reissue_form", form, operation, "已办理，新版证件的二维码已生成；旧版证件扫码将显示“已换发”。")


# ---------------------------------------------------------------- the officer's own

@bp.route("/me/certificates")
@require("officer")
def mine():
    """The officer's certificates: status, due dates, holds and revocations with their reason and legal basis,
    and a form to answer each in writing (陈述申辩)."""
    return _render_mine()


def _render_mine(form: AnswerForm | None = None, status: int = 200, statement_form: StatementForm | None = None):
    today = clock.today()
    certificates = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == current_user.officer_id).order_by(
        (Certificate.status == "revoked").asc(), Certificate.type, Certificate.issued_on.desc())).all()
    ids = [c.id for c in certificates] or [-1]
    answers_by: dict[tuple, list[Answer]] = defaultdict(list)
    for answer in db.session.scalars(sa.select(Answer).where(Answer.certificate_id.in_(ids))
                                     .order_by(Answer.submitted_at)):
        answers_by[("hold", answer.hold_id) if answer.hold_id else ("event", answer.event_id)].append(answer)
    # the latest revocation of each (one set aside and revoked again has two)
    revocations = {event.certificate_id: event for event in db.session.scalars(sa.select(CertificateEvent).where(
        CertificateEvent.certificate_id.in_(ids), CertificateEvent.action == "revoke")
        .order_by(CertificateEvent.at, CertificateEvent.id))}
    open_proposals = {p.certificate_id: p for p in db.session.scalars(sa.select(Proposal).where(
        Proposal.certificate_id.in_(ids), Proposal.status == "open"))}
    return render_template("register/mine.html", certificates=certificates, today=today,
                           dues=_dues(certificates, today), answers_by=answers_by, revocations=revocations,
                           proposals=open_proposals, form=form or AnswerForm(formdata=None),
                           statement_form=statement_form or StatementForm(formdata=None)), status


@bp.route("/me/certificates/<number>/answer", methods=["POST"])
@require("officer")
def answer(number: str):
    certificate = certificate_or_404(number)
    form = AnswerForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        return _render_mine(form, 422)
    try:
        with transaction.attempt():
            answers.answer(certificate, current_user.officer, form.body.data, actor=current_actor(), now=clock.now(),
                           hold_id=parse_id(form.hold_id.data), event_id=parse_id(form.event_id.data))
    except DomainError as err:
        if err.status == 404:
            abort(404)
        apply_errors(form, err.items)
        return _render_mine(form, err.status)
    flash("陈述申辩已提交，法制机构将在处理时一并审阅。", "success")
    return redirect(url_for("register.mine"))


@bp.route("/me/certificates/<number>/proposal", methods=["POST"])
@require("officer")
def respond(number: str):
    """The officer's statement on a proposed revocation (陈述申辩), or their waiver of it."""
    certificate = certificate_or_404(number)
    form = StatementForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        return _render_mine(status=422, statement_form=form)
    proposal = db.session.get(Proposal, parse_id(form.proposal_id.data) or 0)
    if proposal is None or proposal.certificate_id != certificate.id:
        abort(404)
    if form.action.data == "waive" and not form.confirm.data:
        form.confirm.errors = ["请勾选确认：放弃后法制机构可即作出决定"]
        return _render_mine(status=422, statement_form=form)
    try:
        with transaction.attempt():
            if form.action.data == "waive":
                proposals.waive(proposal, current_user.officer, actor=current_actor(), now=clock.now())
            else:
                proposals.state(proposal, current_user.officer, form.body.data, actor=current_actor(),
                                now=clock.now())
    except DomainError as err:
        if err.status == 409:
            flash(err.message, "danger")
            return redirect(url_for("register.mine"))
        apply_errors(form, err.items)
        return _render_mine(status=err.status, statement_form=form)
    flash("已声明放弃陈述申辩。" if form.action.data == "waive" else "陈述申辩已提交，法制机构将在作出决定时一并审阅。",
          "success")
    return redirect(url_for("register.mine"))
