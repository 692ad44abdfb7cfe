"""Routine assessment pages: indicator templates, the quarterly score grid, histories, agency summary."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import clock, transaction
from portal.assessment import grading, results, scores, services
from portal.assessment.models import GROUPS, IndicatorTemplate
from portal.auth.access import (
    agencies_in_scope,
    current_actor,
    get_in_scope_or_404,
    in_scope,
    require,
    scope_paths,
    scoped_agencies,
)
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import MAX_ID, int_arg, parse_id
from portal.officers.models import Officer

bp = Blueprint("assessment", __name__, template_folder="templates")

BLANK_ROWS = 5  # rows per group on a new template's form
MORE_ROWS = 3  # rows added per group by 增加空行
MAX_ROWS = 40  # rows per group a form may carry
GRADE_COLOURS = {"good": "#1e7e34", "fairly_good": "#0b5ed7", "average": "#b06f00", "poor": "#b3261e"}


def _int_arg(name: str, default: int, lowest: int, highest: int) -> int:
    """A whole-number query argument within bounds; absent means ``default``, anything else is a 404."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    value = parse_id(raw)
    if value is None or not lowest <= value <= highest:
        abort(404)
    return value


def _chosen_agency(agencies, required: bool):
    """The agency named by ``?agency=`` (404 outside the scope); else the first in scope, or None."""
    raw = request.args.get("agency", "").strip()
    if not raw:
        return agencies[0] if required and agencies else None
    agency_id = parse_id(raw)
    chosen = next((agency for agency in agencies if agency.id == agency_id), None)
    if chosen is None:
        abort(404)
    return chosen


# --------------------------------------------------------------------------------------------------- templates

def _above_scope() -> set[int]:
    """The jurisdictions above the account's scope nodes: their templates apply to its agencies (read only)."""
    paths = scope_paths(current_user) or []
    return {int(part) for path in paths for part in path.strip("/").split("/")[:-1] if part}


def _visible():
    """A condition on templates the account may read: of its scope (its own to keep) or above it."""
    if current_user.role == "admin":
        return sa.true()
    return sa.or_(IndicatorTemplate.agency_id.in_(agencies_in_scope(current_user)),
                  IndicatorTemplate.agency_id.in_(_above_scope() or {-1}))


def _template_or_404(template_id: int | None, keep: bool = False) -> IndicatorTemplate:
    """A template the account may read (``keep``: change), else 404 — a template of another jurisdiction, or of one
    above the account's scope when it would change it, is not the account's."""
    template = db.session.scalar(sa.select(IndicatorTemplate).where(IndicatorTemplate.id == (template_id or 0),
                                                                    _visible()))
    if template is None or (keep and not in_scope(current_user, template.agency_id)):
        abort(404)
    return template


@bp.route("/assessment/templates")
@require("legal", "admin")
def templates():
    """The templates of the account's jurisdictions and of those above them, newest first, with their group sums
    and the quarters that use them; only the account's own can be changed."""
    rows = db.session.scalars(sa.select(IndicatorTemplate).where(_visible())
                              .order_by(IndicatorTemplate.created_at.desc(), IndicatorTemplate.id.desc())).all()
    creators = dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_({t.created_by for t in rows if t.created_by}))).all()) if rows else {}
    own = {t.id for t in rows if in_scope(current_user, t.agency_id)}
    return render_template("assessment/templates.html", templates=rows, usage=services.template_usage(),
                           creators=creators, current=set(services.current_of({t.agency_id for t in rows}).values()),
                           own=own, weights=grading.group_weights(), grouped=services.grouped,
                           label=results.quarter_label)


@bp.route("/assessment/templates/<int:template_id>")
@require("legal", "admin")
def template_detail(template_id: int):
    """One template: its jurisdiction, its indicators by group and the quarters scored with it."""
    template = _template_or_404(template_id)
    usage = services.template_usage().get(template.id, [])
    current = services.current_of([template.agency_id]).get(template.agency_id)
    return render_template("assessment/template_detail.html", template=template, usage=usage,
                           groups=services.grouped(template.indicators), current={current},
                           own=in_scope(current_user, template.agency_id),
                           weights=grading.group_weights(), label=results.quarter_label,
                           creator=db.session.get(User, template.created_by) if template.created_by else None)


def _rows_of(template: IndicatorTemplate | None) -> dict[str, list[services.IndicatorRow]]:
    """A template's indicators as form rows, with blank rows after them."""
    rows: dict[str, list[services.IndicatorRow]] = {group: [] for group in GROUPS}
    for indicator in (template.indicators if template else []):
        group_rows = rows[indicator.group]
        group_rows.append(services.IndicatorRow(indicator.group, len(group_rows), indicator.name,
                                                str(indicator.weight)))
    for group, group_rows in rows.items():
        wanted = max(BLANK_ROWS, len(group_rows) + 2)
        group_rows.extend(services.IndicatorRow(group, i, "", "") for i in range(len(group_rows), wanted))
    return rows


def _posted_rows(extra: int = 0) -> dict[str, list[services.IndicatorRow]]:
    """The rows as typed (every group's count comes with the form), plus ``extra`` blank ones per group."""
    rows: dict[str, list[services.IndicatorRow]] = {}
    for group in GROUPS:
        count = min(int_arg(request.form, f"{group}-rows", 1, 1, MAX_ROWS) + extra, MAX_ROWS)
        rows[group] = [services.IndicatorRow(group, i, request.form.get(f"{group}-{i}-name", ""),
                                             request.form.get(f"{group}-{i}-weight", "")) for i in range(count)]
    return rows


def _typed_sums(rows: dict[str, list[services.IndicatorRow]]) -> dict[str, int | None]:
    """Each group's sum of the weights as typed (``None`` while a weight is not a whole number)."""
    sums: dict[str, int | None] = {}
    for group, group_rows in rows.items():
        total = 0
        for row in group_rows:
            weight = unicodedata.normalize("NFKC", row.weight or "").strip()
            if not weight:
                continue
            if not weight.isascii() or not weight.isdigit():
                total = None
                break
            total += int(weight)
        sums[group] = total
    return sums


def _template_form(template: IndicatorTemplate | None, source: IndicatorTemplate | None = None):
    """New (``template`` None, optionally copying ``source``) or edit; the form posts every row. A new template's
    jurisdiction is chosen among the agencies in the account's scope (its first scope node by default)."""
    jurisdictions = scoped_agencies(current_user) if template is None else [template.agency]
    jurisdiction = jurisdictions[0] if jurisdictions else None
    if template is None and request.method == "POST" and request.form.get("agency"):
        chosen = parse_id(request.form.get("agency"))
        jurisdiction = next((a for a in jurisdictions if a.id == chosen), None)
        if jurisdiction is None:
            abort(404)
    if jurisdiction is None:
        abort(404)
    name = template.name if template else ""
    rows = _rows_of(template or source)
    errors: dict[str, str] = {}
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        name = request.form.get("name", "")
        if "more" in request.form:
            rows = _posted_rows(MORE_ROWS)
        else:
            rows = _posted_rows()
            typed = [row for group_rows in rows.values() for row in group_rows]
            try:
                try:
                    with transaction.attempt():
                        if template is None:
                            saved = services.create_template(current_actor(), jurisdiction, name, typed, clock.now())
                        else:
                            saved = services.update_template(current_actor(), template, name, typed, clock.now())
                except IntegrityError:
                    # the same name committed by someone else, or scores arrived for the template meanwhile
                    raise DomainError("conflict", "保存时与他人的操作冲突（模板名称已被占用，或模板刚被用于考核），"
                                      "本次未保存，请检查后重试。", status=409) from None
            except DomainError as err:
                status = err.status
                for item in err.items:
                    errors.setdefault(item["field"], item["message"])
                messages = [item["message"] for item in err.items] or [err.message]
            else:
                flash(f"指标模板“{saved.name}”已保存。" if template else
                      f"已新建指标模板“{saved.name}”，尚未考核的季度将使用它。", "success")
                return redirect(url_for("assessment.template_detail", template_id=saved.id))
    return render_template("assessment/template_form.html", template=template, source=source, name=name,
                           jurisdictions=jurisdictions, jurisdiction=jurisdiction, rows=rows, errors=errors, messages=messages, weights=grading.group_weights(),
                           sums=_typed_sums(rows), groups=GROUPS), status


@bp.route("/assessment/templates/new", methods=["GET", "POST"])
@require("legal", "admin")
def new_template():
    """A new template (``?from=<id>`` starts from an existing one's indicators)."""
    source = _template_or_404(parse_id(request.args.get("from"))) if request.args.get("from") else None
    return _template_form(None, source)


@bp.route("/assessment/templates/<int:template_id>/edit", methods=["GET", "POST"])
@require("legal", "admin")
def edit_template(template_id: int):
    """Change a template of the account's own jurisdictions that no score uses yet; a used one answers 409 with the
    way forward."""
    template = _template_or_404(template_id, keep=True)
    if services.template_in_use(template.id):
        return render_template("assessment/template_locked.html", template=template,
                               message=services.in_use_message(template)), 409
    return _template_form(template)


@bp.route("/assessment/templates/<int:template_id>/active", methods=["POST"])
@require("legal", "admin")
def set_template_active(template_id: int):
    """Activate (``active=1``) or deactivate (``active=0``) a template of the account's own jurisdictions."""
    template = _template_or_404(template_id, keep=True)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    if services.set_active(current_actor(), template, wanted == "1", clock.now()):
        flash(f"已启用指标模板“{template.name}”。" if wanted == "1" else
              f"已停用指标模板“{template.name}”：已用它考核的季度不受影响，新季度不再使用它。", "success")
    if request.form.get("next") == "list":
        return redirect(url_for("assessment.templates"))
    return redirect(url_for("assessment.template_detail", template_id=template.id))


# -------------------------------------------------------------------------------------------------------- grid

_CELL = re.compile(r"s-([0-9]{1,10})-([0-9]{1,10})", re.ASCII)


def _posted_cells() -> dict[int, dict[int, str]]:
    """``{officer_id: {indicator_id: typed}}`` from the grid form: every row listed in ``officer`` fields, and
    every cell named ``s-<officer>-<indicator>``."""
    cells: dict[int, dict[int, str]] = {}
    for raw in request.form.getlist("officer"):
        officer_id = parse_id(raw)
        if officer_id is None:
            abort(400)
        cells.setdefault(officer_id, {})
    for key, value in request.form.items(multi=True):
        match = _CELL.fullmatch(key)
        if match is None:
            continue
        officer_id, indicator_id = int(match.group(1)), int(match.group(2))
        if officer_id > MAX_ID or indicator_id > MAX_ID:
            abort(400)
        cells.setdefault(officer_id, {})[indicator_id] = value
    return cells


@bp.route("/assessment/grid", methods=["GET", "POST"])
@require("hr")
def grid():
    """The score grid of one agency (``?agency=``) and quarter (``?year=&quarter=``): officers × indicators."""
    today = clock.today()
    agencies = scoped_agencies(current_user)
    agency = _chosen_agency(agencies, required=True)
    this_year, this_quarter = results.quarter_of(today)
    year = _int_arg("year", this_year, results.FIRST_YEAR, this_year)
    quarter = _int_arg("quarter", this_quarter, 1, 4)
    here = url_for("assessment.grid", agency=agency.id if agency else None, year=year, quarter=quarter)
    cell_errors: dict[str, str] = {}
    messages: list[str] = []
    status = 200
    error = None
    typed: dict[str, str] = {}
    if request.method == "POST":
        if agency is None:
            abort(404)
        template_id = parse_id(request.form.get("template"))
        if template_id is None:
            abort(400)
        cells = _posted_cells()
        typed = {f"s-{o}-{i}": value for o, row in cells.items() for i, value in row.items()}
        try:
            try:
                with transaction.attempt():
                    result = scores.save_grid(current_actor(), agency, year, quarter, template_id, cells,
                                              clock.now())
            except IntegrityError:  # another save of the same cells committed between our read and our write
                raise DomainError("conflict", "其他人刚刚保存了同一张表，本次填写未保存。请重新打开本页核对后再录入。",
                                  status=409) from None
        except DomainError as err:
            status = err.status
            for item in err.items:
                cell_errors.setdefault(item["field"], item.get("reason") or item["message"])
            messages = [item["message"] for item in err.items]
            error = err.message
        else:
            if result.changes:
                flash(f"已保存{agency.short_name}{results.quarter_label(year, quarter)}的考核分数：新增 {result.added} 项，"
                      f"修改 {result.changed} 项，清除 {result.removed} 项。", "success")
            else:
                flash("没有修改任何分数。", "info")
            return redirect(here)
    sheet = scores.load_grid(agency, year, quarter, today) if agency else None
    if sheet is not None:
        sheet.values.update(typed)
    return render_template(
        "assessment/grid.html", agencies=agencies, agency=agency, sheet=sheet, year=year, quarter=quarter,
        years=range(this_year, results.FIRST_YEAR - 1, -1), cell_errors=cell_errors, messages=messages,
        error=error, here=here, thresholds=grading.thresholds(),
        row_errors={f: m for f, m in cell_errors.items() if f.startswith("officer-")},
        first_error=next((f for f in cell_errors if f.startswith("s-")), None)), status


# ------------------------------------------------------------------------------------------------- histories

def _history_chart(entries) -> dict | None:
    points = [entry.result for entry in reversed(entries) if entry.result.complete]
    if len(points) < 2:
        return None
    return {"type": "line",
            "data": {"labels": [p.label for p in points],
                     "datasets": [{"label": "加权总分", "data": [float(p.total) for p in points],
                                   "borderColor": "#1f3a5f", "backgroundColor": "#1f3a5f", "tension": 0}]},
            "options": {"scales": {"y": {"suggestedMin": 50, "suggestedMax": 100}}}}


def _history(officer: Officer, own: bool):
    entries = results.officer_history(officer.id)
    return render_template("assessment/history.html", officer=officer, entries=entries, own=own,
                           chart=_history_chart(entries), thresholds=grading.thresholds(), grades=grading.GRADES)


@bp.route("/officers/<int:officer_id>/assessment")
@require("hr", "legal")
def officer_history(officer_id: int):
    """An officer's quarters (HR and legal in scope; 404 outside it)."""
    return _history(get_in_scope_or_404(Officer, officer_id), own=False)


@bp.route("/me/assessment")
@require("officer")
def mine():
    """The officer's own quarters."""
    return _history(current_user.officer, own=True)


# ---------------------------------------------------------------------------------------------------- summary

@bp.route("/assessment/summary")
@require("hr", "legal")
def summary():
    """Per quarter of a year, how many officers of each agency in scope got each grade, with a chart."""
    today = clock.today()
    agencies = scoped_agencies(current_user)
    chosen = _chosen_agency(agencies, required=False)
    year = _int_arg("year", today.year, results.FIRST_YEAR, today.year)
    shown = [a for a in agencies if chosen is None or a.path.startswith(chosen.path)]
    ids = [a.id for a in shown]
    data = results.agency_summary(ids, year) if ids else {}
    on_duty = dict(db.session.execute(
        sa.select(Officer.agency_id, sa.func.count()).where(Officer.agency_id.in_(ids), Officer.status == "on_duty")
        .group_by(Officer.agency_id)).all()) if ids else {}
    quarters = []
    for quarter in range(1, 5):
        rows = [(agency, data[agency.id][quarter]) for agency in shown if quarter in data.get(agency.id, {})]
        total = results.SummaryCell()
        for _, cell in rows:
            total.add(cell)
        quarters.append((quarter, results.quarter_label(year, quarter), rows, total))
    chart = {
        "type": "bar",
        "data": {"labels": [f"第{results.QUARTER_NAMES[q - 1]}季度" for q in range(1, 5)],
                 "datasets": [{"label": label, "data": [getattr(total, code) for _, _, _, total in quarters],
                               "backgroundColor": GRADE_COLOURS[code]} for code, label in grading.GRADES.items()]},
        "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True,
                                                             "ticks": {"precision": 0}}},
                    "plugins": {"legend": {"display": True, "position": "bottom"}}},
    }
    return render_template("assessment/summary.html", agencies=agencies, chosen=chosen, year=year, quarters=quarters,
                           on_duty=on_duty, shown=shown, chart=chart, grades=grading.GRADES,
                           thresholds=grading.thresholds(), years=range(today.year, results.FIRST_YEAR - 1, -1),
                           any_data=any(rows for _, _, rows, _ in quarters))
