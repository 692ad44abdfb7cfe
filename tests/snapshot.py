"""Build once, restore per test: what a fixture builds (the small world, the access matrix's objects) is built the
first time a worker needs it, its rows are captured, and every later test gets the same rows put back into its empty
tables — the same ids, the same sequences — instead of building them again.

Correct on both databases: the rows are read and written through SQLAlchemy Core in foreign-key order, each table's
rows in primary-key order (a parent agency before its children); PostgreSQL's sequences and SQLite's
``sqlite_sequence`` are set back to where they stood, so the next insert of the test gets the id it would have had.
What a build returns (ORM objects, inside namespaces, dicts, tuples, and plain values) is given back with each ORM
object loaded again by its primary key in the test's own session.

A build is cached under its key and the moment the frozen clock showed, so a test with the clock moved before the
build never gets rows stamped at another time; on the real clock (``real_clock``) nothing is cached.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa

from portal import clock
from portal.extensions import db


@dataclass(frozen=True)
class Snapshot:
    tables: list  # [(Table, [row dict, …])], parents first
    sequences: list  # PostgreSQL: [(sequence, last value)]; SQLite: [(table, seq)] of sqlite_sequence


@dataclass(frozen=True)
class _Ref:
    model: type
    key: object


_BUILT: dict = {}


def take() -> Snapshot:
    """Capture every row of every table (what the session holds is committed first)."""
    db.session.commit()
    with db.engine.connect() as conn:
        tables = []
        for table in db.metadata.sorted_tables:
            rows = [dict(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                    .mappings()]
            if rows:
                tables.append((table, rows))
        if conn.dialect.name == "postgresql":
            sequences = conn.execute(sa.text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).all()
        elif conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            sequences = conn.execute(sa.text("SELECT name, seq FROM sqlite_sequence")).all()
        else:
            sequences = []
    return Snapshot(tables, [tuple(row) for row in sequences])


def restore(snapshot: Snapshot) -> None:
    """Put the captured rows back into the (empty) tables and the sequences where they stood."""
    db.session.rollback()
    with db.engine.begin() as conn:
        for table, rows in snapshot.tables:
            conn.execute(table.insert(), rows)
        if conn.dialect.name == "postgresql":
            for sequence, value in snapshot.sequences:
                conn.execute(sa.text("SELECT setval(CAST(:name AS regclass), :value, true)"),
                             {"name": sequence, "value": value})
        elif snapshot.sequences:
            conn.execute(sa.text("DELETE FROM sqlite_sequence"))
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                         [{"name": name, "seq": seq} for name, seq in snapshot.sequences])


def _walk(value, leaf):
    """``value`` with ``leaf`` applied to each item that is not a namespace, dict, list or tuple."""
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{name: _walk(item, leaf) for name, item in vars(value).items()})
    if isinstance(value, dict):
        return {name: _walk(item, leaf) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_walk(item, leaf) for item in value)
    return leaf(value)


def _ref(value):
    """An ORM object as a reference (model, primary key); anything else as it is."""
    return _Ref(type(value), sa.inspect(value).identity) if hasattr(value, "__mapper__") else value


def _load(value):
    """A reference loaded again in the test's session; anything else as it is."""
    return db.session.get(value.model, value.key) if isinstance(value, _Ref) else value


def built_once(key, build: Callable):
    """What ``build()`` returns, built in this worker once per ``key`` and clock reading, and restored afterwards.
    Call it on empty tables (as every test starts)."""
    if clock._frozen is None:  # on the real clock every build is stamped with another moment: never cached
        return build()
    cache_key = (key, clock.now())
    if cache_key in _BUILT:
        snapshot, refs = _BUILT[cache_key]
        restore(snapshot)
        return _walk(refs, _load)
    value = build()
    db.session.commit()
    _BUILT[cache_key] = (take(), _walk(value, _ref))
    return value
