"""Jinja filters, the navigation and security headers shared by every page."""
from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, request
from flask_login import current_user

from portal import clock

WEEKDAYS = "一二三四五六日"

NAV = {
    "officer": [("home.dashboard", "我的首页"), ("officers.me", "我的信息"), ("training.mine", "我的培训"), ("papers.mine", "我的考试"), ("assessment.mine", "我的考核"), ("register.mine", "我的证件")],
    "hr": [("home.dashboard", "工作台"), ("officers.index", "人员管理"), ("training.records", "培训"), ("imports.upload", "批量导入", {"kind_name": "officers"}), ("assessment.grid", "平时考核"), ("results.registry", "考试成绩"), ("applications.index", "证件申领"), ("register.index", "证件"), ("reviews.index", "审核确认")],
    "legal": [("home.dashboard", "工作台"), ("officers.index", "人员"), ("training.records", "培训"), ("bank.questions", "题库"), ("papers.index", "考试"), ("results.registry", "成绩"), ("applications.index", "发证审批"), ("register.index", "证件"), ("reviews.index", "审核确认"), ("compliance.board", "合规看板"), ("assessment.summary", "考核"), ("bodies.index", "执法主体"), ("complaints.index", "投诉"), ("admin.audit_log", "审计")],
    "admin": [("home.dashboard", "工作台"), ("admin.users", "用户"), ("orgs.index", "单位"),
              ("admin.settings", "政策设置"), ("admin.tokens", "接口令牌"), ("admin.seal_page", "证件印章"),
              ("admin.audit_log", "审计日志")],
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def cn_date(value) -> str:
    """``2026年11月26日``; empty for ``None``; an ISO date as a string (as a history entry's detail keeps it) too."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = clock.local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value) -> str:
    """``2026年11月26日 14:05``."""
    if value is None:
        return ""
    value = clock.local(value)
    return f"{cn_date(value)} {value:%H:%M}"


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first and the last, ``around`` either side of ``page``, and ``None``
    for each gap (shown as …) — a handful of links however many pages there are."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - window[-1] > 1:
            window.append(None if number - window[-1] > 2 else window[-1] + 1)
        window.append(number)
    return window


def init_app(app: Flask) -> None:
    """Register filters, globals and the after-request headers."""
    app.json.ensure_ascii = False
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.jinja_env.globals["page_window"] = page_window

    @app.context_processor
    def _globals():
        nav = NAV.get(current_user.role, []) if current_user.is_authenticated else []
        nav = [entry for entry in nav if entry[0] in current_app.view_functions]
        return {"nav": nav, "today": clock.today()}

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_app.config["APP_ENV"] == "production":  # served over HTTPS only (SESSION_COOKIE_SECURE)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
