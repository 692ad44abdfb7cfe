"""Security headers on every page, and templates a strict Content-Security-Policy can serve: no inline script."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / name for name in ("portal", "exams", "certificates") if (ROOT / name).is_dir()]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    directives = csp_directives(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, "a Content-Security-Policy restricting scripts"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    styles = directives.get("style-src", directives.get("default-src"))
    assert styles == ["'self'"], "no inline style either (issue 14: the <style> partials moved to static/)"
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page", "/healthz"])
def test_public_pages_carry_the_security_headers(client, path):
    assert_security_headers(client.get(path))


def test_signed_in_pages_carry_the_headers_and_are_never_cached(client, auth, world):
    for login, paths in (("hr", ["/home", "/officers", f"/officers/{world.officer.id}"]),
                         ("admin", ["/home", "/audit", "/admin/users", "/no-such-page"]),
                         (world.officer.id_number, ["/home", "/me"])):
        assert auth.login(login).status_code == 302
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 404), (login, path)
            assert_security_headers(response)
            assert "no-store" in response.headers.get("Cache-Control", ""), (login, path)
        auth.logout()


def _templates():
    found = [path for package in PACKAGES for path in package.rglob("templates/**/*.html")]
    assert found, "templates were found"
    return found


def test_templates_contain_no_inline_script():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            if not re.search(r"\bsrc\s*=", match.group(1), re.IGNORECASE):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "inline <script> blocks (move the code to a file under static/js/)"


def test_templates_contain_no_inline_event_handlers_or_javascript_urls():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in list(EVENT_HANDLER.finditer(text)) + list(re.finditer(r"javascript:", text, re.IGNORECASE)):
            offenders.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert offenders == [], "inline handlers are blocked by the Content-Security-Policy"


def test_the_inline_script_scan_catches_an_inline_block():
    sample = '<script src="/static/js/a.js" defer></script>\n<script>alert(1)</script>'
    inline = [m for m in SCRIPT_TAG.finditer(sample) if not re.search(r"\bsrc\s*=", m.group(1))]
    assert len(inline) == 1


def test_no_template_writes_an_inline_style():
    """The CSP refuses inline style: a ``<style>`` element or a ``style=`` attribute would silently not apply."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [f"{path.relative_to(root)}:{number}"
                 for package in ("portal", "exams", "certificates") for path in (root / package).rglob("*.html")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"<style\b|\sstyle=", line)]
    assert offenders == []
