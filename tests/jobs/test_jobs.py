"""Background jobs (SPEC §2.9): a row with progress, result and error, run by ``run_pending`` — the code path the
scheduler process uses — and shown on ``/jobs/<id>`` and ``/jobs/<id>.json`` to the user who started it."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import sqlalchemy as sa

from portal import audit, background, clock
from portal.background import Job
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Agency
from tests.factories import SYSTEM, AgencyDataFactory
from tests.officers import page

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def kinds():
    """Register test-only job kinds for one test: ``kinds["test.x"] = fn``; removed afterwards."""
    added: dict = {}

    class Registry(dict):
        def __setitem__(self, kind, fn):
            background.handler(kind)(fn)
            added[kind] = fn
            super().__setitem__(kind, fn)

    try:
        yield Registry()
    finally:
        for kind in added:
            background.HANDLERS.pop(kind, None)


def _add_agency(name: str) -> Agency:
    """A write a handler does with a real service (flushes; the job's transaction commits it or not)."""
    from portal.orgs.agencies import services

    return services.create_agency(SYSTEM, AgencyDataFactory(name=name, short_name=name[:6]), clock.now())


def _enqueue(user, kind: str, title: str = "测试作业", params=None) -> Job:
    actor = audit.Actor(user.id, user.username) if user is not None else SYSTEM
    job = background.enqueue(actor, kind, title, params or {})
    db.session.commit()
    return job


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _agency_names() -> set[str]:
    return set(db.session.scalars(sa.select(Agency.name)).all())


def test_a_job_runs_to_completion_with_its_progress_visible_while_it_runs(client, auth, world, kinds, frozen):
    auth.login("hr")
    seen = []

    def steps(job, progress):
        for done in range(4):
            progress.update(done, 4, f"正在处理第 {done + 1} 步")
            state = client.get(f"/jobs/{job.id}.json").get_json()  # a page polling while the job runs
            seen.append((state["status"], state["progress"], state["message"]))
        _add_agency("后台作业新建局")
        return {"rows": 4, "created": 1, "updated": 0, "unchanged": 3}

    kinds["test.steps"] = steps
    job = _enqueue(world.hr, "test.steps", "测试：分步作业")
    assert (job.status, job.progress, job.created_by) == ("queued", 0, world.hr.id)

    assert background.run_pending() == 1

    assert seen == [("running", 0, "正在处理第 1 步"), ("running", 25, "正在处理第 2 步"),
                    ("running", 50, "正在处理第 3 步"), ("running", 75, "正在处理第 4 步")]
    job = _job(job.id)
    assert (job.status, job.progress, job.error) == ("succeeded", 100, None)
    assert job.result == {"rows": 4, "created": 1, "updated": 0, "unchanged": 3}
    assert job.started_at == clock.now() and job.finished_at == clock.now()
    assert "后台作业新建局" in _agency_names()

    state = client.get(f"/jobs/{job.id}.json").get_json()
    assert state["progress"] == 100 and state["done"] is True and state["status"] == "succeeded"
    assert state["status_label"] == "已完成" and state["result"]["created"] == 1
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    doc = page.parse(html)
    bar = doc.find("progress", id="job-bar")
    assert bar is not None and bar.attrs["value"] == "100"
    assert "已完成：共 4 行，新增 1 条" in page.text(doc)
    box = next(n for n in doc.walk() if "job-progress" in n.classes)
    assert box.attrs["data-done"] == "true" and box.attrs["data-job-url"] == f"/jobs/{job.id}.json"
    assert background.run_pending() == 0, "a finished job is never run again"


def test_a_queued_job_shows_an_empty_bar_that_polls(client, auth, world, kinds):
    kinds["test.noop"] = lambda job, progress: {}
    auth.login("hr")
    job = _enqueue(world.hr, "test.noop", "测试：排队")
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    doc = page.parse(html)
    box = next(n for n in doc.walk() if "job-progress" in n.classes)
    assert box.attrs["data-done"] == "false"
    assert doc.find("progress", id="job-bar").attrs["value"] == "0"
    assert "排队中" in page.text(doc) and "等待后台调度进程开始处理" in page.text(doc)
    assert any(n.attrs.get("src", "").endswith("/static/js/job-progress.js") for n in doc.find_all("script"))
    assert '<meta http-equiv="refresh"' in html  # without JavaScript the page refreshes itself
    state = client.get(f"/jobs/{job.id}.json").get_json()
    assert (state["status"], state["status_label"], state["progress"], state["done"]) == ("queued", "排队中", 0, False)


def test_a_domain_error_fails_the_job_keeps_its_items_and_stores_nothing(client, auth, world, kinds, frozen):
    def refuse(job, progress):
        progress.update(1, 2, "校验中")
        _add_agency("不应保存的局")
        raise DomainError("import_invalid", "导入文件有误，未导入任何数据", items=[
            {"row": 3, "field": "身份证号", "message": "身份证号校验位不正确"},
            {"row": 7, "field": None, "message": "与第3行重复"}])

    kinds["test.refuse"] = refuse
    auth.login("hr")
    job = _enqueue(world.hr, "test.refuse", "测试：校验失败")
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry))

    assert background.run_pending() == 1

    job = _job(job.id)
    assert job.status == "failed" and job.finished_at == clock.now()
    assert job.error == "导入文件有误，未导入任何数据"
    assert job.result == {"items": [{"row": 3, "field": "身份证号", "message": "身份证号校验位不正确"},
                                    {"row": 7, "field": None, "message": "与第3行重复"}]}
    assert "不应保存的局" not in _agency_names(), "the handler's writes are rolled back"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry)) == audit_before

    response = client.get(f"/jobs/{job.id}")
    assert response.status_code == 200
    doc = page.parse(response.get_data(as_text=True))
    text = page.text(doc)
    assert "失败" in text and "导入文件有误，未导入任何数据" in text
    rows = [[cell.text().strip() for cell in tr.find_all("td")] for tr in doc.find_all("tr")]
    assert ["第 3 行", "身份证号", "身份证号校验位不正确"] in rows
    assert ["第 7 行", "—", "与第3行重复"] in rows
    assert "Traceback" not in text and "DomainError" not in text

    state = client.get(f"/jobs/{job.id}.json").get_json()
    assert state["status"] == "failed" and state["done"] is True
    assert state["error"] == "导入文件有误，未导入任何数据" and state["result"] == {"errors": 2}


def test_an_unexpected_exception_fails_the_job_with_a_generic_message_and_is_logged(
        client, auth, world, kinds, frozen, caplog):
    def crash(job, progress):
        _add_agency("崩溃前写入的局")
        raise RuntimeError("secret-internal-detail at /srv/portal")

    kinds["test.crash"] = crash
    auth.login("hr")
    job = _enqueue(world.hr, "test.crash", "测试：程序出错")

    with caplog.at_level(logging.ERROR, logger="portal.background"):
        assert background.run_pending() == 1

    job = _job(job.id)
    assert job.status == "failed" and job.result is None
    assert CJK.search(job.error) and "secret-internal-detail" not in job.error
    assert "崩溃前写入的局" not in _agency_names()
    [record] = [r for r in caplog.records if r.name == "portal.background" and r.levelno >= logging.ERROR]
    assert str(job.id) in record.getMessage() and "test.crash" in record.getMessage()
    assert record.exc_info and "secret-internal-detail" in str(record.exc_info[1])

    text = page.text(client.get(f"/jobs/{job.id}").get_data(as_text=True))
    assert job.error in text
    assert "secret-internal-detail" not in text and "Traceback" not in text


def test_a_failure_while_storing_the_result_is_recorded_and_the_queue_goes_on(client, auth, world, kinds, frozen):
    """The work and the final status commit together: when that commit fails the job is failed, not left
    "running" for ever, and the next job still runs."""
    kinds["test.unstorable"] = lambda job, progress: (_add_agency("结果无法保存的局"),
                                                      {"when": dt.date(2026, 1, 1)})[1]
    kinds["test.noop"] = lambda job, progress: {"ok": 1}
    first = _enqueue(world.hr, "test.unstorable", "测试：结果无法保存")
    second = _enqueue(world.hr, "test.noop", "测试：之后的作业")

    assert background.run_pending() == 2

    first = _job(first.id)
    assert first.status == "failed" and first.finished_at is not None and CJK.search(first.error)
    assert "结果无法保存的局" not in _agency_names()
    assert _job(second.id).status == "succeeded"


def test_progress_stays_below_100_until_the_job_has_finished(world, kinds):
    recorded = []

    def count(job, progress):
        progress.update(10, 10, "全部完成，正在保存")
        recorded.append(db.session.execute(sa.select(Job.progress).where(Job.id == job.id)).scalar())
        return {}

    kinds["test.count"] = count
    job = _enqueue(world.hr, "test.count")
    background.run_pending()
    assert recorded == [99]
    assert _job(job.id).progress == 100


def test_another_users_job_is_not_found_but_admin_sees_it(client, auth, world, kinds):
    kinds["test.noop"] = lambda job, progress: {}
    job = _enqueue(world.hr, "test.noop", "测试：人事的作业")
    for login in ("hr_other", "legal_city"):
        auth.login(login)
        assert client.get(f"/jobs/{job.id}").status_code == 404, login
        assert client.get(f"/jobs/{job.id}.json").status_code == 404, login
        auth.logout()
    auth.login(world.officer.id_number)
    assert client.get(f"/jobs/{job.id}.json").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get(f"/jobs/{job.id}.json").get_json()["title"] == "测试：人事的作业"
    assert client.get(f"/jobs/{job.id + 1000}").status_code == 404
    auth.logout()
    assert client.get(f"/jobs/{job.id}.json").status_code in (302, 401)


def test_enqueue_refuses_an_unknown_kind(world):
    with pytest.raises(DomainError) as caught:
        background.enqueue(SYSTEM, "no.such.kind", "不存在的作业")
    assert CJK.search(caught.value.message)


def test_enqueue_is_audited(world, kinds):
    kinds["test.noop"] = lambda job, progress: {}
    job = _enqueue(world.hr, "test.noop", "测试：审计")
    entries = db.session.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.action == "job.enqueue")).all()
    assert [(e.actor_id, e.object_id) for e in entries] == [(world.hr.id, str(job.id))]


def test_jobs_run_in_the_order_they_were_queued_and_limit_stops_early(world, kinds):
    order = []
    kinds["test.order"] = lambda job, progress: order.append(job.params["n"]) or {}
    ids = [_enqueue(world.hr, "test.order", f"测试 {n}", {"n": n}).id for n in range(3)]
    assert background.run_pending(limit=2) == 2
    assert order == [0, 1] and _job(ids[2]).status == "queued"
    assert background.run_pending() == 1
    assert order == [0, 1, 2]


def test_fail_interrupted_marks_running_jobs_failed_and_leaves_the_others(world, kinds, frozen):
    kinds["test.noop"] = lambda job, progress: {"ok": 1}
    running = _enqueue(world.hr, "test.noop", "测试：运行中被中断")
    queued = _enqueue(world.hr, "test.noop", "测试：排队")
    done = _enqueue(world.hr, "test.noop", "测试：已完成")
    background.run_one(_job(done.id))
    job = _job(running.id)
    job.status, job.started_at, job.progress = "running", clock.now(), 40
    db.session.commit()

    later = frozen("2026-11-26 10:30")
    assert background.fail_interrupted(later) == 1

    job = _job(running.id)
    assert job.status == "failed" and job.finished_at == later and CJK.search(job.error)
    assert _job(queued.id).status == "queued"
    assert _job(done.id).status == "succeeded" and _job(done.id).result == {"ok": 1}
    assert background.fail_interrupted(later) == 0


@pytest.mark.parametrize("fails", [False, True])
def test_an_uploaded_payload_is_cleared_when_the_job_ends(world, kinds, fails):
    seen = []

    def work(job, progress):
        seen.append(job.payload)
        if fails:
            raise DomainError("bad_file", "文件有误")
        return {}

    kinds["test.payload"] = work
    job = background.enqueue(audit.Actor(world.hr.id, "hr"), "test.payload", "上传", {}, payload=b"id numbers")
    db.session.commit()
    background.run_pending()
    assert seen == [b"id numbers"], "the handler reads the payload"
    job = _job(job.id)
    assert job.status == ("failed" if fails else "succeeded")
    assert db.session.scalar(sa.select(Job.payload).where(Job.id == job.id)) is None
