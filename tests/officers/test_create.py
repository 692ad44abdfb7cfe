"""HR registers an officer through 新增执法人员 (POST /officers/new)."""
import datetime as dt
import json

import pytest

from portal import policy
from portal.extensions import db
from portal.officers.models import Officer
from tests.factories import SYSTEM, make_id_number
from tests.officers import page
from tests.officers.helpers import (
    NEW_ID,
    audit_entries,
    count,
    is_chinese_message,
    officer_by_id_number,
    officer_form,
)


@pytest.fixture
def hr(client, auth, world, frozen):
    auth.login("hr")
    return world


def test_the_form_offers_only_agencies_in_scope_and_the_configured_categories(client, hr):
    form = client.get("/officers/new")
    assert form.status_code == 200
    doc = page.parse(form.get_data(as_text=True))
    select = doc.find("select", name="agency_id")
    assert "form-select" in select.classes
    agencies = {o.attrs["value"] for o in select.find_all("option")}
    assert agencies == {"0", str(hr.dept.id)}
    categories = [n.attrs["value"] for n in doc.find_all("input", name="categories")]
    assert all(n.attrs.get("type") == "checkbox" for n in doc.find_all("input", name="categories"))
    assert categories == policy.get("officers.categories")


def test_valid_officer_is_stored_and_audited_without_personal_numbers(client, hr):
    response = client.post("/officers/new", data=officer_form(hr.dept, email="lixm@example.cn"))
    assert response.status_code == 302
    officer = officer_by_id_number(NEW_ID)
    assert officer is not None
    assert response.headers["Location"].endswith(f"/officers/{officer.id}")
    assert (officer.name, officer.gender, officer.birth_date) == ("李晓梅", "F", dt.date(1988, 5, 12))
    assert (officer.agency_id, officer.post, officer.region) == (hr.dept.id, "执法中队长", "环翠区全域")
    assert officer.categories == sorted(["城市管理", "市场监管"])
    assert (officer.mobile, officer.email, officer.hired_on) == ("13806311234", "lixm@example.cn", dt.date(2012, 7, 1))
    assert officer.status == "on_duty" and officer.status_changed_on is None
    assert not officer.has_photo

    [entry] = [e for e in audit_entries("officer.create") if e.object_id == str(officer.id)]
    assert entry.actor_id == hr.hr.id
    assert entry.agency_id == hr.dept.id
    change = json.dumps(entry.change, ensure_ascii=False)
    assert NEW_ID not in change
    assert "13806311234" not in change
    assert entry.change["id_number"] == "已登记"  # not even masked: with the birth date it would nearly give it away
    assert "1988" not in change and "lixm@example.cn" not in change
    assert entry.change["name"] == "李晓梅"
    # nowhere else in the log either
    for other in audit_entries():
        text = json.dumps(other.change, ensure_ascii=False)
        assert NEW_ID not in text and "13806311234" not in text

    shown = client.get(f"/officers/{officer.id}", follow_redirects=True)
    assert "已登记执法人员 李晓梅" in shown.get_data(as_text=True)


def test_lower_case_x_and_full_width_digits_are_stored_in_the_standard_form(client, hr):
    number = "11010519491231002X"  # the standard's own example, a woman born 31 December 1949
    typed = " " + "".join(chr(ord(c) + 0xFEE0) for c in number[:17]) + "x "  # 全角 digits, a lower-case x
    response = client.post("/officers/new", data=officer_form(
        hr.dept, id_number=typed, birth_date="1949-12-31", hired_on="1970-03-01"))
    assert response.status_code == 302, page.all_field_errors(response)
    assert officer_by_id_number(number) is not None


WRONG_CHECK = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")


def _other_id(world):
    return world.other_officer.id_number


BAD_INPUTS = [
    # (case, overrides or a function of the world, field that must carry the message, words in it)
    ("wrong ID check character", {"id_number": WRONG_CHECK}, "id_number", "校验位"),
    ("birth date disagrees with the ID number", {"birth_date": "1988-05-13"}, "birth_date", "不一致"),
    ("gender disagrees with the 17th digit", {"gender": "M"}, "gender", "不一致"),
    ("duplicate ID number (of an officer in scope)", lambda w: {
        "id_number": w.officer.id_number, "birth_date": w.officer.birth_date.isoformat(),
        "gender": w.officer.gender}, "id_number", "已登记"),
    ("duplicate ID number (of an officer outside scope)", lambda w: {
        "id_number": _other_id(w), "birth_date": w.other_officer.birth_date.isoformat(),
        "gender": w.other_officer.gender}, "id_number", "已登记"),
    ("mobile with 10 digits", {"mobile": "1380631123"}, "mobile", "手机"),
    ("mobile not starting with 1", {"mobile": "23806311234"}, "mobile", "手机"),
    ("mobile with a letter", {"mobile": "1380631123a"}, "mobile", "手机"),
    ("mobile with a second-digit 2", {"mobile": "12806311234"}, "mobile", "手机"),
    ("category not in the configured list", {"categories": ["城市管理", "打击走私"]}, "categories", "执法类别"),
    ("hire date in the future", {"hired_on": "2026-11-27"}, "hired_on", "入职日期"),
    ("agency outside the HR user's scope", lambda w: {"agency_id": str(w.other_dept.id)}, "agency_id", "单位"),
    ("agency not chosen", {"agency_id": "0"}, "agency_id", "单位"),
]


@pytest.mark.parametrize("case, overrides, field, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_explained_beside_its_field_keeps_what_was_typed_and_stores_nothing(
        client, hr, case, overrides, field, words):
    if callable(overrides):
        overrides = overrides(hr)
    typed = officer_form(hr.dept, **overrides)
    officers_before = count(Officer)
    audit_before = len(audit_entries())

    response = client.post("/officers/new", data=typed)

    assert response.status_code in (200, 422), case
    errors = page.field_errors(response, field)
    assert errors, f"{case}: no message beside {field}; messages: {page.all_field_errors(response)}"
    assert any(words in e for e in errors), errors
    assert all(is_chinese_message(e) for e in page.all_field_errors(response)), page.all_field_errors(response)
    # what was typed is still there
    for name in ("name", "id_number", "post", "region", "mobile", "birth_date", "hired_on"):
        assert page.input_value(response, name) == typed[name], name
    assert page.selected_value(response, "gender") == typed["gender"]
    offered = {n.attrs["value"] for n in page.parse(response.get_data(as_text=True)).find_all(
        "input", name="categories")}
    assert set(page.checked_values(response, "categories")) == set(typed["categories"]) & offered
    if field != "agency_id":
        assert page.selected_value(response, "agency_id") == typed["agency_id"]
    # nothing stored
    db.session.expire_all()
    assert count(Officer) == officers_before
    assert len(audit_entries()) == audit_before


def test_outside_scope_agency_is_refused_even_for_an_otherwise_valid_officer(client, hr):
    client.post("/officers/new", data=officer_form(hr.dept, agency_id=str(hr.other_dept.id)))
    assert officer_by_id_number(NEW_ID) is None
    assert count(Officer, Officer.agency_id == hr.other_dept.id) == 1


def test_categories_follow_the_policy_setting(client, hr):
    policy.update(SYSTEM, {"officers.categories": ["城市管理", "林业"]})
    db.session.commit()

    refused = client.post("/officers/new", data=officer_form(hr.dept, categories=["市场监管"]))
    assert page.field_errors(refused, "categories")
    assert officer_by_id_number(NEW_ID) is None

    accepted = client.post("/officers/new", data=officer_form(hr.dept, categories=["林业"]))
    assert accepted.status_code == 302, page.all_field_errors(accepted)
    assert officer_by_id_number(NEW_ID).categories == ["林业"]


def test_several_problems_are_all_reported_at_once(client, hr):
    response = client.post("/officers/new", data=officer_form(
        hr.dept, gender="M", birth_date="1988-05-13", mobile="1234", hired_on="2030-01-01"))
    assert page.field_errors(response, "gender")
    assert page.field_errors(response, "birth_date")
    assert page.field_errors(response, "mobile")
    assert page.field_errors(response, "hired_on")
    assert officer_by_id_number(NEW_ID) is None


def test_hired_today_is_accepted(client, hr):
    response = client.post("/officers/new", data=officer_form(hr.dept, hired_on="2026-11-26"))
    assert response.status_code == 302, page.all_field_errors(response)


@pytest.mark.parametrize("typed", ["１３８０６３１１２３４", "138０６３１１２３４", " 13806311234 "])
def test_full_width_mobile_is_stored_as_ascii_digits(client, hr, typed):
    response = client.post("/officers/new", data=officer_form(hr.dept, mobile=typed))
    assert response.status_code == 302, page.all_field_errors(response)
    assert officer_by_id_number(NEW_ID).mobile == "13806311234"


def test_other_scripts_digits_in_the_mobile_are_refused(client, hr):
    arabic_indic = "".join(chr(0x660 + int(c)) for c in "13806311234")
    response = client.post("/officers/new", data=officer_form(hr.dept, mobile=arabic_indic))
    assert page.field_errors(response, "mobile")
    assert officer_by_id_number(NEW_ID) is None


@pytest.mark.parametrize("role", ["legal_city", "admin", "officer"])
def test_only_hr_may_register_officers(client, auth, world, role):
    auth.login(world.officer.id_number if role == "officer" else role)
    assert client.get("/officers/new").status_code == 403
    response = client.post("/officers/new", data=officer_form(world.dept))
    assert response.status_code == 403
    assert officer_by_id_number(NEW_ID) is None


def test_a_man_born_on_29_february(client, hr):
    number = make_id_number(dt.date(1992, 2, 29), 3, male=True)
    response = client.post("/officers/new", data=officer_form(
        hr.dept, id_number=number, gender="M", birth_date="1992-02-29", hired_on="2014-09-01"))
    assert response.status_code == 302, page.all_field_errors(response)


def test_two_registrations_racing_on_one_id_number_the_second_is_told_why(client, hr, monkeypatch):
    """Another HR clerk registers the same person after this request checked for duplicates but before it
    wrote: the database's unique index catches it and the form says so, instead of an error page."""
    from portal import clock
    from portal.officers import services

    checked = services.problems
    raced = []

    def problems_then_a_colleague_registers(*args, **kwargs):
        result = checked(*args, **kwargs)
        if not raced:
            raced.append(True)
            now = clock.now()
            with db.engine.begin() as conn:
                conn.execute(Officer.__table__.insert().values(
                    name="李晓梅", gender="F", birth_date=dt.date(1988, 5, 12), id_number=NEW_ID,
                    agency_id=hr.dept2.id, post="科员", region="环翠区", mobile="13900000000", status="on_duty",
                    hired_on=dt.date(2010, 1, 1), has_photo=False, created_at=now, updated_at=now, version=1))
        return result

    monkeypatch.setattr(services, "problems", problems_then_a_colleague_registers)
    response = client.post("/officers/new", data=officer_form(hr.dept))
    assert raced
    assert response.status_code in (200, 422)
    assert any("已登记" in e for e in page.field_errors(response, "id_number"))
    assert officer_by_id_number(NEW_ID).agency_id == hr.dept2.id  # the colleague's record, not a second one
    assert [e for e in audit_entries("officer.create") if e.actor_id == hr.hr.id] == []


@pytest.mark.parametrize("name", [
    "王𠇔",            # CJK Extension B (生僻字 in names; GB 18030 requires them)
    "张䶮",            # CJK Extension A
    "林〇",            # 〇 is written in some names
    "阿依古丽·买买提",  # 维吾尔族 names with a middle dot
    "迪丽热巴・迪力木拉提",  # …typed with the katakana middle dot an IME offers
])
def test_names_with_rare_characters_are_accepted(client, hr, name):
    response = client.post("/officers/new", data=officer_form(hr.dept, name=name))
    assert response.status_code == 302, page.all_field_errors(response)
    assert officer_by_id_number(NEW_ID).name == name


@pytest.mark.parametrize("name", ["王", "王<b>", "王1", "   "])
def test_implausible_names_are_refused(client, hr, name):
    response = client.post("/officers/new", data=officer_form(hr.dept, name=name))
    assert page.field_errors(response, "name")
    assert officer_by_id_number(NEW_ID) is None
