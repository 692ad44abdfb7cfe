"""Decoding an uploaded image (a photo, the seal) without trusting it: fully read, checked, and refused — from its
header, before a pixel is decoded — when it is larger than any photo or seal needs (an 11 KB PNG can declare
9,450 × 9,450 pixels: a gigabyte once decoded)."""
from __future__ import annotations

import io
import warnings

from PIL import Image

#: pixels an uploaded image may have: a 24-megapixel camera's photo fits; its decoded RGBA is under 100 MB
MAX_PIXELS = 25_000_000


class Unreadable(ValueError):
    """The bytes are not an image Pillow can read whole (or they would decompress into a bomb)."""


class TooLarge(Unreadable):
    """An image with more than :data:`MAX_PIXELS` pixels; ``size`` is its (width, height)."""

    def __init__(self, size: tuple[int, int]):
        super().__init__("too many pixels")
        self.size = size

    def message(self, noun: str) -> str:
        """What the uploader is told: ``noun`` (照片, 印章图片) is too large, by how much, and what fits."""
        return (f"{noun}尺寸过大（{self.size[0]}×{self.size[1]} 像素），请缩小到 {MAX_PIXELS // 10000:,} 万像素以内"
                "后上传")


def decode(raw: bytes) -> tuple[Image.Image, str]:
    """The image in ``raw``, loaded, and its format (``JPEG``, ``PNG`` …); :class:`Unreadable` otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind, size = probe.format, probe.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise TooLarge(size)
                probe.verify()
            image = Image.open(io.BytesIO(raw))
            image.load()
    except TooLarge:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unreadable("not a readable image") from None
    return image, kind
