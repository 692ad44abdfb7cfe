"""``flask --app wsgi tokens create --user NAME``: the token is the last word printed, it works at once, and the
database keeps only its SHA-256 — the token itself is nowhere in any table."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from portal.auth.models import ApiToken
from portal.extensions import db
from tests.api.helpers import TOKEN, bearer
from tests.auth.helpers import audit_actions, count


def every_stored_text() -> str:
    """Every value of every row of every table, as text (what someone with a copy of the database sees)."""
    db.session.expire_all()
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            parts.extend(repr(value) for value in row)
    return "\n".join(parts)


def test_create_prints_the_token_as_the_last_word_and_it_works(runner, client, world):
    result = runner.invoke(args=["tokens", "create", "--user", "hr", "--name", "案件系统"])
    assert result.exit_code == 0, result.output
    raw = result.output.split()[-1]
    assert TOKEN.match(raw)
    assert result.output.rstrip().endswith(raw)
    response = client.get("/api/v1/officers", headers=bearer(raw))
    assert response.status_code == 200
    assert [item["name"] for item in response.get_json()["items"]] == ["王建国"]  # hr's scope: dept


def test_user_name_is_matched_regardless_of_case_and_spaces(runner, world):
    result = runner.invoke(args=["tokens", "create", "--user", " Legal_City "])
    assert result.exit_code == 0, result.output
    [token] = db.session.scalars(sa.select(ApiToken)).all()
    assert token.user.username == "legal_city"
    assert token.name == "命令行签发"  # the default purpose


def test_only_the_sha256_is_stored(runner, world):
    result = runner.invoke(args=["tokens", "create", "--user", "hr"])
    assert result.exit_code == 0, result.output
    raw = result.output.split()[-1]
    [token] = db.session.scalars(sa.select(ApiToken)).all()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:len(token.prefix)] and len(token.prefix) < 12
    stored = every_stored_text()
    assert raw not in stored
    assert raw[len(token.prefix):] not in stored  # nor the secret part without its prefix
    [entry] = audit_actions("token.create")
    assert entry.actor == "cli" and entry.change["user"] == "hr" and raw not in repr(entry.change)


def test_two_tokens_for_one_account_are_different_and_both_work(runner, client, world):
    first = runner.invoke(args=["tokens", "create", "--user", "hr"]).output.split()[-1]
    second = runner.invoke(args=["tokens", "create", "--user", "hr"]).output.split()[-1]
    assert first != second
    for raw in (first, second):
        assert client.get("/api/v1/officers", headers=bearer(raw)).status_code == 200


def _refused(result, *words):
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    assert count(ApiToken) == 0


def test_unknown_user_is_refused_with_one_line(runner, world):
    _refused(runner.invoke(args=["tokens", "create", "--user", "nobody"]), "nobody")


def test_officer_account_is_refused_with_one_line(runner, world):
    # an officer's account has no user name; it is known by the ID number it signs in with
    _refused(runner.invoke(args=["tokens", "create", "--user", world.officer.id_number]))


def test_missing_user_option_is_refused(runner, world):
    result = runner.invoke(args=["tokens", "create"])
    assert result.exit_code != 0
    assert count(ApiToken) == 0


def test_deactivated_account_is_refused(app, client, auth, runner, world):
    auth.login("admin")
    response = client.post(f"/admin/users/{world.hr.id}/edit", data={
        "username": "hr", "display_name": "hr", "role": "hr", "scopes": [world.dept.id]})  # 允许登录 unticked
    assert response.status_code == 302
    _refused(runner.invoke(args=["tokens", "create", "--user", "hr"]), "停用")
