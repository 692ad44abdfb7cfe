"""Issue 6's "done when", end to end through public interfaces: from the demo, legal approves an application and
downloads the card PDF; the QR read off the rendered card (``pdftoppm`` + ``zbarimg``, as a phone camera would)
opens a page that says 有效; after a reissue the old card says 已换发 and the new one 有效; after a suspension the
new card says 暂扣 with the date and the hold's public wording; after revocation for leaving the post, 已注销; an
altered QR never says 有效. Needs poppler-utils and zbar-tools (skipped without them unless
``REQUIRE_SYSTEM_PROGRAMS=1``)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from certificates.applications.models import Application
from certificates.models import Certificate
from portal.extensions import db
from tests.conftest import PASSWORD


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("REQUIRE_SYSTEM_PROGRAMS"):
            pytest.fail(f"{name} is required here (REQUIRE_SYSTEM_PROGRAMS=1)")
        pytest.skip(f"needs {name} (apt-get install {'zbar-tools' if name == 'zbarimg' else 'poppler-utils'})")
    return path


def scan(pdf: bytes, tmp_path: Path, name: str) -> str:
    """The URL in the QR of a PDF, read as a camera would: rendered to pixels, then decoded."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([_program("pdftoppm"), "-r", "300", "-png", str(source), str(tmp_path / name)], check=True)
    found = []
    for image in sorted(tmp_path.glob(f"{name}*.png")):
        result = subprocess.run([_program("zbarimg"), "-Sdisable", "-Sqrcode.enable", "--raw", "-q", str(image)], capture_output=True, text=True)
        found += [line for line in result.stdout.splitlines() if line]
    assert len(found) == 1, found
    return found[0]


def headline(client, url: str, base: str) -> tuple[str, str]:
    assert url.startswith(base.rstrip("/") + "/v/")
    page = client.get(url[len(base.rstrip("/")):]).get_data(as_text=True)
    match = re.search(r'<h1 id="vf-headline"[^>]*>([^<]+)</h1>', page)
    assert match, page[:500]
    return match.group(1).strip(), page


def test_the_card_in_the_hand_tells_the_truth_at_every_step(app, runner, client, auth, monkeypatch, tmp_path,
                                                             load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    base = app.config["PUBLIC_BASE_URL"]
    application = db.session.scalars(sa.select(Application).where(Application.status == "pending")
                                     .order_by(Application.id)).first()
    auth.login("legal", PASSWORD)
    assert client.post(f"/certificates/applications/{application.id}/approve").status_code == 302
    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.id == db.session.scalar(
        sa.select(Application.certificate_id).where(Application.id == application.id))))

    def card() -> bytes:
        response = client.get(f"/certificates/{number}/card.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        return response.data

    first = scan(card(), tmp_path, "first")
    word, _ = headline(client, first, base)
    assert word == "有效"

    # a forged or altered QR never says 有效
    token = first.rsplit("/", 1)[1]
    for position in (5, len(token) // 2, len(token) - 3):
        altered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]
        assert headline(client, first.rsplit("/", 1)[0] + "/" + altered, base)[0] != "有效"

    response = client.post(f"/certificates/{number}/reissue", data={
        "reason": "reissue", "agency_id": str(application.agency_id), "categories": application.categories,
        "region": application.region, "note": "遗失补发", "stamp": _stamp(number)})
    assert response.status_code == 302
    assert headline(client, first, base)[0] == "已换发"
    second = scan(card(), tmp_path, "second")
    assert second != first and headline(client, second, base)[0] == "有效"

    response = client.post(f"/certificates/{number}/hold", data={
        "reason": "under_investigation", "legal_basis": "《行政处罚法》第四十二条", "note": "投诉核查中（内部）",
        "stamp": _stamp(number)})
    assert response.status_code == 302
    word, page = headline(client, second, base)
    assert word == "暂扣" and "其他原因暂扣" in page and "投诉核查中" not in page
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page)

    response = client.post(f"/certificates/{number}/revoke", data={
        "kind": "deceased", "confirm": "y", "stamp": _stamp(number)})
    assert response.status_code == 302
    assert headline(client, second, base)[0] == "已注销"
    assert headline(client, first, base)[0] == "已换发"


def _stamp(number: str) -> str:
    from certificates import lifecycle

    db.session.expire_all()
    return lifecycle.stamp(db.session.scalar(sa.select(Certificate).where(Certificate.number == number)))
