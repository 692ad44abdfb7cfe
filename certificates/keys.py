"""Ed25519 signing keys in ``SIGNING_KEY_DIR`` — never in the database, the repository or a log.

The directory (created 0700 on first use) holds one PEM private key per key id (``<kid>.pem``, 0600) and
``index.json``: ``{"keys": [{"kid", "created_at", "status", "retired_at", "x"}]}`` in creation order, where
``status`` is ``current`` (signs new tokens; exactly one), ``active`` (still verifies what it signed) or
``retired`` (compromised: no longer published; its private key is deleted, its public key ``x`` kept so a token
it signed is told apart from a forgery). Every change of the index happens under an exclusive ``flock`` on
``index.lock`` and is written to a temporary file then ``os.replace``-d, so two processes rotating at once
neither corrupt it nor lose a key; readers see the old or the new index, never half of one.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from portal import clock
from portal.errors import DomainError

INDEX = "index.json"
LOCK = ".index.lock"
STATUS_LABELS = {"current": "当前签名", "active": "仍可核验", "retired": "已停用"}


@dataclass(frozen=True)
class KeyInfo:
    """One key's entry in the index (no key material but the public ``x``)."""

    kid: str
    created_at: dt.datetime
    status: str
    retired_at: dt.datetime | None
    x: str

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS[self.status]

    def public_key(self) -> Ed25519PublicKey:
        """The public key, for verifying."""
        return Ed25519PublicKey.from_public_bytes(b64url_decode(self.x))

    def jwk(self) -> dict:
        """The public key as a JWK (RFC 8037)."""
        return {"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid, "use": "sig", "alg": "Ed25519"}


@dataclass(frozen=True)
class Retirement:
    """What :func:`retire` did: the key retired, the key now current, whether that one was just created."""

    kid: str
    current: str
    created: bool


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url` (the caller has checked the alphabet)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_x(private: Ed25519PrivateKey) -> str:
    return b64url(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def _entry(raw: dict) -> KeyInfo:
    retired_at = raw.get("retired_at")
    return KeyInfo(raw["kid"], dt.datetime.fromisoformat(raw["created_at"]), raw["status"],
                   dt.datetime.fromisoformat(retired_at) if retired_at else None, raw["x"])


def _raw(info: KeyInfo) -> dict:
    return {"kid": info.kid, "created_at": info.created_at.isoformat(), "status": info.status,
            "retired_at": info.retired_at.isoformat() if info.retired_at else None, "x": info.x}


class KeyStore:
    """The keys in one directory. Use :func:`store` for the application's."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    # -- reading ---------------------------------------------------------------------------------------------

    def keys(self) -> list[KeyInfo]:
        """Every key in the index, oldest first (an empty list before the first key)."""
        try:
            data = json.loads((self.directory / INDEX).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [_entry(raw) for raw in data["keys"]]

    def find(self, kid: str) -> KeyInfo | None:
        """The key with this id, or ``None``."""
        return next((info for info in self.keys() if info.kid == kid), None)

    def current(self) -> KeyInfo:
        """The current signing key, created on first use."""
        info = next((info for info in self.keys() if info.status == "current"), None)
        if info is not None:
            return info
        with self._locked():
            keys = self.keys()
            info = next((info for info in keys if info.status == "current"), None)
            if info is None:
                info = self._add(keys, clock.now())
            return info

    def private_key(self, kid: str) -> Ed25519PrivateKey:
        """The private key of a key that is not retired (only ever used in memory, to sign)."""
        pem = (self.directory / f"{kid}.pem").read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{kid}.pem is not an Ed25519 key")
        return key

    # -- changing --------------------------------------------------------------------------------------------

    def rotate(self, now: dt.datetime) -> KeyInfo:
        """Add a new current key; the previous ones stay active, so what they signed keeps verifying."""
        with self._locked():
            return self._add(self.keys(), now)

    def retire(self, kid: str, now: dt.datetime) -> Retirement:
        """Retire a (compromised) key: it leaves the JWKS and what it signed verifies as ``key_retired``.

        Retiring the current key makes the newest active key current, or creates a new one if none is left.
        Refused for an unknown or already retired key.
        """
        kid = (kid or "").strip()
        with self._locked():
            keys = self.keys()
            found = next((info for info in keys if info.kid == kid), None)
            if found is None:
                raise DomainError("unknown_key", f"没有编号为“{kid}”的签名密钥", status=404)
            if found.status == "retired":
                raise DomainError("key_already_retired",
                                  f"签名密钥 {kid} 已于 {found.retired_at:%Y-%m-%d %H:%M} 停用", status=409)
            keys = [KeyInfo(info.kid, info.created_at, "retired", now, info.x) if info.kid == kid else info
                    for info in keys]
            created = False
            if found.status == "current":
                successor = next((info for info in reversed(keys) if info.status == "active"), None)
                if successor is None:
                    successor = self._add(keys, now)
                    created = True
                else:
                    keys = [KeyInfo(info.kid, info.created_at, "current", None, info.x)
                            if info.kid == successor.kid else info for info in keys]
            else:
                successor = next(info for info in keys if info.status == "current")
            if not created:
                self._write_index(keys)
            with contextlib.suppress(FileNotFoundError):
                (self.directory / f"{kid}.pem").unlink()
            return Retirement(kid, successor.kid, created)

    # -- files -----------------------------------------------------------------------------------------------

    def _ensure_directory(self) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)  # whatever the umask

    @contextlib.contextmanager
    def _locked(self):
        """Exclusive lock over read-modify-write of the index (between threads and processes alike)."""
        self._ensure_directory()
        fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _new_kid(self, keys: list[KeyInfo], now: dt.datetime) -> str:
        taken = {info.kid for info in keys}
        while True:
            kid = f"k{now:%Y-%m-%d}-{secrets.token_hex(2)}"
            if kid not in taken and not (self.directory / f"{kid}.pem").exists():
                return kid

    def _add(self, keys: list[KeyInfo], now: dt.datetime) -> KeyInfo:
        """Create a key file and make it current in the index (the caller holds the lock)."""
        private = Ed25519PrivateKey.generate()
        kid = self._new_kid(keys, now)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        path = self.directory / f"{kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        info = KeyInfo(kid, now, "current", None, _public_x(private))
        keys = [KeyInfo(k.kid, k.created_at, "active", None, k.x) if k.status == "current" else k for k in keys]
        self._write_index([*keys, info])
        return info

    def _write_index(self, keys: list[KeyInfo]) -> None:
        text = json.dumps({"keys": [_raw(info) for info in keys]}, ensure_ascii=False, indent=1)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".index-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.directory / INDEX)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def store() -> KeyStore:
    """The application's key store (``SIGNING_KEY_DIR``)."""
    return KeyStore(current_app.config["SIGNING_KEY_DIR"])


def current_key() -> KeyInfo:
    """The key new tokens are signed with; the first one is created on first use."""
    return store().current()


def rotate(now: dt.datetime) -> KeyInfo:
    """Add a new current signing key (see :meth:`KeyStore.rotate`)."""
    return store().rotate(now)


def retire(kid: str, now: dt.datetime) -> Retirement:
    """Retire a key (see :meth:`KeyStore.retire`)."""
    return store().retire(kid, now)


def list_keys() -> list[KeyInfo]:
    """Every key, oldest first."""
    return store().keys()


def public_jwks() -> dict:
    """The JWK Set of every key that is not retired (public keys only)."""
    return {"keys": [info.jwk() for info in store().keys() if info.status != "retired"]}


def retired_kids() -> list[str]:
    """The ids of retired keys, oldest first."""
    return [info.kid for info in store().keys() if info.status == "retired"]
