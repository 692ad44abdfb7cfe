"""Scope through the API: every endpoint × every role × in and out of scope. A token's account sees through the API
exactly what it sees on the 执法人员 page; an agency outside the scope answers 404, never its officers."""
from __future__ import annotations

import pytest

from tests.api.helpers import error_of, page_officer_ids
from tests.conftest import PASSWORD
from tests.factories import make_agency, make_officer

# the small world's tree (tests/factories.small_world) plus ``sub`` under ``dept``, written out here so the
# expectations do not come from the code under test
CHILDREN = {"city": ["district", "other_district"], "district": ["dept", "dept2"], "dept": ["sub"],
            "dept2": [], "sub": [], "other_district": ["other_dept"], "other_dept": []}
OFFICERS = {"officer": "dept", "officer2": "dept2", "other_officer": "other_dept", "sub_officer": "sub"}
SCOPES = {"hr": ["dept"], "hr_other": ["other_dept"], "legal_district": ["district"], "legal_city": ["city"]}
AGENCIES = [*CHILDREN, "missing"]


def under(name: str) -> set[str]:
    found = {name}
    for child in CHILDREN.get(name, []):
        found |= under(child)
    return found


def visible_agencies(account: str) -> set[str]:
    return set().union(*(under(node) for node in SCOPES[account]))


def officers_in(agencies: set[str]) -> set[str]:
    return {officer for officer, agency in OFFICERS.items() if agency in agencies}


@pytest.fixture
def tree(world):
    world.sub = make_agency(world.dept, name="环翠区综合行政执法局第一中队", short_name="一中队", kind="authorized",
                            region_code="371002")
    world.sub_officer = make_officer(world.sub, name="周志强")
    world.missing = type("Missing", (), {"id": 999_999})()
    return world


def ids(world, officers: set[str]) -> set[int]:
    return {getattr(world, name).id for name in officers}


def test_the_scopes_written_here_match_the_world(tree):
    """Guards the tables above: each account's scope really is the node named."""
    for account, nodes in SCOPES.items():
        assert sorted(a.id for a in getattr(tree, account).scopes) == sorted(getattr(tree, n).id for n in nodes)


@pytest.mark.parametrize("account", sorted(SCOPES))
def test_list_shows_exactly_the_scope(api, issue, tree, account):
    expected = ids(tree, officers_in(visible_agencies(account)))
    assert api.officer_ids(issue(account)) == expected


def test_hr_sees_only_their_agency_and_below(api, issue, tree):
    assert api.officer_ids(issue("hr")) == {tree.officer.id, tree.sub_officer.id}
    assert api.officer_ids(issue("hr_other")) == {tree.other_officer.id}


def test_district_legal_sees_the_district_but_not_the_other_one(api, issue, tree):
    seen = api.officer_ids(issue("legal_district"))
    assert {tree.officer.id, tree.officer2.id, tree.sub_officer.id} == seen
    assert tree.other_officer.id not in seen


@pytest.mark.parametrize("account", sorted(SCOPES))
@pytest.mark.parametrize("agency", AGENCIES)
def test_agency_filter_in_scope_includes_sub_agencies_and_outside_is_404(api, issue, tree, account, agency):
    raw = issue(account)
    query = {"agency": getattr(tree, agency).id}
    if agency in visible_agencies(account):
        assert api.officer_ids(raw, **query) == ids(tree, officers_in(under(agency)))
    else:
        response = api.get("/officers", raw, query=query, expect=404)
        error = error_of(response)
        assert error["code"] == "not_found" and "管辖范围" in error["message"]
        text = response.get_data(as_text=True)
        for officer in OFFICERS:  # nothing of the agency's officers leaks
            assert getattr(tree, officer).name not in text


@pytest.mark.parametrize("agency", AGENCIES)
def test_admin_is_403_with_or_without_a_filter(api, issue, tree, agency):
    raw = issue("admin")
    assert error_of(api.get("/officers", raw, expect=403))["code"] == "forbidden"
    response = api.get("/officers", raw, query={"agency": getattr(tree, agency).id}, expect=403)
    assert error_of(response)["code"] == "forbidden"  # the role is refused before anything else is looked at


@pytest.mark.parametrize("login", [None, "officer", "hr", "legal_city", "admin"])
def test_without_a_token_every_role_is_401(api, auth, tree, login):
    if login is not None:
        assert auth.login(tree.officer.id_number if login == "officer" else login).status_code == 302
    assert api.get("/officers", query={"agency": tree.dept.id}).status_code == 401


@pytest.mark.parametrize("login", [None, "officer", "hr", "legal_city", "admin"])
def test_the_openapi_document_is_public_for_every_role(api, auth, issue, tree, login):
    if login is not None:
        assert auth.login(tree.officer.id_number if login == "officer" else login).status_code == 302
    headers = {} if login in (None, "officer") else {"Authorization": f"Bearer {issue(login)}"}
    assert api.get("/openapi.json", headers=headers, expect=200).get_json()["openapi"].startswith("3.")
    # a public endpoint does not look at the token at all: a wrong one is no reason to refuse it
    api.get("/openapi.json", headers={"Authorization": "Bearer zf_wrong"}, expect=200)


@pytest.mark.parametrize("account", sorted(SCOPES))
def test_api_and_page_show_the_same_officers(api, client, issue, tree, account):
    raw = issue(account)
    assert client.post("/login", data={"login": account, "password": PASSWORD}).status_code == 302
    assert api.officer_ids(raw) == page_officer_ids(client)
    for agency in sorted(visible_agencies(account)):
        query = {"agency": getattr(tree, agency).id}
        assert api.officer_ids(raw, **query) == page_officer_ids(client, **query), agency
    for query in ({"status": "on_duty"}, {"status": "retired"}, {"category": "城市管理"}, {"category": "市场监管"},
                  {"q": "王建国"}, {"q": "明"}, {"q": tree.other_officer.id_number}, {"q": tree.officer2.mobile}):
        assert api.officer_ids(raw, **query) == page_officer_ids(client, **query), query


@pytest.mark.parametrize("account", ["hr", "legal_district"])
def test_searching_for_someone_outside_the_scope_finds_nobody(api, issue, tree, account):
    raw = issue(account)
    for q in (tree.other_officer.name, tree.other_officer.id_number, tree.other_officer.mobile):
        body = api.json("/officers", raw, query={"q": q})
        assert body["items"] == [] and body["total"] == 0, q
