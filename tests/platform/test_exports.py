"""portal.exports, the machinery shared by the features that export a list through a background job: the file
packed into the job's result, the owner-only lookup, the download and the daily expiry of every export kind."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from portal import audit, background, clock, exports, scheduler
from portal.extensions import db

# the two features' kinds (their modules are imported by the app)
TRAINING, RESULTS = "training_shortfall_export", "exam_results_export"


def finished(owner, kind: str, data: bytes = b"a,b\r\n", filename: str = "名单.csv",
             at: dt.datetime | None = None) -> background.Job:
    """A succeeded export job of ``kind`` of ``owner`` holding ``data``, committed."""
    now = at or clock.now()
    job = background.enqueue(audit.Actor(owner.id, owner.login_name), kind, "导出（测试）", {"filters": {}}, now=now)
    job.status, job.progress, job.finished_at = "succeeded", 100, now
    job.result = exports.file_result(data, "text/csv; charset=utf-8", filename, 1)
    db.session.commit()
    return job


def test_pack_and_unpack_round_trip():
    data = bytes(range(256)) * 100 + "培训未达标".encode()
    text = exports.pack(data)
    assert text.isascii() and len(text) < len(data)
    assert exports.unpack(text) == data
    result = exports.file_result(data, "application/octet-stream", "名单.xlsx", 7)
    assert result == {"filename": "名单.xlsx", "mime": "application/octet-stream", "count": 7, "size": len(data),
                      "file": text}


def test_both_features_register_their_export_kinds():
    assert {TRAINING, RESULTS} <= set(exports.KINDS)
    assert {TRAINING, RESULTS} <= set(background.HANDLERS)
    job = background.SCHEDULED[exports.EXPIRE_JOB]
    assert job.label == "清理过期的导出文件" and job.cron == {"hour": 3, "minute": 20}
    assert not {"training_exports_expire", "exam_results_exports_expire"} & set(background.SCHEDULED)


def test_only_the_owner_gets_the_job_and_only_of_its_kind(world, frozen):
    job = finished(world.hr, TRAINING)
    assert exports.owned_job_or_404(job.id, TRAINING, world.hr) is job
    for user, kind, job_id in ((world.legal_city, TRAINING, job.id), (world.hr, RESULTS, job.id),
                               (world.hr, TRAINING, job.id + 100), (None, TRAINING, job.id)):
        with pytest.raises(NotFound):
            exports.owned_job_or_404(job_id, kind, user)


def test_the_download_names_the_file_in_chinese_and_in_ascii(app, world, frozen):
    job = finished(world.hr, TRAINING, b"x,y\r\n", "培训未达标人员-2026年.csv")
    with app.test_request_context():
        response = exports.download(job)
    assert response.status_code == 200 and response.data == b"x,y\r\n"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="training-shortfall.csv"; filename*=UTF-8\'\'')
    assert "%E5%9F%B9%E8%AE%AD" in disposition  # 培训
    assert response.headers["Cache-Control"] == "private, no-store"


def test_one_run_expires_the_files_of_every_kind_once(world, frozen):
    start = clock.now()
    old = [finished(world.hr, TRAINING, at=start), finished(world.legal_city, RESULTS, at=start)]
    recent = finished(world.hr, RESULTS, at=start + dt.timedelta(days=1))
    other = background.enqueue(audit.Actor(world.hr.id, world.hr.login_name), "import", "导入", now=start)
    other.status, other.finished_at, other.result = "succeeded", start, {"file": "kept"}
    db.session.commit()

    scheduler.run_scheduled(exports.EXPIRE_JOB, start + exports.KEEP_FILES)  # exactly 7 days: still kept
    assert all("file" in db.session.get(background.Job, job.id).result for job in old)
    later = start + exports.KEEP_FILES + dt.timedelta(seconds=1)
    scheduler.run_scheduled(exports.EXPIRE_JOB, later)
    db.session.expire_all()
    for job in old:
        result = db.session.get(background.Job, job.id).result
        assert "file" not in result and result["expired"] is True and result["count"] == 1
    assert "file" in db.session.get(background.Job, recent.id).result
    assert db.session.get(background.Job, other.id).result == {"file": "kept"}  # not an export kind
    state = db.session.get(background.SchedulerState, exports.EXPIRE_JOB)
    assert state.last_summary == "清理 2 个导出文件" and state.last_error is None

    scheduler.run_scheduled(exports.EXPIRE_JOB, later + dt.timedelta(minutes=1))  # again: nothing left to do
    state = db.session.get(background.SchedulerState, exports.EXPIRE_JOB)
    assert state.last_summary == "清理 0 个导出文件" and state.last_error is None
    entries = db.session.scalars(sa.select(audit.AuditEntry).where(
        audit.AuditEntry.action == "job.export_expired")).all()
    assert len(entries) == 1
    assert entries[0].actor == "job:exports_expire"
    assert sorted(entries[0].change["job_ids"]) == sorted(job.id for job in old)


def test_an_expired_file_is_gone_but_the_job_stays(app, world, frozen):
    job = finished(world.hr, RESULTS)
    scheduler.run_scheduled(exports.EXPIRE_JOB, clock.now() + dt.timedelta(days=8))
    db.session.expire_all()
    job = exports.owned_job_or_404(job.id, RESULTS, world.hr)
    with app.test_request_context(), pytest.raises(NotFound):
        exports.download(job)
