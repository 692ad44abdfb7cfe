"""The transaction boundary: the one module that commits or rolls back.

One unit of work per request, CLI command and background job, as indico's request handler does: the work runs in
the session's transaction, which is committed once when it succeeds and rolled back when anything raises.

* **A request** — :class:`Portal` (the app class) commits after the view returns, before the response is
  finalised, so a commit the database refuses is still an error page; any exception rolls back before the error
  handlers (:mod:`portal.errors`) render, and an ``IntegrityError`` / ``StaleDataError`` — someone else wrote
  first — is answered as a 409.
* **A CLI command** — :func:`command` wraps its callback (every command of a :class:`CommandGroup` is wrapped):
  committed when it returns, rolled back when it raises; a :class:`~portal.errors.DomainError` is printed in
  Chinese (with the row and field of each item) and the command exits with status 1.
* **A background job** — :mod:`portal.background` (queued jobs) and :mod:`portal.scheduler` (scheduled jobs) are
  the boundary: :func:`finish` after the handler, :func:`abandon` when it raised.

Inside a unit:

* :func:`attempt` — for a view that shows a refusal on its own page (a form's errors): the block's changes are
  flushed at its end, so a constraint fails there; when it raises, the whole unit is rolled back and the error
  goes on to the caller, which renders it. Nothing the unit did is kept, unless the error says a fact was
  recorded (``keep``).
* :func:`savepoint` — one item of many (a batch decision, a sweep): undone alone when it raises, the rest kept.
* :func:`trial` — a dry run: whatever the block writes is undone, always.
* :func:`checkpoint` — a long job that must keep what it has done so far (an e-mail, once sent, is recorded as
  sent before the next is tried; a claimed message is visible to other runners). Only job code may call it.
* :func:`side_write` — one statement on its own connection, committed at once and outside the unit (a job's
  progress bar, which a page polls while the job's transaction is still open).

No other module calls ``commit()`` or ``rollback()``; ``tests/platform/test_transaction_boundary.py`` fails if
one does, or if a view, CLI command or job handler uses :func:`finish` / :func:`abandon` by hand.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import sys
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db

log = logging.getLogger(__name__)

#: what a user reads when the database refused the unit because someone else changed the same data first
CONFLICT = "数据已被他人同时修改，本次操作未保存，请刷新后重试。"


def finish() -> None:
    """Commit the unit. A write the database refuses (a unique key someone else took first, a version someone
    else saved) rolls everything back and is raised as a 409 :class:`DomainError`."""
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as err:
        db.session.rollback()
        raise DomainError.conflict("conflict", CONFLICT) from err


def abandon() -> None:
    """Roll the unit back: nothing it did is kept."""
    db.session.rollback()


@contextmanager
def attempt(keep: tuple[type[BaseException], ...] = ()):
    """Run a step whose refusal the caller shows on its page: flushed at the end (a constraint fails here, not
    at the commit); if it raises, the whole unit is rolled back before the error goes on — except for the
    errors in ``keep``, which report a fact the step recorded (an exam handed in at its deadline) and leave the
    unit to be committed."""
    try:
        yield
        db.session.flush()
    except keep:
        raise
    except BaseException:
        db.session.rollback()
        raise


def _begun() -> None:
    """Make sure the database itself is inside the unit's transaction before a SAVEPOINT. SQLite's driver begins
    a transaction only at the first write, so a SAVEPOINT that came first would begin it and its RELEASE would
    commit the whole unit; here the unit begins first — IMMEDIATE, taking the write lock it is about to need
    (a deferred one could fail at its first write, without waiting, if another writer committed after its reads)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def savepoint():
    """One item of many: its changes are undone alone if it raises (the error goes on), kept otherwise."""
    _begun()
    nested = db.session.begin_nested()
    try:
        yield
        db.session.flush()
    except BaseException:
        nested.rollback()
        raise
    nested.commit()


@contextmanager
def trial():
    """A dry run: what the block writes is seen inside it and undone at its end, always."""
    _begun()
    nested = db.session.begin_nested()
    try:
        yield
    finally:
        nested.rollback()


def checkpoint() -> None:
    """Keep what a long job has done so far (see the module docstring); the job goes on in a new transaction."""
    finish()


def side_write(statement) -> bool:
    """Execute ``statement`` on a connection of its own and commit it at once, outside the unit. Best effort: on
    SQLite it waits at most 200 ms for the write lock (the unit's own transaction may hold it); returns whether it
    was written."""
    try:
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout=200")
            try:
                conn.execute(statement)
                conn.commit()
            finally:
                if sqlite:  # the connection goes back to the pool: restore the app's patience
                    conn.exec_driver_sql("PRAGMA busy_timeout=10000")
    except OperationalError:
        log.debug("side write skipped (database busy): %s", statement)
        return False
    return True


class Portal(Flask):
    """The app: every request is one unit of work, committed when the view has returned and rolled back before any
    error handler (:mod:`portal.errors`) runs; a write the database refused becomes a 409 :class:`DomainError`."""

    def dispatch_request(self):
        response = super().dispatch_request()
        finish()
        return response

    def handle_user_exception(self, e):
        abandon()
        if isinstance(e, (IntegrityError, StaleDataError)):  # someone else wrote first
            e = DomainError.conflict("conflict", CONFLICT)
        return super().handle_user_exception(e)

    def handle_exception(self, e):
        abandon()
        return super().handle_exception(e)


def command(fn):
    """Make a CLI command's callback one unit of work (see the module docstring). What it prints is held back until
    the unit is committed: a one-time password or a token is never shown for an account the database then refused."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result = fn(*args, **kwargs)
            finish()
        except (IntegrityError, StaleDataError) as error:  # someone else wrote first, while the command ran
            abandon()
            raise click.ClickException(CONFLICT) from error
        except DomainError as error:
            abandon()
            sys.stderr.write(err.getvalue())
            for item in error.items:
                where = "".join([f"第{item['row']}行" if item.get("row") is not None else "",
                                 f"第{item['index']}项" if item.get("index") is not None else "",
                                 f"，{item['field']}列" if item.get("field") else ""])
                click.echo(f"{where}：{item['message']}" if where else item["message"], err=True)
            raise click.ClickException(error.message) from None
        except BaseException:
            abandon()
            sys.stderr.write(err.getvalue())
            raise
        sys.stdout.write(out.getvalue())
        sys.stderr.write(err.getvalue())
        return result

    return run


class CommandGroup(AppGroup):
    """A ``flask`` command group whose every command is one unit of work (:func:`command`)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda fn: register(command(fn))
