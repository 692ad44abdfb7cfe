"""``flask --app wsgi demo load``: the Weihai tree, 300+ synthetic officers with valid numbers, the demo accounts
(password ``demo-pass-2016``, no forced change) each seeing its own scope; idempotent; ``--if-empty`` skips a
database that already has data. Loading takes seconds, so one test loads it and checks everything."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs import uscc
from portal.orgs.models import BODY_KINDS, Agency

PASSWORD = "demo-pass-2016"
STAFF = ("admin", "legal", "legal_huancui", "hr")
OFFICERS = {"371002199003071233": "王建国", "371002198805120047": "李晓梅"}
CITY, HR_AGENCY, HUANCUI = "威海市人民政府", "威海市综合行政执法局", "环翠区人民政府"
COUNTIES = {"环翠区人民政府", "文登区人民政府", "荣成市人民政府", "乳山市人民政府"}


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def agency(name: str) -> Agency:
    return db.session.scalar(sa.select(Agency).where(Agency.name == name))


def officers_under(top: Agency) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Officer).join(Agency).where(
        Agency.path.startswith(top.path)))


def listed_total(client, path="/officers") -> int:
    page = client.get(path)
    assert page.status_code == 200, path
    return int(re.search(r"共 (\d+) 条", page.get_data(as_text=True)).group(1))


def load(runner, *options):
    result = runner.invoke(args=["demo", "load", *options])
    assert result.exit_code == 0, result.output
    return result.output


def assert_lists_accounts(output: str) -> None:
    for login in (*STAFF, *OFFICERS):
        assert re.search(rf"(?m)^\s*{login}\b", output), login
    assert PASSWORD in output


def check_tree(today) -> None:
    agencies = db.session.scalars(sa.select(Agency)).all()
    by_id = {a.id: a for a in agencies}
    roots = [a for a in agencies if a.parent_id is None]
    assert [a.name for a in roots] == [CITY]
    city = roots[0]
    children = [a for a in agencies if a.parent_id == city.id]
    assert {a.name for a in children if a.name.endswith(("区人民政府", "市人民政府"))} == COUNTIES
    zones = [a for a in children if "开发区" in a.name or "管理委员会" in a.name]
    assert len(zones) >= 2, "functional zones (开发区)"
    assert all(any(b.parent_id == zone.id for b in agencies) for zone in zones)
    for a in agencies:
        assert a.uscc and uscc.problem(a.uscc) is None, (a.name, a.uscc)
        expected = (by_id[a.parent_id].path if a.parent_id else "/") + f"{a.id}/"
        assert a.path == expected, a.name
    valid = [a for a in agencies if a.kind in BODY_KINDS and a.is_valid_body(today) and a.announcement_text]
    assert len(valid) >= 10, "departments confirmed and announced"
    assert any(a.qualification_status == "cancelled" and a.announced_on for a in agencies), "a cancelled body"


def check_officers(today) -> None:
    officers = db.session.scalars(sa.select(Officer)).all()
    assert len(officers) >= 300
    for o in officers:
        assert idcard.problem(o.id_number, today) is None, o.id_number
        assert idcard.birth_date(o.id_number) == o.birth_date, o.id_number
        assert idcard.gender(o.id_number) == o.gender, o.id_number
        assert o.agency.kind != "other", f"{o.name} works for {o.agency.name}, which holds no enforcement power"
    for number, name in OFFICERS.items():
        officer = db.session.scalar(sa.select(Officer).where(Officer.id_number == number))
        assert (officer.name, officer.agency.name, officer.status) == (name, HR_AGENCY, "on_duty")


def check_accounts(client, auth) -> None:
    for login in (*STAFF, *OFFICERS):
        response = auth.login(login, PASSWORD)
        assert response.status_code == 302, login
        assert response.headers["Location"].endswith("/home"), (login, response.headers["Location"])
        assert client.get("/home").status_code == 200, login
        if login == "hr":
            assert listed_total(client) == officers_under(agency(HR_AGENCY)) > 0
        elif login == "legal_huancui":
            assert listed_total(client) == officers_under(agency(HUANCUI)) > 0
            assert listed_total(client) < db.session.scalar(sa.select(sa.func.count()).select_from(Officer))
        elif login == "legal":
            assert listed_total(client) == db.session.scalar(sa.select(sa.func.count()).select_from(Officer))
        elif login == "admin":
            assert client.get("/audit").status_code == 200
            assert "legal_huancui" in client.get("/admin/users").get_data(as_text=True)
        else:
            assert client.get("/officers").status_code == 403
            assert OFFICERS[login] in client.get("/me").get_data(as_text=True)
        auth.logout()
    users = db.session.scalars(sa.select(User)).all()
    assert not [u for u in users if u.must_change_password]


def test_demo_load_builds_weihai_once_and_every_account_sees_its_scope(app, runner, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    assert row_counts()["agency"] == 0
    first = load(runner)
    assert_lists_accounts(first)
    today = clock.today()
    check_tree(today)
    check_officers(today)

    counts = row_counts()
    second = load(runner)
    assert_lists_accounts(second)
    assert row_counts() == counts, "a second run adds nothing"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    skipped = load(runner, "--if-empty")
    assert row_counts() == counts
    assert "跳过" in skipped

    check_accounts(client, auth)


def test_a_second_run_completes_a_partial_demo_with_the_same_numbers(app, runner, monkeypatch):
    """Deterministic: an officer removed by hand comes back with the same ID number, nothing else is added."""
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load(runner)
    victim = db.session.scalar(sa.select(Officer).where(Officer.id_number.notin_(list(OFFICERS)))
                               .order_by(Officer.id.desc()))
    number = victim.id_number
    counts = row_counts()
    for table in ("officer_category", "officer_photo"):
        db.session.execute(sa.text(f"DELETE FROM {table} WHERE officer_id = :id"), {"id": victim.id})
    db.session.execute(sa.text("DELETE FROM officer WHERE id = :id"), {"id": victim.id})
    db.session.commit()
    output = load(runner)
    assert "人员 1 名" in output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Officer).where(Officer.id_number == number)) == 1
    after = row_counts()
    assert after.pop("audit_entry") == counts.pop("audit_entry") + 1
    assert after == counts


def test_if_empty_leaves_a_database_with_data_alone(runner, world):
    counts = row_counts()
    output = load(runner, "--if-empty")
    assert row_counts() == counts
    assert "跳过" in output
    assert not db.session.scalar(sa.select(User).where(User.username == "legal_huancui"))
