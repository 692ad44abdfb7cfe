"""HR imports officers on 批量导入执法人员 (POST /imports/officers): new rows are added, the same file again
changes nothing, a changed row updates that officer only; who may use the page."""
import datetime as dt

import pytest

from tests.imports.helpers import (
    alert_text,
    error_table,
    id_of,
    import_audits,
    officer,
    officer_count,
    officer_row,
    rows_of,
    snapshot,
    upload,
    xlsx_bytes,
)


def test_a_valid_file_adds_the_officers_deriving_gender_and_birth_date(client, hr):
    rows = [
        officer_row(0, hr.dept.name, 姓名="李晓梅", 执法类别="城市管理、市场监管、生态环境", 邮箱="lixm@example.cn"),
        officer_row(1, hr.dept.uscc, 姓名="欧阳建国", 执法类别="综合执法", 入职日期=dt.date(2012, 7, 1)),
        officer_row(2, hr.dept.name, 姓名="阿依古丽·买买提", 执法类别=" 城市管理 、 综合执法 "),
    ]
    before = officer_count()
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 200
    assert "导入完成：共 3 行，新增 3 条，更新 0 条，0 条与已有记录相同未作改动" in alert_text(response)
    assert error_table(response) == []
    assert officer_count() == before + 3

    first = officer(id_of(0))  # person 0: a man born 1 January 1970
    assert (first.name, first.gender, first.birth_date) == ("李晓梅", "M", dt.date(1970, 1, 1))
    assert first.categories == sorted(["城市管理", "市场监管", "生态环境"])
    assert (first.agency_id, first.post, first.region) == (hr.dept.id, "执法队员", "环翠区全域")
    assert (first.mobile, first.email, first.hired_on) == ("13900000000", "lixm@example.cn", dt.date(2015, 8, 1))
    assert (first.status, first.has_photo) == ("on_duty", False)

    second = officer(id_of(1))  # the agency given by its 统一社会信用代码; a woman born 2 January 1970
    assert (second.gender, second.birth_date, second.agency_id) == ("F", dt.date(1970, 1, 2), hr.dept.id)
    assert second.categories == ["综合执法"] and second.hired_on == dt.date(2012, 7, 1) and second.email is None
    assert officer(id_of(2)).categories == sorted(["城市管理", "综合执法"])
    assert import_audits() == 1


def test_the_same_file_twice_adds_and_changes_nothing(client, hr, frozen):
    data = xlsx_bytes(rows_of(30, hr.dept.name, 执法类别="市场监管、城市管理、综合执法"))
    assert upload(client, data).status_code == 200
    after_first = snapshot()
    frozen("2026-11-26 09:10")

    again = upload(client, data)
    assert again.status_code == 200
    assert "导入完成：共 30 行，新增 0 条，更新 0 条，30 条与已有记录相同未作改动" in alert_text(again)
    assert snapshot() == after_first  # officers, categories, versions, audit entries: all as they were
    assert import_audits() == 1


def test_a_changed_row_updates_that_officer_only(client, hr, frozen):
    rows = rows_of(5, hr.dept.name)
    assert upload(client, xlsx_bytes(rows)).status_code == 200
    before = snapshot()
    frozen("2026-11-26 09:10")

    rows[3] = dict(rows[3], 岗位="执法中队长", 执法类别="综合执法", 手机="13806311234", 单位=hr.dept.uscc)
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 200
    assert "导入完成：共 5 行，新增 0 条，更新 1 条，4 条与已有记录相同未作改动" in alert_text(response)
    after = snapshot()
    assert after["officers"] == before["officers"]
    changed = officer(id_of(3))
    assert (changed.post, changed.categories, changed.mobile) == ("执法中队长", ["综合执法"], "13806311234")
    assert after["versions"] == {**before["versions"], id_of(3): before["versions"][id_of(3)] + 1}
    assert {k for k in after["updated_at"] if after["updated_at"][k] != before["updated_at"][k]} == {id_of(3)}
    assert import_audits() == 2


def test_officers_already_registered_in_scope_are_matched_by_id_number(client, hr):
    existing = hr.officer  # registered by hand in hr's agency
    row = officer_row(0, hr.dept.name, 姓名=existing.name, 身份证号=existing.id_number.lower(), 岗位="执法科长",
                      执法类别="、".join(existing.categories), 执法区域=existing.region, 手机=existing.mobile,
                      入职日期=existing.hired_on)
    before = officer_count()
    response = upload(client, xlsx_bytes([row]))
    assert response.status_code == 200
    assert "新增 0 条，更新 1 条" in alert_text(response)
    assert officer_count() == before
    assert officer(existing.id_number).post == "执法科长"


def test_the_import_is_audited_as_the_hr_user_without_personal_numbers(client, hr):
    from portal.audit import AuditEntry
    from portal.extensions import db

    assert upload(client, xlsx_bytes(rows_of(2, hr.dept.name))).status_code == 200
    [entry] = db.session.query(AuditEntry).filter_by(action="officer.import").all()
    assert entry.actor_id == hr.hr.id
    assert entry.change["created"] == 2
    assert len(entry.change["created_ids"]) == 2
    text = str(entry.change)
    assert id_of(0) not in text and "13900000000" not in text


@pytest.mark.parametrize("user", ["legal_city", "admin", "officer"])
def test_only_hr_may_import_officers(client, auth, world, user):
    login = world.officer.id_number if user == "officer" else user
    assert auth.login(login).status_code == 302
    assert client.get("/imports/officers").status_code == 403
    assert client.get("/imports/officers/template.xlsx").status_code == 403
    before = officer_count()
    assert upload(client, xlsx_bytes(rows_of(1, world.dept.name))).status_code == 403
    assert officer_count() == before


def test_an_unknown_kind_or_template_format_is_not_found(client, hr):
    assert client.get("/imports/officers").status_code == 200
    assert client.get("/imports/nonsense").status_code == 404
    assert upload(client, xlsx_bytes(rows_of(1, hr.dept.name)), kind="nonsense").status_code == 404
    assert client.get("/imports/nonsense/template.xlsx").status_code == 404
    assert client.get("/imports/officers/template.pdf").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/imports/officers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    before = officer_count()
    response = upload(client, xlsx_bytes(rows_of(1, world.dept.name)))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert officer_count() == before


def test_the_page_links_the_templates_and_explains_the_columns(client, hr):
    text = client.get("/imports/officers").get_data(as_text=True)
    assert "/imports/officers/template.xlsx" in text and "/imports/officers/template.csv" in text
    for header in ("姓名", "身份证号", "单位", "执法类别", "入职日期"):
        assert header in text
    assert "最大 10MB" in text
