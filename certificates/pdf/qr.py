"""The QR code drawn into a PDF as vector rectangles (segno computes the matrix; no raster image).

Each row's run of dark modules becomes one rectangle, and all of them one filled path, so a version-13 code
(the size of our tokens) costs a few hundred rectangles.
"""
from __future__ import annotations

import segno
from reportlab.lib.colors import black, white

#: the quiet zone, in modules, on every side (ISO/IEC 18004 asks for 4)
QUIET_ZONE = 4
ERROR_LEVEL = "m"


def make(data: str) -> segno.QRCode:
    """The QR code of ``data`` (error correction M or better when it fits the same version)."""
    return segno.make(data, error=ERROR_LEVEL, micro=False)


def modules(data: str) -> int:
    """The width of ``data``'s code in modules, quiet zone included."""
    return make(data).symbol_size(border=QUIET_ZONE)[0]


def draw(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw the code of ``data`` as a ``size``-wide square (quiet zone included) with its lower left at
    ``(x, y)``, in the canvas's units (points)."""
    code = make(data)
    unit = size / code.symbol_size(border=QUIET_ZONE)[0]
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    path = canvas.beginPath()
    for row_index, row in enumerate(code.matrix):
        bottom = y + size - (QUIET_ZONE + row_index + 1) * unit
        column, width = 0, len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            path.rect(x + (QUIET_ZONE + start) * unit, bottom, (column - start) * unit, unit)
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
