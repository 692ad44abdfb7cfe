"""Counting the SQL statements a piece of work issues (evidence of set-based code: no query per row)."""
import contextlib

import sqlalchemy as sa

from portal.extensions import db


@contextlib.contextmanager
def statements(app, selects_only: bool = False):
    """Collect every statement sent to the database inside the block (only SELECTs when ``selects_only``)."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if not selects_only or statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
