"""The officer list: search, filters, pagination, limited to the account's scope."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from portal import clock, policy
from portal.extensions import db
from portal.officers import services
from tests.factories import SYSTEM, image_bytes, make_agency, make_officer
from tests.officers import page


def names(response) -> list[str]:
    assert response.status_code == 200
    return [row[0] for row in page.table_rows(response) if len(row) > 1]


def test_hr_sees_only_their_agency(client, auth, world):
    auth.login("hr")
    assert names(client.get("/officers")) == ["王建国"]


def test_district_legal_sees_the_district_only(client, auth, world):
    auth.login("legal_district")
    assert sorted(names(client.get("/officers"))) == sorted(["王建国", "赵敏华"])


def test_city_legal_sees_everyone(client, auth, world):
    auth.login("legal_city")
    assert sorted(names(client.get("/officers"))) == sorted(["王建国", "赵敏华", "孙丽明"])


def test_search_by_name_part_of_a_name_full_id_number_and_mobile(client, auth, world):
    auth.login("legal_city")
    assert names(client.get("/officers?q=赵敏华")) == ["赵敏华"]
    assert names(client.get("/officers", query_string={"q": "敏"})) == ["赵敏华"]
    assert names(client.get("/officers", query_string={"q": world.other_officer.id_number})) == ["孙丽明"]
    assert names(client.get("/officers", query_string={"q": world.officer2.mobile})) == ["赵敏华"]
    assert names(client.get("/officers", query_string={"q": " 王建国 "})) == ["王建国"]
    assert names(client.get("/officers", query_string={"q": "查无此人"})) == []


def test_id_number_search_accepts_lower_case_x_and_full_width_digits(client, auth, world):
    officer = make_officer(world.dept, name="钱小红", birth_date=dt.date(1949, 12, 31), male=False,
                           id_number="11010519491231002X", hired_on=dt.date(1970, 1, 1))
    auth.login("hr")
    assert names(client.get("/officers", query_string={"q": officer.id_number.lower()})) == ["钱小红"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in officer.id_number)
    assert names(client.get("/officers", query_string={"q": full_width})) == ["钱小红"]


def test_part_of_an_id_number_or_mobile_finds_nobody(client, auth, world):
    auth.login("legal_city")
    assert names(client.get("/officers", query_string={"q": world.officer.id_number[:10]})) == []
    assert names(client.get("/officers", query_string={"q": world.officer.mobile[:7]})) == []


def test_search_never_leaves_the_scope(client, auth, world):
    auth.login("hr")
    assert names(client.get("/officers", query_string={"q": world.other_officer.id_number})) == []
    assert names(client.get("/officers", query_string={"q": world.officer2.mobile})) == []
    assert names(client.get("/officers", query_string={"q": "孙丽明"})) == []
    # an agency outside the scope named in the URL does not widen it
    assert names(client.get("/officers", query_string={"agency": world.other_dept.id})) == ["王建国"]
    assert names(client.get("/officers", query_string={"agency": world.city.id})) == ["王建国"]


def test_agency_filter_includes_sub_agencies(client, auth, world):
    squad = make_agency(world.dept, name="环翠区综合行政执法局第一中队", short_name="一中队", region_code="371002")
    make_officer(squad, name="周一中")
    auth.login("legal_city")
    assert sorted(names(client.get("/officers", query_string={"agency": world.district.id}))) == sorted(
        ["王建国", "赵敏华", "周一中"])
    assert sorted(names(client.get("/officers", query_string={"agency": world.dept.id}))) == sorted(
        ["王建国", "周一中"])
    assert names(client.get("/officers", query_string={"agency": squad.id})) == ["周一中"]
    assert names(client.get("/officers", query_string={"agency": world.other_district.id})) == ["孙丽明"]


def test_status_and_category_filters(client, auth, world, frozen):
    make_officer(world.dept, name="吴退休", status="retired")
    make_officer(world.dept, name="郑调离", status="left_post", categories=["市场监管"])
    make_officer(world.dept, name="冯市监", categories=["市场监管", "城市管理"])
    auth.login("hr")
    assert names(client.get("/officers?status=retired")) == ["吴退休"]
    assert names(client.get("/officers?status=left_post")) == ["郑调离"]
    assert sorted(names(client.get("/officers?status=on_duty"))) == sorted(["王建国", "冯市监"])
    assert sorted(names(client.get("/officers", query_string={"category": "市场监管"}))) == sorted(
        ["郑调离", "冯市监"])
    assert names(client.get("/officers", query_string={"category": "市场监管", "status": "on_duty"})) == ["冯市监"]
    assert names(client.get("/officers", query_string={"category": "生态环境"})) == []


def test_missing_photo_and_missing_account_filters(client, auth, world):
    third = make_officer(world.dept, name="陈有照")
    services.set_photo(SYSTEM, third, image_bytes("JPEG", size=(300, 400)), clock.now())
    db.session.commit()
    auth.login("hr")
    assert names(client.get("/officers?missing=photo")) == ["王建国"]
    assert names(client.get("/officers?missing=account")) == ["陈有照"]  # 王建国 has an account
    rows = {row[0]: row for row in page.table_rows(client.get("/officers"))}
    assert rows["陈有照"][-2:] == ["有", "未开通"]
    assert rows["王建国"][-2:] == ["缺", "已开通"]


def _query(href: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_the_page_size_setting_pages_the_list_and_the_filters_stay_in_the_page_links(client, auth, world):
    policy.update(SYSTEM, {"ui.page_size": 20})  # the one page size of every list (admin's settings page)
    for n in range(44):
        make_officer(world.dept, name="测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰巳午未申酉戌亥"[n // 10])
    make_officer(world.dept, name="测试生态", categories=["生态环境"])
    auth.login("hr")
    filters = {"q": "测试", "status": "on_duty", "category": "城市管理", "missing": "photo",
               "agency": str(world.dept.id)}

    first = client.get("/officers", query_string=filters)
    assert len(names(first)) == 20
    assert "共 44 条" in page.text(first)
    page_links = [href for href in page.links(first) if "page=" in href]
    assert page_links
    for href in page_links:
        query = _query(href)
        for key, value in filters.items():
            assert query.get(key) == value, (href, key)
    assert {_query(h)["page"] for h in page_links} >= {"2", "3"}

    seen = set(names(first))
    for number, size in ((2, 20), (3, 4)):
        response = client.get("/officers", query_string=dict(filters, page=number))
        batch = names(response)
        assert len(batch) == size
        assert not seen & set(batch)
        seen |= set(batch)
    assert len(seen) == 44 and "测试生态" not in seen

    beyond = client.get("/officers", query_string=dict(filters, page=9))
    assert beyond.status_code == 200
    assert names(beyond) == []


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "999999999999999999999"])
def test_a_nonsense_page_number_is_not_an_error(client, auth, world, junk):
    auth.login("hr")
    response = client.get("/officers", query_string={"page": junk})
    assert response.status_code == 200


def test_the_filter_form_keeps_its_values(client, auth, world):
    auth.login("legal_city")
    response = client.get("/officers", query_string={"q": "王", "status": "on_duty", "category": "城市管理",
                                                     "agency": str(world.dept.id), "missing": "photo"})
    assert page.input_value(response, "q") == "王"
    assert page.selected_value(response, "status") == "on_duty"
    assert page.selected_value(response, "category") == "城市管理"
    assert page.selected_value(response, "agency") == str(world.dept.id)
    assert page.selected_value(response, "missing") == "photo"


def test_the_admin_sets_one_page_size_for_every_list(client, auth, world):
    """One page-size setting (列表每页显示多少条) on the settings page; out of range is refused and changes nothing."""
    from tests.auth.helpers import form_values

    for n in range(12):
        make_officer(world.dept, name="分页" + "甲乙丙丁戊己庚辛壬癸子丑"[n])
    auth.login("admin")
    current = form_values(client.get("/admin/settings"))
    refused = client.post("/admin/settings", data={**current, "ui.page_size": "5"})
    assert refused.status_code == 422 and "不得小于 10" in refused.get_data(as_text=True)
    assert client.post("/admin/settings", data={**current, "ui.page_size": "10"}).status_code == 302
    auth.logout()
    auth.login("hr")
    first = client.get("/officers", query_string={"q": "分页"})
    assert len(names(first)) == 10 and "共 12 条" in page.text(first)
    assert len(names(client.get("/officers", query_string={"q": "分页", "page": 2}))) == 2
