"""The issue's "done when": with a token for each demo staff account, ``GET /api/v1/officers`` answers exactly that
account's scope. Loading the demo takes seconds, so one test loads it and checks every account."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency
from tests.api.helpers import error_of

DEMO_PASSWORD = "demo-pass-2016"


def officers_under(name: str) -> set[int]:
    """Ids of the officers of the agency called ``name`` and every agency below it (straight from the tables)."""
    top = db.session.scalar(sa.select(Agency).where(Agency.name == name))
    assert top is not None, name
    return set(db.session.scalars(sa.select(Officer.id).join(Agency, Officer.agency_id == Agency.id)
                                  .where(Agency.path.startswith(top.path))))


def listed_total(client, login: str) -> int:
    """The total the 执法人员 page shows the account."""
    assert client.post("/login", data={"login": login, "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/officers")
    assert page.status_code == 200
    total = int(re.search(r"共 (\d+) 条", page.get_data(as_text=True)).group(1))
    client.post("/logout")
    return total


def test_each_demo_account_sees_exactly_its_scope(app, api, client, issue, load_demo):
    load_demo()
    tokens = {name: issue(name, "演示") for name in ("hr", "legal", "legal_huancui", "admin")}

    everyone = set(db.session.scalars(sa.select(Officer.id)))
    assert len(everyone) >= 300
    seen = {name: api.officer_ids(tokens[name]) for name in ("hr", "legal", "legal_huancui")}

    assert seen["legal"] == everyone  # the city legal office: the whole city
    assert seen["hr"] == officers_under("威海市综合行政执法局")
    assert seen["hr"] and seen["hr"] < everyone
    assert seen["legal_huancui"] == officers_under("环翠区人民政府")
    assert seen["legal_huancui"] and seen["legal_huancui"] < seen["legal"]  # a strict subset
    assert not seen["hr"] & seen["legal_huancui"]  # the city bureau is not in 环翠区

    response = api.get("/officers", tokens["admin"], expect=403)
    assert error_of(response)["code"] == "forbidden"

    for name in ("hr", "legal", "legal_huancui"):  # the page shows each account the same number
        assert listed_total(client, name) == len(seen[name]), name

    # the demo officers named in the spec, by full ID number, within and outside a scope
    found = api.json("/officers", tokens["hr"], query={"q": "371002199003071233"})
    assert [i["name"] for i in found["items"]] == ["王建国"]
    assert api.json("/officers", tokens["legal_huancui"], query={"q": "371002199003071233"})["total"] == 0

    # every officer of the demo, as the API shows it, conforms to the document and hides the ID number
    body = api.get("/officers", tokens["legal"], query={"per_page": 100, "page": 2}, expect=200)
    assert len(body.get_json()["items"]) == 100
    assert not re.search(r"\d{17}[\dX]|1\d{10}", body.get_data(as_text=True))
