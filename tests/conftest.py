"""Fixtures: one app per test session on a freshly migrated database (SQLite, or PostgreSQL when
``TEST_DATABASE_URL`` is set), emptied after every test; a client whose requests run in their own context;
a frozen clock; log-in helpers.

Every test runs at :data:`TEST_NOW` (the clock frozen) unless it moves the clock with ``frozen`` or is marked
``real_clock``; so no test depends on the day it runs, and ``.ci/run`` proves it by running a pass of the suite
with the process date moved more than a year ahead (``.ci/timeshift``).

Set ``REQUIRE_SYSTEM_PROGRAMS=1`` (``.ci/run`` does) and a test that would skip for a missing program fails
instead, and a run in which nothing passed fails.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("APP_ENV", "development")

from portal import clock  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

#: the browser fixtures for every folder's browser tests: one chromium per process (a session fixture must be
#: defined once, not imported into several conftests, or each would start a playwright of its own)
pytest_plugins = ["tests.browser.fixtures"]

REQUIRE_SYSTEM_PROGRAMS = os.environ.get("REQUIRE_SYSTEM_PROGRAMS") == "1"
PASSWORD = "correct-horse-42"
#: how long a test waits for another process, a server or a browser before it fails. Generous on purpose: CI runs
#: the suite beside a browser and a database, and a start-up that takes 2 s on an idle machine has taken 20 s there.
#: A wait ends as soon as its condition holds, so the bound costs nothing when all is well.
PATIENCE = 180.0
#: the moment every test runs at unless it moves the clock: dates in tests are computed from it or from the clock
TEST_NOW = dt.datetime(2026, 11, 26, 9, 0)
FAST_HASH = "scrypt:1024:1:1"  # tests only: the cost of a hash is not what they test (issue 14: −28 %)


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, so it gets its own app context, ``g`` and database session —
    as in production — even while the test holds an app context of its own."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context() and db.session.registry.has():
            db.session.expire_all()
        return response


def _database_url(tmp_path_factory) -> str:
    """SQLite in this process's temporary folder, or ``TEST_DATABASE_URL``; under pytest-xdist each worker gets a
    database of its own on that server (``<name>_gw0``…), created here and dropped at the end of the session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from portal.config import from_environment

    server = sa.make_url(from_environment({"APP_ENV": "development", "DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"])
    if server.get_backend_name() != "postgresql":
        return url
    name = f"{server.database}_{worker}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    _WORKER_DATABASES.append((admin, name))
    return server.set(database=name).render_as_string(hide_password=False)


#: (engine on the server, database name) of each worker database this process created
_WORKER_DATABASES: list = []


def _reset_schema(app) -> None:
    """Drop everything in the test database, then build it with the migrations (so they are what is tested)."""
    from flask_migrate import upgrade

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The portal, configured for tests, on a freshly migrated database."""
    from portal.config import from_environment

    url = from_environment({"APP_ENV": "development", "DATABASE_URL": _database_url(tmp_path_factory)})[
        "SQLALCHEMY_DATABASE_URI"]
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "COMPLAINT_RATE_LIMIT": "10000 per minute",
        "SERVER_NAME": None,
        "SIGNING_KEY_DIR": str(tmp_path_factory.mktemp("keys")),
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    })
    application.test_client_class = IsolatedClient
    _reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    for admin, name in _WORKER_DATABASES:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE, children first, then every used sequence back to 1: TRUNCATE of every table cost
                # ~0.3 s a test (a new file for each table), most of them empty
                conn.exec_driver_sql("; ".join(f'DELETE FROM "{t}"' for t in tables))
                conn.exec_driver_sql(
                    "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, 1, false) "
                    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
            else:
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
                if conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                    conn.execute(sa.text("DELETE FROM sqlite_sequence"))


@pytest.fixture(autouse=True)
def _context(app, caplog, request):
    """Each test runs inside an app context on empty tables, with the clock frozen at :data:`TEST_NOW` unless it
    is marked ``real_clock``; a test fails when the app logged an unhandled error (a user would have seen the
    500 page)."""
    clock.freeze(None if request.node.get_closest_marker("real_clock") else TEST_NOW)
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        clock.freeze(None)
        ctx.pop()
        _empty_tables(app)
        app.config["WTF_CSRF_ENABLED"] = False
    errors = [r for r in caplog.get_records("call") if r.name == "portal.errors" and r.levelno >= logging.ERROR]
    if errors and not getattr(caplog, "server_errors_expected", False):
        pytest.fail(f"the app logged an unhandled error: {errors[0].getMessage()}\n{errors[0].exc_text or ''}")


@pytest.fixture
def server_errors_expected(caplog):
    """Use in a test that provokes the 500 page on purpose."""
    caplog.server_errors_expected = True
    return caplog


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen(request):
    """Move the frozen clock: ``frozen(moment)`` (it starts at :data:`TEST_NOW`); returns the new moment."""

    def set_clock(moment):
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        clock.freeze(moment)
        return clock.now()

    set_clock(TEST_NOW)
    return set_clock


class AuthActions:
    """Sign a test client in and out (the flaskr tutorial's helper)."""

    def __init__(self, client):
        self._client = client

    def login(self, login: str, password: str = PASSWORD, follow: bool = False):
        return self._client.post("/login", data={"login": login, "password": password}, follow_redirects=follow)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def world(app):
    """A small tree with one account of every role (see :func:`tests.factories.small_world`), built once per worker
    and restored from its snapshot for every later test (:mod:`tests.snapshot`)."""
    from tests.factories import small_world
    from tests.snapshot import built_once

    return built_once("small_world", small_world)


@pytest.fixture
def load_demo(app, runner):
    """``load_demo()``: the database as ``flask demo load`` leaves it, and the command's output. The command runs once
    per worker (per demo password, key folder and clock reading) and is restored from its snapshot afterwards; the
    tests of the command itself (tests/platform/test_demo.py) run it every time."""
    from tests.snapshot import built_once

    def invoke() -> str:
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        return result.output

    return lambda: built_once(("demo", app.config["DEMO_PASSWORD"], app.config["SIGNING_KEY_DIR"]), invoke)


def pytest_report_header(config):
    """Say which date the processes of this run believe it is; under ``TIME_SHIFT_DAYS`` (``.ci/run``'s pass a year
    ahead, through ``.ci/timeshift/sitecustomize.py``) refuse to run unless the move took effect."""
    days = os.environ.get("TIME_SHIFT_DAYS", "").strip()
    if days:
        try:
            import sitecustomize
            moved = getattr(sitecustomize, "SHIFTED_DAYS", 0)
        except ImportError:
            moved = 0
        if moved != int(days):
            raise pytest.UsageError(f"TIME_SHIFT_DAYS={days} but the clock did not move: put .ci/timeshift on "
                                    "PYTHONPATH and install the dev dependencies (time-machine)")
        return f"clock moved {days} days ahead: the processes of this run believe today is {dt.date.today()}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under REQUIRE_SYSTEM_PROGRAMS=1 a skip is a failure: CI installs every program the tests need."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SYSTEM_PROGRAMS and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under REQUIRE_SYSTEM_PROGRAMS=1: {reason}"


def pytest_sessionfinish(session, exitstatus):
    """A run in which no test passed is not a success (judged where the reports are gathered, not in a pytest-xdist
    worker)."""
    if hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    if exitstatus == 0 and passed == 0:
        session.exitstatus = 5
