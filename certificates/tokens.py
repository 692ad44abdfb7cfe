"""The QR token: a compact JWS (RFC 7515) signed with Ed25519 (SPEC §2.7).

Header exactly ``{"alg":"Ed25519","kid":…}`` (RFC 9864's fully-specified name; :func:`verify` also accepts the
older ``EdDSA``), payload ``{"sub","ed","name","org","iat"}`` as compact UTF-8 JSON, each part base64url without
padding. Independent libraries (joserfc, jwcrypto) verify it against ``/.well-known/jwks.json``.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from flask import current_app

from certificates import keys
from portal import clock, jsonbody

ALG = "Ed25519"
ACCEPTED_ALGS = ("Ed25519", "EdDSA")
#: no token of ours comes near this; anything longer is refused before it is parsed
MAX_LENGTH = 1000
CLAIMS = ("sub", "ed", "name", "org", "iat")
SIGNATURE_LENGTH = 64

#: outcomes of :func:`verify`
VALID = "valid_signature"
INVALID = "invalid_signature"
KEY_RETIRED = "key_retired"
UNKNOWN_KEY = "unknown_key"
MALFORMED = "malformed"
OUTCOMES = (VALID, INVALID, KEY_RETIRED, UNKNOWN_KEY, MALFORMED)

_B64URL = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: an outcome (:data:`OUTCOMES`), the key id if the header named one, and the
    claims when the signature is valid (also for a retired key, so the page can say whose card it is)."""

    outcome: str
    kid: str | None = None
    claims: dict | None = None

    @property
    def valid(self) -> bool:
        """True only for a good signature by a key that is not retired."""
        return self.outcome == VALID


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def claims_for(number: str, edition: int, name: str, org: str, issued_at: dt.datetime | None = None) -> dict:
    """The claims of a certificate's token, in their documented order.

    :param number: the certificate number (``sub``).
    :param edition: the edition, 1 for the first card (``ed``).
    :param name: the holder's name.
    :param org: the agency's short name.
    :param issued_at: when the token is made (``iat``, whole seconds); defaults to now.
    """
    moment = issued_at or clock.now()
    return {"sub": number, "ed": int(edition), "name": name, "org": org, "iat": int(moment.timestamp())}


def sign(claims: dict) -> str:
    """A compact JWS of ``claims`` signed with the current key (created on first use).

    ``claims`` holds ``sub``, ``ed``, ``name``, ``org`` and nothing else; ``iat`` defaults to now.
    """
    claims = {"iat": int(clock.now().timestamp())} | dict(claims)
    if set(claims) != set(CLAIMS):
        raise ValueError(f"claims must be exactly {CLAIMS}, got {sorted(claims)}")
    token = sign_payload({name: claims[name] for name in CLAIMS})
    if len(token) > MAX_LENGTH:
        raise ValueError(f"token of {len(token)} characters exceeds {MAX_LENGTH}; shorten name or org")
    return token


def sign_payload(payload: dict, typ: str | None = None) -> str:
    """A compact JWS of any JSON object signed with the current key (created on first use).

    The header is ``{"alg":"Ed25519","kid":…}``, with ``"typ"`` last when given (the status list names its type,
    so a verifier tells it from a certificate's token). :func:`sign` uses it for the QR tokens.
    """
    store = keys.store()
    key = store.current()
    header = {"alg": ALG, "kid": key.kid} | ({"typ": typ} if typ else {})
    signing_input = keys.b64url(_json(header)) + "." + keys.b64url(_json(payload))
    signature = store.private_key(key.kid).sign(signing_input.encode("ascii"))
    return signing_input + "." + keys.b64url(signature)


def _decode(part: str) -> bytes | None:
    """Base64url without padding, canonical only (a character differing in unused bits is refused)."""
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        return None
    data = keys.b64url_decode(part)
    return data if keys.b64url(data) == part else None


def _object(part: str) -> dict | None:
    data = _decode(part)
    if data is None:
        return None
    try:
        value = jsonbody.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def verify(token: str) -> Verification:
    """Check a token's signature against the keys in ``SIGNING_KEY_DIR``; never raises for bad input.

    ``malformed``: not a string of at most :data:`MAX_LENGTH` ASCII characters in three parts.
    ``invalid_signature``: bad base64url or JSON, an algorithm other than Ed25519/EdDSA, or a signature that
    does not match — any changed character lands here. ``unknown_key``: the header names no key of ours.
    ``key_retired``: a genuine signature by a retired key. ``valid_signature``: the claims can be trusted.
    """
    if not isinstance(token, str) or len(token) > MAX_LENGTH or not token.isascii():
        return Verification(MALFORMED)
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return Verification(MALFORMED)
    header_part, payload_part, signature_part = parts
    header = _object(header_part)
    if header is None or header.get("alg") not in ACCEPTED_ALGS or "crit" in header:
        return Verification(INVALID)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return Verification(INVALID)
    info = keys.store().find(kid)
    if info is None:
        return Verification(UNKNOWN_KEY, kid)
    signature = _decode(signature_part)
    if signature is None or len(signature) != SIGNATURE_LENGTH:
        return Verification(INVALID, kid)
    try:
        info.public_key().verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature:
        return Verification(INVALID, kid)
    claims = _object(payload_part)
    if claims is None:
        return Verification(INVALID, kid)
    return Verification(KEY_RETIRED if info.status == "retired" else VALID, kid, claims)


def qr_url(token: str) -> str:
    """The URL a certificate's QR code encodes: ``PUBLIC_BASE_URL/v/<token>``."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/v/" + token
