"""Settings read from the environment; see README.md for the variables.

Environment (not policy): where the database lives, secrets, URLs. Policy numbers that an admin may change
live in :mod:`portal.policy` instead.
"""
import os
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(click.ClickException, RuntimeError):
    """The environment does not allow the app to start; the message is one line.

    A :class:`click.ClickException`, so ``flask --app wsgi …`` (which builds the app while importing ``wsgi``)
    prints ``Error: <message>`` and exits 1 instead of a traceback.
    """


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def from_environment(env: dict | None = None, instance_path: str | None = None) -> dict:
    """Build the Flask config mapping from environment variables.

    :param env: the environment (``os.environ`` by default).
    :param instance_path: folder for the default SQLite database and the scheduler lock.
    :raises ConfigError: in production without ``SECRET_KEY``, or with per-process rate limits (``memory://``)
        unless ``WEB_CONCURRENCY=1`` (gunicorn's own variable for its number of workers) says it runs one process;
        or when a number is not a number.
    """
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path or ROOT / "instance")
    app_env = env.get("APP_ENV") or env.get("FLASK_ENV") or "production"
    development = app_env in {"development", "dev"}
    secret = env.get("SECRET_KEY")
    if not secret:
        if not development:
            raise ConfigError(
                "SECRET_KEY is not set: refusing to start outside development (set SECRET_KEY, or APP_ENV=development)"
            )
        secret = "development-only-secret-key-do-not-deploy"
    rate_limit_storage = env.get("RATELIMIT_STORAGE_URI") or "memory://"
    if not development and rate_limit_storage.startswith("memory://") and (env.get("WEB_CONCURRENCY") or "").strip() != "1":
        raise ConfigError(
            "RATELIMIT_STORAGE_URI is memory://, which counts in each process apart (with N workers every limit is "
            "N times looser): set RATELIMIT_STORAGE_URI=redis://…, or WEB_CONCURRENCY=1 for a single process")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "APP_ENV": "development" if development else "production",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SIGNING_KEY_DIR": env.get("SIGNING_KEY_DIR", str(instance / "keys")),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_SENDER": env.get("MAIL_SENDER", "noreply@localhost"),
        "RATELIMIT_STORAGE_URI": rate_limit_storage,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per minute"),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "10/minute"),
        "COMPLAINT_RATE_LIMIT": env.get("COMPLAINT_RATE_LIMIT", "5/hour;20/day"),
        "STATUS_LIST_MIN_INTERVAL": _int(env, "STATUS_LIST_MIN_INTERVAL", 300),
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD", "demo-pass-2016"),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), default=not development),
        "SESSION_COOKIE_NAME": "portal_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,
        "TIMEZONE": "Asia/Shanghai",
    }
