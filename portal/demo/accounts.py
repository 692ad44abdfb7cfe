"""The demo accounts: admin, the legal offices, an HR office (each with its scope) and the two officers' accounts;
all with the configured ``DEMO_PASSWORD`` and no forced change.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from portal.auth import passwords
from portal.auth.models import User
from portal.demo.agencies import CITY
from portal.demo.officers import DEMO_MAIL_DOMAIN, DEMO_OFFICERS
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency


def load_accounts(agencies: dict[str, Agency], now: dt.datetime) -> tuple[list[str], int]:
    password = current_app.config["DEMO_PASSWORD"]
    digest = passwords.hash_password(password)
    staff = [
        ("admin", "系统管理员", "admin", []),
        ("legal", "市司法局审核员", "legal", [CITY]),
        ("legal_huancui", "环翠区司法局审核员", "legal", ["环翠区人民政府"]),
        ("hr", "市综合执法局人事管理员", "hr", ["威海市综合行政执法局"]),
    ]
    lines, created = [], 0
    for username, display, role, scope in staff:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display, role=role, password_hash=digest,
                        must_change_password=False, created_at=now, email=f"{username}@{DEMO_MAIL_DOMAIN}")
            user.scopes = [agencies[name] for name in scope]
            db.session.add(user)
            created += 1
        scope_text = "、".join(agencies[name].short_name for name in scope) or "全部"
        lines.append(f"  {username:<16} {user.role_label}（范围：{scope_text}）")
    for id_number in DEMO_OFFICERS:
        officer = db.session.scalar(sa.select(Officer).where(Officer.id_number == id_number))
        user = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
        if user is None:
            db.session.add(User(role="officer", officer_id=officer.id, display_name=officer.name,
                                password_hash=digest, must_change_password=False, created_at=now))
            created += 1
        lines.append(f"  {id_number} 执法人员 {officer.name}（{officer.agency.short_name}）")
    return lines, created
