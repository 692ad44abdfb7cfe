"""Public HTTP of the certificates package: the published signing keys."""
from __future__ import annotations

from flask import Blueprint, jsonify

from certificates import keys
from portal.auth.access import public

bp = Blueprint("certificates", __name__)


@bp.route("/.well-known/jwks.json")
@public
def jwks():
    """Every public key that is not retired, as a JWK Set — what verifiers check QR tokens against."""
    response = jsonify(keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
