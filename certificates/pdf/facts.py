"""What a certificate's PDF prints, read from the database in one place (SPEC §2.7).

The agency, scope and issue date are those of the *current* edition (the one not superseded), and the QR
encodes that edition's token. Never the ID number or phone: :class:`Printed` has no field for them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import seal, tokens
from certificates.models import Certificate, Edition
from portal import clock, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import OfficerPhoto
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency


@dataclass(frozen=True)
class Printed:
    """The facts printed on a certificate or card, as text (and the photo as JPEG bytes, or ``None``)."""

    type: str
    type_label: str
    number: str
    name: str
    agency: str
    categories: tuple[str, ...]
    region: str
    issued_on: dt.date
    edition: int
    issuing_authority: str
    reviewing_authority: str
    qr_url: str
    photo: bytes | None
    #: the issuing authority's seal (PNG), or ``None``: then a specimen mark is printed (:mod:`certificates.seal`)
    seal: bytes | None = None
    #: for an entrusted party's officer, the entrusting body in whose name they act (行政处罚法第二十条第四款)
    entrusting: str | None = None

    @property
    def entrusted_text(self) -> str:
        """受委托 and in whose name, for the card's facts; empty for a body's own officer."""
        return f"以{self.entrusting}名义执法" if self.entrusting else ""

    @property
    def categories_text(self) -> str:
        """The enforcement categories joined with 、."""
        return "、".join(self.categories)

    @property
    def issued_text(self) -> str:
        """The issue date as 2026年11月26日."""
        return f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"

    @property
    def edition_text(self) -> str:
        """第2版 for a reissued card; empty for the first edition."""
        return f"第{self.edition}版" if self.edition > 1 else ""


def current_edition(certificate: Certificate) -> Edition | None:
    """The edition of ``certificate`` that is not superseded, or ``None`` before the first is signed."""
    return db.session.scalar(sa.select(Edition).where(Edition.certificate_id == certificate.id,
                                                      Edition.superseded_at.is_(None)))


def printed(certificate: Certificate) -> Printed:
    """The facts of ``certificate``'s current edition.

    :class:`DomainError` (409) for a revoked certificate — a printed card would contradict its own QR — and for
    one without a current edition yet. A suspended certificate prints (its QR reads 暂扣).
    """
    if certificate.status == "revoked":
        raise DomainError("certificate_revoked", "证件已失效，不能下载", status=409)
    edition = current_edition(certificate)
    if edition is None:
        raise DomainError("no_current_edition", "证件尚无有效版次（二维码未签发），不能生成证件文件", status=409)
    agency = db.session.get(Agency, edition.agency_id)
    photo = db.session.get(OfficerPhoto, certificate.officer_id)
    return Printed(
        type=certificate.type,
        type_label=certificate.type_label,
        number=certificate.number,
        name=certificate.officer.name,
        agency=agency.name,
        categories=tuple(edition.categories or ()),
        region=edition.region,
        issued_on=edition.issued_on,
        edition=edition.edition,
        issuing_authority=str(policy.get("certificates.issuing_authority")),
        reviewing_authority=str(policy.get("certificates.reviewing_authority")),
        qr_url=tokens.qr_url(edition.token),
        photo=photo.data if photo is not None else None,
        seal=seal.load(),
        entrusting=_entrusting(agency),
    )


def _entrusting(agency: Agency) -> str | None:
    """The entrusting body of an entrusted party (its agreement in force, else its latest announced one, else the one
    filed and awaiting its announcement, under which its staff may already hold certificates)."""
    today = clock.today()
    if not entrustment.acts_in_entrusting_name(agency, today):
        return None
    agreement = (entrustment.in_force_for(agency.id, today) or entrustment.latest_announced(agency.id, today)
                 or entrustment.pending_for(agency.id, today))
    return agreement.entrusting.name if agreement is not None else None
