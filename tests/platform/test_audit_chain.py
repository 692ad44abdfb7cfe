"""The audit log: writes through pages append hash-chained entries; ``audit verify`` (CLI and admin page) names
the first broken entry after a hand edit; legal reads only its jurisdiction; the filters work."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from portal.audit import GENESIS, AuditEntry
from portal.extensions import db

ENTRY_ROW = re.compile(r'<tr data-entry="(\d+)">')


def entries() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()


def listed_ids(page) -> set[int]:
    """The entry ids on an /audit page."""
    assert page.status_code == 200
    return {int(n) for n in ENTRY_ROW.findall(page.get_data(as_text=True))}


def officer_form(officer, **changes) -> dict:
    data = {
        "name": officer.name, "id_number": officer.id_number, "gender": officer.gender,
        "birth_date": officer.birth_date.isoformat(), "agency_id": str(officer.agency_id), "post": officer.post,
        "categories": list(officer.categories), "region": officer.region, "mobile": officer.mobile,
        "email": officer.email or "", "hired_on": officer.hired_on.isoformat(), "status": officer.status,
        "staff_kind": officer.staff_kind or "civil_servant", "version": str(officer.version),
    }
    data.update(changes)
    return data


def hr_edits_post(client, auth, officer, post="执法中队长"):
    auth.login("hr")
    assert client.get(f"/officers/{officer.id}/edit").status_code == 200
    response = client.post(f"/officers/{officer.id}/edit", data=officer_form(officer, post=post))
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()


def tamper(sql: str, **params) -> None:
    """A hand edit straight in the database, as someone with database access could make."""
    statement = sa.text(sql)
    if "change" in params:
        statement = statement.bindparams(sa.bindparam("change", type_=sa.JSON))
    db.session.execute(statement, params)
    db.session.commit()


def named_ids(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", text)}


def verify_cli(runner):
    return runner.invoke(args=["audit", "verify"])


def verify_page(client, auth) -> str:
    """The admin's button: POST, then the audit page it redirects to, which shows the outcome."""
    auth.login("admin")
    response = client.post("/audit/verify")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    auth.logout()
    assert page.status_code == 200
    return page.get_data(as_text=True)


def canonical_hash(entry: AuditEntry) -> str:
    """SHA-256 over the previous hash followed by the entry's canonical JSON (sorted keys, no spaces, UTF-8)."""
    content = {
        "at": entry.at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id, "actor": entry.actor, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id, "agency_id": entry.agency_id,
        "change": entry.change, "client_addr": entry.client_addr,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((entry.prev_hash + canonical).encode("utf-8")).hexdigest()


# --- appending -------------------------------------------------------------------------------------------------

def test_a_page_write_appends_a_chained_entry(frozen, client, auth, world):
    frozen("2026-11-26 10:15:30.123456")
    before = entries()
    hr_edits_post(client, auth, world.officer)
    after = entries()
    new = after[len(before):]
    update = [e for e in new if e.action == "officer.update"]
    assert len(update) == 1
    entry = update[0]
    assert (entry.actor_id, entry.actor) == (world.hr.id, "hr")
    assert (entry.object_type, entry.object_id, entry.agency_id) == ("officer", str(world.officer.id), world.dept.id)
    assert entry.change["post"] == ["执法队员", "执法中队长"]
    assert entry.client_addr == "127.0.0.1"
    assert entry.at == dt.datetime(2026, 11, 26, 10, 15, 30, 123456, tzinfo=entry.at.tzinfo)
    assert "officer.id_number_viewed" in {e.action for e in new}, "opening the edit form shows the ID number"


def test_every_entry_hashes_its_predecessor_and_its_canonical_json(client, auth, world):
    hr_edits_post(client, auth, world.officer)
    chain = entries()
    assert len(chain) > 10
    assert chain[0].prev_hash == GENESIS
    for previous, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == previous.hash
    for entry in chain:
        assert entry.hash == canonical_hash(entry), entry.id


# --- verification ----------------------------------------------------------------------------------------------

def test_verify_reports_an_intact_chain(runner, client, auth, world):
    hr_edits_post(client, auth, world.officer)
    count = len(entries())
    result = verify_cli(runner)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert str(count) in result.output
    assert "审计链完整：已校验" in verify_page(client, auth)


def test_verify_names_an_entry_whose_change_was_edited_by_hand(runner, client, auth, world):
    hr_edits_post(client, auth, world.officer)
    target = next(e for e in entries() if e.action == "officer.update")
    tamper("UPDATE audit_entry SET change = :change WHERE id = :id", change={"post": ["执法队员", "局长"]},
           id=target.id)
    result = verify_cli(runner)
    assert result.exit_code != 0
    assert not result.output.startswith("OK")
    assert target.id in named_ids(result.output)
    assert not {target.id - 1, target.id + 1} & named_ids(result.output)
    page = verify_page(client, auth)
    assert f"第 {target.id} 号" in page
    assert "审计链完整：" not in page


def test_verify_names_the_entry_after_a_deleted_one(runner, client, auth, world):
    ids = [e.id for e in entries()]
    middle, following = ids[len(ids) // 2], ids[len(ids) // 2 + 1]
    tamper("DELETE FROM audit_entry WHERE id = :id", id=middle)
    result = verify_cli(runner)
    assert result.exit_code != 0
    assert following in named_ids(result.output)
    assert middle not in named_ids(result.output)
    assert f"第 {following} 号" in verify_page(client, auth)


@pytest.mark.parametrize("position", ["middle", "last"])
def test_verify_detects_an_edited_hash(runner, client, auth, world, position):
    ids = [e.id for e in entries()]
    target = ids[len(ids) // 2] if position == "middle" else ids[-1]
    tamper("UPDATE audit_entry SET hash = :hash WHERE id = :id", hash="f" * 64, id=target)
    result = verify_cli(runner)
    assert result.exit_code != 0
    assert target in named_ids(result.output)
    assert f"第 {target} 号" in verify_page(client, auth)


def test_verify_detects_a_rewritten_hash_even_when_the_next_link_is_mended(runner, world):
    chain = entries()
    target, following = chain[3].id, chain[4].id
    tamper("UPDATE audit_entry SET actor = 'someone-else' WHERE id = :id", id=target)
    forged = "e" * 64
    tamper("UPDATE audit_entry SET hash = :hash WHERE id = :id", hash=forged, id=target)
    tamper("UPDATE audit_entry SET prev_hash = :hash WHERE id = :id", hash=forged, id=following)
    result = verify_cli(runner)
    assert result.exit_code != 0
    assert target in named_ids(result.output)


# --- who reads it ----------------------------------------------------------------------------------------------

def test_legal_sees_only_entries_of_its_jurisdiction(client, auth, world):
    hr_edits_post(client, auth, world.officer)
    district = {world.district.id, world.dept.id, world.dept2.id}
    auth.login("legal_district")
    chain = entries()
    seen = listed_ids(client.get("/audit"))
    auth.logout()
    assert seen == {e.id for e in chain if e.agency_id in district}
    other = {e.id for e in chain if e.agency_id in (world.other_dept.id, world.other_district.id)}
    assert other and not seen & other
    assert any(e.action == "officer.update" for e in chain if e.id in seen)

    auth.login("legal_city")
    chain = entries()
    assert listed_ids(client.get("/audit")) == {e.id for e in chain if e.agency_id is not None}
    auth.logout()

    auth.login("admin")
    assert listed_ids(client.get("/audit")) == {e.id for e in entries()}


def test_legal_cannot_widen_its_view_with_the_agency_filter(client, auth, world):
    auth.login("legal_district")
    seen = listed_ids(client.get(f"/audit?agency={world.other_dept.id}"))
    assert not seen & {e.id for e in entries() if e.agency_id == world.other_dept.id}


@pytest.mark.parametrize("login", ["hr", "officer"])
def test_hr_and_officers_may_not_read_or_verify_the_log(client, auth, world, login):
    auth.login(world.officer.id_number if login == "officer" else login)
    assert client.get("/audit").status_code == 403
    assert client.post("/audit/verify").status_code == 403


def test_legal_may_read_but_not_run_the_verification(client, auth, world):
    auth.login("legal_city")
    assert client.get("/audit").status_code == 200
    assert client.post("/audit/verify").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- filters ---------------------------------------------------------------------------------------------------

def test_filters_by_action_prefix_object_type_and_dates(frozen, client, auth, world):
    assert world.officer.created_at.date() == dt.date(2026, 11, 26), "world is built on the frozen clock's day"
    frozen("2026-11-30 11:00")
    hr_edits_post(client, auth, world.officer)
    frozen("2026-11-30 11:05")
    auth.login("admin")
    chain = entries()

    def ids(**where):
        return listed_ids(client.get("/audit", query_string=where))

    assert ids(action="officer.") == {e.id for e in chain if e.action.startswith("officer.")}
    assert ids(action="officer.up") == {e.id for e in chain if e.action == "officer.update"}
    assert ids(action="user_") == set(), "the prefix is matched literally, '_' is no wildcard"
    assert ids(actor="hr") == {e.id for e in chain if e.actor == "hr"} != set()
    assert ids(object_type="agency") == {e.id for e in chain if e.object_type == "agency"}
    assert ids(object_type="agency", action="agency.create") == {e.id for e in chain if e.action == "agency.create"}

    first_day = {e.id for e in chain if e.at.date() == dt.date(2026, 11, 26)}
    later = {e.id for e in chain if e.at.date() == dt.date(2026, 11, 30)}
    assert first_day and later
    assert ids(until="2026-11-26") == first_day
    assert ids(since="2026-11-27") == later
    assert ids(since="2026-11-26", until="2026-11-26") == first_day
    assert ids(since="2026-11-27", until="2026-11-29") == set()
    assert ids(since="2026-11-30", action="officer.") == {
        e.id for e in chain if e.id in later and e.action.startswith("officer.")}


def test_a_malformed_date_is_ignored_with_a_warning(client, auth, world):
    auth.login("admin")
    page = client.get("/audit?since=2026-13-45")
    assert page.status_code == 200
    assert "日期格式不正确" in page.get_data(as_text=True)
    assert listed_ids(page) == {e.id for e in entries()}
