"""What officers, HR and legal see of an officer's progress: 我的培训 (this calendar year and the last 24 months per
category as progress bars, the pre-exam rule today and what is short, the records), the officer's home page, and
the training section of the officer detail page."""
from __future__ import annotations

import datetime as dt
import re

from tests.conftest import PASSWORD
from tests.officers import page
from tests.training.helpers import add, text

D = dt.date


def bars(response) -> dict[str, list[tuple[str, int]]]:
    """``{rule: [(label, percent)]}`` of the progress bars on a page."""
    doc = page.parse(response.get_data(as_text=True))
    found: dict[str, list[tuple[str, int]]] = {}
    for block in doc.walk():
        if "requirement" in block.classes:
            rule = block.attrs["data-rule"]
            for bar in block.walk():
                if bar.attrs.get("role") == "progressbar":
                    inner = next(n for n in bar.walk() if "progress-bar" in n.classes)
                    width = int(next(c for c in inner.classes if c.startswith("pct-"))[4:])
                    assert width == int(bar.attrs["aria-valuenow"])
                    found.setdefault(rule, []).append((bar.attrs["aria-label"].split("：")[0], width))
    return found


def history(world):
    """2026: public 16, professional 10, ethics 8.5 (one of them today); December 2025: ethics 4; 2024: public 30."""
    add(world.officer, "public_law", 16, D(2026, 3, 1))
    add(world.officer, "professional_law", 10, D(2026, 6, 1))
    add(world.officer, "ethics", 8, D(2026, 9, 1))
    add(world.officer, "ethics", 0.5, D(2026, 11, 26))  # today: counts this year, not before an exam opening today
    add(world.officer, "ethics", 4, D(2025, 12, 1))
    add(world.officer, "public_law", 24, D(2024, 11, 26), title="两年前")  # 25 months ago: outside every window


def sign_in_officer(auth, world):
    assert auth.login(world.officer.id_number, PASSWORD).status_code == 302


def test_my_training_shows_this_year_the_last_24_months_and_the_pre_exam_rule(client, auth, world, frozen):
    history(world)
    sign_in_officer(auth, world)
    response = client.get("/training/mine")
    assert response.status_code == 200
    shown = bars(response)
    assert shown["annual"] == [("合计", 86), ("公共法律知识", 100), ("专业法律知识", 62), ("职业素养", 100)]
    # 34.5 + 4 = 38.5 of 80; public 16/32, professional 10/32, ethics 12.5/16
    assert shown["period"] == [("合计", 48), ("公共法律知识", 50), ("专业法律知识", 31), ("职业素养", 78)]
    page_text = text(response)
    assert "2026年度" in page_text and "34.5 / 40 学时" in page_text and "差 5.5" in page_text
    assert "统计期间：2024年11月27日至2026年11月26日" in page_text
    # before an exam opening today: 2025-11-26 … 2026-11-25 — today's half hour does not count
    assert "尚未满足资格考试前培训要求" in page_text
    assert "合计差 2 学时；专业法律知识差 6 学时" in page_text
    rows = re.findall(r"<tr><td class=\"text-nowrap\">(\d+年\d+月\d+日)</td>", response.get_data(as_text=True))
    assert rows[:2] == ["2026年11月26日", "2026年9月1日"] and len(rows) == 6


def test_an_officer_who_meets_the_pre_exam_rule_is_told_so(client, auth, world, frozen):
    add(world.officer, "public_law", 16, D(2025, 11, 26))   # the window's first day
    add(world.officer, "professional_law", 16, D(2026, 11, 25))  # its last day
    add(world.officer, "ethics", 8, D(2026, 1, 5))
    sign_in_officer(auth, world)
    page_text = text(client.get("/training/mine"))
    assert "已满足资格考试前培训要求" in page_text
    assert "2025年11月26日至2026年11月25日共完成 40 学时" in page_text


def test_the_officer_home_shows_a_compact_summary(client, auth, world, frozen):
    history(world)
    sign_in_officer(auth, world)
    response = client.get("/home")
    shown = bars(response)
    assert list(shown) == ["annual"] and shown["annual"][0] == ("合计", 86)
    page_text = text(response)
    assert "本年度培训尚未达标：合计差 5.5 学时；专业法律知识差 6 学时。" in page_text
    assert "尚未满足资格考试前培训要求" in page_text
    assert 'href="/training/mine"' in response.get_data(as_text=True)


def test_an_officer_sees_only_their_own_records(client, auth, world, frozen):
    add(world.officer2, "ethics", 3, D(2026, 5, 5), title="别人的培训")
    sign_in_officer(auth, world)
    assert "别人的培训" not in text(client.get("/training/mine"))
    assert client.get("/training/records").status_code == 403


def test_hr_and_legal_see_the_training_section_on_the_officer_page(client, auth, world, frozen):
    history(world)
    for login in ("hr", "legal_city"):
        auth.login(login)
        response = client.get(f"/officers/{world.officer.id}")
        assert response.status_code == 200
        shown = bars(response)
        assert shown["annual"][0] == ("合计", 86) and shown["period"][0] == ("合计", 48)
        html = response.get_data(as_text=True)
        assert f'href="/training/records?officer={world.officer.id}"' in html
        assert f'href="/officers/{world.officer.id}/assessment"' in html
        assert (f'href="/training/records/new?officer_id={world.officer.id}"' in html) == (login == "hr")
        assert "尚未满足资格考试前培训要求" in text(response)
        auth.logout()
