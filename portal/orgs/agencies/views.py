"""Admin pages for the agency tree."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from portal import clock, transaction
from portal.auth.access import current_actor, require
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import apply_errors
from portal.officers.models import Officer
from portal.orgs.agencies import services
from portal.orgs.agencies.forms import AgencyForm
from portal.orgs.models import Agency

bp = Blueprint("orgs", __name__, template_folder="templates")


@bp.route("/admin/agencies")
@require("admin")
def index():
    """The whole tree with each node's kind, code, standing as a body and head count."""
    agencies = services.tree_order(db.session.scalars(sa.select(Agency)).all())
    counts = dict(db.session.execute(
        sa.select(Officer.agency_id, sa.func.count()).where(Officer.status == "on_duty").group_by(Officer.agency_id)
    ).all())
    return render_template("orgs/index.html", agencies=agencies, counts=counts, today=clock.today())


def _form(agency: Agency | None) -> AgencyForm:
    form = AgencyForm(obj=agency if request.method == "GET" else None)
    choices = [(0, "（无，作为根节点）")]
    for a in services.tree_order(db.session.scalars(sa.select(Agency)).all()):
        if agency is None or not a.path.startswith(agency.path):
            choices.append((a.id, "\u3000" * a.depth + a.name))
    form.parent_id.choices = choices
    if request.method == "GET" and agency is not None and agency.parent_id is None:
        form.parent_id.data = 0
    return form


def _data(form: AgencyForm) -> services.AgencyData:
    return services.AgencyData(
        name=form.name.data or "", short_name=form.short_name.data or "", uscc=form.uscc.data,
        region_code=(form.region_code.data or "").strip(), kind=form.kind.data, parent_id=form.parent_id.data or None,
        sort_order=form.sort_order.data or 0,
    )


def _save(agency: Agency | None):
    form = _form(agency)
    items = []
    if form.validate_on_submit():
        try:
            try:
                with transaction.attempt():
                    if agency is None:
                        agency = services.create_agency(current_actor(), _data(form), clock.now())
                    else:
                        services.update_agency(current_actor(), agency, _data(form), clock.now())
            except IntegrityError:
                # another admin saved the same name or code between our check and our write: check again
                agency = db.session.get(Agency, agency.id) if agency is not None and agency.id else None
                services.validate(_data(form), agency)
                raise
        except DomainError as err:
            items = apply_errors(form, err.items)
        else:
            flash("单位信息已保存。", "success")
            return redirect(url_for("orgs.index"))
    return render_template("orgs/form.html", form=form, agency=agency, items=items)


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@require("admin")
def create():
    """Add an agency."""
    return _save(None)


@bp.route("/admin/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@require("admin")
def edit(agency_id: int):
    """Change an agency (moving it moves its subtree)."""
    return _save(db.get_or_404(Agency, agency_id))
