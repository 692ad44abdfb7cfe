"""The certificate PDFs (SPEC §2.7): an A4 certificate and an 85.6 × 54 mm card (ISO/IEC 7810 ID-1).

The card has two sides (two pages, for duplex card printers) in one frame: the front carries the photo, the
holder's facts and both authorities; the back the QR code of the current edition and the line 以扫码查询结果为准.
The A4 certificate has everything on one page. The issuing authority's seal is printed over its name on both;
without one on file a specimen mark (样章) stands there instead (:mod:`certificates.seal`). All text is drawn in the embedded TrueType CJK font
(:func:`certificates.pdf.fonts.register`); the QR code is vector rectangles (:mod:`certificates.pdf.qr`).

Text boxes never overflow: a box's text wraps to its width, and when it is still too tall it is set smaller
step by step (and, past the smallest step, clipped to the box), so a long agency name cannot run into the
photo, the QR code or off the card.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from certificates.pdf import facts, fonts, qr
from certificates.pdf.facts import Printed

#: the national card size (GB/T 14916, ISO/IEC 7810 ID-1), in points
CARD = (85.6 * mm, 54 * mm)
RED = HexColor("#9e1b1b")
INK = HexColor("#1a1a1a")
MUTED = HexColor("#555555")
RULE = HexColor("#8c8c8c")
PAPER = HexColor("#f3f3f3")
#: a box whose text does not fit is set smaller in these steps down to this fraction, then clipped
SHRINK_STEP = 0.92
SMALLEST = 0.45
SCAN_LINE = "以扫码查询结果为准"
SPECIMEN = "样章"
SPECIMEN_GREY = HexColor("#a6a6a6")  # light: the text under the mark stays readable
#: the card's frame, the same on both sides (inset and line width, in points)
CARD_FRAME = (1.6 * mm, 0.6)
#: the sentence under the A4 certificate's facts
STATEMENTS = {
    "enforcement": "持证人可在上述执法类别和执法区域内从事行政执法工作。",
    "hearing_presider": "持证人具有听证主持人资格，可在上述执法类别和执法区域内主持听证。",
}
PRODUCER = "行政执法人员证件管理系统"


@dataclass(frozen=True)
class QrBox:
    """Where the QR code is printed: the page (1-based) and its square, quiet zone included, in millimetres
    from the page's lower left corner."""

    page: int
    x: float
    y: float
    size: float


#: the card's code is at least 30 mm wide, the A4 certificate's at least 40 mm (SPEC §2.7), quiet zone included
QR_BOXES = {True: QrBox(page=2, x=4, y=10, size=34), False: QrBox(page=1, x=30, y=36, size=46)}


def qr_box_mm(card: bool) -> QrBox:
    """The QR code's printed square on the card (``card=True``) or on the A4 certificate."""
    return QR_BOXES[card]


def render(certificate, *, card: bool) -> bytes:
    """The PDF of ``certificate``'s current edition: the two-sided card or the A4 certificate.

    :param certificate: a :class:`certificates.models.Certificate`, not revoked, with a current (not superseded)
        edition; :class:`portal.errors.DomainError` (409) otherwise.
    :param card: ``True`` for the 85.6 × 54 mm card, ``False`` for the A4 certificate.
    """
    return draw(facts.printed(certificate), card=card)


def draw(printed: Printed, *, card: bool) -> bytes:
    """The PDF of already gathered facts (see :func:`certificates.pdf.facts.printed`)."""
    font = fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=CARD if card else A4, initialFontName=font, initialFontSize=10)
    canvas.setTitle(f"{printed.type_label} {printed.number}" + (" 卡片" if card else ""))
    canvas.setAuthor(printed.issuing_authority)
    canvas.setSubject(f"{printed.name} {printed.type_label}")
    canvas.setCreator(PRODUCER)
    if card:
        _card_front(canvas, font, printed)
        canvas.showPage()
        _card_back(canvas, font, printed)
        canvas.showPage()
    else:
        _certificate(canvas, font, printed)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- building blocks --------------------------------------------------------------------------------------------

def _style(font: str, size: float, *, color=INK, align=TA_LEFT, leading: float = 1.3) -> ParagraphStyle:
    return ParagraphStyle(f"{font}-{size:.2f}-{align}", fontName=font, fontSize=size, leading=size * leading,
                          textColor=color, alignment=align, wordWrap="CJK", splitLongWords=True,
                          bulletFontName=font)


def _text(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value), style)


def _facts_table(font: str, rows, size: float, label_width: float, value_width: float) -> Table:
    """Label / value rows (rows without a value are left out); values wrap within their column."""
    label, value = _style(font, size, color=MUTED), _style(font, size)
    data = [[_text(name, label), _text(text, value)] for name, text in rows if text]
    table = Table(data, colWidths=[label_width, value_width], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),  # the default, Helvetica, would be referenced (not embedded)
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), size * 0.45),
    ]))
    return table


def _measure(canvas, flowables, width: float) -> tuple[float, float]:
    used_width, used_height = 0.0, 0.0
    for flowable in flowables:
        w, h = flowable.wrapOn(canvas, width, 10_000)
        used_width, used_height = max(used_width, w), used_height + h
    return used_width, used_height


def _fit(canvas, build: Callable[[float], list], x: float, y: float, width: float, height: float,
         valign: str = "top") -> float:
    """Draw ``build(scale)``'s flowables top to bottom in the box ``(x, y, width, height)``.

    ``scale`` starts at 1 and shrinks by :data:`SHRINK_STEP` until the wrapped content fits the box; below
    :data:`SMALLEST` what still does not fit is clipped to the box. Returns the lowest point drawn.
    """
    scale = 1.0
    while True:
        flowables = build(scale)
        used_width, used_height = _measure(canvas, flowables, width)
        fits = used_width <= width + 0.01 and used_height <= height + 0.01
        if fits or scale * SHRINK_STEP < SMALLEST:
            break
        scale *= SHRINK_STEP
    canvas.saveState()
    if not fits:
        clip = canvas.beginPath()
        clip.rect(x, y, width, height)
        canvas.clipPath(clip, stroke=0, fill=0)
    if valign == "middle":
        cursor = y + (height + min(used_height, height)) / 2
    elif valign == "bottom":
        cursor = y + min(used_height, height)
    else:
        cursor = y + height
    for flowable in flowables:
        _, h = flowable.wrapOn(canvas, width, 10_000)
        cursor -= h
        flowable.drawOn(canvas, x, cursor)
    canvas.restoreState()
    return max(cursor, y)


def _photo(canvas, font: str, photo: bytes | None, x: float, y: float, width: float, height: float) -> None:
    """The photo scaled to fit the frame (whole, centred); without one, a frame saying 照片."""
    canvas.saveState()
    canvas.setFillColor(PAPER)
    canvas.rect(x, y, width, height, stroke=0, fill=1)
    if photo:
        image = ImageReader(io.BytesIO(photo))
        image_width, image_height = image.getSize()
        scale = min(width / image_width, height / image_height)
        shown_width, shown_height = image_width * scale, image_height * scale
        canvas.drawImage(image, x + (width - shown_width) / 2, y + (height - shown_height) / 2,
                         shown_width, shown_height)
    else:
        size = min(width, height) / 5
        canvas.setFillColor(MUTED)
        canvas.setFont(font, size)
        canvas.drawCentredString(x + width / 2, y + height / 2 - size * 0.35, "照片", charSpace=size * 0.4)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, width, height, stroke=1, fill=0)
    canvas.restoreState()


def _qr(canvas, printed: Printed, card: bool) -> None:
    box = qr_box_mm(card)
    qr.draw(canvas, printed.qr_url, box.x * mm, box.y * mm, box.size * mm)


def _seal(canvas, font: str, image: bytes | None, cx: float, cy: float, diameter: float) -> None:
    """The seal centred at (``cx``, ``cy``); without one, the specimen mark: a grey dashed ring with 样章 and
    未上传印章 — plainly not a seal, nothing a reader could take for one."""
    if image is not None:
        canvas.drawImage(ImageReader(io.BytesIO(image)), cx - diameter / 2, cy - diameter / 2, diameter, diameter,
                         mask="auto", preserveAspectRatio=True, anchor="c")
        return
    canvas.saveState()
    canvas.setStrokeColor(SPECIMEN_GREY)
    canvas.setFillColor(SPECIMEN_GREY)
    canvas.setLineWidth(max(diameter / 90, 0.4))
    canvas.setDash(diameter / 30, diameter / 40)
    canvas.circle(cx, cy, diameter / 2, stroke=1, fill=0)
    canvas.setFont(font, diameter / 4.5)
    canvas.drawCentredString(cx, cy - diameter / 14, SPECIMEN)
    canvas.setFont(font, diameter / 12)
    canvas.drawCentredString(cx, cy - diameter / 3.2, "未上传印章")
    canvas.restoreState()


def _edge(canvas, width: float, height: float, inset: float, line: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(line)
    canvas.roundRect(inset, inset, width - 2 * inset, height - 2 * inset, radius=inset, stroke=1, fill=0)
    canvas.restoreState()


# --- the card ---------------------------------------------------------------------------------------------------

def _card_front(canvas, font: str, printed: Printed) -> None:
    width, height = CARD
    band = 9 * mm
    inset = CARD_FRAME[0]
    canvas.saveState()
    canvas.setFillColor(RED)  # the band sits inside the frame both sides share
    canvas.roundRect(inset, height - inset - band, width - 2 * inset, band, radius=inset, stroke=0, fill=1)
    canvas.rect(inset, height - inset - band, width - 2 * inset, band / 2, stroke=0, fill=1)
    _fit(canvas, lambda s: [_text(printed.type_label, _style(font, 12 * s, color=white, align=TA_CENTER,
                                                              leading=1.1))],
         4 * mm, height - inset - band + 1 * mm, width - 8 * mm, band - 2 * mm, valign="middle")
    canvas.restoreState()
    top = height - inset - band - 2.5 * mm
    photo_width = 19 * mm
    photo_height = photo_width * 4 / 3
    _photo(canvas, font, printed.photo, 4 * mm, top - photo_height, photo_width, photo_height)
    rows = [("姓名", printed.name), ("单位", printed.agency), ("受委托", printed.entrusted_text),
            ("执法类别", printed.categories_text), ("执法区域", printed.region), ("证号", printed.number),
            ("发证日期", printed.issued_text), ("版次", printed.edition_text)]
    left = 26 * mm
    box_width = width - left - 4 * mm
    _fit(canvas, lambda s: [_facts_table(font, rows, 6.5 * s, 11 * mm * max(s, 0.75),
                                         box_width - 11 * mm * max(s, 0.75))],
         left, 12.5 * mm, box_width, top - 12.5 * mm)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.3)
    canvas.line(4 * mm, 11.5 * mm, width - 4 * mm, 11.5 * mm)

    def authorities(s: float) -> list:
        style = _style(font, 5.5 * s, color=MUTED)
        return [_text(f"发证机关  {printed.issuing_authority}", style),
                _text(f"审核机关  {printed.reviewing_authority}", style)]

    _fit(canvas, authorities, 4 * mm, 3 * mm, width - 8 * mm, 8 * mm, valign="middle")
    _seal(canvas, font, printed.seal, width - 16 * mm, 10.5 * mm, 15 * mm)
    _edge(canvas, width, height, *CARD_FRAME)


def _card_back(canvas, font: str, printed: Printed) -> None:
    width, height = CARD
    _edge(canvas, width, height, *CARD_FRAME)
    _qr(canvas, printed, card=True)
    box = qr_box_mm(True)
    left = (box.x + box.size + 3) * mm

    def column(s: float) -> list:
        small = _style(font, 6 * s, color=MUTED)
        blocks = [_text(printed.type_label, _style(font, 8.5 * s, color=RED)), Spacer(1, 2 * s * mm),
                  _text(f"证号  {printed.number}", _style(font, 6.5 * s)),
                  _text(f"持证人  {printed.name}", _style(font, 6.5 * s))]
        if printed.edition_text:
            blocks.append(_text(printed.edition_text, _style(font, 6.5 * s)))
        blocks += [Spacer(1, 3 * s * mm), _text(SCAN_LINE, _style(font, 8 * s)),
                   _text("扫描二维码查询真伪及当前状态", small)]
        return blocks

    _fit(canvas, column, left, 6 * mm, width - left - 4.5 * mm, height - 12 * mm, valign="middle")


# --- the A4 certificate -----------------------------------------------------------------------------------------

def _certificate(canvas, font: str, printed: Printed) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(2.2)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm, stroke=1, fill=0)
    canvas.restoreState()
    margin = 30 * mm
    inner = width - 2 * margin
    _fit(canvas, lambda s: [_text(printed.type_label, _style(font, 30 * s, color=RED, align=TA_CENTER,
                                                              leading=1.15))],
         margin, height - 58 * mm, inner, 18 * mm, valign="middle")
    _fit(canvas, lambda s: [_text(printed.issuing_authority, _style(font, 14 * s, align=TA_CENTER))],
         margin, height - 70 * mm, inner, 11 * mm, valign="middle")
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(0.8)
    canvas.line(margin, height - 74 * mm, width - margin, height - 74 * mm)
    canvas.restoreState()
    top = height - 84 * mm
    _photo(canvas, font, printed.photo, margin, top - 45 * mm, 35 * mm, 45 * mm)
    rows = [("姓名", printed.name), ("单位", printed.agency), ("受委托", printed.entrusted_text),
            ("执法类别", printed.categories_text), ("执法区域", printed.region), ("证号", printed.number)]
    left = margin + 35 * mm + 10 * mm
    box_width = width - margin - left
    fields_bottom = _fit(canvas, lambda s: [_facts_table(font, rows, 13 * s, 26 * mm * max(s, 0.7),
                                                         box_width - 26 * mm * max(s, 0.7))],
                         left, 120 * mm, box_width, top - 120 * mm)
    statement_top = min(fields_bottom, top - 45 * mm) - 10 * mm
    _fit(canvas, lambda s: [_text(STATEMENTS.get(printed.type, ""), _style(font, 12 * s, leading=1.6))],
         margin, statement_top - 14 * mm, inner, 14 * mm)
    box = qr_box_mm(False)
    _qr(canvas, printed, card=False)
    _fit(canvas, lambda s: [_text(SCAN_LINE, _style(font, 11 * s, align=TA_CENTER))],
         box.x * mm - 5 * mm, (box.y - 9) * mm, box.size * mm + 10 * mm, 7 * mm, valign="middle")

    def signature(s: float) -> list:
        style = _style(font, 13 * s, align=TA_RIGHT, leading=1.8)
        lines = [f"发证机关：{printed.issuing_authority}", f"审核机关：{printed.reviewing_authority}",
                 f"发证日期：{printed.issued_text}"]
        if printed.edition_text:
            lines.append(f"版次：{printed.edition_text}")
        return [_text(line, style) for line in lines]

    left = (box.x + box.size + 8) * mm
    _fit(canvas, signature, left, box.y * mm, width - margin - left, box.size * mm, valign="bottom")
    _seal(canvas, font, printed.seal, width - margin - 28 * mm, (box.y + 28) * mm, 42 * mm)
