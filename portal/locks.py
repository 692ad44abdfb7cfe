"""Row locks, held until the transaction ends: the one way any package serialises a read-check-write.

On PostgreSQL a ``SELECT … FOR UPDATE`` (or ``FOR KEY SHARE`` for a reader: readers do not wait for each other,
only for a writer). SQLite has no row locks: a write that changes nothing takes the database's write lock, so what
is read after it is the latest and no other writer can change it before this transaction ends.
"""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db


def lock(model, ids, *, shared: bool = False) -> None:
    """Lock the rows of ``model`` with these ids (in id order): ``FOR UPDATE``, or ``FOR KEY SHARE`` when
    ``shared`` (on SQLite both take the database's write lock)."""
    ids = sorted(set(ids))
    if not ids:
        return
    table = model.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(table).where(table.c.id.in_(ids)).values(id=table.c.id))
    else:
        db.session.execute(sa.select(table.c.id).where(table.c.id.in_(ids)).order_by(table.c.id)
                           .with_for_update(read=shared, key_share=shared))


def relock(row):
    """Lock ``row`` for update and re-read it: what a check then sees is the latest, and stays so until the
    transaction ends (a bare ``with_for_update()`` would be dropped silently on SQLite)."""
    lock(type(row), [row.id])
    db.session.refresh(row)
    return row
