"""Accounts and their scopes."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

ROLES = {"officer": "执法人员", "hr": "人事/培训管理员", "legal": "法制机构审核员", "admin": "系统管理员"}
STAFF_ROLES = ("hr", "legal", "admin")

user_scope = sa.Table(
    "user_scope",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    """A sign-in account. Staff sign in by user name; an officer's account is tied to the officer record and
    signs in by ID number."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    role: Mapped[str] = mapped_column(sa.String(10), index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    session_key: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    email: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    scopes = relationship("Agency", secondary=user_scope, lazy="selectin", order_by="Agency.path")
    officer = relationship("Officer", lazy="joined", foreign_keys=[officer_id])

    __table_args__ = (
        sa.CheckConstraint("role IN ('officer','hr','legal','admin')", name="role"),
        sa.CheckConstraint("(role = 'officer') = (officer_id IS NOT NULL)", name="officer_link"),
        sa.CheckConstraint("role = 'officer' OR username IS NOT NULL", name="staff_username"),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    def get_id(self) -> str:
        """Session id: changes when the password changes, so a reset ends other sessions."""
        return f"{self.id}.{self.session_key}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def login_name(self) -> str:
        """The name the account signs in with (an officer's is the masked ID number)."""
        if self.role == "officer" and self.officer is not None:
            return self.officer.masked_id_number
        return self.username or ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role} {self.username}>"


def _user_agency_id(self) -> int | None:
    """An officer's account belongs to the officer's agency (for audit scoping)."""
    return self.officer.agency_id if self.officer is not None else None


User.agency_id = property(_user_agency_id)


class SignInThrottle(db.Model):
    """Failed sign-ins under a name that has no account, counted and locked exactly as an account's are, so that
    the answers (and their pace) never tell which names and ID numbers have accounts. Keyed by a digest of the name
    as typed (normalised), never the name itself; rows idle for a day are dropped."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime, index=True)

    __table_args__ = (sa.CheckConstraint("failed_logins >= 0", name="failed_logins"),)


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored. The token's user's role and scope apply."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    user = relationship("User", lazy="joined")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
