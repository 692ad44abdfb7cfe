"""Helpers the demo's generators share: per-officer seeded random generators and chunked bulk inserts."""
from __future__ import annotations

import random

import sqlalchemy as sa

from portal.extensions import db

CHUNK = 2000  # rows per bulk INSERT


def seeded(seed: int, *parts) -> random.Random:
    """A generator for one officer (and year or quarter): the same numbers whatever is in the database."""
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def insert(model, rows: list[dict]) -> None:
    """A Core executemany per chunk (the rows' keys are the table's column names)."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model.__table__), rows[start:start + CHUNK])
