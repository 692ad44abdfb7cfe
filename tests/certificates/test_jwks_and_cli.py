"""``GET /.well-known/jwks.json`` and ``flask --app wsgi keys rotate|list|retire KID``."""
from __future__ import annotations

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from certificates import keys, tokens
from portal import audit, clock
from portal.extensions import db


def private_texts(key_dir) -> list[str]:
    """Every private key of the directory in the forms it could leak: PEM body lines and raw base64url."""
    texts = []
    for path in key_dir.glob("*.pem"):
        pem = path.read_bytes()
        texts += [line for line in pem.decode().splitlines() if not line.startswith("-----")]
        key = serialization.load_pem_private_key(pem, password=None)
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        texts.append(keys.b64url(raw))
    return texts


def entries(action: str) -> list[audit.AuditEntry]:
    return db.session.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == action)
                              .order_by(audit.AuditEntry.id)).all()


def test_jwks_is_public_json_cached_five_minutes(client, key_dir, world, auth):
    info = keys.current_key()
    for signed_in in (False, True):
        if signed_in:
            auth.login("hr")
        response = client.get("/.well-known/jwks.json")
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.get_json() == {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": info.x, "kid": info.kid,
                                                 "use": "sig", "alg": "Ed25519"}]}
        for secret in private_texts(key_dir):
            assert secret not in response.get_data(as_text=True)


def test_jwks_before_any_key_is_empty_and_creates_none(client, key_dir):
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}
    assert not key_dir.exists()


def test_keys_rotate_prints_the_new_kid_and_audits(runner, key_dir, frozen):
    first = keys.current_key()
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    kid = result.stdout.strip()
    assert kid.startswith("k2026-11-26-") and kid != first.kid
    assert keys.current_key().kid == kid
    assert "已启用新的签名密钥" in result.output
    [entry] = entries("signing_key.rotate")
    assert (entry.actor, entry.change, entry.object_type, entry.object_id) == (
        "cli:keys", {"kid": kid}, "signing_key", kid)
    assert audit.verify().ok


def test_keys_list_shows_kid_created_status_and_no_key_material(runner, key_dir, frozen):
    empty = runner.invoke(args=["keys", "list"])
    assert empty.exit_code == 0 and "还没有签名密钥" in empty.output
    a = keys.current_key()
    frozen("2026-12-01 08:30")
    b = keys.rotate(clock.now())
    c = keys.rotate(clock.now())
    keys.retire(b.kid, clock.now())
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["密钥编号", "创建时间", "状态"]
    assert lines[1].split() == [a.kid, "2026-11-26", "09:00", "仍可核验"]
    assert lines[2].split() == [b.kid, "2026-12-01", "08:30", "已停用（2026-12-01", "08:30）"]
    assert lines[3].split() == [c.kid, "2026-12-01", "08:30", "当前签名"]
    for secret in private_texts(key_dir) + [k.x for k in keys.list_keys()]:
        assert secret not in result.output


def test_keys_retire_audits_and_the_token_then_verifies_as_key_retired(runner, client, key_dir):
    token = tokens.sign({"sub": "371000126000017", "ed": 1, "name": "王建国", "org": "市执法局"})
    old = keys.current_key()
    successor = keys.rotate(clock.now())
    result = runner.invoke(args=["keys", "retire", old.kid])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"已停用签名密钥 {old.kid}；当前签名密钥：{successor.kid}"
    assert tokens.verify(token).outcome == "key_retired"
    assert old.kid not in client.get("/.well-known/jwks.json").get_data(as_text=True)
    [entry] = entries("signing_key.retire")
    assert (entry.actor, entry.change) == ("cli:keys", {"kid": old.kid})
    assert entries("signing_key.rotate") == []


def test_retiring_the_current_only_key_from_the_cli_creates_and_audits_a_new_one(runner, key_dir):
    only = keys.current_key()
    result = runner.invoke(args=["keys", "retire", only.kid])
    assert result.exit_code == 0, result.output
    new = keys.current_key().kid
    assert new != only.kid and result.output.strip().endswith(f"当前签名密钥：{new}（新生成）")
    assert [e.change for e in entries("signing_key.retire")] == [{"kid": only.kid}]
    assert [e.change for e in entries("signing_key.rotate")] == [{"kid": new}]


def test_keys_retire_refuses_an_unknown_kid_in_one_line(runner, key_dir):
    keys.current_key()
    result = runner.invoke(args=["keys", "retire", "k2020-01-01-dead"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == ["Error: 没有编号为“k2020-01-01-dead”的签名密钥"]
    assert entries("signing_key.retire") == []
    kid = keys.current_key().kid
    assert runner.invoke(args=["keys", "retire", kid]).exit_code == 0
    twice = runner.invoke(args=["keys", "retire", kid])
    assert twice.exit_code != 0 and len(twice.output.strip().splitlines()) == 1 and "已于" in twice.output
