"""The issuing authority's seal (公章) printed on the certificates: an image the admin uploads, kept beside the signing
keys with their care — in ``SIGNING_KEY_DIR`` (0700), the file 0600, never in the database or the repository.

Without one, the certificates print a specimen mark (样章): a grey dashed ring with 样章 in it — clearly not a seal,
never an imitation of one — so that nothing printed before the real seal is on file can pass for an issued card.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

from flask import current_app
from PIL import Image

from portal import audit, images
from portal.errors import DomainError

FILENAME = "seal.png"
MAX_BYTES = 2 * 1024 * 1024
#: the longest side kept (a seal prints about 40 mm wide on A4: 600 px is 380 dpi)
MAX_SIDE = 600


def _path() -> Path:
    return Path(current_app.config["SIGNING_KEY_DIR"]) / FILENAME


def load() -> bytes | None:
    """The seal as PNG bytes, or ``None`` when none is on file."""
    try:
        return _path().read_bytes()
    except FileNotFoundError:
        return None


def _clean(raw: bytes) -> bytes:
    """The uploaded image as a PNG with transparency and nothing but its pixels, at most :data:`MAX_SIDE` px."""
    if not raw:
        raise DomainError("invalid_seal", "请选择印章图片", items=[{"field": "seal", "message": "请选择印章图片"}])
    if len(raw) > MAX_BYTES:
        raise DomainError("invalid_seal", f"印章图片不能超过 2 MB（当前 {len(raw) / 1024 / 1024:.1f} MB）",
                          items=[{"field": "seal", "message": "印章图片不能超过 2 MB"}])
    try:
        image, kind = images.decode(raw)
    except images.TooLarge as large:
        message = large.message("印章图片")
        raise DomainError("invalid_seal", message, items=[{"field": "seal", "message": message}]) from None
    except images.Unreadable:
        raise DomainError("invalid_seal", "无法识别印章图片，请上传 PNG 或 JPEG 格式的图片",
                          items=[{"field": "seal", "message": "请上传 PNG 或 JPEG 图片"}]) from None
    if kind not in ("PNG", "JPEG"):
        raise DomainError("invalid_seal", f"印章图片须为 PNG 或 JPEG 格式（当前为 {kind}）",
                          items=[{"field": "seal", "message": "请上传 PNG 或 JPEG 图片"}])
    image = image.convert("RGBA")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def save(raw: bytes, *, actor: audit.Actor, now: dt.datetime) -> bytes:
    """Keep the uploaded seal (re-encoded, metadata dropped) in ``SIGNING_KEY_DIR``, replacing any earlier one;
    audited by its SHA-256 (the image itself never enters the database). Returns the stored PNG."""
    data = _clean(raw)
    path = _path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    audit.record(actor, "seal.upload", change={"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)},
                 object_type="seal", now=now)
    return data


def remove(*, actor: audit.Actor, now: dt.datetime) -> bool:
    """Remove the seal (the certificates print the specimen mark again); whether there was one."""
    try:
        _path().unlink()
    except FileNotFoundError:
        return False
    audit.record(actor, "seal.remove", change={}, object_type="seal", now=now)
    return True
