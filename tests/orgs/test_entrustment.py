"""Entrustment agreements (SPEC §2.2, seed 四(三), 二(三)): every rule refused or flagged at its edge with its legal
basis; filing, announcement, termination and renewal; the entrusted party's certificates held (委托终止) when no
agreement is in force and released by a renewal; their verification page shows the chain of authority; the public
list shows announced agreements only."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from certificates import eligibility
from certificates import sweep as sweep_module
from certificates.models import Certificate
from portal import clock, notify
from portal.audit import Actor, AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.bodies import services as bodies
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agreement
from tests.certificates import issued as issued_module
from tests.factories import make_agency, make_officer
from tests.officers import page
from tests.race import at_once

SYSTEM = Actor.system("test")
TODAY = dt.date(2026, 11, 26)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def party(world):
    """An entrusted organisation below 环翠区综合行政执法局, with one officer."""
    agency = make_agency(world.dept, name="环翠区城市管理服务中心", short_name="环翠城管中心", kind="entrusted",
                         region_code="371002")
    return agency


@pytest.fixture
def township(world):
    return make_agency(world.district, name="环翠区羊亭镇人民政府", short_name="羊亭镇", kind="township",
                       region_code="371002", qualification_status="pending", qualification_decided_on=None,
                       announced_on=None)


def data(entrusting, entrusted, **overrides) -> entrustment.AgreementData:
    values = dict(entrusting_id=entrusting.id, entrusted_id=entrusted.id, legal_basis="《行政处罚法》第二十条",
                  matters="市容环境卫生的日常巡查", powers=["inspection"], meets_article_21=False,
                  starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31), rights_obligations="权利义务",
                  liability="法律责任", signed_on=dt.date(2025, 12, 1), document=PDF, document_name="协议.pdf")
    values.update(overrides)
    return entrustment.AgreementData(**values)


def in_force(entrusting, entrusted, **overrides) -> Agreement:
    row = entrustment.create(data(entrusting, entrusted, **overrides), actor=SYSTEM, now=clock.now())
    entrustment.file(row, row.signed_on + dt.timedelta(days=5), actor=SYSTEM, now=clock.now())
    entrustment.announce(row, row.signed_on + dt.timedelta(days=6), actor=SYSTEM, now=clock.now())
    db.session.commit()
    return row


def form(entrusting, entrusted, **overrides) -> dict:
    values = {"entrusting_id": str(entrusting.id), "entrusted_id": str(entrusted.id),
              "legal_basis": "《行政处罚法》第二十条", "matters": "市容环境卫生的日常巡查", "powers": ["inspection"],
              "starts_on": "2026-01-01", "ends_on": "2027-12-31", "rights_obligations": "权利义务",
              "liability": "法律责任", "signed_on": "2025-12-01",
              "document": (io.BytesIO(PDF), "协议.pdf")}
    values.update(overrides)
    return values


def agreements() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Agreement))


def open_holds(cert) -> set[str]:
    db.session.expire_all()
    return {hold.reason for hold in db.session.get(Certificate, cert.id).open_holds}


@pytest.fixture
def legal(client, auth, world, frozen):
    auth.login("legal_city")
    return world


# ---------------------------------------------------------------- the rules, through the form

def test_a_lawful_agreement_is_recorded_and_not_yet_in_force(client, legal, party):
    response = client.post("/entrustments/new", data=form(legal.dept, party), content_type="multipart/form-data")
    assert response.status_code == 302, page.all_field_errors(response)
    row = db.session.scalar(sa.select(Agreement))
    assert row.state == "signed" and not row.in_force(TODAY) and row.document == PDF
    assert client.get(f"/entrustments/{row.id}/document.pdf").data == PDF


@pytest.mark.parametrize("overrides, field, words", [
    ({"powers": ["inspection", "coercion"]}, "powers", "行政强制法》第十七条"),
    ({"powers": ["licensing"]}, "powers", "行政许可法》第二十四条"),
    ({"powers": ["penalty"]}, "meets_article_21", "行政处罚法》第二十一条"),
    ({"powers": []}, "powers", "职权种类"),
    ({"ends_on": "2025-12-31"}, "ends_on", "不能早于"),
    ({"signed_on": "2026-11-27"}, "signed_on", "晚于今天"),
    ({"document": (io.BytesIO(b"GIF89a not a pdf"), "x.pdf")}, "document", "PDF"),
    ({"document": (io.BytesIO(b""), "")}, "document", "上传"),
], ids=["强制措施", "许可 to an organisation", "处罚 without 第二十一条", "no power", "term backwards",
        "signed tomorrow", "not a PDF", "no document"])
def test_each_rule_is_refused_beside_its_field_and_nothing_is_stored(client, legal, party, overrides, field, words):
    response = client.post("/entrustments/new", data=form(legal.dept, party, **overrides),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    errors = page.field_errors(response, field)
    assert errors and any(words in e for e in errors), page.all_field_errors(response)
    assert agreements() == 0


def test_licensing_may_go_to_a_township_and_penalty_with_article_21(client, legal, township, party):
    response = client.post("/entrustments/new", data=form(legal.dept, township, powers=["licensing"]),
                           content_type="multipart/form-data")
    assert response.status_code == 302, page.all_field_errors(response)
    response = client.post("/entrustments/new", data=form(legal.dept, party, powers=["penalty"], meets_article_21="y"),
                           content_type="multipart/form-data")
    assert response.status_code == 302, page.all_field_errors(response)
    assert agreements() == 2


def test_an_entrusted_party_may_not_entrust_further(legal, party, township):
    """再委托 is barred by 行政处罚法第二十条第四款 and 行政许可法第二十四条第三款 (and seed 四(三)) — the message cites those
    paragraphs, not 第二十条第三款 (委托机关的监督责任)."""
    in_force(legal.dept, township)
    for entrusting in (party, township):  # an entrusted organisation; a township that is itself entrusted
        with pytest.raises(DomainError) as excinfo:
            entrustment.create(data(entrusting, make_agency(legal.dept, kind="entrusted", region_code="371002")),
                               actor=SYSTEM, now=clock.now())
        messages = [item["message"] for item in excinfo.value.items if item["field"] == "entrusting_id"]
        assert messages and "不得再委托" in messages[0]
        assert "《行政处罚法》第二十条第四款" in messages[0] and "《行政许可法》第二十四条第三款" in messages[0]
        db.session.rollback()


def test_the_entrusting_body_must_be_a_valid_government_body(legal, party):
    bodies.cancel(legal.dept2, bodies.Decision(TODAY, "机构改革", "取消"), actor=SYSTEM, now=clock.now())
    for entrusting, words in ((legal.dept2, "未经确认并公告"), (legal.district, "不是行政机关")):
        with pytest.raises(DomainError) as excinfo:
            entrustment.create(data(entrusting, party), actor=SYSTEM, now=clock.now())
        assert any(words in item["message"] for item in excinfo.value.items)


@pytest.mark.parametrize("days, late", [(10, False), (11, True)])
def test_filing_later_than_ten_days_after_signing_is_flagged(client, legal, party, days, late):
    row = entrustment.create(data(legal.dept, party), actor=SYSTEM, now=clock.now())
    db.session.commit()
    filed = row.signed_on + dt.timedelta(days=days)
    response = client.post(f"/entrustments/{row.id}/file", data={"file-day": filed.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert entrustment.late(db.session.get(Agreement, row.id)) is late
    assert ("逾期备案" in text(client.get(f"/entrustments/{row.id}"))) is late


def test_an_announcement_before_filing_is_refused(client, legal, party):
    row = entrustment.create(data(legal.dept, party), actor=SYSTEM, now=clock.now())
    db.session.commit()
    response = client.post(f"/entrustments/{row.id}/announce", data={"announce-day": "2025-12-05"})
    assert response.status_code == 422
    assert any("备案后方可公告" in e for e in page.field_errors(response, "announce-day"))
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).announced_on is None
    client.post(f"/entrustments/{row.id}/file", data={"file-day": "2025-12-04"})
    response = client.post(f"/entrustments/{row.id}/announce", data={"announce-day": "2025-12-05"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).in_force(TODAY)


@pytest.mark.parametrize("today, active", [
    (dt.date(2027, 12, 31), True),   # the last day of the term
    (dt.date(2028, 1, 1), False),    # the day after
])
def test_in_force_through_the_last_day_of_its_term(legal, party, today, active):
    row = in_force(legal.dept, party)
    assert row.in_force(today) is active
    assert (entrustment.in_force_for(party.id, today) is not None) is active


# ---------------------------------------------------------------- certificates follow the agreement

@pytest.fixture
def holder(legal, party):
    """An officer of the entrusted party, certified while the agreement is in force."""
    agreement = in_force(legal.dept, party)
    officer = make_officer(party, name="周立新")
    card = issued_module.issue(officer, first_issued_on=dt.date(2026, 6, 1))
    return agreement, officer, card


def test_the_officer_may_be_certified_only_under_an_agreement_in_force(legal, party, holder):
    agreement, officer, _ = holder
    rule = next(r for r in eligibility.check(officer, "enforcement", TODAY).rules if r.code == "body")
    assert rule.ok and "环翠区综合行政执法局的委托协议" in rule.why
    rule = next(r for r in eligibility.check(officer, "enforcement", dt.date(2028, 1, 1)).rules if r.code == "body")
    assert not rule.ok and "委托协议" in rule.why


def test_the_qr_shows_the_chain_of_authority(client, holder):
    agreement, officer, card = holder
    page_text = text(client.get(f"/v/{card.token}"))
    assert "有效" in page_text and "受委托组织 环翠区城市管理服务中心" in page_text
    assert "以环翠区综合行政执法局的名义实施行政执法" in page_text
    assert "市容环境卫生的日常巡查" in page_text and "2026年1月1日至2027年12月31日" in page_text
    body = client.get(f"/api/v1/verify/{card.token}").get_json()
    assert body["certificate"]["entrustment"] == {"entrusting_body": "环翠区综合行政执法局",
                                                  "matters": "市容环境卫生的日常巡查", "from": "2026-01-01",
                                                  "until": "2027-12-31"}


def test_two_terminations_at_once_end_the_agreement_once(app, world, party):
    """``entrustment.terminate`` locks and re-reads the agreement on every database (portal.locks)."""
    row_id, now = in_force(world.dept, party).id, clock.now()

    def terminate():
        entrustment.terminate(db.session.get(Agreement, row_id), now.date(), "委托事项已收回", actor=SYSTEM, now=now)

    assert sorted(at_once(app, terminate, terminate)) == ["already_terminated", "ok"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "entrustment.terminate")) == 1


def test_termination_holds_the_card_and_a_renewal_lifts_the_hold(client, legal, holder):
    agreement, officer, card = holder
    response = client.post(f"/entrustments/{agreement.id}/terminate",
                           data={"terminate-day": "2026-11-26", "terminate-reason": "受委托组织机构调整"})
    assert response.status_code == 302, page.all_field_errors(response)
    assert open_holds(card.certificate) == {"entrustment_ended"}
    headline = text(client.get(f"/v/{card.token}"))
    assert "暂扣" in headline and "委托终止" in headline
    assert client.get(f"/api/v1/verify/{card.token}").get_json()["status"] == "suspended"
    renewal = client.post(f"/entrustments/new?renews={agreement.id}",
                          data=form(legal.dept, agreement.entrusted, starts_on="2026-11-26", signed_on="2026-11-25"),
                          content_type="multipart/form-data")
    assert renewal.status_code == 302, page.all_field_errors(renewal)
    new = db.session.scalar(sa.select(Agreement).where(Agreement.renews_id == agreement.id))
    client.post(f"/entrustments/{new.id}/file", data={"file-day": "2026-11-26"})
    assert open_holds(card.certificate) == {"entrustment_ended"}  # filed, not yet announced
    client.post(f"/entrustments/{new.id}/announce", data={"announce-day": "2026-11-26"})
    assert open_holds(card.certificate) == set()
    assert client.get(f"/api/v1/verify/{card.token}").get_json()["status"] == "valid"


@pytest.mark.parametrize("today, held", [
    (dt.date(2027, 12, 31), False),  # the last day of the term
    (dt.date(2028, 1, 1), True),     # the day after: the sweep catches the end by date
])
def test_the_sweep_holds_the_card_the_day_after_the_term_ends(frozen, holder, today, held):
    _, _, card = holder
    frozen(f"{today.isoformat()} 02:00")
    report = sweep_module.run(today, actor=SYSTEM)
    db.session.commit()
    assert ("entrustment_ended" in open_holds(card.certificate)) is held
    assert any("委托协议不在有效期内" in line for line in report.lines) is held


def test_cancelling_the_entrusting_body_ends_the_entrustment(client, legal, holder):
    _, _, card = holder
    response = client.post(f"/bodies/{legal.dept.id}/cancel", data={
        "cancel-decided_on": "2026-11-26", "cancel-legal_basis": "机构改革", "cancel-announcement_text": "取消"})
    assert response.status_code == 302
    assert open_holds(card.certificate) == {"entrustment_ended"}


@pytest.mark.parametrize("days_left, reminded", [(31, False), (30, True)])
def test_the_legal_office_is_reminded_once_thirty_days_before_the_end(legal, party, frozen, days_left, reminded):
    in_force(legal.dept, party, ends_on=TODAY + dt.timedelta(days=days_left))
    before = notify.unread_count(legal.legal_city.id)
    for _ in range(2):
        sweep_module.run(TODAY, actor=SYSTEM)
        db.session.commit()
    assert notify.unread_count(legal.legal_city.id) == before + (1 if reminded else 0)


# ---------------------------------------------------------------- public list and scope

def test_the_public_list_shows_announced_agreements_only(client, legal, party, township):
    in_force(legal.dept, party, matters="公告了的委托事项")
    filed = entrustment.create(data(legal.dept, township, matters="只备案未公告的事项"), actor=SYSTEM, now=clock.now())
    entrustment.file(filed, dt.date(2025, 12, 3), actor=SYSTEM, now=clock.now())
    db.session.commit()
    client.post("/logout")
    public = text(client.get("/public/entrustments"))
    assert "公告了的委托事项" in public and "环翠区城市管理服务中心" in public and "受 环翠区综合行政执法局 委托" in public
    assert "只备案未公告的事项" not in public and "行政检查" in public
    assert "在有效期内（1）" in public


def test_a_district_office_sees_its_own_agreements_only(client, auth, world, frozen, party):
    other_party = make_agency(world.other_dept, name="文登区城市管理服务中心", short_name="文登城管中心",
                              kind="entrusted", region_code="371003")
    ours, theirs = in_force(world.dept, party), in_force(world.other_dept, other_party)
    auth.login("legal_district")
    listing = text(client.get("/entrustments"))
    assert "环翠区城市管理服务中心" in listing and "文登区城市管理服务中心" not in listing
    assert client.get(f"/entrustments/{theirs.id}").status_code == 404
    assert client.get(f"/entrustments/{theirs.id}/document.pdf").status_code == 404
    assert client.post(f"/entrustments/{theirs.id}/terminate",
                       data={"terminate-day": "2026-11-26", "terminate-reason": "x"}).status_code == 404
    assert client.get(f"/entrustments/{ours.id}").status_code == 200
    response = client.post("/entrustments/new", data=form(world.other_dept, party), content_type="multipart/form-data")
    assert response.status_code == 404 and agreements() == 2


# ---------------------------------------------------------------- found in review

def test_a_district_office_cannot_entrust_another_districts_organisation(client, auth, world, frozen):
    other_party = make_agency(world.other_dept, name="文登区城市管理服务中心", short_name="文登城管中心",
                              kind="entrusted", region_code="371003")
    auth.login("legal_district")
    response = client.post("/entrustments/new", data=form(world.dept, other_party), content_type="multipart/form-data")
    assert response.status_code == 404 and agreements() == 0


def test_the_qr_never_shows_an_agreement_that_was_not_announced(client, legal, holder):
    agreement, _, card = holder
    entrustment.terminate(agreement, TODAY, "机构调整", actor=SYSTEM, now=clock.now())
    entrustment.create(data(legal.dept, agreement.entrusted, matters="尚未备案的新事项", starts_on=dt.date(2028, 1, 1),
                            ends_on=dt.date(2030, 12, 31), signed_on=TODAY), actor=SYSTEM, now=clock.now())
    db.session.commit()
    page_text = text(client.get(f"/v/{card.token}"))
    assert "委托终止" in page_text and "市容环境卫生的日常巡查" in page_text and "尚未备案的新事项" not in page_text


def test_a_township_confirmed_as_a_body_acts_in_its_own_name(client, legal, township):
    in_force(legal.dept, township, ends_on=dt.date(2026, 6, 30))  # an old entrustment, ended
    bodies.confirm(township, bodies.Decision(TODAY, "《行政处罚法》第二十四条", "公告"), actor=SYSTEM, now=clock.now())
    bodies.announce(township, TODAY, actor=SYSTEM, now=clock.now())
    db.session.commit()
    card = issued_module.issue(make_officer(township, name="吴海峰"), first_issued_on=dt.date(2026, 6, 1))
    assert open_holds(card.certificate) == set()
    page_text = text(client.get(f"/v/{card.token}"))
    assert "有效" in page_text and "受委托组织" not in page_text and "执法单位 环翠区羊亭镇人民政府" in page_text


def test_an_agreement_only_signed_changes_no_hold(legal, township):
    officer = make_officer(township, name="吴海峰")
    card = issued_module.issue(officer, first_issued_on=dt.date(2026, 6, 1))
    sweep_module.run(TODAY, actor=SYSTEM)
    db.session.commit()
    assert open_holds(card.certificate) == {"body_invalid"}
    entrustment.create(data(legal.dept, township), actor=SYSTEM, now=clock.now())
    db.session.commit()
    sweep_module.run(TODAY, actor=SYSTEM)
    db.session.commit()
    assert open_holds(card.certificate) == {"body_invalid"}


def test_a_term_beyond_the_century_is_refused(client, legal, party):
    response = client.post("/entrustments/new", data=form(legal.dept, party, ends_on="9999-12-31"),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and page.field_errors(response, "ends_on") and agreements() == 0


def test_an_agreement_announced_but_not_begun_is_listed_as_such(client, legal, party):
    in_force(legal.dept, party, starts_on=dt.date(2027, 1, 1), matters="明年开始的事项")
    client.post("/logout")
    assert "明年开始的事项" not in text(client.get("/public/entrustments"))
    assert "明年开始的事项" in text(client.get("/public/entrustments?show=upcoming"))
    assert "明年开始的事项" not in text(client.get("/public/entrustments?show=ended"))


def test_the_list_filters_by_state(client, legal, party, township):
    in_force(legal.dept, party, ends_on=TODAY + dt.timedelta(days=20), matters="即将期满的事项")
    entrustment.create(data(legal.dept, township, matters="待备案的事项"), actor=SYSTEM, now=clock.now())
    db.session.commit()
    rows = {state: text(client.get(f"/entrustments?state={state}"))
            for state in ("", "signed", "filed", "in_force", "ending")}
    assert "环翠区羊亭镇人民政府" in rows["signed"] and "环翠区城市管理服务中心" not in rows["signed"]
    assert "环翠区城市管理服务中心" in rows["in_force"] and "环翠区城市管理服务中心" in rows["ending"]
    assert "环翠区羊亭镇人民政府" not in rows["in_force"] and "没有符合条件" in rows["filed"]
    assert "环翠区羊亭镇人民政府" in rows[""] and "环翠区城市管理服务中心" in rows[""]


def test_the_qualification_page_of_an_entrusted_partys_officer_names_the_chain_and_bars_coercion(client, legal, party):
    """行政强制法第十七条第一款: 行政强制措施权不得委托 — an entrusted party's officer acts in the entrusting body's name,
    within the matters entrusted, and never by 行政强制措施."""
    in_force(legal.dept, party)
    officer = make_officer(party, name="周海洋")
    page_text = text(client.get(f"/officers/{officer.id}/qualification"))
    assert "不得实施行政强制措施" in page_text and "《行政强制法》第十七条第一款" in page_text
    assert f"以{legal.dept.name}的名义" in page_text and "市容环境卫生的日常巡查" in page_text
    own = text(client.get(f"/officers/{legal.officer.id}/qualification"))
    assert "不得实施行政强制措施" not in own  # an officer of the body itself
