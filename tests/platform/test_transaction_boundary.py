"""One transaction boundary (portal/transaction.py): a request, a CLI command and a background job are each one unit
of work — committed once when it succeeds, rolled back when anything raises — and nothing else commits by hand.

The behaviour is tested on an app of its own with a few routes that write a row and then succeed, refuse or fail;
what was kept is read on another connection (the session's app), so only a real commit counts. The rule over the
source is checked on every module of the project.
"""
from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from flask import Blueprint, jsonify

from portal import background, clock, transaction
from portal.app import create_app
from portal.errors import DomainError
from portal.extensions import db
from tests.factories import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
#: the only modules that end a unit of work: the boundary itself (requests, CLI commands) and the two job runners
#: (queued jobs, scheduled jobs)
BOUNDARIES = {"portal/transaction.py", "portal/background.py", "portal/scheduler.py"}
#: job code that must keep what it has done so far (each e-mail's claim and outcome)
CHECKPOINTS = {"portal/notify.py"}

bp = Blueprint("unit_test", __name__)


def _mark(name: str) -> None:
    db.session.add(background.SchedulerState(name=name))


def _kept(name: str) -> bool:
    """Committed — read on the session app's own connection, not the request's."""
    db.session.rollback()
    return db.session.get(background.SchedulerState, name) is not None


@bp.route("/unit/ok", methods=["POST"])
def ok():
    _mark("ok")
    return jsonify(done=True)


@bp.route("/unit/refused", methods=["POST"])
def refused():
    _mark("refused")
    db.session.flush()
    raise DomainError("nope", "不允许", status=422)


@bp.route("/unit/broken", methods=["POST"])
def broken():
    _mark("broken")
    db.session.flush()
    raise RuntimeError("boom")


@bp.route("/unit/duplicate", methods=["POST"])
def duplicate():
    _mark("taken")  # the row is already there: the database refuses it at the commit
    return jsonify(done=True)


@bp.route("/unit/form", methods=["POST"])
def form():
    """The pattern of a form page: a refused step is shown on the page (200), and nothing of the unit is kept."""
    _mark("before")
    try:
        with transaction.attempt():
            _mark("step")
            raise DomainError("nope", "不允许", status=422)
    except DomainError as err:
        return jsonify(shown=err.message)


@bp.route("/unit/kept-fact", methods=["POST"])
def kept_fact():
    """A refusal that reports a recorded fact (``keep``): the unit is committed with it."""
    try:
        with transaction.attempt(keep=(LookupError,)):
            _mark("fact")
            raise LookupError("time is up")
    except LookupError:
        return jsonify(shown=True), 409


@bp.route("/unit/savepoint", methods=["POST"])
def savepoint():
    """One item refused among others: only that item is undone."""
    _mark("first")
    try:
        with transaction.savepoint():
            _mark("second")
            raise DomainError("nope", "不允许")
    except DomainError:
        pass
    return jsonify(done=True)


@bp.route("/unit/savepoint-first", methods=["POST"])
def savepoint_first():
    """A savepoint as the unit's first write (SQLite's driver would let its RELEASE commit the unit), then a
    refusal: nothing of the unit is kept."""
    with transaction.savepoint():
        _mark("sp-first")
    _mark("sp-after")
    db.session.flush()
    raise DomainError("nope", "不允许")


@pytest.fixture
def unit_app(app):
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD", "SIGNING_KEY_DIR",
        "PUBLIC_BASE_URL")})
    other.register_blueprint(bp)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_request_that_returns_is_committed_once(unit_app):
    response = unit_app.test_client().post("/unit/ok")
    assert response.status_code == 200
    assert _kept("ok")


def test_a_refusal_rolls_the_whole_request_back(unit_app):
    response = unit_app.test_client().post("/unit/refused")
    assert response.status_code == 422
    assert "不允许" in response.get_data(as_text=True)
    assert not _kept("refused")


def test_an_unexpected_error_rolls_back_and_shows_the_500_page(unit_app, server_errors_expected):
    response = unit_app.test_client().post("/unit/broken")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert not _kept("broken")


def test_a_write_the_database_refuses_at_the_commit_is_a_409_and_nothing_is_kept(unit_app):
    db.session.add(background.SchedulerState(name="taken", holder="first"))
    db.session.commit()
    response = unit_app.test_client().post("/unit/duplicate")
    assert response.status_code == 409
    assert transaction.CONFLICT in response.get_data(as_text=True)
    assert db.session.get(background.SchedulerState, "taken").holder == "first"


def test_a_step_refused_on_a_form_page_undoes_the_whole_unit(unit_app):
    response = unit_app.test_client().post("/unit/form")
    assert response.status_code == 200 and response.json == {"shown": "不允许"}
    assert not _kept("before") and not _kept("step")


def test_a_refusal_that_reports_a_recorded_fact_keeps_it(unit_app):
    response = unit_app.test_client().post("/unit/kept-fact")
    assert response.status_code == 409
    assert _kept("fact")


def test_a_savepoint_undoes_only_its_own_item(unit_app):
    response = unit_app.test_client().post("/unit/savepoint")
    assert response.status_code == 200
    assert _kept("first") and not _kept("second")


def test_a_savepoint_that_is_the_units_first_write_is_rolled_back_with_the_unit(unit_app):
    response = unit_app.test_client().post("/unit/savepoint-first")
    assert response.status_code == 422
    assert not _kept("sp-first") and not _kept("sp-after")


def test_a_dry_run_that_is_the_units_first_write_keeps_nothing_either():
    with transaction.trial():
        _mark("trial-first")
    _mark("after-trial")
    transaction.abandon()
    assert not _kept("trial-first") and not _kept("after-trial")


def test_a_dry_run_keeps_nothing():
    with transaction.trial():
        _mark("trial")
        assert db.session.get(background.SchedulerState, "trial") is not None  # seen inside
    transaction.finish()
    assert not _kept("trial")


def test_a_cli_command_is_one_unit_and_a_refusal_is_printed_in_chinese_with_its_row_and_field(app):
    group = transaction.CommandGroup("unit-test")

    @group.command("write")
    @click.option("--refuse", is_flag=True)
    def write(refuse):
        _mark("cli")
        db.session.flush()
        if refuse:
            raise DomainError.invalid([{"row": 3, "field": "姓名", "message": "不能为空"}], "导入失败，未保存")
        click.echo("done")

    runner = app.test_cli_runner()
    refused = runner.invoke(group, ["write", "--refuse"])
    assert refused.exit_code == 1
    assert "第3行，姓名列：不能为空" in refused.output and "导入失败，未保存" in refused.output
    assert "Traceback" not in refused.output
    assert not _kept("cli")
    done = runner.invoke(group, ["write"])
    assert done.exit_code == 0, done.output
    assert _kept("cli")


def test_a_cli_command_prints_only_once_its_unit_is_committed(app):
    """A one-time password or token printed for a row the database then refuses would be a lie: the output waits
    for the commit, and a refused commit is a Chinese conflict message."""
    db.session.add(background.SchedulerState(name="taken", holder="first"))
    db.session.commit()
    group = transaction.CommandGroup("unit-test")

    @group.command("secret")
    def secret():
        db.session.add(background.SchedulerState(name="taken"))
        click.echo("一次性密码：s3cret")

    result = app.test_cli_runner().invoke(group, ["secret"])
    assert result.exit_code == 1
    assert "s3cret" not in result.output and transaction.CONFLICT in result.output
    assert "Traceback" not in result.output


def test_a_background_job_commits_its_work_with_its_status_or_nothing(monkeypatch):
    def ok(job, progress):
        _mark("job-ok")
        return {"fine": True}

    def fails(job, progress):
        _mark("job-fails")
        db.session.flush()
        raise DomainError("nope", "作业被拒绝")

    monkeypatch.setitem(background.HANDLERS, "unit-test-ok", ok)
    monkeypatch.setitem(background.HANDLERS, "unit-test-fails", fails)
    for kind in ("unit-test-ok", "unit-test-fails"):
        background.enqueue(SYSTEM, kind, kind, {}, now=clock.now())
    db.session.commit()
    assert background.run_pending() == 2
    jobs = {job.kind: job for job in db.session.scalars(sa.select(background.Job))}
    assert jobs["unit-test-ok"].status == "succeeded" and _kept("job-ok")
    assert jobs["unit-test-fails"].status == "failed" and jobs["unit-test-fails"].error == "作业被拒绝"
    assert not _kept("job-fails")


# --- the rule over the source ------------------------------------------------------------------------------------

def _modules():
    for top in ("portal", "exams", "certificates"):
        for path in sorted((ROOT / top).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path
    yield "wsgi.py", ROOT / "wsgi.py"


def _calls(source: str):
    """(line, dotted callee) of every call in ``source``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.lineno, ast.unparse(node.func)


def hand_made_ends(path: str, source: str) -> list[str]:
    """Every place ``source`` ends or splits a unit of work by hand."""
    found = []
    for line, callee in _calls(source):
        name = callee.rsplit(".", 1)[-1]
        if path != "portal/transaction.py" and name in ("commit", "rollback", "begin_nested"):
            found.append(f"{path}:{line}: {callee}() — use portal.transaction")
        elif callee in ("transaction.finish", "transaction.abandon") and path not in BOUNDARIES:
            found.append(f"{path}:{line}: {callee}() — only a boundary ends a unit of work")
        elif callee == "transaction.checkpoint" and path not in CHECKPOINTS:
            found.append(f"{path}:{line}: {callee}() — only the jobs listed in CHECKPOINTS may keep work early")
    return found


def test_no_view_cli_command_or_job_commits_or_rolls_back_by_hand():
    found = [problem for path, file in _modules() for problem in hand_made_ends(path, file.read_text("utf-8"))]
    assert found == []


def test_the_source_check_sees_each_way_of_committing_by_hand():
    source = """
def view():
    db.session.commit()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    transaction.finish()
    transaction.checkpoint()
"""
    found = hand_made_ends("portal/officers/views.py", source)
    assert [line.split(": ", 1)[1].split("(")[0] for line in found] == [
        "db.session.commit", "db.session.begin_nested", "savepoint.rollback", "transaction.finish",
        "transaction.checkpoint"]
    assert hand_made_ends("portal/transaction.py", "db.session.commit()") == []
    assert hand_made_ends("portal/background.py", "transaction.finish()") == []
