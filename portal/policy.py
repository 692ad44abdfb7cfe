"""Policy settings: the numbers the spec marks *(default)*, which an admin may change in the app.

Each feature declares its settings with :func:`define` at import time; :func:`get` reads the stored value or
the default (cached per application context, so reading a setting in a loop costs one query at most).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Mapped, mapped_column

from portal import audit, clock
from portal.columns import LocalDateTime
from portal.errors import DomainError
from portal.extensions import db


class PolicySetting(db.Model):
    """A stored value overriding a setting's default."""

    __tablename__ = "policy_setting"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[object] = mapped_column(sa.JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_by: Mapped[int | None] = mapped_column(sa.Integer)


@dataclass(frozen=True)
class Definition:
    """A setting: its key, label in Chinese, kind (``int``, ``text`` or ``list``) and default; an ``optional``
    text or list may be left blank."""

    key: str
    label: str
    kind: str
    default: object
    section: str
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    help: str = ""
    choices: tuple = field(default_factory=tuple)
    optional: bool = False


REGISTRY: dict[str, Definition] = {}
#: checks over several settings at once: ``fn(values) -> message or None``, ``values`` = every setting's value
CONSTRAINTS: list = []


def constraint(fn):
    """Register a check that spans settings (e.g. weights that must add up to 100)."""
    CONSTRAINTS.append(fn)
    return fn
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def define(key: str, label: str, kind: str, default, section: str, **kwargs) -> Definition:
    """Declare a setting (idempotent for the same key)."""
    definition = Definition(key, label, kind, default, section, **kwargs)
    REGISTRY[key] = definition
    return definition


def _stored() -> dict:
    if has_app_context() and "_policy" in g:
        return g._policy
    values = dict(db.session.execute(sa.select(PolicySetting.key, PolicySetting.value)).all())
    if has_app_context():
        g._policy = values
    return values


def get(key: str):
    """The current value of a setting."""
    definition = REGISTRY[key]
    return _stored().get(key, definition.default)


def parse(definition: Definition, raw: str):
    """Turn a form value into the setting's type, or raise :class:`DomainError` saying what is wrong."""
    raw = (raw or "").strip()
    if definition.kind == "int":
        # full-width digits typed with a Chinese input method count; Python's other int() spellings
        # ("1_0", " ٥") do not
        digits = unicodedata.normalize("NFKC", raw)
        if not _INTEGER.fullmatch(digits):
            raise DomainError("invalid_setting", f"“{definition.label}”须为整数")
        value = int(digits)
        if definition.minimum is not None and value < definition.minimum:
            raise DomainError("invalid_setting", f"“{definition.label}”不得小于 {definition.minimum}")
        if definition.maximum is not None and value > definition.maximum:
            raise DomainError("invalid_setting", f"“{definition.label}”不得大于 {definition.maximum}")
        return value
    if definition.kind == "list":
        items = [part.strip() for part in raw.replace("，", "\n").replace(",", "\n").splitlines()]
        items = list(dict.fromkeys(item for item in items if item))
        if not items and not definition.optional:
            raise DomainError("invalid_setting", f"“{definition.label}”至少需要一项")
        return items
    if not raw and not definition.optional:
        raise DomainError("invalid_setting", f"“{definition.label}”不能为空")
    if len(raw) > 200:
        raise DomainError("invalid_setting", f"“{definition.label}”不能超过 200 个字")
    return raw


def update(actor: audit.Actor, values: dict, now: dt.datetime | None = None) -> dict:
    """Store new values for settings; audits each change.

    :param values: ``{key: parsed value}``; unknown keys are refused.
    :returns: the changes made, ``{key: [old, new]}``.
    """
    now = now or clock.now()
    merged = {key: get(key) for key in REGISTRY} | values
    for check in CONSTRAINTS:
        message = check(merged)
        if message:
            raise DomainError("invalid_setting", message)
    changes = {}
    for key, value in values.items():
        if key not in REGISTRY:
            raise DomainError("unknown_setting", f"未知的设置项：{key}")
        old = get(key)
        if old == value:
            continue
        row = db.session.get(PolicySetting, key)
        if row is None:
            row = PolicySetting(key=key)
            db.session.add(row)
        row.value, row.updated_at, row.updated_by = value, now, actor.user_id
        changes[key] = [old, value]
    if changes:
        audit.record(actor, "policy.update", change=changes, object_type="policy_setting")
        forget_cache()
    return changes


def forget_cache() -> None:
    """Drop the per-context cache so the next :func:`get` reads the database again."""
    if has_app_context():
        g.pop("_policy", None)
