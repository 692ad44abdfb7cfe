"""The migrations are the schema: on a fresh database of its own they build exactly what the models describe,
downgrade to nothing and build it again.

The database is separate from the session's test database: a temporary SQLite file, or — when
``TEST_DATABASE_URL`` points at PostgreSQL — a temporary database created on the same server and dropped
afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.app import create_app
from portal.config import from_environment
from portal.extensions import db


@pytest.fixture
def scratch_url(tmp_path):
    """The URL of an empty database that nothing else uses; dropped afterwards on PostgreSQL."""
    server = os.environ.get("TEST_DATABASE_URL")
    url = server and sa.make_url(
        from_environment({"APP_ENV": "development", "DATABASE_URL": server})["SQLALCHEMY_DATABASE_URI"])
    if not url or url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"portal_migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def scratch_app(scratch_url):
    """A second portal bound to the scratch database, inside its own app context."""
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _differences(application) -> list:
    """What alembic's autogenerate would write if asked for a new revision now (empty when in step)."""
    options = {k: v for k, v in application.extensions["migrate"].configure_args.items()
               if k != "process_revision_directives"}
    options.setdefault("compare_type", True)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=options)
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(scratch_app, app):
    assert scratch_app.config["SQLALCHEMY_DATABASE_URI"] != app.config["SQLALCHEMY_DATABASE_URI"]
    model_tables = set(db.metadata.tables)
    assert _tables() == set(), "the scratch database must start empty"

    upgrade()
    assert _tables() == model_tables | {"alembic_version"}
    assert _differences(scratch_app) == []

    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}, "downgrade to base must leave no application table"
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0

    upgrade()
    assert _tables() == model_tables | {"alembic_version"}
    assert _differences(scratch_app) == []


def test_the_migrated_schema_enforces_the_models_constraints(scratch_app):
    """Check constraints exist in the migrated schema (autogenerate does not compare them)."""
    upgrade()
    inspector = sa.inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert declared <= found, f"{table.name}: check constraints missing from the migrations: {declared - found}"
