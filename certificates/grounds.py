"""What a revocation stands on (SPEC §2.7, §2.8; seed 四(二)3): the 注销 kinds that name a cycle's outcome stand
only on that outcome being on record. :func:`certificates.revocation.revoke` asks before it writes."""
from __future__ import annotations

import sqlalchemy as sa

from certificates.cycle_models import UpdateTestRound
from certificates.models import REVOCATION_KINDS, Certificate
from portal.extensions import db


def missing_fact(certificate: Certificate, kind: str) -> str | None:
    """The 注销 kinds that name a cycle's outcome stand only on that outcome (SPEC §2.7, §2.8; seed 四(二)3):
    ``review_rejected_final`` on a rejected review whose hold is still open, ``update_test_failed_twice`` and
    ``update_test_makeup_missed`` on a makeup window that ended failed. ``None`` when the fact is on record."""
    if kind == "review_rejected_final":
        if any(hold.reason == "review_rejected" for hold in certificate.open_holds):
            return None
        return "该证件没有未通过且未纠正的审核确认，不能以“审核确认未通过”注销"
    if kind in ("update_test_failed_twice", "update_test_makeup_missed"):
        failed = db.session.scalar(sa.select(UpdateTestRound.id).where(
            UpdateTestRound.certificate_id == certificate.id, UpdateTestRound.status == "failed").limit(1))
        if failed is not None:
            return None
        return f"该证件没有届满未通过的法律知识更新测试补考记录，不能以“{REVOCATION_KINDS[kind]}”注销"
    return None
