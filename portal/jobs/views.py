"""A background job's page (progress bar, then the outcome) and its JSON for polling."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user

from portal.auth.access import require
from portal.background import Job
from portal.errors import DomainError
from portal.extensions import db

bp = Blueprint("jobs", __name__, template_folder="templates")


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by != current_user.id and current_user.role != "admin"):
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@require("hr", "legal", "admin")
def detail(job_id: int):
    """The job's progress while it runs (the page refreshes itself), its result or its errors when done."""
    job = _own_job(job_id)
    failure = DomainError("job_failed", job.error, items=(job.result or {}).get("items")) if job.status == "failed" else None
    return render_template("jobs/detail.html", job=job, failure=failure)


@bp.route("/jobs/<int:job_id>.json")
@require("hr", "legal", "admin")
def status(job_id: int):
    """The job's state for the progress bar."""
    job = _own_job(job_id)
    state = job.as_dict()
    if job.status == "failed" and state["result"]:
        state["result"] = {"errors": len(state["result"].get("items") or [])}
    return jsonify(state)
