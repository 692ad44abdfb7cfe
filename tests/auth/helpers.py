"""Small helpers for the sign-in and account tests: read what a browser would see, count what was stored."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from portal.audit import AuditEntry
from portal.extensions import db

_OTP = re.compile(r'class="otp[^"]*">\s*([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})\s*<')
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def text(response) -> str:
    return response.get_data(as_text=True)


def one_time_password(response) -> str:
    """The one-time password shown on the page (there must be exactly one)."""
    found = _OTP.findall(text(response))
    assert len(found) == 1, f"expected one one-time password on the page, found {found!r}"
    return found[0]


def path_of(response) -> str:
    """The path a redirect points to (fails when the response is not a redirect)."""
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    return urlsplit(response.headers["Location"]).path


def redirect_target(response):
    """The redirect's Location split into parts."""
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    return urlsplit(response.headers["Location"])


def query_of(response) -> dict:
    return parse_qs(redirect_target(response).query)


def csrf_token(response) -> str:
    """The value of the hidden csrf_token input of the page's form."""
    html = text(response)
    match = _CSRF.search(html)
    assert match, "the page has no csrf_token input"
    tag = match.group(0)
    assert 'type="hidden"' in tag, tag
    value = re.search(r'value="([^"]+)"', tag)
    assert value, tag
    return value.group(1)


def audit_actions(action: str | None = None) -> list[AuditEntry]:
    """Audit entries (all, or of one action), oldest first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class _FormReader(HTMLParser):
    """Collects the named inputs and textareas of a page as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in ("checkbox", "radio", "submit", "file"):
            self.values[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def form_values(response) -> dict[str, str]:
    """The text fields of a page's forms with their current values."""
    reader = _FormReader()
    reader.feed(text(response))
    return reader.values
