"""Public registry pages: light, mobile-first, no personal data beyond what an announcement carries (name,
agency, certificate number and scope — never a photo, ID number or phone)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from certificates.models import Certificate
from portal.auth.access import public
from portal.extensions import db
from portal.forms import page_number, parse_id
from portal.officers.models import Officer
from portal.orgs.models import Agency

bp = Blueprint("public", __name__, template_folder="templates")

PER_PAGE = 30


@bp.route("/public/presiders")
@public
def presiders():
    """听证主持人公示: officers holding an active hearing-presider certificate, by agency; searchable by name."""
    active = sa.and_(Certificate.type == "hearing_presider", Certificate.status == "active")
    agencies = db.session.execute(
        sa.select(Agency.id, Agency.name, sa.func.count(Certificate.id))
        .join(Certificate, Certificate.agency_id == Agency.id).where(active)
        .group_by(Agency.id, Agency.name).order_by(Agency.path)).all()
    query = (sa.select(Certificate.number, Certificate.categories, Certificate.issued_on, Officer.name,
                       Agency.name.label("agency"))
             .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Certificate.agency_id)
             .where(active))
    agency_id = parse_id(request.args.get("agency"))
    if agency_id:
        query = query.where(Certificate.agency_id == agency_id)
    name = (request.args.get("q") or "").strip()[:40]
    if name:
        query = query.where(Officer.name.contains(name, autoescape=True))
    query = query.order_by(Agency.path, Officer.name, Certificate.number)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = max(1, min(page_number(request.args), (total + PER_PAGE - 1) // PER_PAGE or 1))
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    response = render_template("public/presiders.html", rows=rows, agencies=agencies, agency_id=agency_id,
                               name=name, page=page, pages=(total + PER_PAGE - 1) // PER_PAGE, total=total)
    # shared caches may keep the page only when nobody is signed in (the header then carries no account)
    cache = "private, no-store" if current_user.is_authenticated else "public, max-age=300"
    return response, 200, {"Cache-Control": cache}
