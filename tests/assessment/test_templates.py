"""Indicator templates: three groups whose indicator weights add up to each group's weight; a template that
scores use is never changed; new quarters take the newest active template, scored quarters keep theirs."""
import pytest
import sqlalchemy as sa

from portal import clock, policy
from portal.assessment import services
from portal.assessment.models import Indicator, IndicatorTemplate
from portal.errors import DomainError
from portal.extensions import db
from tests.assessment.helpers import (
    FULL,
    SIMPLE,
    audit_entries,
    grid_form,
    grid_url,
    make_template,
    root_agency,
    rows,
    store,
    template_form,
)
from tests.factories import SYSTEM
from tests.officers import page


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _with(spec: dict, group: str, items: list) -> dict:
    return {**spec, group: items}


def test_legal_creates_a_template_on_the_page_and_blank_rows_are_ignored(client, auth, world, frozen):
    auth.login("legal_city")
    form = client.get("/assessment/templates/new")
    assert form.status_code == 200
    response = client.post("/assessment/templates/new", data=template_form("2026年度平时考核指标", FULL, blank=3))
    assert response.status_code == 302
    template = db.session.scalar(sa.select(IndicatorTemplate))
    assert response.headers["Location"] == f"/assessment/templates/{template.id}"
    assert template.active and template.created_by == world.legal_city.id
    assert [(i.group, i.name, i.weight) for i in template.indicators] == [
        (group, name, weight) for group, items in FULL.items() for name, weight in items]
    assert [i.position for i in template.indicators if i.group == "specialised"] == [0, 1, 2]
    (entry,) = audit_entries("assessment.template_create")
    assert entry.change["name"] == "2026年度平时考核指标"
    assert entry.change["external"] == [["群众评议", 10], ["投诉处理", 10]]

    listing = page.text(client.get("/assessment/templates"))
    assert "2026年度平时考核指标" in listing
    assert "通用指标 30 · 专项指标 50 · 外部评价 20" in listing
    assert "新季度将使用" in listing and "尚未使用" in listing
    detail = page.text(client.get(f"/assessment/templates/{template.id}"))
    assert "案卷质量" in detail and "尚未用于考核，可以修改" in detail


@pytest.mark.parametrize(("spec", "field", "message"), [
    # one below: 通用 adds up to 29
    (_with(FULL, "general", [("政治素质", 10), ("依法履职", 10), ("廉洁自律", 9)]), "general",
     "通用指标组各指标权重之和为 29，须等于该组权重 30"),
    # one above: 专项 adds up to 51
    (_with(FULL, "specialised", [("执法规范", 21), ("案卷质量", 15), ("执法效能", 15)]), "specialised",
     "专项指标组各指标权重之和为 51，须等于该组权重 50"),
    # a missing group: no 外部评价 indicator at all
    (_with(FULL, "external", []), "external", "外部评价组至少需要一项指标（该组权重为 20）"),
])
def test_weights_that_do_not_add_up_are_refused_naming_the_group_and_its_sum(client, auth, world, frozen, spec,
                                                                               field, message):
    auth.login("legal_city")
    response = client.post("/assessment/templates/new", data=template_form("不平衡的模板", spec))
    assert response.status_code == 422
    assert _count(IndicatorTemplate) == 0 and _count(Indicator) == 0
    doc = page.parse(response.get_data(as_text=True))
    assert doc.find(id=f"{field}-error").text().strip() == message
    assert message in page.alerts(response)[0]
    # every typed value is still in the form
    for group, items in spec.items():
        for i, (name, weight) in enumerate(items):
            assert page.input_value(response, f"{group}-{i}-name") == name
            assert page.input_value(response, f"{group}-{i}-weight") == str(weight)
    assert page.input_value(response, "name") == "不平衡的模板"


def test_the_service_refuses_the_same_three_ways(world):
    for spec, sum_message in [
        (_with(SIMPLE, "general", [("综合表现", 29)]), "通用指标组各指标权重之和为 29"),
        (_with(SIMPLE, "general", [("综合表现", 31)]), "通用指标组各指标权重之和为 31"),
        (_with(SIMPLE, "specialised", []), "专项指标组至少需要一项指标"),
    ]:
        with pytest.raises(DomainError) as caught:
            services.create_template(SYSTEM, root_agency(), "模板", rows(spec), clock.now())
        assert any(sum_message in item["message"] for item in caught.value.items)
    assert _count(IndicatorTemplate) == 0


@pytest.mark.parametrize(("row", "field", "message"), [
    (("执法规范", "二十"), "specialised-0-weight", "专项指标第 1 行（执法规范）：权重须为 1 至 100 的整数"),
    (("执法规范", "0"), "specialised-0-weight", "专项指标第 1 行（执法规范）：权重须为 1 至 100 的整数"),
    (("执法规范", "12.5"), "specialised-0-weight", "专项指标第 1 行（执法规范）：权重须为 1 至 100 的整数"),
    (("", "50"), "specialised-0-name", "专项指标第 1 行：请填写指标名称"),
    (("执法规范", ""), "specialised-0-weight", "专项指标第 1 行（执法规范）：权重须为 1 至 100 的整数"),
])
def test_a_bad_row_is_marked_beside_its_field(client, auth, world, frozen, row, field, message):
    auth.login("admin")
    spec = _with(SIMPLE, "specialised", [row])
    data = template_form("行有误的模板", spec)
    response = client.post("/assessment/templates/new", data=data)
    assert response.status_code == 422
    assert page.parse(response.get_data(as_text=True)).find(id=f"{field}-error").text().strip() == message
    assert _count(IndicatorTemplate) == 0


def test_full_width_weights_and_a_duplicate_indicator_or_template_name(client, auth, world, frozen):
    auth.login("legal_city")
    spec = _with(SIMPLE, "external", [("群众评价", "１０"), ("群众评价", "10")])
    response = client.post("/assessment/templates/new", data=template_form("重复", spec))
    assert response.status_code == 422
    assert "外部评价第 2 行：指标“群众评价”与外部评价第 1 行重复" in page.text(response)
    make_template(SIMPLE, name="已有的模板")
    response = client.post("/assessment/templates/new", data=template_form("已有的模板", SIMPLE))
    assert response.status_code == 422
    assert "本辖区已有名为“已有的模板”的指标模板，请换一个名称" in page.field_errors(response, "name")
    full_width = _with(SIMPLE, "external", [("群众评价", "２０")])
    assert client.post("/assessment/templates/new", data=template_form("全角权重", full_width)).status_code == 302


def test_more_rows_adds_blank_rows_without_saving(client, auth, world, frozen):
    auth.login("legal_city")
    data = template_form("未完成的模板", _with(SIMPLE, "general", [("综合表现", 15)]), blank=0) | {"more": "1"}
    response = client.post("/assessment/templates/new", data=data)
    assert response.status_code == 200
    assert _count(IndicatorTemplate) == 0
    assert page.input_value(response, "general-0-name") == "综合表现"
    assert page.input_value(response, "general-3-name") == ""
    assert page.input_value(response, "general-rows") == "4"


def test_weights_follow_the_policy_setting(client, auth, world, frozen):
    policy.update(SYSTEM, {"assessment.weight.general": 40, "assessment.weight.specialised": 40}, clock.now())
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.create_template(SYSTEM, root_agency(), "旧权重", rows(SIMPLE), clock.now())
    assert {item["message"] for item in caught.value.items} == {
        "通用指标组各指标权重之和为 30，须等于该组权重 40", "专项指标组各指标权重之和为 50，须等于该组权重 40"}
    spec = {"general": [("综合表现", 40)], "specialised": [("专项工作", 40)], "external": [("群众评价", 20)]}
    make_template(spec, name="新权重")
    auth.login("legal_city")
    assert "（组权重 40）" in page.text(client.get("/assessment/templates/new"))


def test_an_unused_template_can_be_edited(client, auth, world, frozen):
    template = make_template(SIMPLE, name="草稿")
    auth.login("legal_city")
    form = client.get(f"/assessment/templates/{template.id}/edit")
    assert form.status_code == 200
    assert page.input_value(form, "specialised-0-name") == "专项工作"
    changed = _with(SIMPLE, "specialised", [("执法规范", 30), ("案卷质量", 20)])
    response = client.post(f"/assessment/templates/{template.id}/edit", data=template_form("定稿", changed))
    assert response.status_code == 302
    db.session.expire_all()
    template = db.session.get(IndicatorTemplate, template.id)
    assert template.name == "定稿"
    assert [(i.name, i.weight) for i in template.indicators if i.group == "specialised"] == [
        ("执法规范", 30), ("案卷质量", 20)]
    assert _count(Indicator) == 4  # the old indicators are gone
    (entry,) = audit_entries("assessment.template_update")
    assert entry.change["name"] == ["草稿", "定稿"]


def test_a_template_used_by_scores_cannot_be_changed(client, auth, world, frozen):
    template = make_template(SIMPLE, name="已用模板")
    store(world.officer, template, 2026, 3, [800, None, None])
    before = [(i.id, i.name, i.weight) for i in template.indicators]
    auth.login("legal_city")
    form = client.get(f"/assessment/templates/{template.id}/edit")
    assert form.status_code == 409
    assert "已有考核分数使用，不能修改" in page.text(form)
    response = client.post(f"/assessment/templates/{template.id}/edit",
                           data=template_form("改名", _with(SIMPLE, "general", [("新指标", 30)])))
    assert response.status_code == 409
    db.session.expire_all()
    template = db.session.get(IndicatorTemplate, template.id)
    assert template.name == "已用模板"
    assert [(i.id, i.name, i.weight) for i in template.indicators] == before
    with pytest.raises(DomainError) as caught:
        services.update_template(SYSTEM, template, "改名", rows(SIMPLE), clock.now())
    assert caught.value.status == 409
    assert audit_entries("assessment.template_update") == []
    # the pages offer the way forward: copy it, deactivate the old one
    detail = client.get(f"/assessment/templates/{template.id}")
    assert f"/assessment/templates/{template.id}/edit" not in page.links(detail)
    assert f"/assessment/templates/new?from={template.id}" in page.links(detail)
    copy = client.get(f"/assessment/templates/new?from={template.id}")
    assert page.input_value(copy, "general-0-name") == "综合表现"
    assert page.input_value(copy, "general-0-weight") == "30"


def test_new_quarters_use_the_newest_active_template_and_scored_quarters_keep_theirs(client, auth, world, frozen):
    first = make_template(SIMPLE, name="第一版")
    auth.login("hr")
    response = client.post(grid_url(world.dept, 2026, 2), data=grid_form(first, {world.officer: ["80", "80", "80"]}))
    assert response.status_code == 302
    second = make_template(FULL, name="第二版")
    assert services.newest_active(world.dept).id == second.id
    assert services.quarter_template(world.dept, 2026, 2).id == first.id   # scored: keeps its template
    assert services.quarter_template(world.dept, 2026, 3).id == second.id  # new quarter: the newest active
    q2 = client.get(grid_url(world.dept, 2026, 2))
    assert page.input_value(q2, "template") == str(first.id)
    assert page.input_value(q2, f"s-{world.officer.id}-{first.indicators[0].id}") == "80"
    assert page.input_value(client.get(grid_url(world.dept, 2026, 3)), "template") == str(second.id)

    # deactivating the newest makes the previous active one the template of new quarters
    services.set_active(SYSTEM, second, False, clock.now())
    db.session.commit()
    assert services.quarter_template(world.dept, 2026, 3).id == first.id
    # deactivating a template a quarter used does not take the quarter's template away
    services.set_active(SYSTEM, first, False, clock.now())
    db.session.commit()
    assert services.quarter_template(world.dept, 2026, 2).id == first.id
    assert services.quarter_template(world.dept, 2026, 3) is None
    closed = client.get(grid_url(world.dept, 2026, 3))
    assert "尚无启用的考核指标模板" in page.text(closed)
    assert page.input_value(client.get(grid_url(world.dept, 2026, 2)), "template") == str(first.id)


def test_a_grid_drawn_with_an_older_template_is_refused_when_the_quarter_changed_template(client, auth, world,
                                                                                       frozen):
    old = make_template(SIMPLE, name="旧版")
    auth.login("hr")
    typed = {world.officer: ["88", "88", "88"]}
    form = grid_form(old, typed)
    make_template(FULL, name="新版")  # created while HR was typing: the unscored quarter now uses it
    response = client.post(grid_url(world.dept), data=form)
    assert response.status_code == 409
    assert "使用的考核指标已变为“新版”，本次填写未保存" in page.text(response)
    assert services.template_usage() == {}


def test_activating_and_deactivating_on_the_pages(client, auth, world, frozen):
    template = make_template(SIMPLE, name="可停用", agency=world.district)
    auth.login("legal_district")
    response = client.post(f"/assessment/templates/{template.id}/active", data={"active": "0", "next": "list"})
    assert response.status_code == 302 and response.headers["Location"] == "/assessment/templates"
    db.session.expire_all()
    assert db.session.get(IndicatorTemplate, template.id).active is False
    assert "已停用" in page.text(client.get("/assessment/templates"))
    assert client.post(f"/assessment/templates/{template.id}/active", data={"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(IndicatorTemplate, template.id).active is True
    assert [e.action for e in audit_entries("assessment.template_deactivate") +
            audit_entries("assessment.template_activate")] == ["assessment.template_deactivate",
                                                                "assessment.template_activate"]
    assert client.post(f"/assessment/templates/{template.id}/active", data={"active": "maybe"}).status_code == 400
    assert client.get("/assessment/templates/999999").status_code == 404
