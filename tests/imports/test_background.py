"""Large files become a background job (SPEC §2.9): HR is sent to the job's page, watches its progress, and sees
the outcome — the counts, or the row errors with nothing stored. Jobs run through background.run_pending(), the
code path of the scheduler process."""
import re

import pytest
import sqlalchemy as sa

from portal import background
from portal.audit import AuditEntry
from portal.background import Job
from portal.extensions import db
from tests.imports.helpers import (
    alert_text,
    csv_bytes,
    error_table,
    id_of,
    import_audits,
    officer,
    rows_of,
    snapshot,
    upload,
    xlsx_bytes,
)
from tests.officers import page

SYNC_MAX_BYTES = 64 * 1024


def queued_job(response) -> int:
    assert response.status_code == 302, alert_text(response)
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


@pytest.fixture
def watch_progress(client, monkeypatch):
    """Record, at every progress report of a running job, what another connection sees: the job's row read on a
    connection of its own and the JSON the page polls (each request has its own session)."""
    seen = []
    original = background.Progress.update

    def update(self, done, total, message=None):
        original(self, done, total, message)
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(Job.status, Job.progress, Job.message).where(Job.id == self.job_id)).one()
        state = client.get(f"/jobs/{self.job_id}.json").get_json()
        seen.append({"row": tuple(row), "json": (state["status"], state["progress"], state["message"]),
                     "reported": (done, total, message)})

    monkeypatch.setattr(background.Progress, "update", update)
    return seen


def test_a_5000_row_file_runs_as_a_job_whose_progress_can_be_watched(client, hr, watch_progress):
    data = xlsx_bytes(rows_of(5000, hr.dept.name), write_only=True)
    assert len(data) > SYNC_MAX_BYTES
    before = snapshot()

    job_id = queued_job(upload(client, data, "五千人.xlsx"))
    assert snapshot()["officers"] == before["officers"]  # nothing imported during the request
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert (state["status"], state["progress"], state["done"]) == ("queued", 0, False)
    waiting = client.get(f"/jobs/{job_id}")
    assert waiting.status_code == 200
    assert "排队中" in page.text(waiting) and "五千人.xlsx" in page.text(waiting)
    doc = page.parse(waiting.get_data(as_text=True))
    bar = next(n for n in doc.walk() if n.tag == "progress")
    assert bar.attrs["value"] == "0" and bar.attrs["max"] == "100"
    assert next(n for n in doc.walk() if "job-progress" in n.classes).attrs["data-job-url"] == f"/jobs/{job_id}.json"

    assert background.run_pending() == 1

    # while it ran, other connections saw it running and moving, before its work was committed
    assert watch_progress, "the job reported no progress"
    running = [s for s in watch_progress if s["json"][0] == "running"]
    assert len(running) == len(watch_progress)
    checking = [s for s in running if s["json"][2] and "校验" in s["json"][2]]
    assert any(0 < s["json"][1] < 100 for s in checking), checking
    assert any(s["row"][1] > 0 and s["row"][0] == "running" for s in watch_progress)
    percents = [s["json"][1] for s in running]
    assert percents == sorted(percents) and max(percents) < 100
    assert any("第 4501" in (s["json"][2] or "") for s in running)  # the last block of rows being checked

    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert (state["status"], state["progress"], state["done"]) == ("succeeded", 100, True)
    assert state["result"]["created"] == 5000 and state["result"]["rows"] == 5000
    assert state["result"]["updated"] == state["result"]["unchanged"] == 0
    done = client.get(f"/jobs/{job_id}")
    assert "已完成" in page.text(done)
    assert "已完成：共 5000 行，新增 5000 条，更新 0 条，0 条与已有记录相同未作改动" in alert_text(done)

    after = snapshot()
    assert after["officers"] == before["officers"] + 5000
    assert officer(id_of(4999)).agency_id == hr.dept.id
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "officer.import")).all()
    assert entry.actor_id == hr.hr.id and f"#{job_id}" in entry.actor
    assert entry.change["created"] == 5000 and len(entry.change["created_ids"]) == 5000


def test_a_large_file_with_one_bad_row_fails_and_stores_nothing(client, hr):
    rows = rows_of(5000, hr.dept.name)
    rows[4319]["身份证号"] = rows[4319]["身份证号"][:17] + ("0" if rows[4319]["身份证号"][-1] != "0" else "1")
    job_id = queued_job(upload(client, xlsx_bytes(rows, write_only=True), "五千人.xlsx"))
    before = snapshot()
    audits = import_audits()

    assert background.run_pending() == 1

    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert (state["status"], state["done"]) == ("failed", True)
    assert "未导入任何数据" in state["error"]
    assert state["result"] == {"errors": 1}
    failed = client.get(f"/jobs/{job_id}")
    assert failed.status_code == 200
    assert "失败" in page.text(failed)
    assert "未导入任何数据" in alert_text(failed)
    assert error_table(failed) == [(4321, "身份证号", "身份证号校验位不正确，请核对是否输错")]
    assert snapshot() == before
    assert import_audits() == audits
    assert officer(id_of(0)) is None


def test_a_job_is_seen_only_by_whoever_queued_it_and_admin(app, client, hr, auth):
    job_id = queued_job(upload(client, csv_bytes(rows_of(600, hr.dept.name)), "人员.csv"))
    assert client.get(f"/jobs/{job_id}").status_code == 200
    for user, status in (("hr_other", 404), ("legal_city", 404), ("admin", 200)):
        other = app.test_client()
        assert other.post("/login", data={"login": user, "password": "correct-horse-42"}).status_code == 302
        assert other.get(f"/jobs/{job_id}").status_code == status, user
        assert other.get(f"/jobs/{job_id}.json").status_code == status, user
    officer_client = app.test_client()
    officer_client.post("/login", data={"login": hr.officer.id_number, "password": "correct-horse-42"})
    assert officer_client.get(f"/jobs/{job_id}").status_code == 403
    assert client.get(f"/jobs/{job_id + 1}").status_code == 404


def test_a_large_file_imported_twice_adds_nothing_the_second_time(client, hr):
    data = csv_bytes(rows_of(600, hr.dept.name), encoding="gbk")
    assert len(data) > SYNC_MAX_BYTES
    first = queued_job(upload(client, data, "人员.csv"))
    background.run_pending()
    assert client.get(f"/jobs/{first}.json").get_json()["result"]["created"] == 600
    before = snapshot()

    second = queued_job(upload(client, data, "人员.csv"))
    background.run_pending()
    result = client.get(f"/jobs/{second}.json").get_json()["result"]
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 600)
    after = snapshot()
    assert after["audit"] == before["audit"] + 1  # the job.enqueue entry only
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_a_large_file_over_the_row_limit_fails_in_its_job(client, hr):
    from portal import policy
    from tests.factories import SYSTEM

    policy.update(SYSTEM, {"imports.max_rows": 500})
    db.session.commit()
    job_id = queued_job(upload(client, csv_bytes(rows_of(600, hr.dept.name)), "人员.csv"))
    background.run_pending()
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed" and "超过上限 500 行" in state["error"]
    assert officer(id_of(0)) is None
