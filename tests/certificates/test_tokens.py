"""The QR token: an Ed25519 compact JWS that an independent library (joserfc) verifies against the published
JWKS, with exact header bytes, and that no one-character change can turn into a valid one."""
from __future__ import annotations

import base64
import json

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from certificates import keys, tokens
from portal import clock

CLAIMS = {"sub": "371000126000017", "ed": 2, "name": "王建国", "org": "市综合执法局"}
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def token(key_dir, frozen):
    return tokens.sign(CLAIMS)


def test_header_and_payload_bytes_are_exactly_as_specified(token):
    header, payload, signature = token.split(".")
    kid = keys.current_key().kid
    assert b64decode(header) == ('{"alg":"Ed25519","kid":"' + kid + '"}').encode()
    iat = int(clock.now().timestamp())
    assert b64decode(payload) == ('{"sub":"371000126000017","ed":2,"name":"王建国","org":"市综合执法局","iat":'
                                  f'{iat}}}').encode()
    assert "=" not in token and len(b64decode(signature)) == 64
    assert len(token) < 300, "short enough for a small QR code"


def test_claims_for_makes_the_documented_claims():
    moment = clock.now()
    assert tokens.claims_for("371000126000017", 1, "王建国", "市执法局", moment) == {
        "sub": "371000126000017", "ed": 1, "name": "王建国", "org": "市执法局", "iat": int(moment.timestamp())}


def test_sign_refuses_missing_or_extra_claims(key_dir):
    with pytest.raises(ValueError):
        tokens.sign({"sub": "371000126000017", "ed": 1, "name": "王建国"})
    with pytest.raises(ValueError):
        tokens.sign(CLAIMS | {"id_number": "371002199003071233"})


def test_a_fresh_token_verifies(token):
    result = tokens.verify(token)
    assert result.outcome == "valid_signature" and result.valid
    assert result.kid == keys.current_key().kid
    assert result.claims == CLAIMS | {"iat": int(clock.now().timestamp())}


def test_joserfc_verifies_the_token_against_the_served_jwks(token, client):
    response = client.get("/.well-known/jwks.json")
    key_set = KeySet.import_key_set(response.get_json())
    decoded = jws.deserialize_compact(token, key_set, algorithms=["Ed25519"])
    assert decoded.protected == {"alg": "Ed25519", "kid": keys.current_key().kid}
    assert json.loads(decoded.payload)["sub"] == "371000126000017"
    header, payload, _ = token.split(".")
    forged = f"{header}.{payload}.{b64encode(bytes(64))}"
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(forged, key_set, algorithms=["Ed25519"])


def test_old_tokens_keep_verifying_after_a_rotation(token, client):
    old_kid = keys.current_key().kid
    keys.rotate(clock.now())
    newer = tokens.sign(CLAIMS)
    assert tokens.verify(token).outcome == "valid_signature"
    assert tokens.verify(newer).outcome == "valid_signature"
    assert tokens.verify(newer).kid != old_kid
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    for each in (token, newer):
        jws.deserialize_compact(each, key_set, algorithms=["Ed25519"])


def test_a_token_of_a_retired_key_verifies_as_key_retired_and_its_kid_leaves_the_jwks(token, client):
    kid = keys.current_key().kid
    keys.retire(kid, clock.now())
    result = tokens.verify(token)
    assert result.outcome == "key_retired" and not result.valid
    assert result.claims["sub"] == "371000126000017"
    served = client.get("/.well-known/jwks.json").get_json()
    assert kid not in [jwk["kid"] for jwk in served["keys"]]
    assert keys.retired_kids() == [kid]
    header, payload, _ = token.split(".")
    assert tokens.verify(f"{header}.{payload}.{b64encode(bytes(64))}").outcome == "invalid_signature", \
        "a forgery naming a retired key is still a forgery"
    assert tokens.verify(tokens.sign(CLAIMS)).outcome == "valid_signature"


def test_an_unknown_key_id(token):
    _, payload, signature = token.split(".")
    header = b64encode(b'{"alg":"Ed25519","kid":"k1999-01-01-0000"}')
    result = tokens.verify(f"{header}.{payload}.{signature}")
    assert (result.outcome, result.kid, result.claims) == ("unknown_key", "k1999-01-01-0000", None)


def test_every_one_character_change_is_refused(token):
    """Each position, each other base64url character: never valid. A change inside the header's kid names a key
    we never had (``unknown_key``, shown to the public as 签名无效 like ``invalid_signature``)."""
    header = token.split(".")[0]
    kid = keys.current_key().kid
    outcomes = {}
    for position, char in enumerate(token):
        if char == ".":
            continue
        for replacement in B64URL:
            if replacement == char:
                continue
            changed = token[:position] + replacement + token[position + 1:]
            result = tokens.verify(changed)
            if result.outcome == "unknown_key":  # the change fell inside the kid: a key we never had
                assert position < len(header) and result.kid != kid, (position, replacement)
            else:
                assert result.outcome in ("invalid_signature", "malformed"), (position, replacement, result)
            assert not result.valid and result.claims is None
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    assert outcomes["invalid_signature"] > 10000 and "valid_signature" not in outcomes


def test_each_last_character_with_the_same_decoded_bytes_is_refused(token):
    """The signature's last base64url character carries 2 bits of data and 4 unused bits: lenient decoders
    accept 15 other characters as the same bytes. Only the canonical one verifies."""
    header, payload, signature = token.split(".")
    same = [c for c in B64URL if c != signature[-1] and b64decode(signature[:-1] + c) == b64decode(signature)]
    assert len(same) == 15
    for char in same:
        assert tokens.verify(f"{header}.{payload}.{signature[:-1]}{char}").outcome == "invalid_signature"


def test_the_older_alg_name_eddsa_is_accepted(key_dir):
    info = keys.current_key()
    header = b64encode(json.dumps({"alg": "EdDSA", "kid": info.kid}, separators=(",", ":")).encode())
    payload = b64encode(json.dumps(CLAIMS | {"iat": 1}, separators=(",", ":")).encode())
    signature = keys.store().private_key(info.kid).sign(f"{header}.{payload}".encode())
    assert tokens.verify(f"{header}.{payload}.{b64encode(signature)}").outcome == "valid_signature"


def _signed(header: bytes, payload: bytes) -> str:
    info = keys.current_key()
    signing_input = f"{b64encode(header)}.{b64encode(payload)}"
    return signing_input + "." + b64encode(keys.store().private_key(info.kid).sign(signing_input.encode()))


@pytest.mark.parametrize("make", [
    lambda kid: _signed(json.dumps({"alg": "HS256", "kid": kid}).encode(), b'{"sub":"x"}'),
    lambda kid: _signed(json.dumps({"alg": "none", "kid": kid}).encode(), b'{"sub":"x"}'),
    lambda kid: _signed(json.dumps({"alg": "Ed25519"}).encode(), b'{"sub":"x"}'),
    lambda kid: _signed(json.dumps({"alg": "Ed25519", "kid": kid, "crit": ["exp"]}).encode(), b'{"sub":"x"}'),
    lambda kid: _signed(b"not json", b'{"sub":"x"}'),
    lambda kid: _signed(json.dumps(["Ed25519", kid]).encode(), b'{"sub":"x"}'),
    lambda kid: _signed(json.dumps({"alg": "Ed25519", "kid": kid}).encode(), b"not json"),
    lambda kid: _signed(json.dumps({"alg": "Ed25519", "kid": kid}).encode(), b"[1, 2]"),
    lambda kid: _signed(json.dumps({"alg": "Ed25519", "kid": kid}).encode(), b"\xff\xfe"),
    lambda kid: "eyJ!bGci.e30.AAAA",
])
def test_wrong_alg_bad_base64_or_bad_json_is_an_invalid_signature(key_dir, make):
    result = tokens.verify(make(keys.current_key().kid))
    assert result.outcome == "invalid_signature" and result.claims is None


@pytest.mark.parametrize("text", [
    "", "abc", "a.b", "a.b.c.d", "..", "a..c", ".b.c", "a.b.", "签名.b.c", "a.b.c\u00e9",
    "A" * 400 + "." + "B" * 400 + "." + "C" * 201, None, 42, b"a.b.c",
])
def test_malformed_tokens(key_dir, text):
    result = tokens.verify(text)
    assert result.outcome == "malformed" and result.kid is None and result.claims is None


def test_the_length_limit_comes_before_any_parsing(token):
    padded = token + "A" * (tokens.MAX_LENGTH - len(token) + 1)
    assert tokens.verify(padded).outcome == "malformed"


def test_qr_url(app, token, monkeypatch):
    assert tokens.qr_url(token) == "http://127.0.0.1:5000/v/" + token
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://zfz.weihai.gov.cn/")
    assert tokens.qr_url("a.b.c") == "https://zfz.weihai.gov.cn/v/a.b.c"
