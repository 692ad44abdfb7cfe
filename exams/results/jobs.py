"""The results package's background job: the registry's export (registered by ``create_app``)."""
from __future__ import annotations

import datetime as dt

from exams.results import services
from exams.results.export import JOB_KIND, export_file
from portal import background, exports
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db


@exports.register(JOB_KIND, "exam-results")
def run_export(job: background.Job, progress: background.Progress) -> dict:
    """Export the registry as the user who asked for it would see it now (same filters, same scope); the file
    is kept in the job's result for its owner to download."""
    user = db.session.get(User, job.created_by) if job.created_by else None
    if user is None or not user.active:
        raise DomainError("export_no_user", "提交导出的账户已停用，未生成文件")
    query, _ = services.registry_query(user, services.Filters(**job.params["filters"]))
    total = services.count(query)
    progress.update(5, 100, f"正在导出 {total} 条成绩……")
    rows = (services.Row(*values) for values in db.session.execute(query.execution_options(yield_per=1000)))
    data, mime, filename = export_file(
        rows, dt.datetime.fromisoformat(job.params["at"]), total,
        progress=lambda done, total, message=None: progress.update(5 + int(90 * done / max(total, 1)), 100, message))
    return exports.file_result(data, mime, filename, total)
