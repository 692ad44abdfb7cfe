"""The certificate PDFs (SPEC §2.7): the embedded font, the QR code of the current edition read back from a
300 dpi rendering, its printed size with the quiet zone, the printed text (and what is never printed), the page
sizes, text that never overflows, the CLI and the downloads' access rules.

Needs poppler-utils (``pdffonts``, ``pdftoppm``, ``pdftotext``, ``pdfinfo``, ``pdfimages``) and zbar-tools
(``zbarimg``); a test skips without them unless ``REQUIRE_SYSTEM_PROGRAMS=1``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from certificates import numbering, tokens
from certificates.pdf import fonts, qr, render
from portal import audit, clock, policy
from portal.extensions import db
from portal.officers import services as officer_services
from tests.certificates import issued
from tests.factories import SYSTEM, image_bytes

DPI = 300
CARD_PT = (85.6 * mm, 54 * mm)
KINDS = {"card": True, "a4": False}


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        package = "zbar-tools" if name == "zbarimg" else "poppler-utils"
        pytest.skip(f"needs {name} (apt-get install {package})")
    return path


def _run(*args) -> str:
    return subprocess.run([_program(args[0]), *map(str, args[1:])], capture_output=True, check=True).stdout.decode()


def _text(path: Path) -> str:
    """The PDF's text with all whitespace removed (lines may break anywhere)."""
    return "".join(_run("pdftotext", "-enc", "UTF-8", path, "-").split())


def _pages(path: Path, tmp_path: Path, dpi: int = DPI) -> list[Path]:
    prefix = tmp_path / f"{path.stem}-page"
    _run("pdftoppm", "-r", dpi, "-png", path, prefix)
    return sorted(tmp_path.glob(f"{prefix.name}-*.png"))


@pytest.fixture
def cert(world, key_dir, frozen):
    """王建国's enforcement certificate in its second edition (the first superseded), with a photo, signed."""
    officer_services.set_photo(SYSTEM, world.officer, image_bytes("JPEG", (300, 400)), clock.now())
    return issued.issue(world.officer, editions=2, categories=["城市管理", "市场监管"], region="环翠区全域")


def _write(tmp_path: Path, cert, kind: str) -> Path:
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(render.render(cert.certificate, card=KINDS[kind]))
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_embedded_cjk_font_is_used(cert, tmp_path, kind):
    out = _run("pdffonts", _write(tmp_path, cert, kind))
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    assert all(row[-5] == "yes" for row in rows), out  # emb: no font the reader must supply (no Helvetica)
    assert all(row[0].endswith("+" + fonts.FONT_NAME) for row in rows), out


@pytest.mark.parametrize("kind", KINDS)
def test_the_qr_reads_back_as_the_current_editions_url(app, cert, tmp_path, kind):
    pages = _pages(_write(tmp_path, cert, kind), tmp_path)
    page = pages[render.qr_box_mm(KINDS[kind]).page - 1]  # zbarimg fails on a page without a code (the front)
    decoded = _run("zbarimg", "-Sdisable", "-Sqrcode.enable", "--raw", "-q", page).splitlines()
    expected = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/v/" + cert.token
    assert decoded == [expected]
    assert tokens.qr_url(cert.token) == expected
    assert cert.tokens[0] != cert.token and tokens.verify(cert.token).claims["ed"] == 2


@pytest.mark.parametrize(("kind", "minimum"), [("card", 30), ("a4", 40)])
def test_the_qr_is_printed_large_enough_with_its_quiet_zone(cert, tmp_path, kind, minimum):
    box = render.qr_box_mm(KINDS[kind])
    assert box.size >= minimum
    image = Image.open(_pages(_write(tmp_path, cert, kind), tmp_path)[box.page - 1]).convert("L")
    page_height_mm = (CARD_PT[1] if KINDS[kind] else A4[1]) / mm

    def px(value_mm: float) -> int:
        return round(value_mm / 25.4 * DPI)

    left, top = px(box.x), px(page_height_mm - box.y - box.size)
    square = image.crop((left, top, left + px(box.size), top + px(box.size))).point(lambda v: 255 if v < 128 else 0)
    dark = square.getbbox()  # the code's modules: everything dark inside the printed square
    assert dark is not None
    modules = qr.modules(tokens.qr_url(cert.token))
    module_px = px(box.size) / modules
    quiet = qr.QUIET_ZONE * module_px
    # the dark modules start 4 modules in on every side: the quiet zone is white, nothing else is drawn in it
    for edge, expected in zip(dark, (quiet, quiet, px(box.size) - quiet, px(box.size) - quiet), strict=True):
        assert abs(edge - expected) <= 2, (dark, quiet)
    code_mm = (dark[2] - dark[0]) / DPI * 25.4
    assert code_mm * modules / (modules - 2 * qr.QUIET_ZONE) >= minimum
    # and just outside the square there is no ink hugging it on the QR's side of the layout either
    margin = image.crop((left - px(1), top - px(1), left + px(box.size) + px(1), top))
    assert margin.getextrema()[0] >= 128


@pytest.mark.parametrize("kind", KINDS)
def test_the_printed_text(world, cert, tmp_path, kind):
    text = _text(_write(tmp_path, cert, kind))
    for expected in ("王建国", cert.number, "以扫码查询结果为准", "山东省人民政府", "威海市司法局", "环翠区综合行政执法局",
                     "城市管理、市场监管", "环翠区全域", "行政执法证", "第2版"):
        assert expected in text, expected
    if kind == "a4":
        assert "2024年3月1日" in text  # the edition's issue date, as 2026年11月26日
    for secret in (world.officer.id_number, world.officer.mobile):
        assert secret not in text
    assert "照片" not in text  # there is a photo, so no placeholder
    assert "1 0 image" in " ".join(_run("pdfimages", "-list", tmp_path / f"{kind}.pdf").split())


@pytest.mark.parametrize("kind", KINDS)
def test_an_entrusted_partys_card_names_the_entrusting_body(world, key_dir, frozen, tmp_path, kind):
    """The officer of an entrusted party acts in the entrusting body's name (行政处罚法第二十条第四款): the card says
    受委托 and whose; a body's own officer's card says neither."""
    from portal.orgs.entrustment import services as entrustment
    from tests.factories import make_agency, make_officer
    from tests.orgs.test_entrustment import in_force

    party = make_agency(world.dept, name="环翠区城市管理服务中心", short_name="环翠城管中心", kind="entrusted",
                        region_code="371002")
    in_force(world.dept, party)
    officer = make_officer(party, name="周海洋")
    card = issued.issue(officer)
    text = _text(_write(tmp_path, card, kind))
    assert "受委托" in text and f"以{world.dept.name}名义执法" in text
    assert entrustment.in_force_for(party.id, clock.today()) is not None
    own = _text(_write(tmp_path, issued.issue(world.officer2), kind))
    assert "受委托" not in own


def test_the_authorities_are_the_settings_and_a_missing_photo_is_a_framed_placeholder(world, key_dir, frozen,
                                                                                      tmp_path):
    policy.update(audit.Actor.system("test"), {"certificates.issuing_authority": "测试省人民政府",
                                               "certificates.reviewing_authority": "测试市司法局"})
    cert = issued.issue(world.officer2)
    path = tmp_path / "card.pdf"
    path.write_bytes(render.render(cert.certificate, card=True))
    text = _text(path)
    assert "测试省人民政府" in text and "测试市司法局" in text and "山东省人民政府" not in text
    assert "照片" in text and "赵敏华" in text
    assert "第1版" not in text and "版次" not in text  # the edition is printed from the second on
    assert len(_run("pdfimages", "-list", path).splitlines()) == 2  # the header lines only: no image


def _page_sizes(path: Path) -> list[tuple[float, float]]:
    out = _run("pdfinfo", "-f", 1, "-l", 99, path)
    return [(float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", out)]


def test_page_sizes(cert, tmp_path):
    card = _page_sizes(_write(tmp_path, cert, "card"))
    assert len(card) == 2  # front and back
    for width, height in card:
        assert width == pytest.approx(CARD_PT[0], abs=0.1) and height == pytest.approx(CARD_PT[1], abs=0.1)
        assert width == pytest.approx(242.65, abs=0.1) and height == pytest.approx(153.07, abs=0.1)
    [(width, height)] = _page_sizes(_write(tmp_path, cert, "a4"))
    assert width == pytest.approx(595.28, abs=0.1) and height == pytest.approx(841.89, abs=0.1)


def test_the_pdf_title(cert, tmp_path):
    info = _run("pdfinfo", _write(tmp_path, cert, "a4"))
    assert re.search(rf"^Title: +行政执法证 {cert.number}$", info, re.M), info


def _words(path: Path) -> list[tuple[int, str, float, float, float, float]]:
    """(page, word, x_min, y_min, x_max, y_max) in points from the top left, per ``pdftotext -bbox``."""
    out = _run("pdftotext", "-bbox", "-enc", "UTF-8", path, "-")
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if found:
            words.append((page, found[5], *map(float, found.groups()[:4])))
    return words


@pytest.mark.parametrize("kind", KINDS)
def test_long_text_wraps_or_shrinks_and_never_overflows(world, key_dir, frozen, tmp_path, kind):
    world.dept.name = "威海市环翠区人民政府" + "某街道办事处综合行政执法中队" * 6  # 94 characters
    db.session.commit()
    cert = issued.issue(world.officer, categories=[f"类别{i}的执法事项" for i in range(10)],
                        region="环翠区全域" + "及威海经济技术开发区" * 9)
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(render.render(cert.certificate, card=KINDS[kind]))
    width, height = (CARD_PT if KINDS[kind] else A4)
    box = render.qr_box_mm(KINDS[kind])
    qr_left, qr_top = box.x * mm, height - (box.y + box.size) * mm
    qr_right, qr_bottom = qr_left + box.size * mm, qr_top + box.size * mm
    words = _words(path)
    assert words
    for page, word, x_min, y_min, x_max, y_max in words:
        assert 1 * mm <= x_min and x_max <= width - 1 * mm and 1 * mm <= y_min and y_max <= height - 1 * mm, word
        if page == box.page:
            assert x_max <= qr_left or x_min >= qr_right or y_max <= qr_top or y_min >= qr_bottom, word
    assert world.dept.name in _text(path)


def test_the_card_is_a_small_file(cert):
    """Two pages, one font subset, one photo, vector QR: small enough to send in a request (no timing here: speed
    targets live in bench/)."""
    data = render.render(cert.certificate, card=True)
    assert data.startswith(b"%PDF-") and len(data) < 200_000


# --- the CLI ----------------------------------------------------------------------------------------------------

def test_cli_writes_the_pdf(runner, cert, tmp_path):
    target = tmp_path / "out.pdf"
    result = runner.invoke(args=["certificates", "pdf", cert.number, "--card", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(target)
    assert target.read_bytes().startswith(b"%PDF-")
    assert len(_page_sizes(target)) == 2
    result = runner.invoke(args=["certificates", "pdf", cert.number.lower(), "-o", str(tmp_path / "a4.pdf")])
    assert result.exit_code == 0, result.output
    assert len(_page_sizes(tmp_path / "a4.pdf")) == 1


def test_cli_refuses_a_bad_check_character_an_unknown_number_and_a_revoked_certificate(runner, world, key_dir,
                                                                                       frozen, tmp_path):
    target = tmp_path / "out.pdf"
    good = numbering.compose("371000", 1, 2024, 4321)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = runner.invoke(args=["certificates", "pdf", bad, "-o", str(target)])
    assert result.exit_code != 0 and "证号校验位不符" in result.output
    result = runner.invoke(args=["certificates", "pdf", good, "-o", str(target)])
    assert result.exit_code != 0 and f"未找到证号 {good}" in result.output
    revoked = issued.issue(world.officer, revocation_kind="left_post")
    result = runner.invoke(args=["certificates", "pdf", revoked.number, "-o", str(target)])
    assert result.exit_code != 0 and "证件已失效" in result.output
    assert not target.exists()
    for result in (runner.invoke(args=["certificates", "pdf", x, "-o", str(target)]) for x in (bad, good)):
        assert len(result.output.strip().splitlines()) == 1


# --- downloads --------------------------------------------------------------------------------------------------

def _url(number: str, kind: str) -> str:
    return f"/certificates/{number}/{'card' if kind == 'card' else 'certificate'}.pdf"


@pytest.mark.parametrize("kind", KINDS)
def test_the_officer_downloads_their_own(client, auth, world, cert, kind):
    auth.login(world.officer.id_number)
    response = client.get(_url(cert.number, kind))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and cert.number in disposition
    assert response.headers["Cache-Control"] == "private, no-store"


def test_who_may_download(client, auth, world, cert, key_dir):
    other = issued.issue(world.officer2)
    far = issued.issue(world.other_officer)
    expected = {
        world.officer.id_number: {cert.number: 200, other.number: 404, far.number: 404},
        "hr": {cert.number: 200, other.number: 404, far.number: 404},
        "hr_other": {cert.number: 404, far.number: 200},
        "legal_district": {cert.number: 200, other.number: 200, far.number: 404},
        "legal_city": {cert.number: 200, far.number: 200},
        "admin": {cert.number: 403},
    }
    for login, answers in expected.items():
        assert auth.login(login).status_code == 302
        for number, status in answers.items():
            for kind in KINDS:
                assert client.get(_url(number, kind)).status_code == status, (login, number, kind)
        auth.logout()
    response = client.get(_url(cert.number, "card"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_and_mistyped_numbers_answer_404(client, auth, world, cert):
    auth.login("hr")
    unknown = numbering.compose("371000", 1, 2024, 99_000)
    assert client.get(_url(unknown, "card")).status_code == 404
    assert client.get(_url(cert.number[:-1] + ("0" if cert.number[-1] != "0" else "1"), "card")).status_code == 404
    assert client.get(_url("not-a-number", "a4")).status_code == 404


def test_a_revoked_certificate_is_refused_and_a_suspended_one_prints(client, auth, world, key_dir, frozen):
    revoked = issued.issue(world.officer, revocation_kind="left_post")
    suspended = issued.issue(world.officer2, status="suspended", holds=("under_investigation",))
    auth.login("legal_city")
    response = client.get(_url(revoked.number, "card"))
    assert response.status_code == 409
    assert "证件已失效，不能下载" in response.get_data(as_text=True)
    auth.logout()
    auth.login(world.officer.id_number)
    assert client.get(_url(revoked.number, "a4")).status_code == 409
    auth.logout()
    auth.login("hr")
    assert client.get(_url(suspended.number, "card")).status_code == 404  # 赵敏华 is outside HR's scope
    auth.logout()
    auth.login("legal_district")
    response = client.get(_url(suspended.number, "card"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_certificate_without_a_current_edition_is_refused(client, auth, world):
    from tests.certificates import helpers

    bare = helpers.certificate(world.officer)
    auth.login("hr")
    response = client.get(_url(bare.number, "card"))
    assert response.status_code == 409
    assert "尚无有效版次" in response.get_data(as_text=True)
