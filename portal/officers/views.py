"""Officer pages: HR keeps the records of their agencies; legal reads them; an officer sees themself."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, policy, transaction
from portal.auth import services as auth_services
from portal.auth.access import current_actor, get_in_scope_or_404, require, scope_condition, scoped_agencies
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ActionForm, apply_errors, paginate
from portal.officers import services
from portal.officers.forms import FilterForm, OfficerForm, PhotoForm
from portal.officers.models import Officer, OfficerPhoto
from portal.training.progress import progress_of

bp = Blueprint("officers", __name__, template_folder="templates")



@bp.route("/officers")
@require("hr", "legal")
def index():
    """The officer list: search and filters in the URL, paginated, limited to the scope."""
    agencies = scoped_agencies(current_user)
    form = FilterForm(request.args)
    form.agency.choices = [("", "全部单位")] + [(str(a.id), "\u3000" * a.depth + a.short_name) for a in agencies]
    form.category.choices = [("", "全部类别")] + [(c, c) for c in policy.get("officers.categories")]
    by_id = {str(a.id): a for a in agencies}
    agency = by_id.get(request.args.get("agency", ""))
    query = services.search(
        scope_condition(current_user, Officer.agency_id),
        q=request.args.get("q", ""),
        agency_path=agency.path if agency else None,
        status=request.args.get("status", ""),
        category=request.args.get("category", ""),
    )
    missing = request.args.get("missing", "")
    if missing == "photo":
        query = query.where(Officer.has_photo.is_(False))
    elif missing == "account":
        query = query.where(~sa.exists().where(User.officer_id == Officer.id))
    page = paginate(query)
    accounts = set(db.session.scalars(sa.select(User.officer_id).where(
        User.officer_id.in_([o.id for o in page.items]))).all()) if page.items else set()
    return render_template("officers/index.html", form=form, page=page, accounts=accounts)


def _form_data(form: OfficerForm) -> services.OfficerData:
    return services.OfficerData(
        name=form.name.data or "", gender=form.gender.data or "", birth_date=form.birth_date.data,
        id_number=form.id_number.data or "", agency_id=form.agency_id.data or None, post=form.post.data or "",
        categories=form.categories.data or [], region=form.region.data or "", mobile=form.mobile.data or "",
        email=form.email.data, hired_on=form.hired_on.data, status=form.status.data or "on_duty",
        staff_kind=form.staff_kind.data or "",
    )


def _validated(form: OfficerForm, officer: Officer | None = None) -> bool:
    """Validate the form; when it has errors, also list the record's own problems (check characters,
    agreement with the ID number…) so one round trip shows everything that is wrong."""
    if not form.is_submitted():
        return False
    if form.validate():
        return True
    problems = services.problems(_form_data(form), clock.today(), officer)
    apply_errors(form, [{"field": f, "message": m} for f, m in problems
                        if hasattr(form, f) and not getattr(form, f).errors])
    return False


@bp.route("/officers/new", methods=["GET", "POST"])
@require("hr")
def create():
    """Register an officer in an agency of the HR user's scope."""
    form = OfficerForm()
    form.set_choices(scoped_agencies(current_user))
    items = []
    if _validated(form):
        try:
            try:
                with transaction.attempt():
                    officer = services.create_officer(current_actor(), _form_data(form), clock.now())
            except IntegrityError:
                # someone registered the same ID number between our check and our insert
                errors = services.problems(_form_data(form), clock.local(clock.now()).date())
                if not errors:
                    raise
                services.raise_problems(errors)
        except DomainError as err:
            items = apply_errors(form, err.items)
        else:
            flash(f"已登记执法人员 {officer.name}。", "success")
            return redirect(url_for("officers.detail", officer_id=officer.id))
    return render_template("officers/form.html", form=form, officer=None, items=items,
                           eligible_staff_kinds=policy.get("officers.eligible_staff_kinds"))


@bp.route("/officers/<int:officer_id>")
@require("hr", "legal")
def detail(officer_id: int):
    """One officer. The full ID number is shown only on request, and each showing is audited."""
    officer = get_in_scope_or_404(Officer, officer_id)
    id_number = None
    if request.args.get("show") == "id_number":
        id_number = services.reveal_id_number(current_actor(), officer, "detail", clock.now())
    account = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
    return render_template("officers/detail.html", officer=officer, id_number=id_number, account=account,
                           photo_form=PhotoForm(), training=progress_of(officer.id, clock.today()),
                           staff_kind_refusal=services.staff_kind_refusal(officer.staff_kind))


@bp.route("/officers/<int:officer_id>/edit", methods=["GET", "POST"])
@require("hr")
def edit(officer_id: int):
    """Change an officer's record; the form carries the version it was opened at."""
    officer = get_in_scope_or_404(Officer, officer_id)
    form = OfficerForm(obj=officer if request.method == "GET" else None)
    form.set_choices(scoped_agencies(current_user))
    if request.method == "GET":
        form.categories.data = officer.categories
        form.version.data = officer.version
        services.reveal_id_number(current_actor(), officer, "edit", clock.now())
    items, conflict = [], False
    if _validated(form, officer):
        try:
            version = int(form.version.data or 0)
            try:
                with transaction.attempt():
                    changes = services.update_officer(current_actor(), officer, _form_data(form), clock.now(),
                                                      expected_version=version)
            except StaleDataError:
                # another save of the same version committed between our check and our UPDATE: it won
                raise DomainError.conflict("conflict", services.STALE) from None
            except IntegrityError:
                errors = services.problems(_form_data(form), clock.local(clock.now()).date(), officer)
                if not errors:
                    raise
                services.raise_problems(errors)
        except DomainError as err:
            items = apply_errors(form, err.items) if err.items else [{"message": err.message}]
            conflict = err.status == 409
        except ValueError:
            abort(400)
        else:
            flash("已保存。" if changes else "没有修改任何内容。", "success")
            if "staff_kind" in changes and services.staff_kind_refusal(officer.staff_kind):
                flash(f"人员类别改为“{officer.staff_kind_label}”后不可持有执法证件：其持有的证件已暂扣（人员类别不可持证），"
                      "改回可持证的类别后解除。", "warning")
            return redirect(url_for("officers.detail", officer_id=officer.id))
    return render_template("officers/form.html", form=form, officer=officer, items=items, conflict=conflict,
                           eligible_staff_kinds=policy.get("officers.eligible_staff_kinds")), 409 if conflict else 200


@bp.route("/officers/<int:officer_id>/photo", methods=["POST"])
@require("hr")
def upload_photo(officer_id: int):
    """Store a new photo (re-encoded and resized)."""
    officer = get_in_scope_or_404(Officer, officer_id)
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            with transaction.attempt():
                services.set_photo(current_actor(), officer, upload.read() if upload else b"", clock.now())
        except DomainError as err:
            flash(f"照片未保存：{err.message}", "error")
        else:
            flash("照片已更新。", "success")
    return redirect(url_for("officers.detail", officer_id=officer.id))


def _photo_response(officer: Officer):
    photo = db.session.get(OfficerPhoto, officer.id)
    if photo is None:
        abort(404)
    response = make_response(photo.data)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/officers/<int:officer_id>/photo")
@require("hr", "legal")
def photo(officer_id: int):
    """The stored photo (staff in scope)."""
    return _photo_response(get_in_scope_or_404(Officer, officer_id))


@bp.route("/officers/<int:officer_id>/account", methods=["POST"])
@require("hr")
def account(officer_id: int):
    """Create the officer's sign-in account or reset its password; the one-time password is shown once."""
    officer = get_in_scope_or_404(Officer, officer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    user, one_time = auth_services.officer_account(current_actor(), officer, clock.now())
    return render_template("officers/one_time_password.html", officer=officer, one_time=one_time)


@bp.route("/me")
@require("officer")
def me():
    """The officer's own record (ID number masked)."""
    officer = current_user.officer
    return render_template("officers/me.html", officer=officer)


@bp.route("/me/photo")
@require("officer")
def my_photo():
    """The officer's own photo."""
    return _photo_response(current_user.officer)
