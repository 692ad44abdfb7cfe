"""The password rule, hashing and one-time passwords."""
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def problem(password: str, *names: str) -> str | None:
    """What is wrong with a new password in Chinese, or ``None``.

    :param names: the user name and any other sign-in name (an officer's ID number) it must not contain.
    """
    if len(password or "") < MIN_LENGTH:
        return f"密码至少需要{MIN_LENGTH}个字符"
    lowered = password.lower()
    for name in names:
        if name and name.lower() in lowered:
            return "密码不能包含用户名或身份证号"
    return None


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt; tests use cheaper scrypt parameters)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def matches(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    return check_password_hash(password_hash, password or "")


def one_time_password() -> str:
    """A random 14-character password without look-alike characters, grouped for reading aloud."""
    raw = "".join(secrets.choice(_OTP_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Check a password against a dummy hash so an unknown user name takes as long as a known one."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    check_password_hash(_DUMMY_HASH, password or "")
