"""Sign-in, sign-out, password change; the idle timeout and the forced password change."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal import clock, policy, transaction
from portal.auth import services
from portal.auth.access import public, require
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__, template_folder="templates")

#: endpoints a user who must change the password may still reach
_ALLOWED_BEFORE_CHANGE = {"auth.change_password", "auth.logout", "static", "home.healthz", "home.index"}


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None``.

    Browsers read a backslash as a slash and drop tabs and line breaks, so ``/\\evil.example`` or
    ``/<tab>/evil.example`` would lead off-site: any backslash, control character or space is refused.
    """
    if not target:
        return None
    if "\\" in target or any(ord(char) < 0x21 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@public
def login():
    """Staff sign in by user name, officers by ID number."""
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = LoginForm()
    message = None
    if form.validate_on_submit():
        result = services.authenticate(form.login.data, form.password.data, clock.now(), request.remote_addr)
        if result.user is not None:
            session.clear()
            login_user(result.user)
            session["seen"] = clock.now().timestamp()
            if result.user.must_change_password:
                flash("这是一次性密码，请先设置您自己的新密码。", "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("home.dashboard"))
        message = result.message
    return render_template("auth/login.html", form=form, message=message), (200 if message is None else 401)


@bp.route("/logout", methods=["POST"])
@require("officer", "hr", "legal", "admin")
def logout():
    """End the session — on the server too: the account's session key rotates, so a copy of the cookie taken
    before cannot be replayed (this also signs the account out on its other devices)."""
    services.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@require("officer", "hr", "legal", "admin")
def change_password():
    """Change one's own password; forced after a one-time password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with transaction.attempt():
                services.change_own_password(current_user, form.current.data, form.new.data, clock.now(),
                                             request.remote_addr)
        except DomainError as err:
            (form.current if err.code == "wrong_password" else form.new).errors.append(err.message)
        else:
            login_user(current_user._get_current_object())
            session["seen"] = clock.now().timestamp()
            flash("密码已修改。", "success")
            return redirect(url_for("home.dashboard"))
    return render_template("auth/password.html", form=form, forced=current_user.must_change_password)


@login_manager.user_loader
def _load_user(session_id: str):
    user_id, _, key = (session_id or "").partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_key != key or not user.active:
        return None
    return user


def init_app(app) -> None:
    """Configure Flask-Login and the per-request checks."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            raise DomainError("unauthorized", "需要登录或有效的访问令牌", status=401)
        flash("请先登录。", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _session_rules():
        if request.endpoint == "static" or request.path.startswith("/api/") or not current_user.is_authenticated:
            return None  # the API authenticates by bearer token only, never by the session cookie
        now = clock.now().timestamp()
        if current_user.is_staff:
            seen = session.get("seen")
            idle = policy.get("auth.staff_idle_minutes") * 60
            if seen is not None and now - seen > idle:
                logout_user()
                session.clear()
                flash(f"您已超过{idle // 60}分钟未操作，为保护数据安全已自动退出，请重新登录。", "warning")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        session["seen"] = now
        if current_user.must_change_password and request.endpoint not in _ALLOWED_BEFORE_CHANGE:
            return redirect(url_for("auth.change_password"))
        return None
