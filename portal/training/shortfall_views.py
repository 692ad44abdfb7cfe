"""Training pages on the ``training`` blueprint: the shortfall list (on-duty officers short of this year's
requirement, filtered within the account's scope) and its export — XLSX or CSV at once, or a background job for
more than :data:`portal.training.shortfall.SYNC_MAX_ROWS` rows, whose file only the account that asked can fetch.

``create_app`` imports this module so that its routes are added to the blueprint before it is registered.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from portal import background, clock, exports
from portal.auth.access import current_actor, require
from portal.forms import paginate_list
from portal.training import requirements, shortfall
from portal.training.forms import ShortfallFilterForm
from portal.training.views import bp

# --- the shortfall list ---------------------------------------------------------------------------------------

@bp.route("/training/shortfall")
@require("hr", "legal")
def shortfall_list():
    """On-duty officers in scope short of this year's requirement: hours per category against the minimums."""
    today = clock.today()
    filters = shortfall.Filters.from_args(request.args)
    lines, agencies = shortfall.compute(current_user, today, filters)
    form = ShortfallFilterForm(request.args)
    form.agency.choices = [("", "全部单位")] + [(str(a.id), "\u3000" * a.depth + a.short_name) for a in agencies]
    page = paginate_list(lines)
    summary = shortfall.summary(lines)
    chart = {
        "type": "bar",
        "data": {"labels": [label for label, _ in summary["per_part"]],
                 "datasets": [{"label": "未达标人数", "data": [n for _, n in summary["per_part"]]}]},
        "options": {"indexAxis": "y"},
    }
    agency_chart = {
        "type": "bar",
        "data": {"labels": [name for name, _ in summary["per_agency"][:20]],
                 "datasets": [{"label": "未达标人数", "data": [n for _, n in summary["per_agency"][:20]]}]},
        "options": {"indexAxis": "y"},
    }
    return render_template("training/shortfall.html", form=form, page=page, filters=filters, summary=summary,
                           chart=chart, agency_chart=agency_chart, need=requirements.minimums("annual"),
                           year=today.year, sync_max=shortfall.SYNC_MAX_ROWS)


@bp.route("/training/shortfall/export", methods=["POST"])
@require("hr", "legal")
def shortfall_export():
    """The list (with its filters) as XLSX or CSV; more than 2,000 rows become a background job."""
    fmt = request.form.get("format", "xlsx")
    if fmt not in shortfall.FORMATS:
        abort(400)
    today = clock.today()
    filters = shortfall.Filters.from_args(request.form)
    lines, _ = shortfall.compute(current_user, today, filters)
    if len(lines) > shortfall.SYNC_MAX_ROWS:
        job = background.enqueue(current_actor(), shortfall.JOB_KIND,
                                 f"导出{today.year}年培训未达标人员（{fmt.upper()}，{len(lines)} 人）",
                                 {"filters": filters.as_dict(), "format": fmt, "on": today.isoformat()},
                                 now=clock.now())
        return redirect(url_for("training.export_job", job_id=job.id))
    data, mime, filename = shortfall.export_file(lines, fmt, today)
    return exports.file_response(data, mime, filename, "training-shortfall." + filename.rsplit(".", 1)[-1])


@bp.route("/training/exports/<int:job_id>")
@require("hr", "legal")
def export_job(job_id: int):
    """A large export's progress, then its file (only for the account that asked for it)."""
    job = exports.owned_job_or_404(job_id, shortfall.JOB_KIND, current_user)
    return render_template("training/export_job.html", job=job)


@bp.route("/training/exports/<int:job_id>/file")
@require("hr", "legal")
def export_download(job_id: int):
    """The exported file of a finished export job (only for the account that asked for it)."""
    return exports.download(exports.owned_job_or_404(job_id, shortfall.JOB_KIND, current_user))
