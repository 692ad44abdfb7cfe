"""The migrations are the schema: on a fresh database of its own they build exactly what the models describe,
downgrade to nothing and build it again.

The database is separate from the session's test database: a temporary SQLite file, or — when
``TEST_DATABASE_URL`` points at PostgreSQL — a temporary database created on the same server and dropped
afterwards.
"""
from __future__ import annotations

import datetime as dt
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


def test_complaint_handling_downgrades_with_a_transferred_complaint_and_a_report(scratch_app):
    """0016's downgrade keeps a transfer as the closest older state (不予受理, the receiving body in the reply) and
    drops the reports of enforcing without a certificate, which the older schema cannot hold."""
    from portal.complaints.models import Complaint
    from tests.factories import make_agency, make_officer

    upgrade()
    agency = make_agency(name="某局", short_name="某局")
    officer = make_officer(agency, name="王建国")
    moment = dt.datetime(2026, 11, 26, 9, 0)
    common = dict(agency_id=agency.id, happened_on=dt.date(2026, 11, 20), place="新威路",
                  what="执法人员推搡摊主，言语粗暴。", submitted_at=moment)
    db.session.add_all([
        Complaint(reference="TS20261126AAAAAAAA", kind="complaint", officer_id=officer.id,
                  certificate_number="371000126000017", status="transferred", reply="已移交",
                  transferred_to="某街道办事处", closed_at=moment, **common),
        Complaint(reference="JB20261126BBBBBBBB", kind="unlicensed", status="received", **common)])
    db.session.commit()
    db.session.remove()
    downgrade(revision="0014")
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT reference, status, reply FROM complaint")).all()
    assert rows == [("TS20261126AAAAAAAA", "not_accepted", "已移交（已移交某街道办事处）")]
    upgrade()


def test_the_stored_due_dates_are_filled_in_for_the_certificates_already_there(scratch_app):
    """0018 computes each enforcement certificate's next due dates as certificates.due does — a 29 February anchor
    falls due on 28 February in a common year — and leaves a presider's empty."""
    from tests.factories import make_agency, make_officer

    upgrade(revision="0017")
    agency = make_agency(name="某局", short_name="某局")
    officer, presider = make_officer(agency, name="王建国"), make_officer(agency, name="李晓梅")
    with db.engine.begin() as conn:
        for row_id, number, officer_id, kind, first, reviews, tests in (
                (1, "371000124000011", officer.id, "enforcement", "2024-02-29", 0, 0),
                (2, "371000220000019", presider.id, "hearing_presider", "2020-05-10", 0, 0),
                (3, "371000120000017", presider.id, "enforcement", "2020-05-10", 3, 1)):
            conn.execute(sa.text(
                "INSERT INTO certificate (id, number, type, officer_id, agency_id, categories, region, status, "
                "status_since, edition, issued_on, first_issued_on, reviews_done, update_tests_done, created_at, "
                "updated_at) VALUES (:id, :number, :type, :officer, :agency, '[]', '环翠区', 'active', "
                "'2026-11-26 09:00:00', 1, :first, :first, :reviews, :tests, '2026-11-26 09:00:00', "
                "'2026-11-26 09:00:00')"), {"id": row_id, "number": number, "type": kind, "officer": officer_id,
                                            "agency": agency.id, "first": first, "reviews": reviews, "tests": tests})
    db.session.remove()
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, review_due_on, update_test_due_on FROM certificate ORDER BY id")).all()
    as_text = [(row_id, str(r) if r else None, str(t) if t else None) for row_id, r, t in rows]
    assert as_text == [(1, "2026-02-28", "2028-02-29"), (2, None, None), (3, "2028-05-10", "2028-05-10")]
