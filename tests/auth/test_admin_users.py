"""Admin manages staff accounts: role, scope, whether they may sign in; every change audited."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tests.auth.helpers import audit_actions, count, one_time_password, path_of, text
from tests.conftest import PASSWORD


@pytest.fixture
def admin(app, world):
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "admin", "password": PASSWORD})) == "/home"
    return browser


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _create(admin, **data):
    return admin.post("/admin/users/new", data={"display_name": "新同事", **data})


def _edit(admin, user, **data):
    form = {"username": user.username, "display_name": user.display_name, "role": user.role,
            "scopes": [a.id for a in user.scopes], "active": "y"}
    form.update(data)
    form = {key: value for key, value in form.items() if value is not None}
    return admin.post(f"/admin/users/{user.id}/edit", data=form)


@pytest.mark.parametrize("role, label", [("hr", "人事/培训管理员"), ("legal", "法制机构审核员")])
def test_hr_and_legal_need_a_scope(admin, world, role, label):
    users, entries = count(User), len(audit_actions())
    response = _create(admin, username="clerk", role=role)
    assert f"{label}账户至少需要一个管辖范围（单位）" in text(response)
    assert 'class="otp' not in text(response)
    assert count(User) == users
    assert len(audit_actions()) == entries
    assert _user("clerk") is None


def test_admin_needs_no_scope(admin, world):
    response = _create(admin, username="root2", role="admin")
    one_time_password(response)
    assert _user("root2").role == "admin"
    [entry] = audit_actions("user.create")[-1:]
    assert entry.change == {"username": "root2", "role": "admin", "scopes": []}
    assert entry.actor == "admin"


@pytest.mark.parametrize("username, message", [
    ("1clerk", "用户名须以字母开头"),
    ("a", "用户名须以字母开头"),
    ("clerk name", "用户名须以字母开头"),
    ("张三", "用户名须以字母开头"),
    ("clerk!", "用户名须以字母开头"),
    ("_clerk", "用户名须以字母开头"),
    ("x" * 41, "字段长度不能超过 40 个字符"),
    ("", "请填写用户名"),
])
def test_bad_user_name_is_refused(admin, world, username, message):
    users = count(User)
    response = _create(admin, username=username, role="hr", scopes=[world.dept.id])
    page = text(response)
    field_start = page.index('name="username"')
    assert message in page[field_start:page.index('name="display_name"')], "not shown beside the user name"
    assert 'class="otp' not in page
    assert count(User) == users


def test_role_must_be_a_staff_role(admin, world):
    users = count(User)
    response = _create(admin, username="clerk", role="officer", scopes=[world.dept.id])
    assert "不是有效的选择" in text(response)
    assert count(User) == users


def test_user_name_is_stored_in_lower_case(admin, world):
    one_time_password(_create(admin, username="Clerk.Wang", role="hr", scopes=[world.dept.id]))
    assert _user("clerk.wang") is not None


@pytest.mark.parametrize("username", ["hr", "HR", " hr "])
def test_duplicate_user_name_is_refused(admin, world, username):
    users = count(User)
    response = _create(admin, username=username, role="hr", scopes=[world.dept.id])
    assert "用户名“hr”已被使用" in text(response)
    assert count(User) == users
    assert [a.id for a in _user("hr").scopes] == [world.dept.id]


def test_unknown_scope_is_refused(admin, world):
    users = count(User)
    response = _create(admin, username="clerk", role="hr", scopes=[99999])
    assert 'class="otp' not in text(response)
    assert count(User) == users


def test_new_user_gets_the_scope_chosen(app, admin, world):
    one_time = one_time_password(_create(admin, username="clerk", role="hr", scopes=[world.other_dept.id]))
    browser = app.test_client()
    browser.post("/login", data={"login": "clerk", "password": one_time})
    browser.post("/password", data={"current": one_time, "new": "a-new-secret-123", "confirm": "a-new-secret-123"})
    listing = text(browser.get("/officers"))
    assert world.other_officer.name in listing
    assert world.officer.name not in listing


def test_editing_role_scope_and_active_is_audited(admin, world):
    hr = world.hr
    response = _edit(admin, hr, role="legal", scopes=[world.district.id, world.other_district.id])
    assert path_of(response) == "/admin/users"
    assert "账户已保存" in text(admin.get("/admin/users"))
    [entry] = audit_actions("user.update")
    assert entry.actor == "admin" and entry.object_id == str(hr.id)
    assert entry.change == {"role": ["hr", "legal"], "scopes": [["环翠执法局"], sorted(["环翠区", "文登区"])]}
    assert _user("hr").role == "legal"

    _edit(admin, _user("hr"), active=None)
    entries = audit_actions("user.update")
    assert len(entries) == 2
    assert entries[-1].change == {"active": [True, False]}
    assert _user("hr").active is False
    assert "已停用" in text(admin.get("/admin/users"))


def test_saving_without_changes_is_not_audited(admin, world):
    response = _edit(admin, world.hr)
    assert path_of(response) == "/admin/users"
    assert "没有修改任何内容" in text(admin.get("/admin/users"))
    assert audit_actions("user.update") == []


def test_editing_to_hr_without_scope_is_refused(admin, world):
    response = _edit(admin, world.legal_city, role="hr", scopes=[])
    assert "人事/培训管理员账户至少需要一个管辖范围（单位）" in text(response)
    assert _user("legal_city").role == "legal"
    assert audit_actions("user.update") == []


@pytest.mark.parametrize("change, field, next_field", [
    ({"active": None}, 'name="active"', "保存</button>"),
    ({"role": "hr"}, 'name="role"', 'name="scopes"'),
])
def test_admin_cannot_deactivate_or_demote_themself(admin, world, change, field, next_field):
    data = dict(change)
    if "role" in data:
        data["scopes"] = [world.city.id]
    response = _edit(admin, world.admin, **data)
    page = text(response)
    start = page.index(field)
    assert "不能停用自己的账户或取消自己的管理员角色" in page[start:page.index(next_field, start)], \
        "not shown beside the field"
    assert _user("admin").active is True and _user("admin").role == "admin"
    assert audit_actions("user.update") == []
    assert admin.get("/admin/users").status_code == 200


def test_deactivating_a_user_ends_their_session(app, admin, world):
    browser = app.test_client()
    browser.post("/login", data={"login": "legal_city", "password": PASSWORD})
    assert browser.get("/home").status_code == 200
    _edit(admin, world.legal_city, active=None)
    assert path_of(browser.get("/home")) == "/login"
    refused = browser.post("/login", data={"login": "legal_city", "password": PASSWORD})
    assert refused.status_code == 401
    assert "该账户已停用" in text(refused)


def test_changing_a_users_scope_ends_their_session(app, admin, world):
    browser = app.test_client()
    browser.post("/login", data={"login": "hr", "password": PASSWORD})
    _edit(admin, world.hr, scopes=[world.other_dept.id])
    assert path_of(browser.get("/officers")) == "/login"
    browser.post("/login", data={"login": "hr", "password": PASSWORD})
    assert world.officer.name not in text(browser.get("/officers"))


def test_reactivating_lets_the_user_back_in(app, admin, world):
    _edit(admin, world.hr, active=None)
    _edit(admin, _user("hr"), active="y")
    assert audit_actions("user.update")[-1].change == {"active": [False, True]}
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "hr", "password": PASSWORD})) == "/home"


def test_officer_accounts_are_not_edited_here(admin, world):
    assert admin.get(f"/admin/users/{world.officer_user.id}/edit").status_code == 404
    assert _edit(admin, world.hr, role="hr").status_code == 302
    response = admin.post(f"/admin/users/{world.officer_user.id}/edit",
                          data={"username": "x", "display_name": "x", "role": "admin", "active": "y"})
    assert response.status_code == 404
    assert db.session.get(User, world.officer_user.id).role == "officer"
    assert "王建国" not in text(admin.get("/admin/users"))


@pytest.mark.parametrize("login", ["hr", "legal_city"])
def test_only_admin_manages_users(app, world, login):
    browser = app.test_client()
    browser.post("/login", data={"login": login, "password": PASSWORD})
    assert browser.get("/admin/users").status_code == 403
    assert browser.post("/admin/users/new", data={"username": "x1", "display_name": "x", "role": "admin"}
                        ).status_code == 403
    assert browser.post(f"/admin/users/{world.admin.id}/edit",
                        data={"username": "admin", "display_name": "x", "role": "hr", "active": "y"}
                        ).status_code == 403
    assert _user("x1") is None and _user("admin").role == "admin"


def test_user_list_search(admin, world):
    page = text(admin.get("/admin/users?q=legal"))
    assert "legal_city" in page and "legal_district" in page and "hr_other" not in page
    page = text(admin.get("/admin/users?role=hr"))
    assert "hr_other" in page and "legal_city" not in page
