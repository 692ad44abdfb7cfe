"""Notifications: an in-app inbox, and e-mail through SMTP when ``MAIL_SERVER`` is set.

Features call :func:`user` or :func:`agency_hr`; the rows are the outbox. The scheduled job ``mail`` delivers
e-mail: it claims a message (status ``sending``, committed) before talking to the server and marks it ``sent``
after, so a message is never sent twice — a crash in between leaves it ``sending`` for an admin to look at
rather than sending it again. A refused or failed delivery is retried with growing back-off.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock, transaction
from portal.auth.access import users_covering
from portal.auth.models import User
from portal.columns import LocalDateTime
from portal.extensions import db

log = logging.getLogger(__name__)

#: minutes to wait before the 2nd, 3rd, … attempt; after the last the message is marked failed
BACKOFF_MINUTES = (1, 5, 30, 120, 720)
EMAIL_STATES = {"none": "不发邮件", "pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}


class Notification(db.Model):
    """One message to one user: an inbox entry, and the outbox row for its e-mail."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    email_to: Mapped[str | None] = mapped_column(sa.String(120))
    email_status: Mapped[str] = mapped_column(sa.String(8), default="none")
    email_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    email_next_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    email_sent_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    email_error: Mapped[str | None] = mapped_column(sa.String(500))
    message_id: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.Index("ix_notification_inbox", "user_id", "read_at"),
        sa.Index("ix_notification_outbox", "email_status", "email_next_at"),
        sa.CheckConstraint("email_status IN ('none','pending','sending','sent','failed')", name="email_status"),
        sa.CheckConstraint("(email_status = 'sent') = (email_sent_at IS NOT NULL)", name="sent_at"),
        sa.CheckConstraint("email_status = 'none' OR email_to IS NOT NULL", name="email_to"),
    )


def _address(user: User) -> str | None:
    if user.email:
        return user.email
    if user.officer is not None and user.officer.email:
        return user.officer.email
    return None


def user(recipient: User, title: str, body: str, link: str | None = None, *, email: bool = True,
         now: dt.datetime | None = None) -> Notification:
    """Put a message in ``recipient``'s inbox, and queue an e-mail when they have an address (flushes)."""
    address = _address(recipient) if email else None
    note = Notification(user_id=recipient.id, title=title[:200], body=body, link=link,
                        created_at=now or clock.now(), email_to=address,
                        email_status="pending" if address else "none", email_next_at=now or clock.now())
    db.session.add(note)
    db.session.flush()
    return note


def officer(officer_id: int, title: str, body: str, link: str | None = None, *,
            now: dt.datetime | None = None) -> Notification | None:
    """Notify an officer through their active account, if they have one (``None`` otherwise)."""
    account = db.session.scalar(sa.select(User).where(User.officer_id == officer_id, User.active.is_(True)))
    return user(account, title, body, link, now=now) if account is not None else None


def agency_hr(agency_id: int, title: str, body: str, link: str | None = None, *, email: bool = True,
              now: dt.datetime | None = None) -> list[Notification]:
    """Notify every active HR account whose scope covers ``agency_id``."""
    recipients = db.session.scalars(
        sa.select(User).where(User.role == "hr", User.active.is_(True), User.id.in_(users_covering(agency_id)))
    ).all()
    return [user(r, title, body, link, email=email, now=now) for r in recipients]


def unread_count(user_id: int) -> int:
    """Unread inbox messages of a user (one indexed COUNT)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, note_ids: list[int] | None, now: dt.datetime) -> int:
    """Mark the user's messages (all when ``note_ids`` is ``None``) read; returns how many changed."""
    query = sa.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if note_ids is not None:
        query = query.where(Notification.id.in_(note_ids or [-1]))
    return db.session.execute(query.values(read_at=now)).rowcount


def _message(note: Notification) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = note.email_to
    message["Subject"] = re.sub(r"\s*[\r\n]+\s*", " ", note.title).strip()  # a header is one line
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = note.message_id
    link = f"\n\n{config['PUBLIC_BASE_URL']}{note.link}" if note.link else ""
    message.set_content(f"{note.body}{link}\n\n——执法人员资格管理与培训平台（系统邮件，请勿直接回复）",
                        cte="base64")  # 7-bit clean whatever the body: no relay has to accept raw 8-bit data
    return message


def _send(message: EmailMessage) -> None:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    except BaseException:
        smtp.close()
        raise
    # the server has accepted the message: from here on nothing may make it count as failed (and be sent again)
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as err:
        log.info("e-mail %s delivered; closing the SMTP connection failed: %s", message["Message-ID"], err)
        smtp.close()


def deliver(now: dt.datetime, batch: int = 50) -> dict:
    """Send due e-mails; returns counts ``{"sent", "retry", "failed"}``. Does nothing without ``MAIL_SERVER``.
    A job handler (the scheduled job "mail"): each claim and each outcome is a checkpoint of its own."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not current_app.config.get("MAIL_SERVER"):
        return counts
    while True:
        query = (sa.select(Notification)
                 .where(Notification.email_status == "pending", Notification.email_next_at <= now)
                 .order_by(Notification.id).limit(1))
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        note = db.session.scalar(query)
        if note is None or sum(counts.values()) >= batch:
            return counts
        note.email_status = "sending"
        note.email_attempts += 1
        note.message_id = note.message_id or make_msgid(idstring=f"n{note.id}", domain="portal.local")
        transaction.checkpoint()  # claimed: no other delivery run will pick it up again
        try:
            message = _message(note)
        except Exception as err:  # noqa: BLE001 - a message that cannot be written would fail every time
            log.exception("e-mail %s to %r cannot be built", note.id, note.email_to)
            note.email_status, note.email_error = "failed", f"{type(err).__name__}: {err}"[:500]
            counts["failed"] += 1
            transaction.checkpoint()  # this message's outcome is kept before the next is tried
            continue
        try:
            _send(message)
        except (smtplib.SMTPException, OSError) as err:
            log.warning("e-mail %s to %s failed (attempt %s): %s", note.id, note.email_to, note.email_attempts, err)
            note.email_error = f"{type(err).__name__}: {err}"[:500]
            if _permanent(err) or note.email_attempts > len(BACKOFF_MINUTES):
                note.email_status = "failed"
                counts["failed"] += 1
            else:
                note.email_status = "pending"
                note.email_next_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[note.email_attempts - 1])
                counts["retry"] += 1
        else:
            note.email_status, note.email_sent_at, note.email_error = "sent", clock.now(), None
            counts["sent"] += 1
        transaction.checkpoint()  # this message's outcome is kept before the next is tried


def _permanent(err: Exception) -> bool:
    """A 5xx refusal (unknown mailbox, rejected sender…) will not succeed on retry."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in err.recipients.values())
    return isinstance(err, smtplib.SMTPResponseException) and 500 <= err.smtp_code < 600
