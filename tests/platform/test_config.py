"""Configuration from the environment: production refuses to start without SECRET_KEY, saying so in one line;
database URLs are normalised to the psycopg 3 driver."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import ConfigError, from_environment
from tests.conftest import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


@pytest.mark.parametrize("env", [{"APP_ENV": "production"}, {}, {"APP_ENV": "production", "SECRET_KEY": ""},
                                 {"APP_ENV": "staging"}])
def test_production_without_a_secret_key_is_refused_in_one_line(env):
    with pytest.raises(ConfigError) as caught:
        from_environment(env)
    message = str(caught.value)
    assert "SECRET_KEY" in message
    assert "\n" not in message.strip()


def test_development_may_run_without_a_secret_key_but_production_with_one():
    development = from_environment({"APP_ENV": "development"})
    assert development["SECRET_KEY"]
    assert development["SESSION_COOKIE_SECURE"] is False
    production = from_environment({"APP_ENV": "production", "SECRET_KEY": "s3cret-value",
                                   "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert production["SECRET_KEY"] == "s3cret-value"
    assert production["APP_ENV"] == "production"
    assert production["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("env", [{}, {"WEB_CONCURRENCY": "2"}, {"RATELIMIT_STORAGE_URI": "memory://"},
                                 {"RATELIMIT_STORAGE_URI": "memory://", "WEB_CONCURRENCY": "4"}])
def test_production_refuses_rate_limits_counted_per_process(env):
    """Issue 13: with memory:// storage and two workers every limit was doubled. Production needs a shared
    storage, or WEB_CONCURRENCY=1 saying it runs one process."""
    with pytest.raises(ConfigError) as caught:
        from_environment({"APP_ENV": "production", "SECRET_KEY": "x", **env})
    assert "RATELIMIT_STORAGE_URI" in str(caught.value) and "WEB_CONCURRENCY=1" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("env", [{"WEB_CONCURRENCY": "1"}, {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
                                 {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "WEB_CONCURRENCY": "4"}])
def test_production_accepts_shared_rate_limits_or_one_process(env):
    assert from_environment({"APP_ENV": "production", "SECRET_KEY": "x", **env})["APP_ENV"] == "production"
    assert from_environment({"APP_ENV": "development"})["RATELIMIT_STORAGE_URI"] == "memory://"  # make run


def test_production_answers_say_https_only(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    monkeypatch.setitem(app.config, "APP_ENV", "development")
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u:p@db.example:5432/portal", "postgresql+psycopg://u:p@db.example:5432/portal"),
    ("postgresql://u@127.0.0.1/portal", "postgresql+psycopg://u@127.0.0.1/portal"),
    ("postgresql+psycopg://u@host/portal", "postgresql+psycopg://u@host/portal"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg_3(given, expected):
    config = from_environment({"APP_ENV": "development", "DATABASE_URL": given})
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(("given", "expected"), [(None, 25), ("", 25), ("587", 587)])
def test_mail_port_defaults_to_25(given, expected):
    env = {"APP_ENV": "development"} | ({} if given is None else {"MAIL_PORT": given})
    assert from_environment(env)["MAIL_PORT"] == expected


def test_a_malformed_number_is_a_one_line_config_error_not_a_traceback():
    with pytest.raises(ConfigError) as caught:
        from_environment({"APP_ENV": "development", "MAIL_PORT": "smtp"})
    assert "MAIL_PORT" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = from_environment({"APP_ENV": "development"}, instance_path=str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def test_the_flask_command_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "FLASK_ENV", "FLASK_APP", "DATABASE_URL", "TEST_DATABASE_URL")}
    env.update(APP_ENV="production", INSTANCE_PATH=str(tmp_path))
    done = subprocess.run([str(FLASK), "--app", "wsgi", "routes"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=PATIENCE)
    assert done.returncode != 0
    output = (done.stdout + done.stderr).strip()
    assert "SECRET_KEY" in output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert "routes" not in done.stdout.lower() and "Endpoint" not in done.stdout
