"""The due list of the two-year review 审核确认 (SPEC §2.8): live enforcement certificates in scope whose next review
falls due within 60 days or is overdue, each with the state of its current cycle's review (未提交 / 已提交 / 未通过).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import due
from certificates.cycle_models import Review
from certificates.models import Certificate
from portal.auth.access import scope_condition
from portal.auth.models import User
from portal.dates import anniversary
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency

#: what the list calls the state of the current cycle's review
STATES = {"none": "未提交", "submitted": "已提交，待法制机构确认", "rejected": "未通过"}


@dataclass(frozen=True)
class Line:
    """One certificate of the due list with its review state."""

    certificate_id: int
    number: str
    officer_id: int
    name: str
    masked_id_number: str
    agency_id: int
    agency: str
    status: str
    due_on: dt.date
    css: str
    note: str
    state: str
    review_id: int | None
    recommendation: str | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def due_list(user: User, today: dt.date, *, agency: Agency | None = None, state: str = "",
             q: str = "") -> list[Line]:
    """Live enforcement certificates in ``user``'s scope whose next review is due within 60 days or overdue,
    most overdue first, with the state of the current cycle's review. Two queries whatever the scope's size: the
    certificates (the due dates are computed here from ``first_issued_on`` and ``reviews_done``) and the open or
    rejected reviews."""
    horizon = today + dt.timedelta(days=due.SOON_DAYS)
    # the first due date is the second anniversary of the first issue: anything issued later is not due yet
    bound = anniversary(horizon, -due.REVIEW_YEARS) + dt.timedelta(days=1)
    condition = sa.and_(Certificate.type == "enforcement", Certificate.status != "revoked",
                        Certificate.first_issued_on <= bound, scope_condition(user, Certificate.agency_id))
    if agency is not None:
        condition = sa.and_(condition, Certificate.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(agency.path, autoescape=True))))
    q = (q or "").strip()[:40]
    if q:
        condition = sa.and_(condition, Officer.name.contains(q, autoescape=True))
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.number, Certificate.first_issued_on, Certificate.reviews_done,
                  Certificate.status, Certificate.officer_id, Officer.name, Officer.id_number, Certificate.agency_id,
                  Agency.short_name)
        .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Certificate.agency_id)
        .where(condition)).all()
    dues = {row.id: due.review_due(row.first_issued_on, row.reviews_done) for row in rows}
    rows = [row for row in rows if dues[row.id] <= horizon]
    if not rows:
        return []
    reviews: dict[int, tuple] = {}
    ids = sa.select(Certificate.id).join(Officer, Officer.id == Certificate.officer_id).where(condition)
    for review in db.session.execute(
            sa.select(Review.id, Review.certificate_id, Review.due_on, Review.status, Review.recommendation)
            .where(Review.certificate_id.in_(ids), Review.status.in_(("submitted", "rejected")))
            .order_by(Review.submitted_at, Review.id)):
        if review.due_on != dues.get(review.certificate_id):
            continue
        known = reviews.get(review.certificate_id)
        if known is None or known.status != "submitted":  # the open one wins, else the latest rejection
            reviews[review.certificate_id] = review
    lines = []
    for row in rows:
        review = reviews.get(row.id)
        line_state = review.status if review is not None else "none"
        if state and line_state != state:
            continue
        lines.append(Line(row.id, row.number, row.officer_id, row.name, idcard.mask(row.id_number), row.agency_id,
                          row.short_name, row.status, dues[row.id], due.css_class(dues[row.id], today),
                          due.describe(dues[row.id], today), line_state,
                          review.id if review is not None else None,
                          review.recommendation if review is not None else None))
    lines.sort(key=lambda line: (line.due_on, line.agency, line.name.encode("gb18030", errors="replace"),
                                 line.certificate_id))
    return lines
