"""Lists cost a fixed number of queries, whatever the number of rows shown (no query per row)."""
from tests.factories import make_officer, make_officer_account
from tests.sql import statements


def _queries_for(app, client, path):
    with statements(app) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_officer_list_and_homes_do_not_query_per_row(app, client, auth, world):
    auth.login("legal_city")
    paths = ["/officers", "/officers?status=on_duty", "/home"]
    few = {path: _queries_for(app, client, path) for path in paths}
    for i in range(12):
        officer = make_officer(world.dept if i % 2 else world.dept2)
        if i % 3 == 0:
            make_officer_account(officer)
    many = {path: _queries_for(app, client, path) for path in paths}
    assert many == few


def test_a_signed_in_officer_is_loaded_with_flat_joins(app, client, auth, world):
    """Every request loads the account with its officer and the officer's agency. The officer's inner join to its
    agency is "unnested": nested under the account's outer join, SQLite materialised it over every officer, so each
    signed-in page cost a scan of the whole officer table (issue 16: an HR page 230 ms at 100,000 officers)."""
    auth.login(world.officer.id_number)
    with statements(app) as seen:
        assert client.get("/home").status_code == 200
    loads = [s for s in seen if "FROM user_account" in s and "officer" in s]
    assert loads, seen
    assert not any("JOIN (officer" in " ".join(s.split()) for s in loads), loads
