"""axe-core (vendored, test-only) finds no serious or critical WCAG 2.1 A/AA violation on any public page or on the
sign-in page — on a desktop and on a 390 px phone (issue 13: grey #6c757d and link blue #0d6efd on #f5f6f8 failed
colour contrast on every public page)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.certificates.issued import issue

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _violations(page, url: str) -> list[str]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                                               'wcag21aa']}});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')
                  + (n.any[0] ? ' — ' + n.any[0].message : '')).join('; '));
    }""")
    return [f"{url}: {line}" for line in found]


def test_public_pages_and_sign_in_have_no_serious_violations(app, live_server, page, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path / "keys"))
    valid = issue(world.officer)
    held = issue(world.officer2, status="suspended", holds=("review_overdue",))
    paths = ["/", "/login", "/verify", "/verify?number=371000126000017&name=王建国", f"/v/{valid.token}",
             f"/v/{held.token}", "/v/not-a-token", "/public/bodies", "/public/entrustments", "/public/officers",
             "/public/presiders", "/public/complaints", f"/public/complaints?number={valid.number}",
             "/public/complaints/unlicensed"]
    problems = []
    for name, viewport in VIEWPORTS.items():
        # axe is injected as a script: the page's strict CSP would refuse it (the portal never serves it)
        context = page.context.browser.new_context(locale="zh-CN", viewport=viewport, bypass_csp=True)
        try:
            tab = context.new_page()
            for path in paths:
                problems += [f"[{name}] {line}" for line in _violations(tab, f"{live_server}{path}")]
        finally:
            context.close()
    assert not problems, "\n".join(problems)
