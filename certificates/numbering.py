"""Certificate numbers (SPEC §2.7): 15 characters ``RRRRRR T YY NNNNN C``.

Region code, type digit, two-digit year of issue, a serial counted per region, type and year, and a check
character by ISO 7064 MOD 11-2 over the first 14 digits. A mistyped number is caught by :func:`parse` before
anything is looked up. :func:`allocate` hands out the next number of a counter (``CertificateSerial``) in one
atomic statement, so concurrent issuances never share a number.
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certificates.models import CertificateSerial
from portal import policy
from portal.errors import DomainError
from portal.extensions import db

SECTION = "证件"
LENGTH = 15
#: the type digit of each certificate type
TYPE_DIGITS = {"enforcement": 1, "hearing_presider": 2}
MAX_SERIAL = 99_999

policy.define("certificates.region_code", "证号地区代码（6 位数字）", "text", "371000", SECTION,
              help="证号前 6 位，按行政区划代码填写")
policy.define("certificates.issuing_authority", "发证机关", "text", "山东省人民政府", SECTION,
              help="印在证件上的发证机关（省政府统一颁发）")
policy.define("certificates.reviewing_authority", "审核机关", "text", "威海市司法局", SECTION,
              help="印在证件上的审核机关（市级法制机构审核登记）")

_REGION = re.compile(r"[0-9]{6}", re.ASCII)
_NUMBER = re.compile(r"[0-9]{14}[0-9X]", re.ASCII)
_IGNORED = re.compile(r"[\s\-]+")


@policy.constraint
def _region_code_is_six_digits(values: dict) -> str | None:
    if not _REGION.fullmatch(str(values["certificates.region_code"])):
        return "证号地区代码须为 6 位数字（如 371000）"
    return None


def check_char(digits14: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 14 digits: ``'0'``–``'9'`` or ``'X'`` (for 10).

    p = 0; for each digit d: p = (p + d) × 2 mod 11; check = (12 − p) mod 11.
    """
    if len(digits14) != LENGTH - 1 or not digits14.isascii() or not digits14.isdigit():
        raise ValueError(f"expected 14 ASCII digits, got {digits14!r}")
    p = 0
    for char in digits14:
        p = (p + int(char)) * 2 % 11
    check = (12 - p) % 11
    return "X" if check == 10 else str(check)


def compose(region: str, type_digit: int, year: int, serial: int) -> str:
    """A full number from its parts, check character included.

    :param region: the 6-digit region code (the ``certificates.region_code`` setting).
    :param type_digit: 1 enforcement, 2 hearing presider (:data:`TYPE_DIGITS`).
    :param year: the year of issue (2026 or 26; only its last two digits are written).
    :param serial: 1…99999, counted per region, type and year.
    """
    if not _REGION.fullmatch(str(region)):
        raise DomainError("invalid_region_code", "证号地区代码须为 6 位数字（如 371000）")
    if type_digit not in TYPE_DIGITS.values():
        raise DomainError("invalid_certificate_type", f"证件类型代码须为 {'或'.join(map(str, TYPE_DIGITS.values()))}")
    if not 1 <= serial <= MAX_SERIAL:
        raise DomainError("serial_exhausted", f"证号顺序号须在 1 至 {MAX_SERIAL} 之间，本年度该类证号已用完")
    digits = f"{region}{type_digit}{year % 100:02d}{serial:05d}"
    return digits + check_char(digits)


def normalize(text: str) -> str:
    """Full-width characters folded to ASCII, spaces and hyphens dropped, ``x`` upper-cased."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def parse(text: str) -> str:
    """The number in ``text``, normalized, or :class:`DomainError` saying in Chinese what is wrong.

    Accepts surrounding spaces, spaces or hyphens between the groups, full-width digits and a lower-case ``x``.
    Nothing is looked up: a wrong length, a stray character or a bad check character is refused here.
    """
    number = normalize(text)
    if not number:
        raise DomainError("invalid_certificate_number", "请输入证号")
    if len(number) != LENGTH:
        raise DomainError("invalid_certificate_number", f"证号应为 {LENGTH} 位，您输入了 {len(number)} 位")
    if not _NUMBER.fullmatch(number):
        raise DomainError("invalid_certificate_number", "证号前 14 位须为数字，最后一位为数字或 X")
    if check_char(number[:-1]) != number[-1]:
        raise DomainError("certificate_number_check_failed", "证号校验位不符，请核对是否输错")
    return number



def allocate(region: str, type: str, year: int) -> str:  # noqa: A002 - the certificate type, as in the spec
    """The next number of ``region``, certificate ``type`` (``enforcement`` / ``hearing_presider``) and
    ``year`` of issue, composed with its check character; a new year starts again at 00001.

    One atomic statement (``INSERT … ON CONFLICT DO UPDATE SET last = last + 1 … RETURNING last``) counts the
    serial: on PostgreSQL a second transaction allocating on the same counter waits for the first's row lock
    and then gets the next serial; on SQLite the statement takes the database's write lock. The counter stays
    locked until the caller's transaction ends, so two issuances never share a number — and a rolled-back
    issuance leaves no gap. Flushes nothing else; the caller commits.
    """
    if type not in TYPE_DIGITS:
        raise DomainError("invalid_certificate_type", "证件类型须为行政执法证或听证主持人资格证")
    if not _REGION.fullmatch(str(region)):
        raise DomainError("invalid_region_code", "证号地区代码须为 6 位数字（如 371000）")
    if not 2000 <= year <= 2099:
        raise DomainError("invalid_year", "发证年份须在 2000 至 2099 年之间")
    type_digit = TYPE_DIGITS[type]
    table = CertificateSerial.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(table).values(region=region, type_digit=type_digit, year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.region, table.c.type_digit, table.c.year],
        set_={"last": table.c.last + 1},
        where=table.c.last < MAX_SERIAL,
    ).returning(table.c.last)
    serial = db.session.execute(statement).scalar()
    if serial is None:
        raise DomainError("serial_exhausted", f"证号顺序号须在 1 至 {MAX_SERIAL} 之间，本年度该类证号已用完",
                          status=409)
    return compose(region, type_digit, year, serial)


def peek(region: str, type: str, year: int) -> int:  # noqa: A002
    """The last serial used for ``region``, ``type`` and ``year`` (0 when none), without allocating."""
    last = db.session.scalar(sa.select(CertificateSerial.last).where(
        CertificateSerial.region == region, CertificateSerial.type_digit == TYPE_DIGITS[type],
        CertificateSerial.year == year))
    return last or 0
