"""E-mail delivery (SPEC §2.9) against a real SMTP server (aiosmtpd on 127.0.0.1): sent once and marked sent,
never sent twice, retried with back-off after a refusal, failed after the last step; nothing without
``MAIL_SERVER``."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal import background, clock, notify, scheduler
from portal.extensions import db
from tests.factories import make_officer, make_officer_account


def _note(note_id: int) -> notify.Notification:
    db.session.expire_all()
    return db.session.get(notify.Notification, note_id)


@pytest.fixture
def addressed(world):
    """``world`` with e-mail addresses for hr and hr_other."""
    world.hr.email = "hr@example.cn"
    world.hr_other.email = "wendeng.hr@example.cn"
    db.session.commit()
    return world


def test_pending_mail_is_sent_once_and_marked_sent(mail_on, addressed, frozen):
    note = notify.user(addressed.hr, "执法证即将到期：王建国", "王建国的执法证将于2026年12月26日到期，请及时安排换证。",
                       link=f"/officers/{addressed.officer.id}")
    none = notify.user(addressed.legal_city, "没有邮箱的人", "只在站内")
    db.session.commit()

    sent_at = frozen("2026-11-26 09:00:30")
    assert notify.deliver(sent_at) == {"sent": 1, "retry": 0, "failed": 0}

    [received] = mail_on.received
    assert received.rcpt_tos == ["hr@example.cn"] and received.mail_from == "noreply@portal.test"
    message = received.message
    assert message["Subject"] == "执法证即将到期：王建国"
    assert message["To"] == "hr@example.cn" and message["From"] == "noreply@portal.test"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "王建国的执法证将于2026年12月26日到期，请及时安排换证。" in body
    assert f"http://127.0.0.1:5000/officers/{addressed.officer.id}" in body
    assert message["Date"].datetime == sent_at
    received.raw.decode("ascii")  # 7-bit clean: no server has to accept raw 8-bit data (none announced it)

    note = _note(note.id)
    assert (note.email_status, note.email_sent_at, note.email_attempts, note.email_error) == (
        "sent", sent_at, 1, None)
    assert note.message_id == message["Message-ID"] and note.message_id.startswith("<")
    assert _note(none.id).email_status == "none"

    assert notify.deliver(frozen("2026-11-26 09:05")) == {"sent": 0, "retry": 0, "failed": 0}
    assert notify.deliver(frozen("2026-12-26 09:05")) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(mail_on.received) == 1
    assert _note(note.id).email_sent_at == sent_at


def test_an_officer_account_is_mailed_at_the_officers_address(mail_on, world, frozen):
    officer = make_officer(world.dept, name="李晓梅", email="lixm@example.cn")
    account = make_officer_account(officer)
    notify.user(account, "请参加年度培训", "培训时间：12月1日。")
    db.session.commit()
    notify.deliver(clock.now())
    [received] = mail_on.received
    assert received.rcpt_tos == [["lixm@example.cn"]][0]
    assert "培训时间：12月1日。" in received.message.get_content()
    received.raw.decode("ascii")  # a short Chinese body is 7-bit clean too


def test_a_refusal_is_retried_after_one_minute_and_then_sent(mail_on, addressed, frozen):
    note = notify.user(addressed.hr, "资格审核结果", "您提交的资格审核已通过。")
    db.session.commit()
    mail_on.recorder.refuse = 1

    first = frozen("2026-11-26 09:01")
    assert notify.deliver(first) == {"sent": 0, "retry": 1, "failed": 0}
    note = _note(note.id)
    assert mail_on.recorder.refused == 1 and mail_on.received == []
    assert (note.email_status, note.email_attempts) == ("pending", 1)
    assert note.email_next_at == first + dt.timedelta(minutes=1)
    assert note.email_sent_at is None and "451" in note.email_error

    assert notify.deliver(frozen("2026-11-26 09:01:59")) == {"sent": 0, "retry": 0, "failed": 0}
    assert mail_on.received == [] and _note(note.id).email_attempts == 1, "not before its time"

    later = frozen("2026-11-26 09:02")
    assert notify.deliver(later) == {"sent": 1, "retry": 0, "failed": 0}
    note = _note(note.id)
    assert (note.email_status, note.email_attempts, note.email_sent_at, note.email_error) == ("sent", 2, later, None)
    [received] = mail_on.received
    assert received.message["Subject"] == "资格审核结果"
    assert received.message_id == note.message_id, "a retry keeps the Message-ID"


def test_a_permanent_refusal_fails_at_once_without_retrying(mail_on, addressed, frozen):
    note = notify.user(addressed.hr, "资格审核结果", "您提交的资格审核已通过。")
    db.session.commit()
    mail_on.recorder.refuse = 1
    mail_on.recorder.refusal = "550 5.1.1 No such mailbox"

    assert notify.deliver(frozen("2026-11-26 09:01")) == {"sent": 0, "retry": 0, "failed": 1}
    note = _note(note.id)
    assert (note.email_status, note.email_attempts) == ("failed", 1)
    assert "550" in note.email_error
    assert notify.deliver(frozen("2026-11-27 09:01")) == {"sent": 0, "retry": 0, "failed": 0}
    assert mail_on.recorder.refused == 1 and mail_on.received == []


def test_after_every_back_off_step_the_message_is_failed(mail_on, addressed, frozen):
    note = notify.user(addressed.hr, "无法送达的消息", "正文")
    db.session.commit()
    mail_on.recorder.refuse = 100
    now = frozen("2026-11-26 09:00")
    waits = []
    for _ in notify.BACKOFF_MINUTES:
        assert notify.deliver(now) == {"sent": 0, "retry": 1, "failed": 0}
        note = _note(note.id)
        assert note.email_status == "pending"
        waits.append(note.email_next_at - now)
        now = frozen(note.email_next_at)
    assert waits == [dt.timedelta(minutes=m) for m in notify.BACKOFF_MINUTES]
    assert waits == sorted(waits) and waits[0] == dt.timedelta(minutes=1)

    assert notify.deliver(now) == {"sent": 0, "retry": 0, "failed": 1}
    note = _note(note.id)
    assert note.email_status == "failed" and note.email_attempts == len(notify.BACKOFF_MINUTES) + 1
    assert note.email_sent_at is None and note.email_error

    mail_on.recorder.refuse = 0
    assert notify.deliver(frozen(now + dt.timedelta(days=30))) == {"sent": 0, "retry": 0, "failed": 0}
    assert mail_on.received == []


def test_a_server_that_is_down_is_retried_like_a_refusal(app, addressed, frozen, monkeypatch):
    from tests.jobs.conftest import free_port

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    note = notify.user(addressed.hr, "服务器未启动", "正文")
    db.session.commit()
    assert notify.deliver(clock.now()) == {"sent": 0, "retry": 1, "failed": 0}
    note = _note(note.id)
    assert (note.email_status, note.email_attempts) == ("pending", 1)
    assert note.email_next_at == clock.now() + dt.timedelta(minutes=1)


def test_a_message_the_server_accepted_is_not_sent_again_when_quit_goes_wrong(mail_on, addressed, frozen):
    """Once the server has said 250 to the message it is delivered, whatever happens when hanging up."""
    note = notify.user(addressed.hr, "只发一次", "正文")
    db.session.commit()
    mail_on.recorder.quit_reply = "421 4.3.0 closing connection"

    notify.deliver(frozen("2026-11-26 09:00"))
    notify.deliver(frozen("2026-11-26 10:00"))
    notify.deliver(frozen("2026-11-27 10:00"))

    assert len(mail_on.received) == 1
    assert _note(note.id).email_status == "sent"


def test_several_messages_each_go_once_in_one_run(mail_on, addressed, frozen):
    notes = [notify.user(addressed.hr if n % 2 else addressed.hr_other, f"批量消息 {n}", "正文") for n in range(7)]
    db.session.commit()
    assert notify.deliver(clock.now(), batch=5) == {"sent": 5, "retry": 0, "failed": 0}
    assert notify.deliver(clock.now(), batch=5) == {"sent": 2, "retry": 0, "failed": 0}
    ids = mail_on.recorder.message_ids()
    assert len(ids) == 7 and len(set(ids)) == 7
    assert sorted(m["Subject"] for m in (r.message for r in mail_on.received)) == sorted(n.title for n in notes)


def test_a_message_claimed_by_a_run_that_died_is_never_sent_again(mail_on, addressed, frozen):
    note = notify.user(addressed.hr, "发送中崩溃", "正文")
    db.session.commit()
    note.email_status, note.email_attempts = "sending", 1  # what a delivery killed mid-send leaves behind
    db.session.commit()
    assert notify.deliver(frozen("2026-11-30 09:00")) == {"sent": 0, "retry": 0, "failed": 0}
    assert mail_on.received == []


def test_without_mail_server_nothing_is_sent_and_nothing_changes(app, smtp, addressed, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    note = notify.user(addressed.hr, "没有配置邮件服务器", "正文")
    db.session.commit()
    before = {c.name: getattr(note, c.name) for c in notify.Notification.__table__.columns}
    assert notify.deliver(frozen("2026-11-27 09:00")) == {"sent": 0, "retry": 0, "failed": 0}
    after = _note(note.id)
    assert {c.name: getattr(after, c.name) for c in notify.Notification.__table__.columns} == before
    assert smtp.received == []


def test_the_scheduled_mail_job_delivers_every_minute_and_records_what_it_did(mail_on, addressed, frozen):
    job = background.SCHEDULED["mail"]
    assert job.label == "发送通知邮件" and job.cron == {"minute": "*"}
    notify.user(addressed.hr, "定时发送", "正文")
    db.session.commit()
    now = frozen("2026-11-26 09:00")
    scheduler.run_scheduled("mail", now)
    assert len(mail_on.received) == 1
    state = db.session.get(background.SchedulerState, "mail")
    assert state.last_run_at == now and state.last_error is None
    assert state.last_summary == "发送 1 封，待重试 0 封，失败 0 封"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(notify.Notification).where(
        notify.Notification.email_status == "sent")) == 1


def test_a_title_with_a_line_break_still_makes_a_one_line_subject(mail_on, addressed, frozen):
    notify.user(addressed.hr, "投诉处理结果\r\n（第二行）", "正文")
    db.session.commit()
    assert notify.deliver(clock.now()) == {"sent": 1, "retry": 0, "failed": 0}
    assert mail_on.received[0].message["Subject"] == "投诉处理结果 （第二行）"


def test_a_message_that_cannot_be_written_fails_at_once_and_the_others_still_go(mail_on, addressed, frozen):
    bad = notify.user(addressed.hr, "坏地址", "正文")
    good = notify.user(addressed.hr_other, "好地址", "正文")
    db.session.commit()
    bad.email_to = "hr@example.cn\r\nBcc: everyone@example.cn"  # header injection must never reach a server
    db.session.commit()
    assert notify.deliver(clock.now()) == {"sent": 1, "retry": 0, "failed": 1}
    assert _note(bad.id).email_status == "failed" and _note(bad.id).email_error
    assert _note(good.id).email_status == "sent"
    assert [r.rcpt_tos for r in mail_on.received] == [["wendeng.hr@example.cn"]]
