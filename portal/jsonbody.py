"""JSON read from outside — request bodies, the payload of a QR token — with a bound on nesting.

Python's decoder recurses once per level: about a thousand ``[`` in a request body end in ``RecursionError``
(a 500) rather than ``ValueError``. Nothing the portal reads is nested more than a few levels, so a document nested
deeper than :data:`MAX_DEPTH` is refused as invalid JSON before it is decoded. Every ``request.get_json()`` goes
through :class:`BoundedJSONProvider` (installed by the app factory).
"""
from __future__ import annotations

import json
import re

from flask.json.provider import DefaultJSONProvider

#: levels of ``[`` / ``{`` a document may open (the API's deepest body, training records, needs 3)
MAX_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """A JSON document nested deeper than :data:`MAX_DEPTH` (a ``ValueError``, as any invalid JSON)."""


def _text(data: str | bytes) -> str:
    """``data`` as the decoder will read it: bytes in the encoding ``json.loads`` detects (UTF-8, -16 or -32), so
    that what is counted is what is decoded (UTF-16 bytes read as UTF-8 could hide brackets inside a "string")."""
    if isinstance(data, str):
        return data
    data = bytes(data)
    try:
        return data.decode(json.detect_encoding(data), errors="surrogatepass")
    except (UnicodeDecodeError, LookupError):
        raise ValueError("JSON 文本的编码无法识别") from None


def within_depth(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``text`` opens at most ``limit`` nested arrays or objects (brackets inside strings don't count)."""
    text = _text(text)
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return False
    return True


def loads(text: str | bytes, **kwargs):
    """``json.loads`` that raises :class:`TooDeep` for a document nested deeper than :data:`MAX_DEPTH`."""
    text = _text(text)
    if not within_depth(text):
        raise TooDeep(f"JSON 嵌套超过 {MAX_DEPTH} 层")
    return json.loads(text, **kwargs)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose ``loads`` (used by ``request.get_json()``) is :func:`loads`."""

    def loads(self, s: str | bytes, **kwargs):
        return loads(s, **kwargs)
