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
