"""Decoding an uploaded image (a photo, the seal) without trusting it: fully read, checked, and refused when it
would decompress into more pixels than Pillow's bomb limit."""
from __future__ import annotations

import io
import warnings

from PIL import Image


class Unreadable(ValueError):
    """The bytes are not an image Pillow can read whole (or they would decompress into a bomb)."""


def decode(raw: bytes) -> tuple[Image.Image, str]:
    """The image in ``raw``, loaded, and its format (``JPEG``, ``PNG`` …); :class:`Unreadable` otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format
                probe.verify()
            image = Image.open(io.BytesIO(raw))
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unreadable("not a readable image") from None
    return image, kind
