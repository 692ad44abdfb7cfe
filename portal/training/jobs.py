"""The training package's background job: the shortfall list's export (registered by ``create_app``)."""
from __future__ import annotations

import datetime as dt

from portal import background, exports
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.training.shortfall import JOB_KIND, Filters, compute, export_file


@exports.register(JOB_KIND, "training-shortfall")
def run_export(job: background.Job, progress: background.Progress) -> dict:
    """Export the list as the user who asked for it saw it (same filters, same day); the file is kept in the
    job's result for its owner to download."""
    user = db.session.get(User, job.created_by) if job.created_by else None
    if user is None or not user.active:
        raise DomainError("export_no_user", "提交导出的账户已停用，未生成文件")
    today = dt.date.fromisoformat(job.params["on"])
    progress.update(5, 100, "正在计算培训学时……")
    lines, _ = compute(user, today, Filters(**job.params["filters"]))
    data, mime, filename = export_file(lines, job.params["format"], today,
                                       progress=lambda done, total, message=None: progress.update(
                                           10 + int(85 * done / max(total, 1)), 100, message))
    return exports.file_result(data, mime, filename, len(lines))
