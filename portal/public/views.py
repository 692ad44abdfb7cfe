"""Public registry pages (SPEC §2.1, §2.10, §3): light, mobile-first, readable without signing in or JavaScript, and
no personal data beyond what an announcement carries (name, agency, certificate number and scope — never a photo,
ID number or phone)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from certificates.authority import valid_body
from certificates.models import TYPES, Certificate
from portal import clock
from portal.auth.access import public
from portal.extensions import db
from portal.forms import page_number, parse_id
from portal.officers.models import Officer
from portal.orgs.models import BODY_KINDS, Agency

bp = Blueprint("public", __name__, template_folder="templates")

PER_PAGE = 30


def _cached(response):
    # shared caches may keep the page only when nobody is signed in (the header then carries no account)
    cache = "private, no-store" if current_user.is_authenticated else "public, max-age=300"
    return response, 200, {"Cache-Control": cache}


def _paged(query):
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = (total + PER_PAGE - 1) // PER_PAGE
    page = max(1, min(page_number(request.args), pages or 1))
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
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
    shown = {"valid": valid_body(today),
             "cancelled": sa.and_(Agency.kind.in_(BODY_KINDS), Agency.qualification_status == "cancelled",
                                  Agency.announced_on.is_not(None), Agency.announced_on <= today)}
    counts = {key: db.session.scalar(sa.select(sa.func.count()).select_from(Agency).where(condition))
              for key, condition in shown.items()}
    query = sa.select(Agency).where(shown[show])
    name = (request.args.get("q") or "").strip()[:40]
    if name:
        query = query.where(sa.or_(Agency.name.contains(name, autoescape=True),
                                   Agency.short_name.contains(name, autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = (total + PER_PAGE - 1) // PER_PAGE
    page = max(1, min(page_number(request.args), pages or 1))
    rows = db.session.scalars(query.order_by(Agency.path).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return _cached(render_template("public/bodies.html", rows=rows, show=show, views=BODY_VIEWS, counts=counts,
                                   name=name, page=page, pages=pages, total=total, endpoint="public.bodies"))
