"""Notifications (SPEC §2.9): ``notify.user`` / ``notify.agency_hr`` put messages in the in-app inbox (and the
outbox when the person has an e-mail address); the header shows the unread count; opening a message reads it."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal import clock, notify
from portal.auth import services as auth_services
from portal.extensions import db
from tests.factories import SYSTEM, make_agency, make_officer, make_officer_account, make_staff
from tests.officers import page


def _header_badge(response) -> str | None:
    """The unread badge on the header's 消息 button (None when there is none)."""
    doc = page.parse(response.get_data(as_text=True))
    link = next(a for a in doc.find_all("a") if a.attrs.get("href") == "/inbox" and "btn" in a.classes)
    badge = link.find("span")
    return badge.text().strip() if badge is not None else None


def _notes(user_id: int) -> list[notify.Notification]:
    db.session.expire_all()
    return db.session.scalars(sa.select(notify.Notification).where(notify.Notification.user_id == user_id)
                              .order_by(notify.Notification.id)).all()


def test_a_message_lands_in_the_inbox_and_the_header_counts_it(client, auth, world, frozen):
    world.hr.email = "hr@example.cn"
    db.session.commit()
    note = notify.user(world.hr, "证件即将到期", "王建国的执法证将于30日后到期。\n请及时安排换证。",
                       link=f"/officers/{world.officer.id}", now=clock.now())
    notify.user(world.hr, "培训计划已发布", "2026年度培训计划已发布。", now=clock.now())
    db.session.commit()
    assert (note.email_to, note.email_status, note.email_attempts) == ("hr@example.cn", "pending", 0)
    assert note.read_at is None and note.created_at == clock.now()

    auth.login("hr")
    home = client.get("/home")
    assert _header_badge(home) == "2"
    assert notify.unread_count(world.hr.id) == 2

    inbox = client.get("/inbox")
    doc = page.parse(inbox.get_data(as_text=True))
    assert "证件即将到期" in page.text(doc) and "培训计划已发布" in page.text(doc)
    assert "2 条未读" in page.text(doc)
    assert f"/inbox/{note.id}" in page.links(doc)

    opened = client.get(f"/inbox/{note.id}")
    assert opened.status_code == 200
    text = page.text(opened.get_data(as_text=True))
    assert "王建国的执法证将于30日后到期。" in text and "请及时安排换证。" in text
    assert f"/officers/{world.officer.id}" in page.links(opened.get_data(as_text=True))
    assert _header_badge(opened) == "1", "the message just opened no longer counts"
    assert _notes(world.hr.id)[0].read_at == clock.now()
    assert notify.unread_count(world.hr.id) == 1

    assert _header_badge(client.get("/home")) == "1"
    unread_only = page.text(client.get("/inbox?unread=1").get_data(as_text=True))
    assert "培训计划已发布" in unread_only and "证件即将到期" not in unread_only


def test_mark_all_read_clears_the_count_and_only_for_oneself(client, auth, world, frozen):
    for n in range(3):
        notify.user(world.hr, f"消息{n}", "正文", now=clock.now())
    notify.user(world.hr_other, "别人的消息", "正文", now=clock.now())
    db.session.commit()
    auth.login("hr")
    inbox = client.get("/inbox")
    assert "全部标为已读" in inbox.get_data(as_text=True)

    response = client.post("/inbox/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    assert notify.unread_count(world.hr.id) == 0
    assert all(n.read_at == clock.now() for n in _notes(world.hr.id))
    assert notify.unread_count(world.hr_other.id) == 1
    after = client.get("/inbox")
    assert _header_badge(after) is None and "全部标为已读" not in after.get_data(as_text=True)


def test_mark_all_read_needs_the_csrf_token(app, client, auth, world):
    notify.user(world.hr, "消息", "正文")
    db.session.commit()
    auth.login("hr")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/inbox/read").status_code == 400
    assert notify.unread_count(world.hr.id) == 1


def test_another_users_message_is_not_found_and_stays_unread(client, auth, world):
    theirs = notify.user(world.hr_other, "别人的消息", "不应看到的正文")
    db.session.commit()
    auth.login("hr")
    response = client.get(f"/inbox/{theirs.id}")
    assert response.status_code == 404
    assert "不应看到的正文" not in response.get_data(as_text=True)
    assert client.get(f"/inbox/{theirs.id + 100}").status_code == 404
    assert notify.unread_count(world.hr_other.id) == 1
    assert "别人的消息" not in client.get("/inbox").get_data(as_text=True)


def test_every_role_has_an_inbox_and_anonymous_users_are_sent_to_sign_in(client, auth, world):
    note = notify.user(world.officer_user, "请参加培训", "下周一上午九点。")
    db.session.commit()
    auth.login(world.officer.id_number)
    assert _header_badge(client.get("/inbox")) == "1"
    assert "下周一上午九点。" in client.get(f"/inbox/{note.id}").get_data(as_text=True)
    auth.logout()
    for login in ("legal_city", "admin"):
        auth.login(login)
        assert client.get("/inbox").status_code == 200
        auth.logout()
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_message_body_is_escaped(client, auth, world):
    note = notify.user(world.hr, "标题<b>", "<script>alert(1)</script>第二行")
    db.session.commit()
    auth.login("hr")
    html = client.get(f"/inbox/{note.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_agency_hr_notifies_the_active_hr_accounts_whose_scope_covers_the_agency(world, frozen):
    at_district = make_staff("hr_district", "hr", [world.district])
    at_city = make_staff("hr_city", "hr", [world.city])
    sibling = make_staff("hr_sibling", "hr", [world.dept2])
    below = make_agency(world.dept, name="环翠区综合行政执法局某中队", short_name="某中队", region_code="371002")
    hr_below = make_staff("hr_below", "hr", [below])
    inactive = make_staff("hr_inactive", "hr", [world.dept])
    auth_services.update_staff_user(SYSTEM, inactive, display_name="hr_inactive", role="hr",
                                    scope_ids=[world.dept.id], active=False, now=clock.now())
    db.session.commit()

    notes = notify.agency_hr(world.dept.id, "有新的执法人员待审核", "请到人员页面处理。", link="/officers")
    db.session.commit()

    recipients = {n.user_id for n in notes}
    assert recipients == {world.hr.id, at_district.id, at_city.id}
    for user in (world.hr_other, sibling, hr_below, inactive, world.legal_city, world.legal_district, world.admin):
        assert user.id not in recipients and notify.unread_count(user.id) == 0, user.username
    assert all(n.title == "有新的执法人员待审核" and n.link == "/officers" for n in notes)


def test_agency_hr_of_an_agency_nobody_covers_notifies_nobody(world):
    lonely = make_agency(name="独立的局", short_name="独立局")
    assert notify.agency_hr(lonely.id, "无人接收", "正文") == []
    assert notify.agency_hr(999_999, "不存在的单位", "正文") == []


def test_the_outbox_has_a_row_only_for_people_with_an_address(world, frozen):
    world.hr.email = "hr@example.cn"
    mailed_officer = make_officer(world.dept, name="李晓梅", email="lixm@example.cn")
    mailed_account = make_officer_account(mailed_officer)
    db.session.commit()

    with_address = notify.user(world.hr, "有邮箱", "正文")
    via_officer = notify.user(mailed_account, "执法人员邮箱", "正文")
    no_address = notify.user(world.hr_other, "无邮箱", "正文")
    in_app_only = notify.user(world.hr, "只在站内", "正文", email=False)
    db.session.commit()

    assert (with_address.email_status, with_address.email_to) == ("pending", "hr@example.cn")
    assert (via_officer.email_status, via_officer.email_to) == ("pending", "lixm@example.cn")
    assert (no_address.email_status, no_address.email_to) == ("none", None)
    assert (in_app_only.email_status, in_app_only.email_to) == ("none", None)
    assert notify.unread_count(world.hr_other.id) == 1, "no address still means an inbox entry"
    pending = db.session.scalars(sa.select(notify.Notification.id).where(
        notify.Notification.email_status == "pending")).all()
    assert sorted(pending) == sorted([with_address.id, via_officer.id])


def test_mark_read_only_touches_the_users_own_unread_messages(world, frozen):
    mine = notify.user(world.hr, "我的", "正文")
    theirs = notify.user(world.hr_other, "别人的", "正文")
    db.session.commit()
    assert notify.mark_read(world.hr.id, [mine.id, theirs.id], clock.now()) == 1
    assert notify.mark_read(world.hr.id, [mine.id], clock.now()) == 0
    assert notify.mark_read(world.hr.id, [], clock.now()) == 0
    db.session.commit()
    assert notify.unread_count(world.hr_other.id) == 1


def test_the_header_badge_says_how_many_are_unread_for_screen_readers(client, auth, world):
    notify.user(world.hr, "消息", "正文")
    db.session.commit()
    auth.login("hr")
    assert re.search(r'aria-label="1 条未读"', client.get("/home").get_data(as_text=True))
