"""Downloads of a certificate's PDFs: the A4 certificate and the card (SPEC §2.7).

An officer downloads their own certificates; HR and legal those whose agency lies in their scope; another
certificate, or a number that does not exist, answers 404 (nothing tells whether it exists). Admin: 403. A
revoked certificate is refused (409): printing one would put a card in circulation the QR contradicts. A
suspended one may be printed — its QR reads 暂扣.
"""
from __future__ import annotations

from flask import Blueprint

from certificates.access import certificate_or_404
from certificates.pdf import render
from portal import exports
from portal.auth.access import require

bp = Blueprint("certificate_pdf", __name__)


def _pdf(number: str, *, card: bool):
    certificate = certificate_or_404(number)
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
