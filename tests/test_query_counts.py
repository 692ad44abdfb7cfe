"""Lists cost a fixed number of queries, whatever the number of rows shown (no query per row)."""
import contextlib

import sqlalchemy as sa

from portal.extensions import db
from tests.factories import make_officer, make_officer_account


@contextlib.contextmanager
def count_queries(app):
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def _queries_for(app, client, path):
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


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
