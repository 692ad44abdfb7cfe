"""The public registry without signing in (SPEC §2.1, §2.10, §3): ``/public/bodies`` lists announced bodies only —
valid ones, and cancelled ones with the date and basis of the cancellation; ``/public/officers`` (执法人员公示) lists
officers with an active certificate by agency, searchable and paginated, with no personal data."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from certificates import lifecycle
from portal import audit, clock
from portal.extensions import db
from portal.orgs.bodies import services as bodies
from tests.certificates.helpers import revoke_heard
from tests.factories import make_agency, make_officer

SYSTEM = audit.Actor.system("test")


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def registry(app, world, frozen):
    """``dept`` and ``dept2`` valid; a body confirmed but not yet announced; one announced for tomorrow; one
    cancelled and announced; one pending; a cancelled body whose cancellation is not yet announced."""
    make_agency(world.district, name="环翠区交通运输局", short_name="环翠交通局", region_code="371002",
                announced_on=None)
    make_agency(world.district, name="环翠区水务局", short_name="环翠水务局", region_code="371002",
                announced_on=dt.date(2026, 11, 27), qualification_decided_on=dt.date(2026, 11, 20))
    cancelled = make_agency(world.district, name="环翠区物价局", short_name="环翠物价局", region_code="371002")
    bodies.cancel(cancelled, bodies.Decision(dt.date(2026, 11, 1), "机构改革，职责划入市场监管部门",
                                             "环翠区物价局执法主体资格取消，现予公告。"), actor=SYSTEM, now=clock.now())
    bodies.announce(cancelled, dt.date(2026, 11, 10), actor=SYSTEM, now=clock.now())
    quietly = make_agency(world.district, name="环翠区粮食局", short_name="环翠粮食局", region_code="371002")
    bodies.cancel(quietly, bodies.Decision(dt.date(2026, 11, 20), "机构改革", "取消公告"), actor=SYSTEM,
                  now=clock.now())
    make_agency(world.district, name="环翠区某待确认单位", short_name="待确认", region_code="371002",
                qualification_status="pending", qualification_decided_on=None, announced_on=None)
    db.session.commit()
    return world


def test_valid_bodies_are_listed_and_nothing_unannounced(client, registry):
    page = text(client.get("/public/bodies"))
    assert "环翠区综合行政执法局" in page and "环翠区市场监督管理局" in page and "文登区综合行政执法局" in page
    for name in ("环翠区交通运输局", "环翠区水务局", "环翠区物价局", "环翠区粮食局", "环翠区某待确认单位", "市政府 "):
        assert name not in page, name
    assert "有效的执法主体（3）" in page and "已取消的执法主体（1）" in page
    assert "公告日期 2024年3月15日" in page


def test_an_announcement_dated_tomorrow_shows_from_that_day(client, registry, frozen):
    frozen("2026-11-27 00:00")
    assert "环翠区水务局" in text(client.get("/public/bodies"))


def test_cancelled_bodies_show_the_date_and_basis_of_the_cancellation(client, registry):
    page = text(client.get("/public/bodies?show=cancelled"))
    assert "环翠区物价局" in page and "取消日期 2026年11月1日" in page and "公告日期 2026年11月10日" in page
    assert "机构改革，职责划入市场监管部门" in page and "现予公告" in page
    assert "环翠区粮食局" not in page and "环翠区综合行政执法局" not in page


def test_bodies_are_searchable_by_name(client, registry):
    page = text(client.get("/public/bodies?q=市场"))
    assert "环翠区市场监督管理局" in page and "环翠区综合行政执法局" not in page
    assert client.get("/public/bodies?show=nonsense&page=x").status_code == 200


@pytest.fixture
def roster(app, world, key_dir, frozen):
    made = {}
    for officer in (world.officer, world.officer2, world.other_officer):
        made[officer.name] = lifecycle.issue(officer, "enforcement", ["城市管理"], "环翠区全域", actor=SYSTEM,
                                             now=clock.now())
    made["presider"] = lifecycle.issue(world.officer, "hearing_presider", ["城市管理"], "环翠区全域", actor=SYSTEM,
                                       now=clock.now())
    db.session.commit()
    return made


def test_the_roster_lists_active_holders_with_type_number_and_scope_and_no_personal_data(client, world, roster):
    response = client.get("/public/officers")
    html = response.get_data(as_text=True)
    page = text(response)
    for officer in (world.officer, world.officer2, world.other_officer):
        assert officer.name in page and roster[officer.name].number in page
        assert officer.id_number not in html and officer.mobile not in html
    assert roster["presider"].number in page and "听证主持人资格证" in page and "行政执法证" in page
    assert "城市管理 · 环翠区全域" in page and "共 4 人次" in page
    assert "<img" not in html and "/photo" not in html
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_suspended_and_revoked_holders_are_not_on_the_roster(client, world, roster):
    lifecycle.place_hold(roster["赵敏华"], "other", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    revoke_heard(roster["孙丽明"], "retired", actor=SYSTEM, now=clock.now())
    db.session.commit()
    page = text(client.get("/public/officers"))
    assert "王建国" in page and "赵敏华" not in page and "孙丽明" not in page


def test_the_roster_filters_by_agency_and_name_and_pages(client, world, roster):
    page = text(client.get(f"/public/officers?agency={world.other_dept.id}"))
    assert "孙丽明" in page and "王建国" not in page
    page = text(client.get("/public/officers?q=敏华"))
    assert "赵敏华" in page and "王建国" not in page and "共 1 人次" in page
    names = [f"{surname}{given}" for surname in "钱周吴郑冯陈褚卫蒋沈韩" for given in ("一鸣", "二强", "三丰")][:31]
    for name in names:
        officer = make_officer(world.dept2, name=name)
        lifecycle.issue(officer, "enforcement", ["市场监管"], "环翠区全域", actor=SYSTEM, now=clock.now())
    db.session.commit()
    first, second = text(client.get("/public/officers")), text(client.get("/public/officers?page=2"))
    assert "共 35 人次" in first and 'aria-current="page">2<' in client.get("/public/officers?page=2").get_data(
        as_text=True)
    assert {n for n in names if n in first}.isdisjoint({n for n in names if n in second})
    assert client.get("/public/officers?page=999").status_code == 200


def test_public_lists_page_like_the_staff_lists_with_gaps_and_previous_next(client, world, roster, monkeypatch):
    """Issue 13: the public roster paged as "1 2 3 9" with no gaps and no 上一页/下一页. One pager for staff and
    public: the first and last pages, two either side, … for each gap, and the filters kept in every link."""
    import re

    from portal.public import views as public_views

    for n in range(30):
        officer = make_officer(world.dept2, name=f"页{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{'一二三'[n // 10]}")
        lifecycle.issue(officer, "enforcement", ["市场监管"], "环翠区全域", actor=SYSTEM, now=clock.now())
    db.session.commit()
    monkeypatch.setattr(public_views, "page_size", lambda: 2)  # the pager's shape: 15 pages without 150 people
    html = client.get("/public/officers?q=页&page=8").get_data(as_text=True)  # 30 people: 15 pages
    nav = re.search(r'<nav aria-label="分页">(.*?)</nav>', html, re.S).group(1)
    labels = [" ".join(label.split()) for label in re.findall(r'class="page-link"[^>]*>([^<]*)<', nav)]
    assert labels == ["上一页", "1", "…", "6", "7", "8", "9", "10", "…", "15", "下一页"]
    assert 'href="/public/officers?q=%E9%A1%B5&amp;page=7" rel="prev"' in nav
    assert 'href="/public/officers?q=%E9%A1%B5&amp;page=9" rel="next"' in nav
    first = client.get("/public/officers?q=页").get_data(as_text=True)
    assert '<span class="page-link">上一页</span>' in first  # nothing before the first page: not a link
