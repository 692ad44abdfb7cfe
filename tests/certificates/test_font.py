"""The certificate PDF font (SPEC §2.7): a TrueType CJK font reportlab embeds as a subset, so a PDF renders on a
machine with no Chinese fonts; it covers the demo data, every fixed wording a certificate or its verification
page prints, and every hanzi of the CJK Unified Ideographs block the source font has — names often use characters
outside GB 2312, and a certificate must print its holder's name. Rendering and font inspection need poppler-utils
(``pdffonts``, ``pdftoppm``, ``pdftotext``)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from certificates.pdf import fonts
from portal.demo import agencies as demo_agencies
from portal.demo import officers as demo_officers

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "exams" / "data" / "seed" / "weihai-2016-3-law-enforcement-opinions.txt"
QUESTIONS = REPO / "exams" / "data" / "demo_questions.csv"
DPI = 100

#: statuses, verification outcomes, hold reasons and authorities (SPEC wordings) a certificate or QR page prints
WORDINGS = ("有效 暂扣 已注销 已吊销 已撤销 已换发 签名无效 密钥已停用 未找到 审核确认逾期 法律知识更新测试逾期 "
            "审核确认未通过 法律知识更新测试未通过 执法主体资格失效 委托终止 依主持人所持执法证状态 其他原因暂扣 "
            "发证机关 审核机关 山东省人民政府 威海市司法局 行政执法证 听证主持人证 以扫码查询结果为准 证号 执法类别 "
            "执法区域 发证日期 有效期 姓名 单位 照片 第版")
SEED_SENTENCE = "以严格规范公正文明执法为目标，进一步理顺行政执法体制，规范行政执法行为。"
#: characters of real given names that GB 2312 lacks (a GB 2312-only font prints them as blanks)
NAME_CHARS = "堃喆昇燊犇珺玥瑄镕祎赟璟翀彧龑"
#: names using them, one per character above
NAMES = ("王堃", "张喆", "李昇", "陈燊", "刘犇", "杨珺", "赵玥", "黄瑄", "周镕", "吴祎", "徐赟", "孙璟", "胡翀",
         "朱彧", "高龑")
#: (text, size, baseline y in points from the bottom) — drawn one per line, then each checked for ink
LINES = (
    ("行政执法证", 28, 760),
    ("王建国  威海市综合行政执法局", 16, 700),
    ("证号 371000124000017  2024-03-01", 14, 650),
    (SEED_SENTENCE, 12, 600),
    ("以扫码查询结果为准", 12, 550),
)


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs {name} (apt-get install poppler-utils)")
    return path


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _demo_text() -> str:
    """Every character the demo data can put on a certificate: names, agencies, categories, regions, posts."""
    parts = [demo_officers.SURNAMES, demo_officers.GIVEN, *_strings(demo_agencies.TREE),
             *demo_officers.REGION_NAMES.values(), *demo_officers.POSTS]
    return "".join(parts)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    name = fonts.register()
    path = tmp_path_factory.mktemp("font") / "sample.pdf"
    page = canvas.Canvas(str(path), pagesize=A4, initialFontName=name, initialFontSize=12)
    for text, size, y in LINES:
        page.setFont(name, size)
        page.drawString(72, y, text)
    page.showPage()
    page.save()
    return path


def test_the_shipped_font_is_truetype_embeddable_and_licensed():
    assert fonts.FONT_PATH.is_file()
    assert fonts.FONT_PATH.stat().st_size < 5 * 1024 * 1024
    folder = fonts.FONT_PATH.parent
    assert "Apache License" in (folder / "LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    assert "pyftsubset" in (folder / "README.md").read_text(encoding="utf-8")
    data = fonts.FONT_PATH.read_bytes()
    assert data[:4] == b"\x00\x01\x00\x00"  # TrueType outlines ("OTTO" would be CFF, which reportlab cannot embed)
    face = TTFont("probe", str(fonts.FONT_PATH)).face
    assert face.name == b"WenQuanYiMicroHei"
    assert face.charToGlyph  # a usable cmap


def test_register_is_idempotent():
    name = fonts.register()
    assert fonts.register() == name
    assert name in pdfmetrics.getRegisteredFontNames()
    assert pdfmetrics.stringWidth("王建国", name, 10) == pytest.approx(30, abs=1)


@pytest.mark.parametrize("source", ["wordings", "demo names and agencies", "demo questions", "seed document",
                                    "GB 2312", "CJK Unified Ideographs"])
def test_the_font_covers(source):
    if source == "wordings":
        text = WORDINGS
    elif source == "demo names and agencies":
        text = _demo_text()
    elif source == "demo questions":
        text = QUESTIONS.read_text(encoding="utf-8")
    elif source == "seed document":
        text = SEED.read_text(encoding="utf-8")
    elif source == "GB 2312":
        text = "".join(bytes([row, cell]).decode("gb2312", errors="ignore")
                       for row in range(0xB0, 0xF8) for cell in range(0xA1, 0xFF))
        assert len(text) == 6763
    elif source == "CJK Unified Ideographs":  # all the source font has: U+4E00–U+9FC3 (Unicode 5.1)
        text = "".join(map(chr, range(0x4E00, 0x9FC4)))
    else:
        raise AssertionError(source)
    cmap = TTFont("probe", str(fonts.FONT_PATH)).face.charToGlyph
    missing = sorted({c for c in text if not c.isspace() and c != "\ufeff" and ord(c) not in cmap})
    assert not missing, f"not in the font: {''.join(missing)}"


def test_the_registered_font_has_name_characters_outside_gb2312():
    for char in NAME_CHARS:
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")
    assert set("".join(NAMES)) >= set(NAME_CHARS)
    cmap = pdfmetrics.getFont(fonts.register()).face.charToGlyph
    missing = [char for char in NAME_CHARS if cmap.get(ord(char), 0) == 0]
    assert not missing, f"not in the font: {''.join(missing)}"


def test_names_outside_gb2312_survive_a_pdf_round_trip(tmp_path):
    name = fonts.register()
    path = tmp_path / "names.pdf"
    page = canvas.Canvas(str(path), pagesize=A4, initialFontName=name, initialFontSize=14)
    for i, holder in enumerate(NAMES):
        page.drawString(72, 780 - i * 24, f"姓名 {holder}")
    page.showPage()
    page.save()
    out = subprocess.run([_program("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    lines = ["".join(line.split()) for line in out.splitlines() if line.strip()]
    assert lines == [f"姓名{holder}" for holder in NAMES], out


def test_pdf_embeds_the_font_as_a_truetype_subset(pdf):
    out = subprocess.run([_program("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    for row in rows:  # name type… encoding emb sub uni id gen: every font is embedded (no base-14 fallback)
        assert row[-5] == "yes", out
    ours = [row for row in rows if row[0].endswith("+WenQuanYiMicroHei")]
    assert ours, out
    for row in ours:
        kind = " ".join(row[1:-6])
        # reportlab embeds TrueType fonts as simple TrueType subsets of up to 256 glyphs (poppler: "TrueType");
        # a Type0 embedding would show as "CID TrueType" — either way TrueType outlines, embedded and subset.
        assert kind in ("TrueType", "CID TrueType"), out
        assert row[-5:-2] == ["yes", "yes", "yes"], out  # emb, sub, uni (a ToUnicode map: text can be copied)


def test_pdf_text_extracts_as_written(pdf):
    out = subprocess.run([_program("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    compact = "".join(out.split())
    for text, _size, _y in LINES:
        assert "".join(text.split()) in compact


def test_pdf_renders_the_text(pdf, tmp_path):
    subprocess.run([_program("pdftoppm"), "-r", str(DPI), "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
                   check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    width, height = image.size
    assert abs(width - A4[0] * DPI / 72) <= 1 and abs(height - A4[1] * DPI / 72) <= 1  # poppler rounds up

    def dark_pixels(top_pt: float, bottom_pt: float, left_px: int = 0, right_px: int | None = None) -> int:
        box = (left_px, round(height - top_pt * DPI / 72), right_px or width,
               round(height - bottom_pt * DPI / 72))
        return sum(image.crop(box).histogram()[:128])

    for text, size, y in LINES:
        ink = dark_pixels(y + size, y - size * 0.25)
        assert ink > len(text.replace(" ", "")) * 3, f"no ink where {text!r} is drawn ({ink} dark pixels)"
    # each character of the title has its own ink (no empty glyph): split the first line into its cells
    text, size, y = LINES[0]
    cell = size * DPI / 72
    left = 72 * DPI / 72
    for i, char in enumerate(text):
        ink = dark_pixels(y + size, y - size * 0.25, round(left + i * cell), round(left + (i + 1) * cell))
        assert ink > 20, f"{char!r} drew nothing"
    assert dark_pixels(500, 100) == 0  # and nothing where nothing was drawn
