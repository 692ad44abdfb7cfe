"""Every verification page tells the public how to reach the legal office — its phone (a tel: link), address and
hours, settings on 政策设置 — and /verify no longer links to itself (issue 13: 未找到 and every verification page
said "请致电威海市司法局核实" with no number)."""
from __future__ import annotations

import re

from portal import policy
from portal.extensions import db
from tests.factories import SYSTEM


def footer(response) -> str:
    return re.search(r'<footer class="vf-footer">(.*?)</footer>', response.get_data(as_text=True), re.S).group(1)


def test_the_default_is_the_public_legal_service_hotline(client, world):
    page = client.get("/v/not-a-token")
    html = page.get_data(as_text=True)
    assert '<a href="tel:12348">12348</a>' in footer(page)
    assert "咨询时间：工作日 9:00–12:00、13:30–17:00" in footer(page)
    assert "怎么办" in html and html.count('href="tel:12348"') == 2  # the advice after a bad result, and the footer


def test_the_settings_reach_every_public_page(client, auth, world):
    from tests.auth.helpers import form_values

    auth.login("admin")
    current = form_values(client.get("/admin/settings"))
    assert current["public.contact_phone"] == "12348"
    response = client.post("/admin/settings", data={
        **current, "public.contact_phone": "0631-5200000", "public.contact_address": "威海市环翠区统一路 1 号",
        "public.contact_hours": ""})
    assert response.status_code == 302
    auth.logout()
    for path in ("/v/not-a-token", "/verify", "/public/complaints"):
        text = footer(client.get(path))
        assert '<a href="tel:06315200000">0631-5200000</a>' in text, path
        assert "地址：威海市环翠区统一路 1 号" in text and "咨询时间" not in text, path


def test_verify_does_not_link_to_itself(client, world):
    assert 'href="/verify"' not in footer(client.get("/verify"))
    assert 'href="/verify"' in footer(client.get("/v/not-a-token"))


def test_a_blank_phone_is_refused(world):
    import pytest

    from portal.errors import DomainError

    with pytest.raises(DomainError):
        policy.parse(policy.REGISTRY["public.contact_phone"], "  ")
    assert policy.parse(policy.REGISTRY["public.contact_address"], " ") == ""
    policy.update(SYSTEM, {"public.contact_address": ""})
    db.session.commit()


def test_each_public_page_names_its_own_service_and_has_one_main_heading(client, world):
    """The complaint pages borrowed the verification header ("执法证件核验") and footer ("如对核验结果有疑问");
    /verify had no h1 before a result."""
    for path, service, reason in (("/verify", "执法证件核验", "如对核验结果有疑问"),
                                  ("/v/not-a-token", "执法证件核验", "如对核验结果有疑问"),
                                  ("/public/complaints", "投诉与表扬", "如对投诉或表扬的办理有疑问"),
                                  ("/public/complaints?ref=TS2026000000", "投诉与表扬", "如对投诉或表扬的办理有疑问")):
        page = client.get(path)
        html = page.get_data(as_text=True)
        brand = re.search(r'<a class="vf-brand"[^>]*>(.*?)</a>', html, re.S).group(1)
        assert re.sub(r"<[^>]+>", "", brand).strip() == "法" + service, path
        assert f"· {service}</title>" in html and f"<title>{service} · " not in html, path
        assert '<nav class="vf-nav" aria-label="网站导航"><a href="/">首页</a>' in html, "a way back to the portal"
        assert footer(page).strip().startswith(f"<p>{reason}，请致电"), path
        assert html.count("<h1") == 1, path
    start = client.get("/public/complaints").get_data(as_text=True)
    assert '<label for="ref">投诉或表扬的编号</label>' in start
