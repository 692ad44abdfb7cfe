"""The CJK font the certificate PDFs embed: a subset of WenQuanYi Micro Hei with TrueType (``glyf``) outlines,
shipped in ``fonts/`` with its licence (Apache-2.0) and a README saying how it was made.

reportlab embeds TrueType fonts as subsets (only the glyphs a document uses), so a PDF drawn with
:func:`register`'s name renders on a machine with no Chinese fonts installed.
"""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "WenQuanYiMicroHei-subset.ttf"

_lock = threading.Lock()


def register() -> str:
    """Register the font with reportlab (once; later calls are no-ops) and return its reportlab name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME
