"""Public registry pages (SPEC §2.1, §2.10, §3): light, mobile-first, readable without signing in or JavaScript, and
no personal data beyond what an announcement carries (name, agency, certificate number and scope — never a photo,
ID number or phone)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from certificates import numbering
from certificates.models import TYPES, Certificate
from certificates.public import no_store
from portal import clock, transaction
from portal.audit import Actor
from portal.auth.access import public
from portal.complaints import services as complaints
from portal.complaints.forms import ComplaintForm, UnlicensedForm
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.forms import apply_errors, page_number, page_size, parse_id
from portal.officers.models import Officer
from portal.orgs.agencies.services import tree_order
from portal.orgs.bodies.services import announced_decisions, valid_condition
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import BODY_KINDS, Agency, Agreement

bp = Blueprint("public", __name__, template_folder="templates")

def _cached(response):
    # shared caches may keep the page only when nobody is signed in (the header then carries no account)
    cache = "private, no-store" if current_user.is_authenticated else "public, max-age=300"
    return response, 200, {"Cache-Control": cache}


def _paged(query, *, objects: bool = False):
    """One page of ``query`` at the portal's page size (a page past the end shows the last): rows (or ORM
    objects), the page, the number of pages and the total."""
    size = page_size()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = (total + size - 1) // size
    page = max(1, min(page_number(request.args), pages or 1))
    limited = query.limit(size).offset((page - 1) * size)
    rows = db.session.scalars(limited).all() if objects else db.session.execute(limited).all()
    return rows, page, pages, total


def _roster(types: tuple[str, ...]) -> dict:
    """Officers holding an active certificate of ``types``, by agency, searchable by name and agency: the rows of
    a roster page and the agencies of its filter (each with its count)."""
    active = sa.and_(Certificate.type.in_(types), Certificate.status == "active")
    agencies = db.session.execute(
        sa.select(Agency.id, Agency.name, sa.func.count(Certificate.id))
        .join(Certificate, Certificate.agency_id == Agency.id).where(active)
        .group_by(Agency.id, Agency.name, Agency.path).order_by(Agency.path)).all()
    query = (sa.select(Certificate.number, Certificate.type, Certificate.categories, Certificate.region,
                       Certificate.issued_on, Officer.name, Agency.name.label("agency"))
             .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Certificate.agency_id)
             .where(active))
    agency_id = parse_id(request.args.get("agency"))
    if agency_id:
        query = query.where(Certificate.agency_id == agency_id)
    name = (request.args.get("q") or "").strip()[:40]
    if name:
        query = query.where(Officer.name.contains(name, autoescape=True))
    rows, page, pages, total = _paged(query.order_by(Agency.path, Officer.name, Certificate.number))
    return {"rows": rows, "agencies": agencies, "agency_id": agency_id, "name": name, "page": page, "pages": pages,
            "total": total, "type_labels": TYPES}


@bp.route("/public/officers")
@public
def officers():
    """执法人员公示 (SPEC §2.10): officers holding an active certificate, by agency — name, type, number, scope."""
    return _cached(render_template("public/officers.html", endpoint="public.officers",
                                   **_roster(("enforcement", "hearing_presider"))))


@bp.route("/public/presiders")
@public
def presiders():
    """听证主持人公示: officers holding an active hearing-presider certificate, by agency; searchable by name."""
    return _cached(render_template("public/presiders.html", endpoint="public.presiders",
                                   **_roster(("hearing_presider",))))


BODY_VIEWS = {"valid": "有效的执法主体", "cancelled": "已取消的执法主体"}


@bp.route("/public/bodies")
@public
def bodies():
    """执法主体公告 (SPEC §2.1, seed 四(一)): bodies confirmed and announced — valid now — and bodies whose
    cancellation was announced, with dates, legal basis and the announcement; searchable by name."""
    today = clock.today()
    show = request.args.get("show", "valid")
    show = show if show in BODY_VIEWS else "valid"
    shown = {"valid": valid_condition(today),
             "cancelled": sa.and_(Agency.kind.in_(BODY_KINDS), Agency.qualification_status == "cancelled",
                                  Agency.announced_on.is_not(None), Agency.announced_on <= today)}
    counts = {key: db.session.scalar(sa.select(sa.func.count()).select_from(Agency).where(condition))
              for key, condition in shown.items()}
    query = sa.select(Agency).where(shown[show])
    name = (request.args.get("q") or "").strip()[:40]
    if name:
        query = query.where(sa.or_(Agency.name.contains(name, autoescape=True),
                                   Agency.short_name.contains(name, autoescape=True)))
    rows, page, pages, total = _paged(query.order_by(Agency.path), objects=True)
    announced = announced_decisions([a.id for a in rows])
    return _cached(render_template("public/bodies.html", rows=rows, announced=announced, show=show,
                                   views=BODY_VIEWS, counts=counts,
                                   name=name, page=page, pages=pages, total=total, endpoint="public.bodies"))


@bp.route("/public/entrustments")
@public
def entrustments():
    """委托执法公告 (SPEC §2.2, seed 四(三)): announced agreements — parties, matters, powers and term — in force,
    not yet begun, or ended / terminated; never one not yet announced. Searchable by either party's name."""
    today = clock.today()
    announced = sa.and_(Agreement.announced_on.is_not(None), Agreement.announced_on <= today)
    in_force = entrustment.in_force_condition(today)
    upcoming = sa.and_(Agreement.starts_on > today,
                       sa.or_(Agreement.terminated_on.is_(None), Agreement.terminated_on > today))
    views = {"in_force": in_force, "upcoming": upcoming, "ended": sa.not_(sa.or_(in_force, upcoming))}
    show = request.args.get("show", "in_force")
    show = show if show in views else "in_force"
    query = sa.select(Agreement).where(announced, views[show])
    counts = {key: db.session.scalar(sa.select(sa.func.count()).select_from(Agreement).where(announced, condition))
              for key, condition in views.items()}
    name = (request.args.get("q") or "").strip()[:40]
    if name:
        parties = sa.select(Agency.id).where(Agency.name.contains(name, autoescape=True))
        query = query.where(sa.or_(Agreement.entrusting_id.in_(parties), Agreement.entrusted_id.in_(parties)))
    rows, page, pages, total = _paged(query.order_by(Agreement.ends_on.desc(), Agreement.id.desc()), objects=True)
    return _cached(render_template("public/entrustments.html", rows=rows, show=show, counts=counts, name=name,
                                   page=page, pages=pages, total=total, today=today,
                                   endpoint="public.entrustments"))


#: a complaint is a few short fields: anything much larger is not a person typing
COMPLAINT_MAX_BYTES = 16 * 1024


def _certificate(number_text: str) -> Certificate | None:
    """The certificate of a well-formed number (the check character first), else ``None``."""
    try:
        number = numbering.parse(number_text or "")
    except DomainError:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


def _light_page(template: str, status: int = 200, **context):
    """A complaint page in the verification pages' light layout: never cached, never indexed."""
    page = render_template(template, **context)
    return no_store(make_response(page, status))


def _send(form, submission: complaints.Submission, **about):
    """Record what the public sent: the redirect to its reference number, or ``None`` with the refusal beside the
    form's fields and its status."""
    try:
        with transaction.attempt():
            row = complaints.submit(submission, actor=Actor(None, "public", request.remote_addr), now=clock.now(),
                                    **about)
    except DomainError as err:
        return None, apply_errors(form, err.items), err.status
    return redirect(url_for("public.complaints_page", ref=row.reference, new=1)), [], 302


@bp.route("/public/complaints", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("COMPLAINT_RATE_LIMIT", "5/hour"), methods=["POST"])
@limiter.limit(lambda: current_app.config.get("VERIFY_RATE_LIMIT", "10/minute"), methods=["GET"],
               exempt_when=lambda: not request.args.get("ref"))
@public
def complaints_page():
    """投诉与表扬 (SPEC §2.10): ``?number=`` — the short form about that certificate's holder (from the verification
    page or the roster); ``?ref=`` — the outcome of a complaint by its reference number; neither — both boxes.
    A complaint answers with its reference number. Sending is rate-limited per client (``COMPLAINT_RATE_LIMIT``) and
    size-limited; looking up a reference is limited like ``/verify`` (the reference is the sender's only key)."""
    if request.method == "POST" and (request.content_length or 0) > COMPLAINT_MAX_BYTES:
        abort(413)
    ref = (request.args.get("ref") or "").strip()[:40]
    if ref:
        found = complaints.by_reference(ref)
        return _light_page("public/complaint_outcome.html", 200 if found else 404, complaint=found, ref=ref,
                         new=request.args.get("new") == "1")
    number = (request.form.get("number") if request.method == "POST" else request.args.get("number")) or ""
    certificate = _certificate(number[:40])
    form = ComplaintForm()
    if certificate is None:
        status = 404 if number else 200
        return _light_page("public/complaint_start.html", status, number=number[:40])
    items, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            submission = complaints.Submission(form.kind.data, form.happened_on.data, form.place.data or "",
                                               form.what.data or "", form.contact.data or "")
            sent, items, status = _send(form, submission, officer_id=certificate.officer_id,
                                        agency_id=certificate.agency_id, certificate_number=certificate.number)
            if sent:
                return sent
        else:
            status = 422
    elif not form.happened_on.data:
        form.happened_on.data = clock.today()
    return _light_page("public/complaint_form.html", status, form=form, certificate=certificate, items=items,
                     today=clock.today())


def _reportable_agencies() -> list[tuple[int, str]]:
    """The agencies a report may name: every one that enforces or may be entrusted (not the governments and offices
    of kind ``other``), in tree order (a district's units together); a cancelled body is named as such (someone may
    still enforce in its name)."""
    rows = [a for a in tree_order(db.session.scalars(sa.select(Agency)).all()) if a.kind != "other"]
    return [(0, "（请选择）")] + [(a.id, a.name + ("（已取消执法主体资格）" if a.qualification_status == "cancelled" else ""))
                              for a in rows]


@bp.route("/public/complaints/unlicensed", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("COMPLAINT_RATE_LIMIT", "5/hour"), methods=["POST"])
@public
def unlicensed_report():
    """举报无证执法 (SPEC §2.10): someone enforcing without a certificate, reported by name (as far as known),
    agency, place and time — no certificate number needed. Answered with a reference number like a complaint; the
    legal offices covering the agency named handle it."""
    if request.method == "POST" and (request.content_length or 0) > COMPLAINT_MAX_BYTES:
        abort(413)
    form = UnlicensedForm()
    form.agency_id.choices = _reportable_agencies()
    items, status = [], 200
    if request.method == "POST":
        agency_id = parse_id(request.form.get("agency_id"))
        agency = db.session.get(Agency, agency_id) if agency_id else None
        submission = complaints.Submission("unlicensed", form.happened_on.data, form.place.data or "",
                                           form.what.data or "", form.contact.data or "",
                                           reported_name=form.reported_name.data or "",
                                           happened_time=(form.happened_time.data or "").strip())
        valid = form.validate_on_submit()
        # every problem at once: the form's, the rules', and the agency
        problems = complaints.problems(submission, clock.today(), ("unlicensed",))
        if agency is None or agency.kind == "other":
            problems.append(("agency_id", "请选择执法人员所属的单位"))
        if valid and not problems:
            sent, items, status = _send(form, submission, officer_id=None, agency_id=agency.id,
                                        certificate_number=None)
            if sent:
                return sent
        else:
            items = apply_errors(form, [{"field": f, "message": m} for f, m in problems])
            status = 422
    elif not form.happened_on.data:
        form.happened_on.data = clock.today()
    return _light_page("public/unlicensed_form.html", status, form=form, items=items, today=clock.today())
