"""Issued certificates for tests: a ``Certificate`` with its ``Edition`` rows, each edition carrying a really signed
QR token (``tokens.sign(tokens.claims_for(…))`` with the application's current key), so the public verification
can be exercised end to end. The issuing service comes later; these builders write the rows directly."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from certificates import keys, tokens
from certificates.models import Certificate, Edition
from portal.extensions import db
from tests.certificates import helpers

NOW = helpers.NOW


@dataclass
class Issued:
    """A certificate and the tokens of its editions (``tokens[0]`` is edition 1; the last is current)."""

    certificate: Certificate
    tokens: list[str]

    @property
    def token(self) -> str:
        """The current edition's token."""
        return self.tokens[-1]

    @property
    def number(self) -> str:
        return self.certificate.number


def issue(officer, *, type: str = "enforcement", editions: int = 1, status: str = "active",  # noqa: A002
          holds: tuple[str, ...] = (), revocation_kind: str | None = None, status_since: dt.datetime = NOW,
          first_issued_on: dt.date = dt.date(2024, 3, 1), commit: bool = True, **fields) -> Issued:
    """A certificate of ``officer`` with ``editions`` editions, each with a signed token; older editions are
    superseded. ``holds`` places open holds (reason codes; pass ``status="suspended"`` with them);
    ``revocation_kind`` revokes it (``status`` becomes ``revoked``, ``revoked_at`` = ``status_since``)."""
    if revocation_kind is not None:
        status = "revoked"
        fields.update(revoked_at=status_since, revocation_kind=revocation_kind)
    cert = helpers.certificate(officer, type=type, status=status, status_since=status_since, edition=editions,
                               first_issued_on=first_issued_on, commit=False, **fields)
    signed = []
    for number in range(1, editions + 1):
        token = tokens.sign(tokens.claims_for(cert.number, number, officer.name, officer.agency.short_name))
        signed.append(token)
        helpers.edition(cert, number, reason="first_issue" if number == 1 else "reissue",
                        kid=keys.current_key().kid, token=token,
                        superseded_at=NOW - dt.timedelta(days=editions - number) if number < editions else None)
    for reason in holds:
        helpers.hold(cert, reason)
    if commit:
        db.session.commit()
    return Issued(cert, signed)


def current_edition(cert: Certificate) -> Edition:
    """The certificate's current edition row."""
    return db.session.scalars(db.select(Edition).where(Edition.certificate_id == cert.id,
                                                       Edition.superseded_at.is_(None))).one()
