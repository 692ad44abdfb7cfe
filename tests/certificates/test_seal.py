"""The issuing authority's seal on the certificates (issue 13): an image the admin uploads, kept like the signing
keys (in SIGNING_KEY_DIR, 0600, never in the database; audited by digest), printed on the A4 certificate and the
card; without one, a specimen mark (样章) — a grey dashed ring, nothing that imitates a seal — stands there.

Needs poppler-utils (pdftotext, pdfimages); skips without it unless REQUIRE_SYSTEM_PROGRAMS=1."""
from __future__ import annotations

import io
import stat
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw, PngImagePlugin

from certificates.pdf import render
from portal.audit import AuditEntry
from portal.extensions import db
from tests.certificates import issued
from tests.certificates.test_pdf import _run, _text


def seal_png() -> bytes:
    image = Image.new("RGBA", (900, 900), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((20, 20, 880, 880), outline=(200, 0, 0, 230), width=30)
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", "扫描于 办公室 3 号机")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=meta)
    return out.getvalue()


def images_in(path: Path) -> int:
    return len([line for line in _run("pdfimages", "-list", path).splitlines()[2:] if line.strip()])


def pdfs(cert, tmp_path: Path) -> dict[str, Path]:
    found = {}
    for kind, card in (("card", True), ("a4", False)):
        found[kind] = tmp_path / f"{kind}.pdf"
        found[kind].write_bytes(render.render(cert.certificate, card=card))
    return found


def test_without_a_seal_the_certificates_carry_the_specimen_mark(world, key_dir, frozen, tmp_path):
    cert = issued.issue(world.officer)
    for kind, path in pdfs(cert, tmp_path).items():
        assert "样章" in _text(path) and "未上传印章" in _text(path), kind
        assert images_in(path) == 0, kind  # no photo on file, no seal: nothing raster


def test_the_admin_uploads_the_seal_and_it_is_printed_instead_of_the_mark(app, client, auth, world, key_dir,
                                                                         frozen, tmp_path):
    cert = issued.issue(world.officer)
    auth.login("admin")
    page = client.get("/admin/seal")
    assert "尚未上传印章" in page.get_data(as_text=True)
    response = client.post("/admin/seal", data={"seal": (io.BytesIO(seal_png()), "公章.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    stored = Path(app.config["SIGNING_KEY_DIR"]) / "seal.png"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    kept = Image.open(stored)
    assert max(kept.size) == 600 and "Comment" not in kept.info and b"3 \xe5\x8f\xb7" not in stored.read_bytes()
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "seal.upload")).all()
    assert len(entry.change["sha256"]) == 64 and "png" not in str(entry.change).lower()
    shown = client.get("/admin/seal.png")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"
    for kind, path in pdfs(cert, tmp_path).items():
        assert "样章" not in _text(path), kind
        assert images_in(path) >= 1, kind

    assert client.post("/admin/seal/remove").status_code == 302
    assert not stored.exists()
    assert all("样章" in _text(path) for path in pdfs(cert, tmp_path).values())


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(app, client, auth, world, key_dir):
    auth.login("admin")
    response = client.post("/admin/seal", data={"seal": (io.BytesIO(b"%PDF-1.4 not a seal"), "seal.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "无法识别印章图片" in response.get_data(as_text=True)
    assert not (Path(app.config["SIGNING_KEY_DIR"]) / "seal.png").exists()


def test_an_image_declaring_a_gigabyte_of_pixels_is_refused_from_its_header(app, client, auth, world, key_dir):
    from tests.officers.test_photos import huge_png

    auth.login("admin")
    response = client.post("/admin/seal", data={"seal": (io.BytesIO(huge_png()), "seal.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "印章图片尺寸过大（9450×9450 像素）" in response.get_data(as_text=True)
    assert not (Path(app.config["SIGNING_KEY_DIR"]) / "seal.png").exists()


def test_only_the_admin_sees_or_changes_the_seal(client, auth, world, key_dir):
    for login in ("legal_city", "hr"):
        auth.login(login)
        for path in ("/admin/seal", "/admin/seal.png"):
            assert client.get(path).status_code == 403, (login, path)
        assert client.post("/admin/seal", data={"seal": (io.BytesIO(seal_png()), "x.png")},
                           content_type="multipart/form-data").status_code == 403
        auth.logout()
