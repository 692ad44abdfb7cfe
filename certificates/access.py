"""Which certificate a signed-in user may open: the one helper the certificate pages and the PDF downloads share."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from certificates import numbering
from certificates.models import Certificate
from portal.auth.access import in_scope
from portal.errors import DomainError
from portal.extensions import db


def certificate_or_404(number: str) -> Certificate:
    """The certificate with ``number`` if the current user may see it — an officer their own, staff within
    scope — else 404 (a mistyped number included, before any lookup)."""
    try:
        number = numbering.parse(number)
    except DomainError:
        abort(404)
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None:
        abort(404)
    if current_user.role == "officer":
        if certificate.officer_id != current_user.officer_id:
            abort(404)
    elif not in_scope(current_user, certificate.agency_id):
        abort(404)
    return certificate
