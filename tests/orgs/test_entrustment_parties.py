"""Who may be entrusted and how an agreement comes into force (SPEC §2.2; seed 四(三): 委托其他行政机关或者具有管理公共
事务职能的组织; 行政处罚法第二十、二十一条; 行政许可法第二十四条): another department may be entrusted, with 许可 too;
许可 never to an organisation that is no 行政机关; 第二十一条第二项 is checked — the party's staff apply once the
agreement is filed and it is announced only when one of them holds a certificate; both parties' announcements are
recorded where 处罚 is entrusted (第二十条第二款); a department entrusted with some matters still acts in its own name."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from certificates import eligibility, verification
from certificates.applications.models import Application
from certificates.models import Certificate
from certificates.pdf import facts
from portal import clock
from portal.audit import Actor
from portal.extensions import db
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agreement
from tests.certificates import issued as issued_module
from tests.certificates.test_applications import make_eligible
from tests.factories import make_agency, make_officer
from tests.officers import page

SYSTEM = Actor.system("test")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def form(entrusting, entrusted, **overrides) -> dict:
    values = {"entrusting_id": str(entrusting.id), "entrusted_id": str(entrusted.id),
              "legal_basis": "《行政处罚法》第二十条", "matters": "市容环境卫生的日常巡查", "powers": ["inspection"],
              "starts_on": "2026-01-01", "ends_on": "2027-12-31", "rights_obligations": "权利义务",
              "liability": "法律责任", "signed_on": "2025-12-01", "document": (io.BytesIO(PDF), "协议.pdf")}
    values.update(overrides)
    return values


def record(client, entrusting, entrusted, **overrides) -> Agreement:
    response = client.post("/entrustments/new", data=form(entrusting, entrusted, **overrides),
                           content_type="multipart/form-data")
    assert response.status_code == 302, page.all_field_errors(response)
    return db.session.scalars(sa.select(Agreement).order_by(Agreement.id.desc())).first()


def file(client, agreement: Agreement, day: str = "2025-12-05") -> None:
    assert client.post(f"/entrustments/{agreement.id}/file", data={"file-day": day}).status_code == 302


def body_rule(officer, today) -> eligibility.Rule:
    return next(r for r in eligibility.check(officer, "enforcement", today).rules if r.code == "body")


@pytest.fixture
def legal(client, auth, world, frozen):
    auth.login("legal_city")
    return world


@pytest.fixture
def party(world):
    """An entrusted organisation below 环翠区综合行政执法局 (so 环翠区's HR and legal have it in scope)."""
    return make_agency(world.dept, name="环翠区城市管理服务中心", short_name="环翠城管中心", kind="entrusted",
                       region_code="371002")


# ---------------------------------------------------------------- who may be entrusted, with what

def test_another_department_may_be_entrusted_even_with_licensing(client, legal):
    """seed 四(三): 委托其他行政机关; 行政许可法第二十四条第一款: 可以委托其他行政机关实施行政许可."""
    row = record(client, legal.dept, legal.dept2, powers=["licensing", "inspection"],
                 legal_basis="《中华人民共和国行政许可法》第二十四条")
    assert (row.entrusted_id, row.powers) == (legal.dept2.id, ["licensing", "inspection"])


@pytest.mark.parametrize("kind, powers, field, words", [
    ("authorized", ["licensing"], "powers", "《行政许可法》第二十四条第一款"),
    ("entrusted", ["licensing"], "powers", "不是行政机关"),
    ("other", ["inspection"], "entrusted_id", "其他行政机关或者具有管理公共事务职能的组织"),
], ids=["许可 to an authorised organisation", "许可 to an entrusted organisation", "an office of no public function"])
def test_who_may_not_be_entrusted_with_what(client, legal, kind, powers, field, words):
    target = make_agency(legal.dept, name="环翠区某中心", short_name="某中心", kind=kind, region_code="371002")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Agreement))
    response = client.post("/entrustments/new", data=form(legal.dept, target, powers=powers),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert any(words in e for e in page.field_errors(response, field)), page.all_field_errors(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == before


def test_an_authorised_organisation_may_be_entrusted_with_inspection(client, legal):
    """具有管理公共事务职能的组织 (seed 四(三)) — 法律法规授权的组织 is one."""
    target = make_agency(legal.dept, name="环翠区某事务中心", short_name="某事务中心", kind="authorized",
                         region_code="371002")
    assert record(client, legal.dept, target).entrusted_id == target.id


def test_a_department_entrusted_with_some_matters_acts_and_entrusts_in_its_own_name(client, legal, party):
    """A valid body entrusted by another keeps its own powers: its officers are not 受委托 on the card or the QR, hold
    no 委托终止 hold, and it may entrust its own powers (行政处罚法第二十条第一款 在其法定权限内) — whereas the 再委托
    ban binds a party that acts only in another's name (第二十条第四款)."""
    row = record(client, legal.dept, legal.dept2, powers=["licensing"])
    file(client, row)
    assert client.post(f"/entrustments/{row.id}/announce", data={"announce-day": "2025-12-06"}).status_code == 302
    card = issued_module.issue(legal.officer2, first_issued_on=dt.date(2026, 6, 1))
    today = clock.today()
    assert not entrustment.acts_in_entrusting_name(legal.dept2, today)
    assert facts.printed(card.certificate).entrusting is None
    assert client.get(f"/api/v1/verify/{card.token}").get_json()["certificate"]["entrustment"] is None
    assert "执法主体资格已确认" in body_rule(legal.officer2, today).why
    assert record(client, legal.dept2, party).entrusting_id == legal.dept2.id


# ---------------------------------------------------------------- 第二十一条第二项 and 第二十条第二款

def test_a_penalty_agreement_is_announced_once_a_party_officer_holds_a_certificate(client, auth, legal, party):
    """行政处罚法第二十一条第二项: 有……取得行政执法资格的工作人员 — checked, not ticked: the party's staff apply once
    the agreement is filed, their certificate is held (委托终止) until it is in force, and the announcement is refused
    until one of them holds one; then it lifts the hold."""
    row = record(client, legal.dept, party, powers=["penalty", "inspection"], meets_article_21="y")
    officer = make_officer(party, name="周立新")
    make_eligible(legal, officer)
    assert not body_rule(officer, clock.today()).ok  # signed only: not yet
    file(client, row)
    rule = body_rule(officer, clock.today())
    assert rule.ok and "尚待公告" in rule.why and "第二十一条第二项" in rule.why

    refused = client.post(f"/entrustments/{row.id}/announce",
                          data={"announce-day": "2025-12-06", "announce-entrusted_day": "2025-12-06"})
    assert refused.status_code == 422
    assert any("第二十一条第二项" in e and "尚无持有有效执法证" in e
               for e in page.field_errors(refused, "announce-day")), page.all_field_errors(refused)
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).announced_on is None

    auth.logout()
    auth.login("hr")
    applied = client.post(f"/certificates/applications/new?officer_id={officer.id}", data={
        "type": "enforcement", "categories": ["城市管理"], "region": "环翠区全域", "note": ""})
    assert applied.status_code == 302, page.all_field_errors(applied)
    auth.logout()
    auth.login("legal_city")
    application = db.session.scalars(sa.select(Application).where(Application.officer_id == officer.id)).one()
    assert client.post(f"/certificates/applications/{application.id}/approve").status_code == 302
    db.session.expire_all()
    card = db.session.scalars(sa.select(Certificate).where(Certificate.officer_id == officer.id)).one()
    assert card.status == "suspended" and {h.reason for h in card.open_holds} == {"entrustment_ended"}
    assert facts.printed(card).entrusting == legal.dept.name  # the card prints 受委托 and in whose name

    backdated = client.post(f"/entrustments/{row.id}/announce",  # to a day before anyone held a certificate
                            data={"announce-day": "2026-11-25", "announce-entrusted_day": "2026-11-25"})
    assert backdated.status_code == 422
    assert any("2026年11月25日" in e and "第二十一条第二项" in e for e in page.field_errors(backdated, "announce-day"))
    accepted = client.post(f"/entrustments/{row.id}/announce",
                           data={"announce-day": "2026-11-26", "announce-entrusted_day": "2026-11-26"})
    assert accepted.status_code == 302, page.all_field_errors(accepted)
    db.session.expire_all()
    announced = db.session.get(Agreement, row.id)
    assert (announced.announced_on, announced.entrusted_announced_on) == (dt.date(2026, 11, 26), dt.date(2026, 11, 26))
    card = db.session.get(Certificate, card.id)
    assert card.status == "active" and not card.open_holds
    public = text(client.get("/public/entrustments"))
    assert "委托机关公告 2026年11月26日" in public and "受委托方公告 2026年11月26日" in public


def test_a_certificate_held_for_another_reason_does_not_count(client, legal, party):
    row = record(client, legal.dept, party, powers=["penalty"], meets_article_21="y")
    file(client, row)
    issued_module.issue(make_officer(party, name="周立新"), status="suspended", holds=("under_investigation",))
    refused = client.post(f"/entrustments/{row.id}/announce",
                          data={"announce-day": "2025-12-06", "announce-entrusted_day": "2025-12-06"})
    assert refused.status_code == 422
    issued_module.issue(make_officer(party, name="周立强"))
    assert client.post(f"/entrustments/{row.id}/announce", data={
        "announce-day": "2025-12-06", "announce-entrusted_day": "2025-12-06"}).status_code == 302


@pytest.mark.parametrize("powers, entrusted_day, status", [
    (["penalty"], "", 422),             # 处罚: both parties publish (第二十条第二款)
    (["penalty"], "2025-12-04", 422),   # the day before filing
    (["penalty"], "2025-12-05", 302),   # the day of filing
    (["inspection"], "", 302),          # 许可法第二十四条 and the rest ask it of the entrusting body only
])
def test_the_entrusted_partys_announcement(client, legal, party, powers, entrusted_day, status):
    row = record(client, legal.dept, party, powers=powers, meets_article_21="y")
    file(client, row)
    issued_module.issue(make_officer(party, name="周立新"))
    response = client.post(f"/entrustments/{row.id}/announce",
                           data={"announce-day": "2025-12-06", "announce-entrusted_day": entrusted_day})
    assert response.status_code == status, page.all_field_errors(response)
    if status == 422:
        errors = page.field_errors(response, "announce-entrusted_day")
        assert errors and ("第二十条第二款" in errors[0] or "不能早于备案日期" in errors[0])


def test_staff_may_apply_only_while_the_filed_agreement_can_still_take_effect(client, legal, party):
    row = record(client, legal.dept, party, ends_on="2026-11-26")
    file(client, row)
    officer = make_officer(party, name="周立新")
    assert body_rule(officer, dt.date(2026, 11, 26)).ok       # the last day of the term
    assert not body_rule(officer, dt.date(2026, 11, 27)).ok   # the term is over unannounced
    entrustment.terminate(db.session.get(Agreement, row.id), dt.date(2026, 11, 26), "收回", actor=SYSTEM,
                          now=clock.now())
    db.session.commit()
    assert not body_rule(officer, dt.date(2026, 11, 26)).ok


def test_the_verification_of_a_department_holder_shows_no_chain(legal):
    """A department's own officer is never shown as acting in another's name (the QR's chain is for parties only)."""
    card = issued_module.issue(legal.officer)
    assert verification._entrustment(card.certificate, clock.today()) == {}


def test_a_cancelled_department_is_held_though_another_entrusted_it(client, legal):
    """SPEC §2.1: a department's certificates stand on its own standing. Entrusted with 许可 by another, a department
    whose standing is cancelled still gets 执法主体资格失效 — it does not turn into an organisation acting by
    entrustment alone (only ``entrusted`` organisations and townships do, seed 四(三), 二(三))."""
    row = record(client, legal.dept, legal.dept2, powers=["licensing"])
    file(client, row)
    assert client.post(f"/entrustments/{row.id}/announce", data={"announce-day": "2025-12-06"}).status_code == 302
    card = issued_module.issue(legal.officer2, first_issued_on=dt.date(2026, 6, 1))
    response = client.post(f"/bodies/{legal.dept2.id}/cancel", data={
        "cancel-decided_on": "2026-11-26", "cancel-legal_basis": "机构改革", "cancel-announcement_text": "取消执法主体资格"})
    assert response.status_code == 302, page.all_field_errors(response)
    db.session.expire_all()
    held = db.session.get(Certificate, card.certificate.id)
    assert {h.reason for h in held.open_holds} == {"body_invalid"}
    assert facts.printed(held).entrusting is None
    assert not body_rule(legal.officer2, clock.today()).ok


def test_an_empty_agreement_form_names_every_missing_field_at_once(client, legal):
    response = client.post("/entrustments/new", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    for field, words in (("entrusting_id", "请选择委托机关"), ("entrusted_id", "请选择受委托组织"),
                         ("powers", "请选择委托的职权种类"), ("document", "请上传"), ("legal_basis", "委托的法律依据"),
                         ("signed_on", "签订日期")):
        errors = page.field_errors(response, field)
        assert any(words in e for e in errors), (field, page.all_field_errors(response))
        assert len(errors) == len(set(errors)), errors  # said once


def test_a_body_whose_standing_was_cancelled_is_not_entrusted(client, legal):
    client.post(f"/bodies/{legal.dept2.id}/cancel", data={
        "cancel-decided_on": "2026-11-26", "cancel-legal_basis": "机构改革", "cancel-announcement_text": "取消"})
    response = client.post("/entrustments/new", data=form(legal.dept, legal.dept2),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert any("执法主体资格已取消" in e for e in page.field_errors(response, "entrusted_id"))


def test_an_agreement_offers_only_the_steps_it_can_take(client, legal, party):
    signed = record(client, legal.dept, party, ends_on="2026-11-25")
    page_text = text(client.get(f"/entrustments/{signed.id}"))
    assert "登记备案" in page_text and "续签协议" not in page_text  # nothing to renew before it was announced
    file(client, signed)
    client.post(f"/entrustments/{signed.id}/announce", data={"announce-day": "2025-12-06"})
    page_text = text(client.get(f"/entrustments/{signed.id}"))
    assert "续签协议" in page_text and "终止协议" not in page_text  # its term is over: nothing to terminate
    renewal = client.post(f"/entrustments/new?renews={signed.id}", content_type="multipart/form-data",
                          data=form(legal.dept, party, starts_on="2026-11-26", signed_on="2026-11-25"))
    assert renewal.status_code == 302, page.all_field_errors(renewal)
    assert "续签协议" not in text(client.get(f"/entrustments/{signed.id}"))  # renewed already
