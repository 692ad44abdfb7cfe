"""``/admin/tokens``: an admin issues a token for a staff account — shown once, then only its prefix — sees when each
was last used, and revokes it at once; both are audited; nobody else may use the page."""
from __future__ import annotations

import re

import pytest

from portal.auth.models import ApiToken
from portal.extensions import db
from tests.api.helpers import bearer, error_of
from tests.auth.helpers import audit_actions, count, path_of, text

SHOWN = re.compile(r"zf_[A-Za-z0-9_-]{43}")


def issue_on_page(client, user_id, name="案件系统对接"):
    response = client.post("/admin/tokens", data={"user_id": user_id, "name": name})
    assert response.status_code == 200, text(response)[:300]
    found = SHOWN.findall(text(response))
    assert len(found) == 1, found  # shown exactly once on the page
    return response, found[0]


def test_admin_issues_a_token_shown_once_then_only_its_prefix(api, client, auth, world):
    assert auth.login("admin").status_code == 302
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "尚未签发令牌" in text(page)
    assert f'value="{world.hr.id}"' in text(page)
    assert f'value="{world.officer_user.id}"' not in text(page)  # officers get no tokens

    created, raw = issue_on_page(client, world.hr.id)
    assert "只显示这一次" in text(created) and "hr" in text(created)
    assert "no-store" in created.headers["Cache-Control"]  # the page with the token is never cached

    body = api.json("/officers", raw)
    assert [i["id"] for i in body["items"]] == [world.officer.id]  # hr's scope

    listing = text(client.get("/admin/tokens"))
    assert raw not in listing and raw[10:] not in listing and raw[10:30] not in listing
    assert f"{raw[:10]}…" in listing and "案件系统对接" in listing and "有效" in listing
    token = db.session.scalar(db.select(ApiToken))
    assert token.prefix == raw[:10] and token.user_id == world.hr.id and token.name == "案件系统对接"


def test_issuing_and_revoking_are_audited(api, client, auth, world):
    auth.login("admin")
    _, raw = issue_on_page(client, world.legal_district.id, "报表系统")
    token = db.session.scalar(db.select(ApiToken))
    [created] = audit_actions("token.create")
    assert created.actor == "admin" and created.actor_id == world.admin.id
    assert created.object_type == "api_token" and created.object_id == str(token.id)
    assert created.change == {"user": "legal_district", "name": "报表系统", "prefix": raw[:10]}

    response = client.post(f"/admin/tokens/{token.id}/revoke")
    assert path_of(response) == "/admin/tokens"
    listing = text(client.get("/admin/tokens"))
    assert f"令牌 {raw[:10]}… 已吊销" in listing and "已吊销" in listing
    [revoked] = audit_actions("token.revoke")
    assert revoked.actor == "admin" and revoked.object_id == str(token.id)
    assert revoked.change == {"user": "legal_district", "prefix": raw[:10]}
    assert api.get("/officers", raw).status_code == 401

    assert path_of(client.post(f"/admin/tokens/{token.id}/revoke")) == "/admin/tokens"  # again: no change
    assert len(audit_actions("token.revoke")) == 1
    assert all(raw not in repr(e.change) for e in audit_actions())


def test_the_list_shows_the_last_use(api, client, auth, world, frozen):
    auth.login("admin")
    _, raw = issue_on_page(client, world.hr.id)
    assert last_used(client) == "从未"
    api.get("/officers", raw, expect=200)
    assert last_used(client) == "2026年11月26日 09:00"


def last_used(client) -> str:
    """The 最近使用 cell of the (only) token's row."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", text(client.get("/admin/tokens")).split("<tbody>")[1])
    return cells[4].strip()


@pytest.mark.parametrize(("who", "message"), [
    ("officer", "只能为工作人员账户"),
    ("missing", "请选择账户"),
    ("none", "请选择账户"),
])
def test_accounts_that_may_not_have_a_token_are_refused(client, auth, world, who, message):
    auth.login("admin")
    user_id = {"officer": world.officer_user.id, "missing": 999_999, "none": ""}[who]
    response = client.post("/admin/tokens", data={"user_id": user_id, "name": "x"})
    assert response.status_code == 422
    assert message in text(response) and not SHOWN.search(text(response))
    assert count(ApiToken) == 0 and audit_actions("token.create") == []


def test_a_deactivated_account_is_refused(client, auth, world):
    auth.login("admin")
    form = {"username": "hr", "display_name": "hr", "role": "hr", "scopes": [world.dept.id]}
    assert client.post(f"/admin/users/{world.hr.id}/edit", data=form).status_code == 302
    assert f'value="{world.hr.id}"' not in text(client.get("/admin/tokens"))
    response = client.post("/admin/tokens", data={"user_id": world.hr.id, "name": "x"})
    assert response.status_code == 422 and "停用" in text(response)
    assert count(ApiToken) == 0


def test_a_long_purpose_is_cut_to_80_characters_and_an_empty_one_has_a_default(client, auth, world):
    auth.login("admin")
    issue_on_page(client, world.hr.id, "长" * 200)
    issue_on_page(client, world.hr.id, "   ")
    names = sorted(t.name for t in db.session.scalars(db.select(ApiToken)))
    assert names == sorted(["长" * 80, "接口令牌"])


def test_revoking_an_unknown_token_is_404(client, auth, world):
    auth.login("admin")
    assert client.post("/admin/tokens/999999/revoke").status_code == 404


@pytest.mark.parametrize("login", ["hr", "legal_city", "officer"])
def test_non_admins_get_403_and_change_nothing(client, auth, issue, world, login):
    raw = issue("hr")
    token = db.session.scalar(db.select(ApiToken))
    auth.login(world.officer.id_number if login == "officer" else login)
    assert client.get("/admin/tokens").status_code == 403
    assert client.post("/admin/tokens", data={"user_id": world.hr.id, "name": "x"}).status_code == 403
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 403
    assert count(ApiToken) == 1 and audit_actions("token.revoke") == []
    assert client.get("/api/v1/officers", headers=bearer(raw)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, issue, world):
    issue("hr")
    token = db.session.scalar(db.select(ApiToken))
    assert path_of(client.get("/admin/tokens")) == "/login"
    assert path_of(client.post(f"/admin/tokens/{token.id}/revoke")) == "/login"
    assert token.revoked_at is None


def test_a_token_cannot_reach_the_admin_pages(client, issue, world):
    """A bearer token opens the API only — an admin's token is no way into the admin pages."""
    raw = issue("admin")
    assert path_of(client.get("/admin/tokens", headers=bearer(raw))) == "/login"
    response = client.get("/api/v1/officers", headers=bearer(raw))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_revoking_needs_the_csrf_token(app, client, auth, issue, world):
    issue("hr")
    token = db.session.scalar(db.select(ApiToken))
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True  # conftest switches it off again after the test
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 400
    assert client.post("/admin/tokens", data={"user_id": world.hr.id, "name": "x"}).status_code == 400
    db.session.expire_all()
    assert token.revoked_at is None and count(ApiToken) == 1
