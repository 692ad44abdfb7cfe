"""Compliance pages: an officer's qualification page 资格状态 (legal and HR within scope) and the legal office's
compliance board 合规看板 with its XLSX export (legal within scope). Read-only: the actions live on the
certificate page (``register.detail``), which these pages link to."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from certificates import due
from certificates.compliance import board as boards
from certificates.compliance import record
from certificates.models import HOLD_REASONS, REVOCATION_KINDS, CertificateEvent
from portal import clock, exports
from portal.auth.access import get_in_scope_or_404, require
from portal.officers.models import Officer
from portal.orgs.entrustment import services as entrustment

bp = Blueprint("compliance", __name__, template_folder="templates")

ACTIONS = {"issue": "发证", "reissue": "补发", "renewal": "换发", "hold": "暂扣", "lift": "解除暂扣", "revoke": "失效"}


@bp.context_processor
def _helpers():
    def event_reason(event: CertificateEvent) -> str:
        if event.action in ("hold", "lift"):
            return HOLD_REASONS.get(event.reason or "", "")
        if event.action == "revoke":
            return REVOCATION_KINDS.get(event.reason or "", "")
        return ""

    return {"css_due": due.css_class, "describe_due": due.describe, "event_reason": event_reason,
            "event_actions": ACTIONS}


@bp.route("/officers/<int:officer_id>/qualification")
@require("hr", "legal")
def qualification(officer_id: int):
    """May this officer enforce today, may they preside over a hearing today, and if not why; their certificates
    with holds and written answers, history, due dates, training, exams, grades and the cycle work under way."""
    officer = get_in_scope_or_404(Officer, officer_id)
    today = clock.today()
    agency = officer.agency
    # an entrusted party acts in the entrusting body's name, and never by 行政强制措施 (行政强制法第十七条第一款)
    entrusted = entrustment.acts_in_entrusting_name(agency, today)
    agreement = entrustment.in_force_for(agency.id, today) if entrusted else None
    return render_template("compliance/qualification.html", record=record.build(officer, today),
                           entrusted=entrusted, agreement=agreement)


@bp.route("/compliance")
@require("legal")
def board():
    """Reviews and update tests due within 60 days and overdue, suspended certificates with their holds and the
    revocations of the last 90 days, by agency, within scope."""
    found = boards.compute(current_user, clock.today(), request.args.get("agency"))
    return render_template("compliance/board.html", board=found, chart=found.chart(), counts=found.counts)


@bp.route("/compliance/export.xlsx")
@require("legal")
def export():
    """The board's lists (with its agency filter) as an XLSX workbook, one sheet per list."""
    found = boards.compute(current_user, clock.today(), request.args.get("agency"))
    data, mime, filename = boards.export_file(found)
    return exports.file_response(data, mime, filename, "compliance-board.xlsx")
