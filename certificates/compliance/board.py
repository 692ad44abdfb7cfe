"""The compliance board 合规看板 of the legal office (SPEC §1 legal home, §2.8): within the account's scope
(optionally one agency's subtree) —

* reviews 审核确认 and update tests 法律知识更新测试 due within 60 days (dark red) and overdue (bright red), each
  with the work under way (a review submitted and waiting, a makeup window open);
* suspended certificates with their open holds;
* revocations 注销 / 吊销 / 撤销 of the last 90 days;
* the same numbers per agency, for the chart and the table beside it; and the lists as an XLSX file.

Officers are counted under their current agency (the qualification page's scope). Due dates are computed in Python
by :mod:`certificates.due` from one SELECT of the live enforcement certificates (a hearing-presider certificate has
no cycles of its own); the whole board costs a fixed number of statements, whatever the number of rows.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import openpyxl
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certificates import due
from certificates.cycle_models import Review, UpdateTestRound
from certificates.models import (
    REVOCATION_KINDS,
    REVOCATION_WORDS,
    TYPES,
    Answer,
    Certificate,
    Hold,
)
from portal import clock, exports
from portal.auth.access import scope_condition, scoped_agencies
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.templating import cn_date

#: revocations of this many days back are listed
REVOKED_DAYS = 90
KINDS = {"review": "审核确认", "update_test": "法律知识更新测试"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the chart's colours: the house palette (static/css/app.css --due, --overdue, --warn)
COLOURS = {"due": "#7d1a1a", "overdue": "#d0021b", "suspended": "#8a5a00"}


@dataclass(frozen=True)
class DueLine:
    """One review or update test of one live enforcement certificate, due soon or overdue."""

    certificate_id: int
    number: str
    status: str
    officer_id: int
    officer_name: str
    agency_id: int
    agency: str
    kind: str
    due_on: dt.date
    css: str
    note: str
    #: the work under way: 已提交审核确认（待确认）/ 补考期至…; empty when none
    pending: str

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class RevokedLine:
    """A certificate revoked within :data:`REVOKED_DAYS` days."""

    number: str
    type: str
    officer_id: int
    officer_name: str
    agency: str
    revoked_at: dt.datetime
    kind: str

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    @property
    def word(self) -> str:
        return REVOCATION_WORDS.get(self.kind, "")

    @property
    def label(self) -> str:
        return REVOCATION_KINDS.get(self.kind, self.kind)


@dataclass
class AgencyCounts:
    """The board's numbers for one agency."""

    name: str
    due: int = 0
    overdue: int = 0
    suspended: int = 0


@dataclass
class Board:
    """The board of one account on ``today``, filtered to ``chosen`` (an agency subtree) or the whole scope."""

    today: dt.date
    agencies: list[Agency]
    chosen: Agency | None
    due_soon: list[DueLine] = field(default_factory=list)
    overdue: list[DueLine] = field(default_factory=list)
    #: suspended certificates (officer, agency and open holds loaded), longest suspended first
    suspended: list[Certificate] = field(default_factory=list)
    #: ids of the open holds the officer has answered in writing
    answered_holds: set[int] = field(default_factory=set)
    revoked: list[RevokedLine] = field(default_factory=list)
    per_agency: list[AgencyCounts] = field(default_factory=list)

    def count(self, lines: list[DueLine], kind: str) -> int:
        return sum(1 for line in lines if line.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {"review_due": self.count(self.due_soon, "review"),
                "review_overdue": self.count(self.overdue, "review"),
                "update_test_due": self.count(self.due_soon, "update_test"),
                "update_test_overdue": self.count(self.overdue, "update_test"),
                "suspended": len(self.suspended), "revoked": len(self.revoked)}

    def chart(self) -> dict:
        """A Chart.js bar chart of due, overdue and suspended per agency (the table beside it has the numbers)."""
        rows = self.per_agency
        return {
            "type": "bar",
            "data": {"labels": [row.name for row in rows], "datasets": [
                {"label": "60天内到期", "data": [row.due for row in rows], "backgroundColor": COLOURS["due"]},
                {"label": "已逾期", "data": [row.overdue for row in rows], "backgroundColor": COLOURS["overdue"]},
                {"label": "暂扣", "data": [row.suspended for row in rows], "backgroundColor": COLOURS["suspended"]},
            ]},
            "options": {"indexAxis": "y", "plugins": {"legend": {"display": True, "position": "bottom"}},
                        "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}}},
        }


def chosen_agency(agencies: list[Agency], raw: str | None) -> Agency | None:
    """The agency of the filter (``?agency=<id>``) when it is in scope; ``None`` for the whole scope."""
    return next((a for a in agencies if str(a.id) == (raw or "").strip()), None)


def compute(user, today: dt.date, agency: str | None = None, *, now: dt.datetime | None = None) -> Board:
    """The board of ``user`` (legal, within scope) on ``today``, for the agency subtree ``agency`` (an id as text)
    or the whole scope."""
    now = now or clock.now()
    agencies = scoped_agencies(user)
    board = Board(today=today, agencies=agencies, chosen=chosen_agency(agencies, agency))
    condition = scope_condition(user, Officer.agency_id)
    if board.chosen is not None:
        condition = sa.and_(condition, Officer.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(board.chosen.path, autoescape=True))))
    live = (sa.select(Certificate.id).join(Officer, Officer.id == Certificate.officer_id)
            .where(Certificate.type == "enforcement", Certificate.status != "revoked", condition))
    _dues(board, condition, live)
    _suspended(board, condition)
    _revoked(board, condition, now)
    _per_agency(board)
    return board


def _dues(board: Board, condition, live) -> None:
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.number, Certificate.status, Certificate.first_issued_on,
                  Certificate.reviews_done, Certificate.update_tests_done, Officer.id.label("officer_id"),
                  Officer.name, Agency.id.label("agency_id"), Agency.short_name)
        .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Officer.agency_id)
        .where(Certificate.type == "enforcement", Certificate.status != "revoked", condition)).all()
    submitted = dict(db.session.execute(sa.select(Review.certificate_id, Review.submitted_at).where(
        Review.status == "submitted", Review.certificate_id.in_(live))).all())
    makeup = dict(db.session.execute(sa.select(UpdateTestRound.certificate_id, UpdateTestRound.makeup_until).where(
        UpdateTestRound.status == "makeup", UpdateTestRound.certificate_id.in_(live))).all())
    today = board.today
    for row in rows:
        for kind, day in (("review", due.review_due(row.first_issued_on, row.reviews_done)),
                          ("update_test", due.update_test_due(row.first_issued_on, row.update_tests_done))):
            overdue = due.is_overdue(day, today)
            if not overdue and not due.is_due_soon(day, today):
                continue
            pending = ""
            if kind == "review" and row.id in submitted:
                pending = f"已于{cn_date(submitted[row.id])}提交审核确认，待法制机构确认"
            elif kind == "update_test" and row.id in makeup:
                pending = f"首次未通过，补考期至{cn_date(makeup[row.id])}"
            line = DueLine(row.id, row.number, row.status, row.officer_id, row.name, row.agency_id, row.short_name,
                           kind, day, due.css_class(day, today), due.describe(day, today), pending)
            (board.overdue if overdue else board.due_soon).append(line)
    board.overdue.sort(key=lambda line: (line.due_on, line.kind, line.number))
    board.due_soon.sort(key=lambda line: (line.due_on, line.kind, line.number))


def _suspended(board: Board, condition) -> None:
    board.suspended = list(db.session.scalars(
        sa.select(Certificate).join(Officer, Officer.id == Certificate.officer_id)
        .where(Certificate.status == "suspended", condition)
        .options(selectinload(Certificate.holds))
        .order_by(Certificate.status_since, Certificate.number)))
    board.answered_holds = set(db.session.scalars(sa.select(Answer.hold_id).where(
        Answer.hold_id.in_(sa.select(Hold.id).join(Certificate, Certificate.id == Hold.certificate_id)
                           .join(Officer, Officer.id == Certificate.officer_id)
                           .where(Hold.lifted_at.is_(None), Certificate.status == "suspended", condition)))))


def _revoked(board: Board, condition, now: dt.datetime) -> None:
    since = now - dt.timedelta(days=REVOKED_DAYS)
    board.revoked = [RevokedLine(*row) for row in db.session.execute(
        sa.select(Certificate.number, Certificate.type, Officer.id, Officer.name, Agency.short_name,
                  Certificate.revoked_at, Certificate.revocation_kind)
        .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Officer.agency_id)
        .where(Certificate.status == "revoked", Certificate.revoked_at >= since, condition)
        .order_by(Certificate.revoked_at.desc(), Certificate.number))]


def _per_agency(board: Board) -> None:
    order = {a.id: position for position, a in enumerate(board.agencies)}
    names = {a.id: a.short_name for a in board.agencies}
    counts: dict[int, AgencyCounts] = {}

    def of(agency_id: int, name: str) -> AgencyCounts:
        return counts.setdefault(agency_id, AgencyCounts(names.get(agency_id, name)))

    for line in board.due_soon:
        of(line.agency_id, line.agency).due += 1
    for line in board.overdue:
        of(line.agency_id, line.agency).overdue += 1
    for certificate in board.suspended:
        of(certificate.officer.agency_id, certificate.officer.agency.short_name).suspended += 1
    board.per_agency = [counts[key] for key in sorted(counts, key=lambda key: (order.get(key, len(order)), key))]


# --- export ---------------------------------------------------------------------------------------------------

DUE_HEADERS = ["序号", "姓名", "单位", "证号", "事项", "到期日期", "情况", "证件状态", "办理进度"]
DUE_WIDTHS = [6, 10, 18, 18, 18, 12, 14, 10, 36]
HOLD_HEADERS = ["序号", "姓名", "单位", "证号", "证件类型", "暂扣原因", "类别", "暂扣时间", "法律依据", "暂扣人", "陈述申辩"]
HOLD_WIDTHS = [6, 10, 18, 18, 16, 22, 10, 18, 30, 14, 10]
REVOKED_HEADERS = ["序号", "姓名", "单位", "证号", "证件类型", "处理", "原因", "时间"]
REVOKED_WIDTHS = [6, 10, 18, 18, 16, 8, 26, 18]
STATUS_WORDS = {"active": "有效", "suspended": "暂扣"}


def _wall(moment: dt.datetime) -> dt.datetime:
    """A moment as naive Shanghai wall time (a spreadsheet cell has no time zone)."""
    return clock.local(moment).replace(tzinfo=None, microsecond=0)


def export_file(board: Board) -> tuple[bytes, str, str]:
    """The board's lists as an XLSX workbook (one sheet each): ``(bytes, mime type, file name)``."""
    workbook = openpyxl.Workbook(write_only=True)
    for title, lines in (("60天内到期", board.due_soon), ("已逾期", board.overdue)):
        sheet = exports.xlsx_sheet(workbook, title, DUE_HEADERS, DUE_WIDTHS)
        for position, line in enumerate(lines, start=1):
            sheet.append([position, line.officer_name, line.agency, line.number, line.kind_label, line.due_on,
                          line.note, STATUS_WORDS.get(line.status, line.status), line.pending])
    sheet = exports.xlsx_sheet(workbook, "暂扣", HOLD_HEADERS, HOLD_WIDTHS)
    position = 0
    for certificate in board.suspended:
        for hold in certificate.open_holds:
            position += 1
            sheet.append([position, certificate.officer.name, certificate.officer.agency.short_name,
                          certificate.number, certificate.type_label, hold.reason_label,
                          "系统暂扣" if hold.is_system else "人工暂扣", _wall(hold.placed_at), hold.legal_basis or "",
                          hold.placed_by_label, "有" if hold.id in board.answered_holds else ""])
    sheet = exports.xlsx_sheet(workbook, f"近{REVOKED_DAYS}天注销吊销撤销", REVOKED_HEADERS, REVOKED_WIDTHS)
    for position, line in enumerate(board.revoked, start=1):
        sheet.append([position, line.officer_name, line.agency, line.number, line.type_label, line.word,
                      line.label, _wall(line.revoked_at)])
    out = io.BytesIO()
    workbook.save(out)
    scope = f"{board.chosen.short_name}-" if board.chosen is not None else ""
    return out.getvalue(), XLSX, f"合规看板-{scope}截至{board.today.isoformat()}.xlsx"
