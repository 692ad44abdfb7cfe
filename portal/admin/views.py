"""Administration: staff accounts and scopes, policy settings; the audit log for admin and legal."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from certificates import seal
from portal import audit, background, clock, policy, transaction
from portal.admin import audit_labels
from portal.admin.forms import AuditFilterForm, UserForm
from portal.auth import services as auth_services
from portal.auth.access import agencies_in_scope, current_actor, require, scoped_agencies
from portal.auth.models import ROLES, ApiToken, User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ActionForm, paginate, parse_id
from portal.orgs.agencies.services import tree_order
from portal.orgs.models import Agency

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.route("/admin/users")
@require("admin")
def users():
    """Staff accounts (officers' accounts are managed by HR on the officer's page), with a search."""
    q = request.args.get("q", "").strip().lower()
    role = request.args.get("role", "")
    query = sa.select(User).where(User.role != "officer")
    if q:
        query = query.where(sa.or_(User.username.contains(q, autoescape=True),
                                   User.display_name.contains(q, autoescape=True)))
    if role in ROLES:
        query = query.where(User.role == role)
    page = paginate(query.order_by(User.role, User.username))
    return render_template("admin/users.html", page=page, roles=ROLES, now=clock.now(), action_form=ActionForm())


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.scopes.choices = [(a.id, "\u3000" * a.depth + a.name)
                           for a in tree_order(db.session.scalars(sa.select(Agency)).all())]
    if request.method == "GET" and user is not None:
        form.scopes.data = [a.id for a in user.scopes]
    return form


def _field_for(form: UserForm, err: DomainError):
    """The field a refusal is shown beside."""
    if "username" in err.code:
        return form.username
    if err.code == "invalid_role":
        return form.role
    if err.code == "self_lockout":
        return form.role if form.active.data else form.active
    return form.scopes


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require("admin")
def create_user():
    """Create a staff account with a one-time password."""
    form = _user_form(None)
    if form.validate_on_submit():
        try:
            with transaction.attempt():
                user, one_time = auth_services.create_staff_user(
                    current_actor(), username=form.username.data, display_name=form.display_name.data,
                    role=form.role.data, scope_ids=form.scopes.data or [], now=clock.now())
        except DomainError as err:
            _field_for(form, err).errors.append(err.message)
        else:
            return render_template("admin/one_time_password.html", user=user, one_time=one_time)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@require("admin")
def edit_user(user_id: int):
    """Change a staff account's role, scope or whether it may sign in."""
    user = db.get_or_404(User, user_id)
    if user.role == "officer":
        abort(404)
    form = _user_form(user)
    if form.validate_on_submit():
        try:
            with transaction.attempt():
                changes = auth_services.update_staff_user(
                    current_actor(), user, display_name=form.display_name.data, role=form.role.data,
                    scope_ids=form.scopes.data or [], active=form.active.data, now=clock.now())
        except DomainError as err:
            _field_for(form, err).errors.append(err.message)
        else:
            flash("账户已保存。" if changes else "没有修改任何内容。", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, action_form=ActionForm(),
                           locked=user.locked_until is not None and user.locked_until > clock.now())


@bp.route("/admin/users/<int:user_id>/reset", methods=["POST"])
@require("admin")
def reset_user(user_id: int):
    """Give a staff account a new one-time password, shown once."""
    user = db.get_or_404(User, user_id)
    if user.role == "officer" or not ActionForm().validate_on_submit():
        abort(404 if user.role == "officer" else 400)
    one_time = auth_services.reset_password(current_actor(), user, clock.now())
    return render_template("admin/one_time_password.html", user=user, one_time=one_time)


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@require("admin")
def unlock_user(user_id: int):
    """Lift a lockout."""
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    auth_services.unlock(current_actor(), user, clock.now())
    flash(f"已解锁 {user.display_name} 的账户。", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id) if user.role != "officer" else url_for("admin.users"))


@bp.route("/admin/settings", methods=["GET", "POST"])
@require("admin")
def settings():
    """Policy settings (the numbers the spec marks *(default)*)."""
    form = ActionForm()
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if form.validate_on_submit():
        values = {}
        for key, definition in policy.REGISTRY.items():
            raw = request.form.get(key, "")
            typed[key] = raw
            try:
                values[key] = policy.parse(definition, raw)
            except DomainError as err:
                errors[key] = err.message
        if not errors:
            try:
                with transaction.attempt():
                    changes = policy.update(current_actor(), values, clock.now())
            except DomainError as err:  # a rule across settings, e.g. weights that must add up to 100
                errors["__all__"] = err.message
            else:
                flash(f"已保存 {len(changes)} 项设置。" if changes else "没有修改任何设置。", "success")
                return redirect(url_for("admin.settings"))
    sections: dict[str, list] = {}
    for definition in policy.REGISTRY.values():
        value = policy.get(definition.key)
        shown = typed.get(definition.key, "\n".join(value) if definition.kind == "list" else str(value))
        sections.setdefault(definition.section, []).append((definition, shown, errors.get(definition.key)))
    return render_template("admin/settings.html", form=form, sections=sections, errors=errors), (
        422 if errors else 200)


@bp.route("/audit")
@require("admin", "legal")
def audit_log():
    """The audit log, filterable; legal sees entries of agencies in their scope."""
    form = AuditFilterForm(request.args)
    agencies = scoped_agencies(current_user)
    form.agency.choices = [("", "全部")] + [(str(a.id), "\u3000" * a.depth + a.short_name) for a in agencies]
    form.action.choices = [("", "全部")] + [(f"{code}.", words) for code, words in audit_labels.ACTION_KINDS]
    form.object_type.choices = [("", "全部")] + audit_labels.OBJECT_KINDS
    for field in (form.action, form.object_type):
        # A filter typed into the address (a narrower prefix, a retired kind) stays visible in its box.
        if field.data and field.data not in dict(field.choices):
            field.choices.append((field.data, field.data))
    query = sa.select(audit.AuditEntry)
    if current_user.role != "admin":
        query = query.where(audit.AuditEntry.agency_id.in_(agencies_in_scope(current_user)))
    form.validate()
    if form.action.data:
        query = query.where(audit.AuditEntry.action.startswith(form.action.data.strip(), autoescape=True))
    if form.actor.data:
        # people are shown by name: a name finds the entries of every account that bears it, a login its own
        who = form.actor.data.strip()
        logins = sa.select(User.username).where(User.display_name == who)
        query = query.where(sa.or_(audit.AuditEntry.actor == who, audit.AuditEntry.actor.in_(logins)))
    if form.object_type.data:
        query = query.where(audit.AuditEntry.object_type == form.object_type.data.strip())
    if form.object_id.data:
        query = query.where(audit.AuditEntry.object_id == form.object_id.data.strip())
    if form.since.data and not form.since.errors:
        query = query.where(audit.AuditEntry.at >= dt.datetime.combine(form.since.data, dt.time(), clock.TZ))
    if form.until.data and not form.until.errors:
        query = query.where(audit.AuditEntry.at < dt.datetime.combine(
            form.until.data + dt.timedelta(days=1), dt.time(), clock.TZ))
    chosen = {str(a.id): a for a in agencies}.get(form.agency.data or "")
    if chosen is not None:
        query = query.where(audit.AuditEntry.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(chosen.path, autoescape=True))))
    page = paginate(query.order_by(audit.AuditEntry.id.desc()))
    return render_template("admin/audit.html", form=form, page=page, labels=audit_labels,
                           actors=audit_labels.actor_names(page.items), objects=audit_labels.object_names(page.items),
                           references=audit_labels.reference_names(page.items))


@bp.route("/audit/verify", methods=["POST"])
@require("admin")
def verify_audit():
    """Check the hash chain now and say where it breaks, if it does."""
    if not ActionForm().validate_on_submit():
        abort(400)
    result = audit.verify()
    if result.ok:
        flash(f"审计链完整：已校验 {result.checked} 条记录。", "success")
    else:
        flash(f"审计链在第 {result.broken_id} 号记录处断开：{result.reason}", "error")
    return redirect(url_for("admin.audit_log"))


@bp.app_context_processor
def _scheduler_banner():
    """Admins see a banner when the scheduler's heartbeat is missing or older than two hours."""
    if not current_user.is_authenticated or current_user.role != "admin" or request.path.startswith("/static/"):
        return {}
    age = background.heartbeat_age(clock.now())
    if age is None:
        return {"scheduler_warning": "后台调度进程从未运行：定时任务、后台作业和通知邮件都不会执行。请启动 flask --app wsgi scheduler。"}
    if age > background.HEARTBEAT_STALE:
        hours = age.total_seconds() / 3600
        return {"scheduler_warning": f"后台调度进程已 {hours:.1f} 小时没有心跳：定时任务、后台作业和通知邮件可能未执行，请检查调度进程。"}
    return {}


@bp.route("/admin/tokens", methods=["GET", "POST"])
@require("admin")
def tokens():
    """API tokens: issue one for a staff account (shown once), see when each was last used, revoke."""
    staff = db.session.scalars(sa.select(User).where(User.role.in_(("hr", "legal", "admin")), User.active.is_(True))
                               .order_by(User.username)).all()
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        user = db.session.get(User, parse_id(request.form.get("user_id")) or 0)
        try:
            with transaction.attempt():
                if user is None:
                    raise DomainError("unknown_user", "请选择账户")
                token, raw = auth_services.create_token(current_actor(), user, request.form.get("name", ""),
                                                        clock.now())
        except DomainError as err:
            error = err.message
        else:
            return render_template("admin/token_created.html", token=token, raw=raw)
    rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("admin/tokens.html", rows=rows, staff=staff, form=form, error=error), (422 if error else 200)


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@require("admin")
def revoke_token(token_id: int):
    """Revoke a token at once."""
    token = db.get_or_404(ApiToken, token_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    auth_services.revoke_token(current_actor(), token, clock.now())
    flash(f"令牌 {token.prefix}… 已吊销。", "success")
    return redirect(url_for("admin.tokens"))


@bp.route("/admin/seal", methods=["GET", "POST"])
@require("admin")
def seal_page():
    """The issuing authority's seal printed on the certificates: see it, upload one (replacing any), remove it."""
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        upload = request.files.get("seal")
        try:
            with transaction.attempt():
                seal.save(upload.read() if upload else b"", actor=current_actor(), now=clock.now())
        except DomainError as err:
            error = err.message
        else:
            flash("已保存印章：此后下载的证件和卡片都会印上它。", "success")
            return redirect(url_for("admin.seal_page"))
    return render_template("admin/seal.html", form=form, error=error, has_seal=seal.load() is not None), (
        422 if error else 200)


@bp.route("/admin/seal/remove", methods=["POST"])
@require("admin")
def remove_seal():
    """Remove the seal: the certificates print the specimen mark (样章) again."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if seal.remove(actor=current_actor(), now=clock.now()):
        flash("已删除印章：证件上将印“样章”标记，直至上传新的印章。", "success")
    return redirect(url_for("admin.seal_page"))


@bp.route("/admin/seal.png")
@require("admin")
def seal_image():
    """The seal on file, for the admin's eyes only (never cached); 404 when there is none."""
    data = seal.load()
    if data is None:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, no-store"
    return response
