"""Large imports run as background jobs through the same engine."""
from __future__ import annotations

from portal import audit, clock
from portal.auth.models import User
from portal.background import Job, Progress, handler
from portal.extensions import db
from portal.imports import engine


@handler("import")
def run_import_job(job: Job, progress: Progress) -> dict:
    """Run an uploaded file (the job's payload) through its import kind, as the user who uploaded it."""
    kind = engine.KINDS[job.params["kind"]]
    user = db.session.get(User, job.created_by) if job.created_by else None
    actor = audit.Actor(user.id if user else None, f"{user.username if user else 'system'}（后台作业 #{job.id}）",
                        name=f"{user.display_name}（后台作业）" if user else "")
    context = engine.Context(actor=actor, user=user, now=clock.now(), filename=job.params["filename"],
                             progress=progress.update)
    return engine.run(kind, job.params["filename"], job.payload, context)
