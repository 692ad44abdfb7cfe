"""The upload page for every import kind, and its templates."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal import background, clock, policy, transaction
from portal.auth.access import current_actor, require
from portal.errors import DomainError
from portal.forms import Form
from portal.imports import engine, reading

bp = Blueprint("imports", __name__, template_folder="templates")

#: files up to this size are imported during the request; larger ones become a background job with progress
SYNC_MAX_BYTES = 64 * 1024


def _kind(name: str) -> engine.Kind:
    kind = engine.KINDS.get(name)
    if kind is None:
        abort(404)
    if current_user.role not in kind.roles:
        abort(403)
    return kind


@bp.route("/imports/<kind_name>", methods=["GET", "POST"])
@require("hr", "legal", "admin")
def upload(kind_name: str):
    """Upload a spreadsheet: small files are imported at once, large ones by a background job with progress."""
    kind = _kind(kind_name)
    form = Form()
    result, failure, status = None, None, 200
    if form.validate_on_submit():
        upload_file = request.files.get("file")
        data = upload_file.read() if upload_file else b""
        filename = (upload_file.filename if upload_file else "") or "未命名文件"
        try:
            with transaction.attempt():
                if upload_file is None or not upload_file.filename:
                    raise DomainError("import_no_file", "请选择要导入的文件", status=422)
                reading.precheck(data)  # too large, empty or .xls: refused now rather than by a queued job
                if len(data) > SYNC_MAX_BYTES:
                    job = background.enqueue(current_actor(), "import", f"导入{kind.label}：{filename}",
                                             {"kind": kind.name, "filename": filename}, payload=data, now=clock.now())
                    return redirect(url_for("jobs.detail", job_id=job.id))
                context = engine.Context(actor=current_actor(), user=current_user._get_current_object(),
                                         now=clock.now(), filename=filename)
                result = engine.run(kind, filename, data, context)
        except DomainError as err:
            failure, status = err, err.status
    return render_template("imports/upload.html", kind=kind, form=form, result=result, failure=failure,
                           max_mb=policy.get("imports.max_mb")), status


def _template_file(kind_name: str, fmt: str, sample: bool):
    kind = _kind(kind_name)
    if fmt == "xlsx":
        body = engine.template_xlsx(kind, sample=sample)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, mime = engine.template_csv(kind, sample=sample), "text/csv; charset=utf-8"
    else:
        abort(404)
    response = make_response(body)
    response.headers["Content-Type"] = mime
    filename = f"{kind.label}导入{'示例' if sample else '模板'}.{fmt}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{kind.name}-{'sample' if sample else 'template'}.{fmt}\"; "
        f"filename*=UTF-8''{quote(filename)}")
    return response


@bp.route("/imports/<kind_name>/template.<fmt>")
@require("hr", "legal", "admin")
def template(kind_name: str, fmt: str):
    """The template of a kind, as XLSX or CSV: the header row and the notes."""
    return _template_file(kind_name, fmt, sample=False)


@bp.route("/imports/<kind_name>/sample.<fmt>")
@require("hr", "legal", "admin")
def sample(kind_name: str, fmt: str):
    """The template filled with a few example rows, as XLSX or CSV, to show what a filled file looks like."""
    return _template_file(kind_name, fmt, sample=True)
