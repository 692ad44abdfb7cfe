"""The inbox: every signed-in user's notifications; the unread count shown in the header."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock, notify
from portal.auth.access import require
from portal.extensions import db
from portal.forms import ActionForm, paginate

bp = Blueprint("inbox", __name__, template_folder="templates")
ROLES = ("officer", "hr", "legal", "admin")


@bp.app_context_processor
def _unread():
    if current_user.is_authenticated and not request.path.startswith(("/static/", "/api/")):
        return {"unread_count": notify.unread_count(current_user.id)}
    return {"unread_count": 0}


@bp.route("/inbox")
@require(*ROLES)
def index():
    """Messages, newest first; unread ones marked."""
    query = sa.select(notify.Notification).where(notify.Notification.user_id == current_user.id)
    if request.args.get("unread") == "1":
        query = query.where(notify.Notification.read_at.is_(None))
    page = paginate(query.order_by(notify.Notification.id.desc()))
    return render_template("inbox/index.html", page=page, form=ActionForm())


@bp.route("/inbox/<int:note_id>")
@require(*ROLES)
def open_note(note_id: int):
    """Open a message: mark it read and go to its link (or back to the inbox)."""
    note = db.session.get(notify.Notification, note_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        notify.mark_read(current_user.id, [note.id], clock.now())
    return render_template("inbox/note.html", note=note)


@bp.route("/inbox/read", methods=["POST"])
@require(*ROLES)
def mark_all_read():
    """Mark every message read."""
    if not ActionForm().validate_on_submit():
        abort(400)
    notify.mark_read(current_user.id, None, clock.now())
    return redirect(url_for("inbox.index"))
