"""``/verify``: look a certificate up by number + name (SPEC §2.7). A mistyped number is caught by its check
character before any query; a wrong name answers exactly like an unknown number; the lookup is rate-limited per
client (429 in Chinese); the public front page's box submits here."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from certificates import numbering, verification
from certificates.models import VerificationCount
from portal.errors import DomainError
from portal.extensions import db, limiter
from tests.certificates.issued import issue
from tests.sql import statements

#: a well-formed number no certificate has
UNKNOWN_NUMBER = numbering.compose("371000", 1, 2026, 99_998)


@pytest.fixture(autouse=True)
def _setting(app, key_dir, frozen, monkeypatch):
    """Fresh rate-limit counters, and a limit no test reaches unless it lowers it."""
    limiter.reset()
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "1000/minute")
    yield
    limiter.reset()


def lookup(client, number: str, name: str, status: int = 200) -> str:
    response = client.get("/verify", query_string={"number": number, "name": name})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    return response.get_data(as_text=True)


def result_section(html: str) -> str:
    found = re.search(r'<section class="vf-result.*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_the_empty_form_is_labelled_and_bookmarkable(client, world):
    response = client.get("/verify")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<form method="get" action="/verify"' in html
    assert '<label for="number">证号</label>' in html and '<label for="name">姓名</label>' in html
    assert result_section(html) == "" and "<script" not in html


def test_number_and_name_find_the_certificate(client, world):
    issued = issue(world.officer)
    html = lookup(client, issued.number, "王建国")
    assert re.search(r'<h1 id="vf-headline"[^>]*>有效</h1>', html)
    for fact in ("王建国", "环翠区综合行政执法局", "行政执法证", issued.number, "2024年3月1日"):
        assert fact in html
    assert "photo.jpg" not in html, "a photo only behind a QR token"
    assert world.officer.id_number not in html and world.officer.mobile not in html
    assert f'value="{issued.number}"' in html and 'value="王建国"' in html  # typed values kept


def test_the_number_may_be_typed_loosely(client, world):
    issued = issue(world.officer)
    n = issued.number
    loose = " " + n[:6] + "-" + n[6:9] + " " + "".join(chr(ord(c) + 0xFEE0) for c in n[9:]) + " "
    assert ">有效</h1>" in lookup(client, loose, " 王建国 ")


@pytest.mark.parametrize(("kind", "headline"), [(None, "暂扣"), ("misconduct", "已吊销")])
def test_a_lookup_shows_the_status(client, world, kind, headline):
    issued = issue(world.officer, status="suspended", holds=("review_overdue",), revocation_kind=kind)
    html = lookup(client, issued.number, "王建国")
    assert f">{headline}</h1>" in html
    assert "内部备注" not in html


def test_a_wrong_name_answers_exactly_like_an_unknown_number(client, world):
    issued = issue(world.officer)
    wrong_name = result_section(lookup(client, issued.number, "王建"))
    unknown_number = result_section(lookup(client, UNKNOWN_NUMBER, "王建"))
    assert ">未找到</h1>" in wrong_name
    assert wrong_name == unknown_number
    for html in (lookup(client, issued.number, "王建"), lookup(client, issued.number, "王建国国")):
        assert "环翠区综合行政执法局" not in html and "2024年3月1日" not in html


def test_a_wrong_check_character_is_reported_beside_the_field(client, world):
    issued = issue(world.officer)
    wrong = issued.number[:-1] + ("0" if issued.number[-1] != "0" else "1")
    html = lookup(client, wrong, "王建国", status=422)
    assert '<p id="number-error" class="vf-error">证号校验位不符，请核对是否输错</p>' in html
    assert 'aria-invalid="true"' in html and result_section(html) == ""
    html = lookup(client, issued.number[:-2], "王建国", status=422)
    assert "证号应为 15 位，您输入了 13 位" in html
    html = lookup(client, issued.number, "", status=422)
    assert "请输入持证人姓名" in html


def test_a_wrong_check_character_is_caught_before_any_query(app, world):
    with statements(app) as seen, pytest.raises(DomainError) as caught:
        verification.lookup("371000126000018", "王建国")
    assert caught.value.code == "certificate_number_check_failed"
    assert seen == []


def test_a_lookup_costs_the_same_statements_whatever_the_data(app, world):
    from tests.factories import make_officer

    number = issue(world.officer, status="suspended", holds=("other",)).number
    db.session.expire_all()
    with statements(app) as seen:
        verification.lookup(number, "王建国")
    few = len(seen)
    for i in range(15):
        issue(make_officer(world.dept2), editions=1 + i % 2, status="suspended", holds=("other", "review_overdue"))
    db.session.expire_all()
    with statements(app) as seen:
        verification.lookup(number, "王建国")
    assert few == 2, "the certificate with its officer and agency; its open holds"
    assert len(seen) == few


def test_lookups_that_find_a_certificate_are_counted(client, world):
    issued = issue(world.officer)
    client.get("/verify", query_string={"number": issued.number, "name": "王建国"}, buffered=True)
    client.get("/verify", query_string={"number": issued.number, "name": "王"}, buffered=True)
    rows = db.session.execute(sa.select(VerificationCount.certificate_id, VerificationCount.day,
                                        VerificationCount.count)).all()
    assert rows == [(issued.certificate.id, dt.date(2026, 11, 26), 1)]


def test_lookups_are_rate_limited_per_client(app, client, world, monkeypatch):
    assert app.config["VERIFY_RATE_LIMIT"] == "1000/minute"  # this module's; the default is below
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3/minute")
    issued = issue(world.officer)
    for name in ("王建国", "李四", "张三"):
        lookup(client, issued.number, name)
    response = client.get("/verify", query_string={"number": issued.number, "name": "王建国"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "查询过于频繁" in html and "请稍候一分钟再试" in html and "王建国" not in html
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/verify").status_code == 200, "the empty form is not counted"
    other = client.get("/verify", query_string={"number": issued.number, "name": "王建国"},
                       environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200, "another client is not held back"


def test_the_default_limit_is_ten_a_minute():
    from portal.config import from_environment

    assert from_environment({"APP_ENV": "development"})["VERIFY_RATE_LIMIT"] == "10/minute"
    assert from_environment({"APP_ENV": "development", "VERIFY_RATE_LIMIT": "5/minute"})["VERIFY_RATE_LIMIT"] == \
        "5/minute"


def test_the_front_page_box_submits_to_verify(client, world):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/verify"[^>]*>(.*?)</form>', html, re.S)
    assert form and 'method="get"' in form.group(0)
    assert 'name="number"' in form.group(1) and 'name="name"' in form.group(1)
