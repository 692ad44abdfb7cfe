"""Sign-in with lockout, password changes, staff accounts and officers' sign-in accounts.

Services take the actor and the time as arguments, flush, and leave the commit to the caller.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, clock, policy, transaction
from portal.auth import passwords
from portal.auth.models import ROLES, ApiToken, SignInThrottle, User
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency

policy.define("auth.lockout_attempts", "连续登录失败多少次后锁定账户", "int", 5, "登录与会话", minimum=3, maximum=20,
              unit="次")
policy.define("auth.lockout_minutes", "账户锁定时长", "int", 15, "登录与会话", minimum=1, maximum=1440, unit="分钟")
policy.define("auth.staff_idle_minutes", "工作人员闲置多久后自动退出", "int", 30, "登录与会话", minimum=5, maximum=480,
              unit="分钟")

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")
GENERIC_FAILURE = "用户名（身份证号）或密码不正确"


def _record(actor: audit.Actor, action: str, user: User, change: dict, **kwargs):
    """Audit a change to an account, after writing it.

    Flushing first takes the account row's lock before the audit chain's lock (PostgreSQL), the order a failed
    sign-in takes them in (its counter is incremented in the database), so two requests on one account never
    wait for each other in opposite orders.
    """
    db.session.flush()
    return audit.record(actor, action, user, change, **kwargs)


@dataclass
class SignIn:
    """The outcome of a sign-in attempt: a user, or a message saying why not."""

    user: User | None
    message: str | None = None


def _sign_in_name(login: str) -> str:
    """A sign-in name as the accounts are looked up by: a normalised ID number, or a lower-case user name."""
    login = (login or "").strip()
    return idcard.normalize(login) if idcard.looks_like(login) else login.lower()


def find_account(login: str) -> User | None:
    """The account for a staff user name or an officer's ID number."""
    login = (login or "").strip()
    if idcard.looks_like(login):
        return db.session.scalar(
            sa.select(User).join(Officer, User.officer_id == Officer.id).where(
                Officer.id_number == idcard.normalize(login)
            )
        )
    return db.session.scalar(sa.select(User).where(User.username == login.lower()))


def _unknown_failure(login: str, now: dt.datetime) -> SignIn:
    """A failed sign-in under a name with no account: counted and locked as an account's would be
    (:class:`~portal.auth.models.SignInThrottle`), with the same messages."""
    table = SignInThrottle.__table__
    key = hashlib.sha256(("sign-in:" + _sign_in_name(login)).encode("utf-8")).hexdigest()
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.updated_at < now - dt.timedelta(days=1)))
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    db.session.execute(insert(table).values(key=key, failed_logins=0, locked_until=None, updated_at=now)
                       .on_conflict_do_nothing(index_elements=[table.c.key]))
    # FOR UPDATE on PostgreSQL; on SQLite the insert above already holds the database's write lock
    row = db.session.execute(sa.select(table).where(table.c.key == key).with_for_update()).one()
    if row.locked_until is not None and now < row.locked_until:
        return SignIn(None, _locked_message(row.locked_until, now))
    failures = row.failed_logins + 1
    values = {"failed_logins": failures, "updated_at": now}
    message = GENERIC_FAILURE
    if failures >= policy.get("auth.lockout_attempts"):
        values = {"failed_logins": 0, "locked_until": now + dt.timedelta(minutes=policy.get("auth.lockout_minutes")),
                  "updated_at": now}
        message = _locked_message(values["locked_until"], now)
    db.session.execute(sa.update(table).where(table.c.key == key).values(**values))
    return SignIn(None, message)


def authenticate(login: str, password: str, now: dt.datetime, client_addr: str | None = None) -> SignIn:
    """Check a sign-in; count failures and lock the account after too many in a row.

    Every answer takes one password check, and a name with no account is counted and locked like one
    (:func:`_unknown_failure`): neither the message nor the time taken says whether an account exists.

    :returns: :class:`SignIn` with the user on success, else the message to show.
    """
    user = find_account(login)
    if user is None:
        passwords.burn_time(password)
        return _unknown_failure(login, now)
    actor = audit.Actor(user.id, user.username or f"officer:{user.officer_id}", client_addr, name=user.display_name)
    if user.locked_until is not None and now < user.locked_until:
        passwords.burn_time(password)
        return SignIn(None, _locked_message(user.locked_until, now))
    if not passwords.matches(user.password_hash, password):
        # counted in the database, not in memory: attempts arriving together must each count (on PostgreSQL
        # the row stays locked until the caller commits)
        failures = db.session.execute(
            sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins),
            execution_options={"synchronize_session": False},
        ).scalar_one()
        set_committed_value(user, "failed_logins", failures)
        change = {"failed_logins": failures}
        message = GENERIC_FAILURE
        if failures >= policy.get("auth.lockout_attempts"):
            user.locked_until = now + dt.timedelta(minutes=policy.get("auth.lockout_minutes"))
            user.failed_logins = 0
            change = {"locked_until": user.locked_until}
            message = _locked_message(user.locked_until, now)
        _record(actor, "auth.login_failed", user, change, now=now)
        return SignIn(None, message)
    if not user.active:
        return SignIn(None, "该账户已停用，请联系管理员")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    _record(actor, "auth.login", user, {}, now=now)
    return SignIn(user)


def _locked_message(locked_until: dt.datetime, now: dt.datetime) -> str:
    """The lockout message, naming the minute from which sign-in works again (rounded up, so a user who waits
    until the time named is never refused), with the date when that is not today."""
    until = clock.local(locked_until)
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    shown = f"{until:%H:%M}" if until.date() == clock.local(now).date() else \
        f"{until.year}年{until.month}月{until.day}日 {until:%H:%M}"
    return f"登录失败次数过多，账户已锁定，请于 {shown} 后再试，或联系管理员解锁"


def _sign_in_names(user: User) -> tuple[str, ...]:
    return (user.username or "", user.officer.id_number if user.officer is not None else "")


def set_password(actor: audit.Actor, user: User, new_password: str, *, one_time: bool, now: dt.datetime) -> None:
    """Store a new password; a one-time password must be changed at the next sign-in.

    Rotates the session key, which ends the account's other sessions.
    """
    if not one_time:
        reason = passwords.problem(new_password, *_sign_in_names(user))
        if reason:
            raise DomainError("weak_password", reason)
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = one_time
    user.session_key = secrets.token_hex(16)
    user.failed_logins = 0
    user.locked_until = None
    _record(actor, "auth.password_reset" if one_time else "auth.password_change", user,
                 {"one_time": one_time}, now=now)


def change_own_password(user: User, current: str, new: str, now: dt.datetime, client_addr: str | None) -> None:
    """A user replaces their password (required after a one-time password)."""
    if not passwords.matches(user.password_hash, current):
        raise DomainError("wrong_password", "当前密码不正确")
    if current == new:
        raise DomainError("same_password", "新密码不能与当前密码相同")
    actor = audit.Actor(user.id, user.username or f"officer:{user.officer_id}", client_addr, name=user.display_name)
    set_password(actor, user, new, one_time=False, now=now)


def _scopes(scope_ids: list[int]) -> list[Agency]:
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(scope_ids or [-1]))).all()
    if len(agencies) != len(set(scope_ids or [])):
        raise DomainError("unknown_agency", "所选范围中有不存在的单位")
    return list(agencies)


def _check_role_scope(role: str, scopes: list[Agency]) -> None:
    if role not in ("hr", "legal", "admin"):
        raise DomainError("invalid_role", "工作人员账户的角色只能是 人事/培训管理员、法制机构审核员 或 系统管理员")
    if role in ("hr", "legal") and not scopes:
        raise DomainError("scope_required", f"{ROLES[role]}账户至少需要一个管辖范围（单位）")


def create_staff_user(actor: audit.Actor, *, username: str, display_name: str, role: str, scope_ids: list[int],
                      now: dt.datetime, password: str | None = None) -> tuple[User, str | None]:
    """Create a staff account.

    :param password: a chosen password (checked against the rule, no forced change); when ``None`` a
        one-time password is generated and returned.
    :returns: the user and the one-time password, if one was generated.
    """
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise DomainError("invalid_username", "用户名须以字母开头，由2–40位小写字母、数字、点、下划线或连字符组成")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DomainError("duplicate_username", f"用户名“{username}”已被使用")
    scopes = _scopes(scope_ids)
    _check_role_scope(role, scopes)
    user = User(username=username, display_name=(display_name or username).strip(), role=role, created_at=now,
                password_hash="!", must_change_password=True)
    user.scopes = scopes
    db.session.add(user)
    db.session.flush()
    _record(actor, "user.create", user,
                 {"username": username, "role": role, "scopes": [a.short_name for a in scopes]}, now=now)
    if password is None:
        one_time = passwords.one_time_password()
        set_password(actor, user, one_time, one_time=True, now=now)
        return user, one_time
    set_password(actor, user, password, one_time=False, now=now)
    return user, None


def update_staff_user(actor: audit.Actor, user: User, *, display_name: str, role: str, scope_ids: list[int],
                      active: bool, now: dt.datetime) -> dict:
    """Change a staff account's name, role, scope or whether it may sign in. Returns the changes."""
    if user.role == "officer":
        raise DomainError("officer_account", "执法人员账户由人事管理员在人员页面管理")
    scopes = _scopes(scope_ids)
    _check_role_scope(role, scopes)
    if user.id == actor.user_id and (role != "admin" or not active):
        raise DomainError("self_lockout", "不能停用自己的账户或取消自己的管理员角色")
    changes = {}
    old_scopes = sorted(a.short_name for a in user.scopes)
    new_scopes = sorted(a.short_name for a in scopes)
    for field, old, new in (("display_name", user.display_name, display_name.strip()), ("role", user.role, role),
                            ("active", user.active, active), ("scopes", old_scopes, new_scopes)):
        if old != new:
            changes[field] = [old, new]
    user.display_name, user.role, user.active = display_name.strip(), role, active
    user.scopes = scopes
    if changes:
        if "active" in changes or "role" in changes or "scopes" in changes:
            user.session_key = secrets.token_hex(16)
        _record(actor, "user.update", user, changes, now=now)
    return changes


def end_sessions(user: User) -> None:
    """End every session of the account (rotates the key the session cookies carry)."""
    user.session_key = secrets.token_hex(16)


def unlock(actor: audit.Actor, user: User, now: dt.datetime) -> None:
    """Lift a lockout."""
    user.locked_until = None
    user.failed_logins = 0
    _record(actor, "user.unlock", user, {}, now=now)


def reset_password(actor: audit.Actor, user: User, now: dt.datetime) -> str:
    """Give an account a new one-time password and return it."""
    one_time = passwords.one_time_password()
    set_password(actor, user, one_time, one_time=True, now=now)
    return one_time


def officer_account(actor: audit.Actor, officer: Officer, now: dt.datetime) -> tuple[User, str]:
    """Create the officer's sign-in account, or reset its password; returns the account and one-time password."""
    user = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
    if user is None:
        user = User(role="officer", officer_id=officer.id, display_name=officer.name, password_hash="!",
                    created_at=now)
        db.session.add(user)
        db.session.flush()
        _record(actor, "user.create", user, {"role": "officer", "officer_id": officer.id},
                     agency_id=officer.agency_id, now=now)
    user.officer = officer
    user.active = True
    return user, reset_password(actor, user, now)


TOKEN_PREFIX = "zf_"
TOKEN_TOUCH = dt.timedelta(minutes=5)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(actor: audit.Actor, user: User, name: str, now: dt.datetime) -> tuple[ApiToken, str]:
    """Issue an API token for a staff account; returns the row and the token, which is shown once only."""
    if user.role not in ("hr", "legal", "admin"):
        raise DomainError("invalid_token_user", "只能为工作人员账户（人事、法制、管理员）签发接口令牌")
    if not user.active:
        raise DomainError("inactive_user", "该账户已停用，不能签发接口令牌")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "").strip()[:80] or "接口令牌", prefix=raw[:10],
                     token_hash=_token_hash(raw), created_at=now)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.create", token, {"user": user.username, "name": token.name, "prefix": token.prefix},
                 object_type="api_token", now=now)
    return token, raw


def revoke_token(actor: audit.Actor, token: ApiToken, now: dt.datetime) -> None:
    """Revoke a token at once (idempotent)."""
    if token.revoked_at is not None:
        return
    token.revoked_at = now
    audit.record(actor, "token.revoke", token, {"user": token.user.username, "prefix": token.prefix},
                 object_type="api_token", now=now)


def user_for_token(raw: str, now: dt.datetime) -> User | None:
    """The active account behind a bearer token, or ``None``; notes the last use (at most every 5 minutes) at once,
    on a connection of its own: a call the API then refuses (404, 403, 422) still counts as a use of the token."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH:
        transaction.side_write(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token.user
