"""Public verification of a certificate (SPEC §2.7, §3): by its QR token or by number + name.

:func:`resolve` turns a token into a :class:`Result`: one of :data:`OUTCOMES`, the Chinese headline the public
page shows in large type and, when a certificate was found, the facts the public may see (:class:`Facts`) —
never the ID number, phone, e-mail, nor a hold's note, legal basis or actor. :func:`lookup` answers the
number + name form the same way, checking the number's check character before anything is looked up and
answering 未找到 alike for an unknown number and a name that does not match (so a guesser learns nothing).

Either costs a fixed number of statements whatever the size of the data: the certificate with its officer and
agency (one joined SELECT; nothing else is loaded with them), its open holds when suspended, the holder's
enforcement certificate for a hearing presider, the edition shown when an older edition's QR is scanned.

Verifications that find a certificate are counted per certificate and day (:func:`record_verifications`): a
counter for abuse monitoring, written after the response in a short transaction of its own, never audited.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, lazyload

from certificates import due, numbering, tokens
from certificates.models import (
    HOLD_PUBLIC_WORDING,
    HOLD_REASONS,
    Certificate,
    Edition,
    Hold,
    VerificationCount,
)
from portal import clock
from portal.extensions import db
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency

log = logging.getLogger(__name__)

VALID = "valid"
SUSPENDED = "suspended"
REVOKED = "revoked"
SUPERSEDED = "superseded"
INVALID_SIGNATURE = "invalid_signature"
KEY_RETIRED = "key_retired"
UNKNOWN = "unknown"
MALFORMED = "malformed"
#: every answer, as ``/api/v1/verify/<token>`` names it
OUTCOMES = (VALID, SUSPENDED, REVOKED, SUPERSEDED, INVALID_SIGNATURE, KEY_RETIRED, UNKNOWN, MALFORMED)
#: outcomes that name a certificate of ours (and so are counted)
FOUND = (VALID, SUSPENDED, REVOKED, SUPERSEDED)

HEADLINES = {
    VALID: "有效",
    SUSPENDED: "暂扣",
    SUPERSEDED: "已换发",
    INVALID_SIGNATURE: "签名无效",
    KEY_RETIRED: "密钥已停用",
    UNKNOWN: "未找到",
    MALFORMED: "无法识别的二维码",
}
#: the colour family of each outcome (green, amber, grey, red)
TONES = {VALID: "ok", SUSPENDED: "warn", REVOKED: "void", SUPERSEDED: "void", INVALID_SIGNATURE: "bad",
         KEY_RETIRED: "bad", UNKNOWN: "bad", MALFORMED: "bad"}
#: the longest name :func:`lookup` accepts (``Officer.name`` holds 40 characters)
MAX_NAME = 40


@dataclass(frozen=True)
class Facts:
    """What the public may know of a verified certificate (for an older edition: that edition's card)."""

    number: str
    type: str
    type_label: str
    name: str
    agency: str
    categories: tuple[str, ...]
    region: str
    edition: int
    current_edition: int
    issued_on: dt.date
    #: suspended: the day the suspension began, and the public wording of every open hold (SPEC order)
    since: dt.date | None = None
    holds: tuple[str, ...] = ()
    #: revoked: the day and the public word (注销 / 吊销 / 撤销)
    revoked_on: dt.date | None = None
    revocation_word: str | None = None
    #: the next two-year review (a presider's: that of the holder's enforcement certificate)
    next_review_due: dt.date | None = None
    #: an older edition: when the next one replaced it
    superseded_on: dt.date | None = None
    has_photo: bool = False
    #: an entrusted party's certificate: the body in whose name the holder acts, the entrusted matters and the
    #: agreement's term (the one in force, else the latest)
    entrusting: str | None = None
    entrusted_matters: str | None = None
    entrusted_from: dt.date | None = None
    entrusted_until: dt.date | None = None

    def as_json(self) -> dict:
        """The facts as ``/api/v1/verify/<token>`` shows them (dates ISO 8601)."""
        def iso(value):
            return value.isoformat() if value is not None else None

        return {
            "number": self.number, "type": self.type, "type_label": self.type_label, "name": self.name,
            "agency": self.agency, "categories": list(self.categories), "region": self.region,
            "edition": self.edition, "current_edition": self.current_edition, "issued_on": iso(self.issued_on),
            "since": iso(self.since), "holds": list(self.holds), "revoked_on": iso(self.revoked_on),
            "revocation_word": self.revocation_word, "next_review_due": iso(self.next_review_due),
            "superseded_on": iso(self.superseded_on), "has_photo": self.has_photo,
            "entrustment": None if self.entrusting is None else {
                "entrusting_body": self.entrusting, "matters": self.entrusted_matters,
                "from": iso(self.entrusted_from), "until": iso(self.entrusted_until)},
        }


@dataclass(frozen=True)
class Result:
    """The answer of a verification.

    ``certificate_id`` and ``officer_id`` are internal (the counter and the photo route use them); they are
    never published.
    """

    status: str
    headline: str
    certificate: Facts | None = None
    certificate_id: int | None = None
    officer_id: int | None = None

    @property
    def tone(self) -> str:
        """``ok`` (green), ``warn`` (amber), ``void`` (grey) or ``bad`` (red)."""
        return TONES[self.status]

    @property
    def found(self) -> bool:
        """True when the answer names a certificate of ours (the verification is counted)."""
        return self.status in FOUND and self.certificate_id is not None

    @property
    def photo_allowed(self) -> bool:
        """A photo may be shown: a current edition verified with a good key, not revoked, a photo on file."""
        return (self.status in (VALID, SUSPENDED) and self.certificate is not None
                and self.certificate.has_photo and self.officer_id is not None)

    def as_json(self) -> dict:
        """``{"status", "certificate": {…} | null}`` (SPEC §3)."""
        return {"status": self.status, "certificate": self.certificate.as_json() if self.certificate else None}


def _bare(status: str) -> Result:
    return Result(status, HEADLINES[status])


def _load(number: str) -> Certificate | None:
    """The certificate with its officer and agency, in one SELECT (none of their other relationships)."""
    return db.session.scalars(
        sa.select(Certificate).where(Certificate.number == number).options(
            joinedload(Certificate.officer).lazyload("*"),
            joinedload(Certificate.agency).lazyload("*"),
            lazyload("*"),
        )).one_or_none()


def _hold_wordings(cert: Certificate) -> tuple[str, ...]:
    """The public wording of every open hold (legal's choice for a manual one, else the reason's), each once, in
    the order of SPEC §3."""
    rows = db.session.execute(sa.select(Hold.reason, Hold.public_text).where(
        Hold.certificate_id == cert.id, Hold.lifted_at.is_(None))).all()
    order = list(HOLD_REASONS)
    wordings: list[str] = []
    for reason, chosen in sorted(set(rows), key=lambda r: order.index(r[0]) if r[0] in order else len(order)):
        wording = chosen or HOLD_PUBLIC_WORDING.get(reason, HOLD_PUBLIC_WORDING["other"])
        if wording not in wordings:
            wordings.append(wording)
    return tuple(wordings)


def _enforcement_of(cert: Certificate) -> Certificate | None:
    """A presider's live enforcement certificate (its cycles are the presider's), columns only."""
    return db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == cert.officer_id, Certificate.type == "enforcement",
        Certificate.status != "revoked").options(lazyload("*"))).first()


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return clock.local(moment).date() if moment is not None else None


def _entrustment(cert: Certificate, today: dt.date) -> dict:
    """For a holder acting in an entrusting body's name: that body, the matters and the term of the agreement in
    force (else of the latest announced one, whose end the hold then explains). At most two SELECTs, and only for
    an agency that is no valid body in its own right."""
    if cert.agency.is_valid_body(today) or cert.agency.kind not in entrustment.BY_ENTRUSTMENT_KINDS:
        return {}  # a body confirmed in its own right acts in its own name
    agreement = (entrustment.in_force_for(cert.agency_id, today)
                 or entrustment.latest_announced(cert.agency_id, today))
    if agreement is None:
        return {}
    return {"entrusting": agreement.entrusting.name, "entrusted_matters": agreement.matters,
            "entrusted_from": agreement.starts_on, "entrusted_until": agreement.ends_on}


def _current(cert: Certificate, today: dt.date) -> Result:
    """The answer for the certificate's current edition: its status now."""
    status = {"active": VALID, "suspended": SUSPENDED, "revoked": REVOKED}[cert.status]
    enforcement = None
    if cert.type == "hearing_presider" and status != REVOKED:
        enforcement = _enforcement_of(cert)
    facts = Facts(
        number=cert.number, type=cert.type, type_label=cert.type_label, name=cert.officer.name,
        agency=cert.agency.name, categories=tuple(cert.categories or ()), region=cert.region,
        edition=cert.edition, current_edition=cert.edition, issued_on=cert.issued_on,
        since=_local_date(cert.status_since) if status == SUSPENDED else None,
        holds=_hold_wordings(cert) if status == SUSPENDED else (),
        revoked_on=_local_date(cert.revoked_at) if status == REVOKED else None,
        revocation_word=cert.revocation_word if status == REVOKED else None,
        next_review_due=due.next_review_due(cert, enforcement) if status != REVOKED else None,
        has_photo=bool(cert.officer.has_photo) and status != REVOKED,
        **(_entrustment(cert, today) if status != REVOKED else {}),
    )
    headline = cert.status_label if status == REVOKED else HEADLINES[status]
    return Result(status, headline, facts, cert.id, cert.officer_id)


def _superseded(cert: Certificate, edition: int) -> Result:
    """The answer for an older edition's QR: 已换发, with what that card showed and when it was replaced."""
    row = db.session.execute(
        sa.select(Edition.issued_on, Edition.superseded_at, Edition.categories, Edition.region, Agency.name)
        .join(Agency, Agency.id == Edition.agency_id)
        .where(Edition.certificate_id == cert.id, Edition.edition == edition)).first()
    if row is None:  # an edition without its row: still an old card, shown with the certificate's facts
        issued_on, superseded_at, categories, region, agency = (cert.issued_on, None, cert.categories,
                                                                cert.region, cert.agency.name)
    else:
        issued_on, superseded_at, categories, region, agency = row
    facts = Facts(
        number=cert.number, type=cert.type, type_label=cert.type_label, name=cert.officer.name, agency=agency,
        categories=tuple(categories or ()), region=region, edition=edition, current_edition=cert.edition,
        issued_on=issued_on, superseded_on=_local_date(superseded_at))
    return Result(SUPERSEDED, HEADLINES[SUPERSEDED], facts, cert.id, cert.officer_id)


def resolve(token: str, today: dt.date | None = None) -> Result:
    """What the QR ``token`` says, checked against our keys and the certificate as it stands now.

    :param token: the compact JWS from the QR (anything at all may arrive here; nothing raises).
    :param today: the day of the verification (due dates are computed from the history, not from it; kept so
        every rule takes the day as an argument).

    A token that is not three ASCII parts of sane length is ``malformed``; one whose signature does not check
    out — or whose key we never had — is ``invalid_signature``. A good signature names a number and an edition:
    no such certificate, or an edition newer than the current one, is ``unknown``; an older edition is
    ``superseded`` whatever its key; the current edition signed by a retired key is ``key_retired`` (the
    certificate must be reissued); otherwise the certificate's status: ``valid``, ``suspended`` or ``revoked``.
    """
    checked = tokens.verify(token)
    if checked.outcome == tokens.MALFORMED:
        return _bare(MALFORMED)
    if checked.outcome in (tokens.INVALID, tokens.UNKNOWN_KEY):
        return _bare(INVALID_SIGNATURE)
    claims = checked.claims or {}
    number, edition = claims.get("sub"), claims.get("ed")
    if (not isinstance(number, str) or not number or len(number) != numbering.LENGTH
            or not isinstance(edition, int) or isinstance(edition, bool) or edition < 1):
        return _bare(UNKNOWN)
    cert = _load(number)
    if cert is None or edition > cert.edition:
        return _bare(UNKNOWN)
    if edition < cert.edition:
        return _superseded(cert, edition)
    if checked.outcome == tokens.KEY_RETIRED and cert.status != "revoked":
        return _bare(KEY_RETIRED)  # a revoked certificate says so, whatever key signed its card
    return _current(cert, today or clock.today())


def lookup(number: str, name: str, today: dt.date | None = None) -> Result:
    """The certificate with this number whose holder has exactly this name (``/verify``).

    :param number: as typed; :func:`numbering.parse` folds full-width digits, spaces and hyphens and refuses a
        wrong length or check character with :class:`DomainError` before anything is looked up.
    :param name: the holder's name as typed (surrounding spaces ignored); it must be the officer's name exactly.
    :raises DomainError: the number is not a valid certificate number (the message says what is wrong).

    An unknown number and a name that does not match both answer ``unknown`` (未找到), so the answer never
    tells whether a number exists.
    """
    parsed = numbering.parse(number)
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        return _bare(UNKNOWN)
    cert = _load(parsed)
    if cert is None or cert.officer.name != name:
        return _bare(UNKNOWN)
    return _current(cert, today or clock.today())


def record_verifications(counts: Mapping[tuple[int, dt.date], int]) -> None:
    """Add ``counts`` (``(certificate_id, day) → n``) to the per-day counters.

    One upsert (``INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count``) in a short transaction on
    a connection of its own — never the caller's session, never audited. A failure is logged and swallowed:
    counting must never break a verification.
    """
    if not counts:
        return
    try:
        table = VerificationCount.__table__
        rows = [{"certificate_id": certificate_id, "day": day, "count": n}
                for (certificate_id, day), n in sorted(counts.items())]
        with db.engine.begin() as conn:
            insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
            statement = insert(table).values(rows)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.certificate_id, table.c.day],
                set_={"count": table.c["count"] + statement.excluded["count"]})
            conn.execute(statement)
    except Exception:  # noqa: BLE001 - a counter must never break verification
        log.warning("verification counter not updated for %d certificate-days", len(counts), exc_info=True)

