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
    production = from_environment({"APP_ENV": "production", "SECRET_KEY": "s3cret-value"})
    assert production["SECRET_KEY"] == "s3cret-value"
    assert production["APP_ENV"] == "production"
    assert production["SESSION_COOKIE_SECURE"] is True


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
