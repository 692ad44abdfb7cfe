"""Result registry (考试结果登记) and its export; an exam's results; item analysis (legal office).

Legal and HR read the registry of the officers in their scope; an exam's results page and its item analysis
belong to the legal office whose scope holds the exam (another exam answers 404). Officers and admin: 403.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from exams.papers.models import Exam
from exams.results import analysis, export, services
from exams.results.forms import RegistryFilterForm
from portal import background, clock, exports
from portal.auth.access import current_actor, in_scope, require
from portal.extensions import db
from portal.forms import apply_errors, page_number, page_size, paginate_list

bp = Blueprint("results", __name__, template_folder="templates")



def _exam_in_scope_or_404(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or not in_scope(current_user, exam.agency_id):
        abort(404)
    return exam


# --- the registry ---------------------------------------------------------------------------------------------

@bp.route("/exams/results")
@require("hr", "legal")
def registry():
    """考试结果登记: final attempts of the officers in scope, newest first; filters in the URL."""
    filters = services.Filters.from_args(request.args)
    query, problems = services.registry_query(current_user, filters)
    form = RegistryFilterForm(request.args)
    form.exam.choices = [("", "全部考试")] + services.exam_choices(current_user)
    form.agency.choices = [("", "全部单位")] + services.agency_choices(current_user)
    apply_errors(form, problems)
    page = services.QueryPagination(page=page_number(request.args), per_page=page_size(), error_out=False,
                                    query=query)
    return render_template("results/registry.html", form=form, page=page, filters=filters,
                           sync_max=export.SYNC_MAX_ROWS)


@bp.route("/exams/results/export", methods=["POST"], endpoint="export")
@require("hr", "legal")
def export_registry():
    """The registry (with its filters) as XLSX; more than 2,000 rows become a background job."""
    filters = services.Filters.from_args(request.form)
    query, _ = services.registry_query(current_user, filters)
    now = clock.now()
    total = services.count(query)
    if total > export.SYNC_MAX_ROWS:
        job = background.enqueue(current_actor(), export.JOB_KIND, f"导出考试结果登记（{total} 条）",
                                 {"filters": filters.as_dict(), "at": now.isoformat()}, now=now)
        return redirect(url_for("results.export_job", export_id=job.id))
    data, mime, filename = export.export_file(services.rows_of(db.session.execute(query)), now)
    return exports.file_response(data, mime, filename, "exam-results.xlsx")


@bp.route("/exams/results/exports/<int:export_id>")
@require("hr", "legal")
def export_job(export_id: int):
    """A large export's progress, then its file (only for the account that asked for it)."""
    return render_template("results/export_job.html",
                           job=exports.owned_job_or_404(export_id, export.JOB_KIND, current_user))


@bp.route("/exams/results/exports/<int:export_id>/file")
@require("hr", "legal")
def export_download(export_id: int):
    """The file of a finished export job (only for the account that asked for it)."""
    return exports.download(exports.owned_job_or_404(export_id, export.JOB_KIND, current_user))


# --- one exam -------------------------------------------------------------------------------------------------

@bp.route("/exams/<int:exam_id>/results")
@require("legal")
def exam_results(exam_id: int):
    """One exam's results: counts (first attempts and makeups), the distribution of the candidates' best
    results (chart and table), and each candidate's best and last result."""
    exam = _exam_in_scope_or_404(exam_id)
    summary = services.exam_summary(exam)
    chart = {"type": "bar",
             "data": {"labels": [label for label, _, _ in summary.bins],
                      "datasets": [{"label": "人数", "data": [n for _, _, n in summary.bins]}]},
             "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}}}
    page = paginate_list(summary.candidates)
    return render_template("results/exam_results.html", exam=exam, summary=summary, chart=chart, page=page,
                           closed=exam.has_closed(clock.now()))


@bp.route("/exams/<int:exam_id>/analysis", endpoint="analysis")
@require("legal")
def analysis_page(exam_id: int):
    """Item analysis over the first attempts, once the window has closed (before: a note with the closing
    time)."""
    exam = _exam_in_scope_or_404(exam_id)
    closed = exam.has_closed(clock.now())
    sort = request.args.get("sort", "question")
    if sort.lstrip("-") not in analysis.SORTS:
        sort = "question"
    lines, attempts = analysis.gather(exam.id) if closed else ([], 0)
    return render_template("results/analysis.html", exam=exam, closed=closed, sort=sort, attempts=attempts,
                           lines=analysis.sort_lines(lines, sort), floor=analysis.EFFICIENCY_FLOOR,
                           figure=analysis.figure)


@bp.route("/exams/<int:exam_id>/analysis/export", methods=["POST"])
@require("legal")
def analysis_export(exam_id: int):
    """The item analysis as XLSX (only once the window has closed)."""
    exam = _exam_in_scope_or_404(exam_id)
    if not exam.has_closed(clock.now()):
        return redirect(url_for("results.analysis", exam_id=exam.id))
    lines, _ = analysis.gather(exam.id)
    data, mime, filename = export.analysis_file(exam, lines)
    return exports.file_response(data, mime, filename, f"item-analysis-{exam.id}.xlsx")
