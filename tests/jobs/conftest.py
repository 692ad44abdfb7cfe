"""Fixtures for background jobs, the scheduler process and e-mail.

* ``smtp`` — a real SMTP server (aiosmtpd) on 127.0.0.1 that records every message and can refuse on demand;
* ``mail_on`` — the session app pointed at it;
* ``scratch`` — a database of its own, migrated, with an instance folder, for scheduler processes (a temporary
  SQLite file, or a temporary PostgreSQL database on ``TEST_DATABASE_URL``'s server, dropped afterwards);
* ``spawn`` — starts ``flask --app wsgi scheduler`` processes and kills whatever is left at the end.
"""
from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.app import create_app
from portal.config import from_environment
from portal.extensions import db
from tests.conftest import FAST_HASH, PATIENCE

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, message: str | Callable[[], str] = "condition", timeout: float = PATIENCE,
               interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy; after ``timeout`` seconds fail the test with
    ``message`` — a callable is called then, so it can report what was seen by the end of the wait."""
    began = time.monotonic()
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() - began > timeout:
            pytest.fail(f"waited {time.monotonic() - began:.0f} s for {message() if callable(message) else message}")
        time.sleep(interval)


# --- SMTP ---------------------------------------------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


class Recorder:
    """aiosmtpd handler: keeps every accepted message; refuses the next ``refuse`` recipients with a 451."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse = 0
        self.refused = 0
        self.refusal = "451 4.3.2 Please try again later"
        self.quit_reply: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if self.quit_reply:
            return self.quit_reply
        return "221 Bye"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]


@dataclass
class SMTPServer:
    host: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), stopped after the test."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SMTPServer("127.0.0.1", controller.port, recorder)
    finally:
        controller.stop()


@pytest.fixture
def mail_on(app, smtp, monkeypatch):
    """The session app sends e-mail to the ``smtp`` server for the duration of the test."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", smtp.host)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "noreply@portal.test")
    return smtp


# --- a database of its own for scheduler processes -----------------------------------------------------------

@dataclass
class Scratch:
    """A migrated database nothing else uses, the environment a subprocess needs to use it, and an in-process
    app bound to it for preparing data and looking at the outcome."""

    url: str
    instance: Path
    env: dict
    app: object
    dialect: str

    @contextmanager
    def context(self):
        """Work on the scratch database (``db.session`` is the scratch app's inside the block)."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()


def _server_url():
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        return None
    url = sa.make_url(from_environment({"APP_ENV": "development", "DATABASE_URL": server})["SQLALCHEMY_DATABASE_URI"])
    return url if url.get_backend_name() == "postgresql" else None


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A separate, migrated database and instance folder (SQLite file, or a temporary PostgreSQL database)."""
    from flask_migrate import upgrade

    instance = tmp_path / "instance"
    instance.mkdir()
    server = _server_url()
    admin = None
    name = None
    if server is None:
        url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    else:
        name = f"portal_jobs_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TEST_DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "FLASK_APP")}
    env.update({"APP_ENV": "development", "SECRET_KEY": "scheduler-test-secret", "DATABASE_URL": url,
                "INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1",
                "SIGNING_KEY_DIR": str(tmp_path / "keys")})
    application = None
    monkeypatch.setenv("INSTANCE_PATH", str(instance))  # the in-process app's instance folder is the same
    try:
        application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": FAST_HASH,
                                  "SIGNING_KEY_DIR": str(tmp_path / "keys")})
        with application.app_context():
            upgrade()
            db.session.remove()
        yield Scratch(url, instance, env, application, "sqlite" if server is None else "postgresql")
    finally:
        if application is not None:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# --- scheduler processes -------------------------------------------------------------------------------------

HOLDS = "持有调度锁"
WAITS = "等待其退出"


@dataclass
class SchedulerProcess:
    """A ``flask --app wsgi scheduler`` process whose output (stdout and stderr) is collected line by line."""

    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def holds(self) -> bool:
        return self.said(HOLDS)

    @property
    def waits(self) -> bool:
        return self.said(WAITS)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.alive():
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
        if sig == signal.SIGKILL:
            self.proc.wait(timeout=PATIENCE)


@pytest.fixture
def spawn(scratch):
    """``spawn(**env)`` starts a scheduler on the scratch database; every one still running is killed after."""
    started: list[SchedulerProcess] = []

    def start(run_for: float = 2 * PATIENCE, **extra_env) -> SchedulerProcess:
        env = dict(scratch.env)
        env.update({key: str(value) for key, value in extra_env.items()})
        proc = subprocess.Popen([FLASK, "--app", "wsgi", "scheduler", "--run-for", str(run_for)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        process = SchedulerProcess(proc)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.kill()
        for process in started:
            process._reader.join(timeout=5)
            if process.proc.stdout:
                process.proc.stdout.close()
