"""Downloads of a certificate's PDFs: the A4 certificate and the card (SPEC §2.7).

An officer downloads their own certificates; HR and legal those whose agency lies in their scope; another
certificate, or a number that does not exist, answers 404 (nothing tells whether it exists). Admin: 403. A
revoked certificate is refused (409): printing one would put a card in circulation the QR contradicts. A
suspended one may be printed — its QR reads 暂扣.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort
from flask_login import current_user

from certificates import numbering
from certificates.models import Certificate
from certificates.pdf import render
from portal import exports
from portal.auth.access import in_scope, require
from portal.errors import DomainError
from portal.extensions import db

bp = Blueprint("certificate_pdf", __name__)


def _downloadable_or_404(number: str) -> Certificate:
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


def _pdf(number: str, *, card: bool):
    certificate = _downloadable_or_404(number)
    data = render.render(certificate, card=card)  # refuses a revoked certificate (409)
    kind = "卡片" if card else "证书"
    return exports.file_response(data, "application/pdf", f"{certificate.type_label}{kind}-{certificate.number}.pdf",
                                 f"{'card' if card else 'certificate'}-{certificate.number}.pdf")


@bp.route("/certificates/<number>/certificate.pdf")
@require("officer", "hr", "legal")
def certificate(number: str):
    """The A4 certificate of the current edition, as an attachment."""
    return _pdf(number, card=False)


@bp.route("/certificates/<number>/card.pdf")
@require("officer", "hr", "legal")
def card(number: str):
    """The two-sided 85.6 × 54 mm card of the current edition, as an attachment."""
    return _pdf(number, card=True)
