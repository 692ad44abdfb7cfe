"""HR changes an officer's record (POST /officers/<id>/edit): optimistic locking, the status date."""
import datetime as dt

import pytest

from portal.extensions import db
from portal.officers.models import Officer
from tests.officers import page
from tests.officers.helpers import audit_entries, is_chinese_message


@pytest.fixture
def hr(client, auth, world, frozen):
    auth.login("hr")
    return world


def _opened(client, officer) -> dict:
    """The edit form as the browser would submit it unchanged."""
    form = client.get(f"/officers/{officer.id}/edit")
    assert form.status_code == 200
    return page.form_values(form)


def _reload(officer) -> Officer:
    db.session.expire_all()
    return db.session.get(Officer, officer.id)


def test_the_form_opens_with_the_record_and_its_version(client, hr):
    values = _opened(client, hr.officer)
    assert values["name"] == ["王建国"]
    assert values["id_number"] == [hr.officer.id_number]
    assert values["agency_id"] == [str(hr.dept.id)]
    assert values["categories"] == ["城市管理"]
    assert values["version"] == [str(hr.officer.version)]


def test_a_change_is_saved_and_audited(client, hr):
    values = _opened(client, hr.officer)
    values["post"] = ["执法中队长"]
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)
    assert response.status_code == 302
    officer = _reload(hr.officer)
    assert officer.post == "执法中队长"
    [entry] = audit_entries("officer.update")
    assert entry.change == {"post": ["执法队员", "执法中队长"]}
    assert entry.actor_id == hr.hr.id


def test_saving_with_a_stale_version_is_a_conflict_and_changes_nothing(client, hr):
    mine = _opened(client, hr.officer)       # I open the form…
    theirs = _opened(client, hr.officer)     # …so does a colleague, who saves first
    theirs["post"] = ["执法中队长"]
    assert client.post(f"/officers/{hr.officer.id}/edit", data=theirs).status_code == 302
    after_theirs = _reload(hr.officer)
    updates = len(audit_entries("officer.update"))

    mine["region"] = ["文登区全域"]
    mine["mobile"] = ["13700000000"]
    response = client.post(f"/officers/{hr.officer.id}/edit", data=mine)

    assert response.status_code == 409
    messages = page.alerts(response)
    assert any("已被他人修改" in m for m in messages), messages
    assert all(is_chinese_message(m) for m in messages)
    assert f"/officers/{hr.officer.id}/edit" in page.links(response)  # a way to the latest version
    officer = _reload(hr.officer)
    assert (officer.post, officer.region, officer.mobile) == ("执法中队长", "环翠区全域", after_theirs.mobile)
    assert officer.version == after_theirs.version
    assert len(audit_entries("officer.update")) == updates


def test_a_form_without_its_version_is_a_conflict(client, hr):
    values = _opened(client, hr.officer)
    values.pop("version")
    values["post"] = ["科员"]
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)
    assert response.status_code == 409
    assert _reload(hr.officer).post == "执法队员"


def test_leaving_the_post_records_today_and_returning_clears_it(client, auth, hr, frozen):
    values = _opened(client, hr.officer)
    values["status"] = ["left_post"]
    assert client.post(f"/officers/{hr.officer.id}/edit", data=values).status_code == 302
    officer = _reload(hr.officer)
    assert officer.status == "left_post"
    assert officer.status_changed_on == dt.date(2026, 11, 26)
    detail = client.get(f"/officers/{hr.officer.id}").get_data(as_text=True)
    assert "调离执法岗位" in detail and "2026年11月26日" in detail

    frozen("2026-12-03 10:00")
    auth.logout()  # a week later: the old session has timed out; sign in again
    auth.login("hr")
    values = _opened(client, hr.officer)
    values["post"] = ["内勤"]  # another change leaves the status date alone
    assert client.post(f"/officers/{hr.officer.id}/edit", data=values).status_code == 302
    assert _reload(hr.officer).status_changed_on == dt.date(2026, 11, 26)

    values = _opened(client, hr.officer)
    values["status"] = ["on_duty"]
    assert client.post(f"/officers/{hr.officer.id}/edit", data=values).status_code == 302
    officer = _reload(hr.officer)
    assert officer.status == "on_duty"
    assert officer.status_changed_on is None


def test_retiring_records_today(client, auth, hr, frozen):
    frozen("2027-01-04 08:30")
    auth.logout()
    auth.login("hr")
    values = _opened(client, hr.officer)
    values["status"] = ["retired"]
    assert client.post(f"/officers/{hr.officer.id}/edit", data=values).status_code == 302
    officer = _reload(hr.officer)
    assert (officer.status, officer.status_changed_on) == ("retired", dt.date(2027, 1, 4))


def test_status_date_uses_the_beijing_date(client, auth, hr, frozen):
    # 17:30 UTC on 31 December is already 1 January in Beijing
    frozen(dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC))
    auth.logout()
    auth.login("hr")
    values = _opened(client, hr.officer)
    values["status"] = ["left_post"]
    assert client.post(f"/officers/{hr.officer.id}/edit", data=values).status_code == 302
    assert _reload(hr.officer).status_changed_on == dt.date(2027, 1, 1)


def test_an_invalid_change_is_explained_and_not_saved(client, hr):
    values = _opened(client, hr.officer)
    values["gender"] = ["F"]
    values["mobile"] = ["1234"]
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)
    assert response.status_code in (200, 422)
    assert page.field_errors(response, "gender")
    assert page.field_errors(response, "mobile")
    assert page.input_value(response, "mobile") == "1234"
    officer = _reload(hr.officer)
    assert officer.gender == "M" and officer.mobile != "1234"
    assert audit_entries("officer.update") == []


def test_moving_an_officer_out_of_scope_is_refused(client, hr):
    values = _opened(client, hr.officer)
    values["agency_id"] = [str(hr.other_dept.id)]
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)
    assert page.field_errors(response, "agency_id")
    assert _reload(hr.officer).agency_id == hr.dept.id


def test_an_unchanged_form_changes_nothing(client, hr):
    values = _opened(client, hr.officer)
    version = hr.officer.version
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)
    assert response.status_code == 302
    assert "没有修改任何内容" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _reload(hr.officer).version == version
    assert audit_entries("officer.update") == []


@pytest.mark.parametrize("role", ["legal_city", "legal_district", "admin"])
def test_legal_and_admin_may_not_edit(client, auth, world, role):
    auth.login(role)
    assert client.get(f"/officers/{world.officer.id}/edit").status_code == 403
    assert client.post(f"/officers/{world.officer.id}/edit", data={"post": "x"}).status_code == 403
    assert audit_entries("officer.id_number_viewed") == []


def test_two_saves_racing_on_the_same_version_one_wins_the_other_gets_the_conflict(client, hr, monkeypatch):
    """A colleague's save commits after this request checked the version but before it wrote."""
    from portal.officers import services

    checked = services.problems
    raced = []

    def problems_then_a_colleague_saves(*args, **kwargs):
        result = checked(*args, **kwargs)
        if not raced:
            raced.append(True)
            table = Officer.__table__
            with db.engine.begin() as conn:
                conn.execute(table.update().where(table.c.id == hr.officer.id).values(
                    post="同事的修改", version=table.c.version + 1))
        return result

    values = _opened(client, hr.officer)
    values["region"] = ["文登区全域"]
    monkeypatch.setattr(services, "problems", problems_then_a_colleague_saves)
    response = client.post(f"/officers/{hr.officer.id}/edit", data=values)

    assert raced
    assert response.status_code == 409
    assert any("已被他人修改" in m for m in page.alerts(response))
    officer = _reload(hr.officer)
    assert (officer.post, officer.region) == ("同事的修改", "环翠区全域")
    assert audit_entries("officer.update") == []
