"""Officer photos: JPEG or PNG up to 2 MB, re-encoded as a JPEG of at most 480×640 without metadata."""
import io
import os

import pytest
from PIL import Image

from portal.extensions import db
from portal.officers.models import Officer
from tests.factories import image_bytes
from tests.officers import page
from tests.officers.helpers import audit_entries, is_chinese_message, photo_of


def upload(client, officer, data: bytes, filename: str, mimetype: str = "application/octet-stream"):
    return client.post(f"/officers/{officer.id}/photo", data={"photo": (io.BytesIO(data), filename, mimetype)},
                       content_type="multipart/form-data")


def flashed(client, response) -> list[str]:
    """The messages shown on the page the upload redirected to."""
    assert response.status_code == 302
    return page.alerts(client.get(response.headers["Location"]))


def stored_image(client, officer) -> tuple[Image.Image, bytes, str]:
    response = client.get(f"/officers/{officer.id}/photo")
    assert response.status_code == 200
    data = response.get_data()
    return Image.open(io.BytesIO(data)), data, response.headers["Content-Type"]


@pytest.fixture
def hr(client, auth, world, frozen):
    auth.login("hr")
    return world


def test_large_png_with_alpha_is_stored_as_a_small_jpeg(client, hr):
    big = Image.new("RGBA", (1800, 2400), (30, 60, 200, 255))
    big.paste((0, 0, 0, 0), (0, 0, 600, 2400))  # a fully transparent band on the left
    raw = io.BytesIO()
    big.save(raw, "PNG")
    assert len(raw.getvalue()) < 2 * 1024 * 1024

    response = upload(client, hr.officer, raw.getvalue(), "photo.png", "image/png")
    assert any("照片已更新" in m for m in flashed(client, response))

    image, data, content_type = stored_image(client, hr.officer)
    assert content_type == "image/jpeg"
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.width <= 480 and image.height <= 640
    assert (image.width, image.height) == (480, 640)  # 3:4 kept
    r, g, b = image.getpixel((20, 320))  # transparent became white, not black
    assert min(r, g, b) > 230
    r, g, b = image.getpixel((400, 320))
    assert b > 150 and r < 90
    officer = db.session.get(Officer, hr.officer.id)
    assert officer.has_photo
    [entry] = audit_entries("officer.photo")
    assert entry.object_id == str(officer.id) and entry.actor_id == hr.hr.id


def test_exif_is_removed_and_orientation_applied(client, hr):
    landscape = Image.new("RGB", (1200, 900), (90, 140, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x010F] = "ACME Camera"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0)}  # GPS
    raw = io.BytesIO()
    landscape.save(raw, "JPEG", exif=exif)
    assert b"Exif" in raw.getvalue()

    response = upload(client, hr.officer, raw.getvalue(), "IMG_0001.JPG", "image/jpeg")
    assert response.status_code == 302
    image, data, _ = stored_image(client, hr.officer)
    assert b"Exif" not in data and b"ACME" not in data
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    assert (image.width, image.height) == (480, 640)  # turned upright, then fitted


def jpeg_segments(data: bytes) -> list[str]:
    """The marker segments of a JPEG up to its scan: ``APP0``, ``COM``, ``DQT`` …"""
    names = {0xFE: "COM", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI", 0xDA: "SOS"}
    names.update({0xC0 + n: f"SOF{n}" for n in range(16) if n not in (4, 8, 12)})
    names.update({0xE0 + n: f"APP{n}" for n in range(16)})
    assert data[:2] == b"\xff\xd8"
    found, at = [], 2
    while at < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        found.append(names.get(marker, hex(marker)))
        if marker == 0xDA:
            break
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return found


@pytest.mark.parametrize("source", ["JPEG", "PNG"])
def test_every_metadata_segment_is_dropped_comments_included(client, auth, hr, source):
    """Issue 13: a JPEG comment survived the re-encoding and the public QR page served it. What is stored holds
    pixels and nothing else: JFIF, quantisation and Huffman tables, frame and scan — no comment, EXIF, XMP, ICC."""
    picture = Image.new("RGB", (600, 800), (90, 140, 40))
    raw = io.BytesIO()
    secret = "住址：威海市某路1号 电话13800000000"
    if source == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "ACME Camera"
        picture.save(raw, "JPEG", comment=secret.encode(), exif=exif, icc_profile=b"ICC-PROFILE-BYTES" * 8,
                     xmp=b"<x:xmpmeta>ACME-XMP</x:xmpmeta>")
    else:
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", secret)
        text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>ACME-XMP</x:xmpmeta>")
        picture.save(raw, "PNG", pnginfo=text, icc_profile=b"ICC-PROFILE-BYTES" * 8)
    assert secret.encode() in raw.getvalue()
    assert upload(client, hr.officer, raw.getvalue(), f"photo.{source.lower()}").status_code == 302
    _, data, _ = stored_image(client, hr.officer)
    assert set(jpeg_segments(data)) <= {"APP0", "DQT", "SOF0", "SOF2", "DHT", "DRI", "SOS"}, jpeg_segments(data)
    for leaked in (secret.encode(), b"ACME", b"ICC-PROFILE", b"xmpmeta"):
        assert leaked not in data


def test_small_photo_is_not_enlarged(client, hr):
    upload(client, hr.officer, image_bytes("JPEG", size=(300, 400)), "small.jpg", "image/jpeg")
    image, _, _ = stored_image(client, hr.officer)
    assert (image.width, image.height) == (300, 400)


def test_a_new_photo_replaces_the_old_one(client, hr):
    upload(client, hr.officer, image_bytes("PNG", size=(900, 1200)), "a.png")
    upload(client, hr.officer, image_bytes("JPEG", size=(200, 100)), "b.jpg")
    image, _, _ = stored_image(client, hr.officer)
    assert (image.width, image.height) == (200, 100)


def _noise_png(min_bytes: int) -> bytes:
    side = 900
    while True:
        raw = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(raw, "PNG")
        if len(raw.getvalue()) > min_bytes:
            return raw.getvalue()
        side += 200


def huge_png(side: int = 9_450) -> bytes:
    """A PNG whose header declares ``side`` × ``side`` pixels in a few dozen bytes (a gigabyte once decoded)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", b"\xff\xff\xff") + chunk(b"IDAT", zlib.compress(b"\x00" * (side + 1) * 8))
            + chunk(b"IEND", b""))


REFUSED = [
    ("too many pixels", huge_png, "huge.png", "image/png", "照片尺寸过大（9450×9450 像素）"),
    ("gif", lambda: image_bytes("GIF", size=(300, 400)), "photo.gif", "image/gif", "JPEG或PNG"),
    ("gif renamed .jpg", lambda: image_bytes("GIF", size=(300, 400)), "photo.jpg", "image/jpeg", "JPEG或PNG"),
    ("text renamed .jpg", lambda: "这不是照片，只是文字。\n".encode() * 50, "photo.jpg", "image/jpeg", "无法识别"),
    ("over 2 MB", lambda: _noise_png(2 * 1024 * 1024 + 1), "big.png", "image/png", "2MB"),
    ("truncated png", lambda: image_bytes("PNG")[:300], "cut.png", "image/png", "无法识别"),
    ("empty file", lambda: b"", "empty.jpg", "image/jpeg", "照片"),
]


@pytest.mark.parametrize("case, make, filename, mimetype, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_unsuitable_files_are_refused_with_a_chinese_message_and_nothing_stored(
        client, hr, case, make, filename, mimetype, words):
    audit_before = len(audit_entries())
    response = upload(client, hr.officer, make(), filename, mimetype)
    messages = [m for m in flashed(client, response) if "照片" in m]
    assert messages, case
    assert any(words in m for m in messages), messages
    assert all(is_chinese_message(m.replace("JPEG", "").replace("PNG", "").replace("GIF", "").replace("MB", ""))
               for m in messages), messages
    assert photo_of(hr.officer) is None
    assert not db.session.get(Officer, hr.officer.id).has_photo
    assert len(audit_entries()) == audit_before
    assert client.get(f"/officers/{hr.officer.id}/photo").status_code == 404


def test_a_refused_upload_keeps_the_earlier_photo(client, hr):
    upload(client, hr.officer, image_bytes("JPEG", size=(300, 400)), "ok.jpg")
    before = client.get(f"/officers/{hr.officer.id}/photo").get_data()
    upload(client, hr.officer, image_bytes("GIF"), "no.gif")
    assert client.get(f"/officers/{hr.officer.id}/photo").get_data() == before


def test_photo_is_404_when_missing_and_outside_scope(client, auth, hr):
    upload(client, hr.officer, image_bytes("JPEG", size=(300, 400)), "ok.jpg")
    assert client.get(f"/officers/{hr.officer.id}/photo").status_code == 200
    assert client.get(f"/officers/{hr.officer2.id}/photo").status_code == 404  # dept2: outside hr's scope
    assert client.get("/officers/999999/photo").status_code == 404
    auth.logout()

    auth.login("legal_district")
    assert client.get(f"/officers/{hr.officer.id}/photo").status_code == 200
    assert client.get(f"/officers/{hr.officer2.id}/photo").status_code == 404  # in scope, but no photo
    auth.logout()

    auth.login("hr_other")
    outside = client.get(f"/officers/{hr.officer.id}/photo")
    assert outside.status_code == 404
    assert outside.headers["Content-Type"].startswith("text/html")
    auth.logout()

    auth.login(hr.officer.id_number)
    mine = client.get("/me/photo")
    assert mine.status_code == 200 and mine.headers["Content-Type"] == "image/jpeg"
    assert client.get(f"/officers/{hr.officer.id}/photo").status_code == 403


def test_photo_is_not_cached_by_shared_caches(client, hr):
    upload(client, hr.officer, image_bytes("JPEG", size=(300, 400)), "ok.jpg")
    response = client.get(f"/officers/{hr.officer.id}/photo")
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
