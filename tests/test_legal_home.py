"""The legal office's home answers "what needs a decision" on a phone too (issue 13: 3,100 px — a chart of every
unit followed by the same units as a table — and two tiles led nowhere): the chart shows the ten largest units, the
full list waits one tap away in a closed <details>, and every figure links to the list behind it."""
from __future__ import annotations

import json
import re
from html import unescape

from tests.factories import make_agency, make_officer


def test_the_chart_shows_the_ten_largest_units_and_the_full_list_is_folded(client, auth, world):
    for n in range(12):
        unit = make_agency(world.district, name=f"测试单位{n:02d}", short_name=f"单位{n:02d}")
        for i in range(n + 1):
            make_officer(unit, name=f"人员{'甲乙丙丁戊己庚辛壬癸子丑'[n]}{'一二三四五六七八九十百千'[i]}")
    auth.login("legal_city")
    html = client.get("/home").get_data(as_text=True)
    chart = json.loads(unescape(re.search(r"data-chart='([^']*)'", html).group(1)))
    assert chart["data"]["labels"][:3] == ["单位11", "单位10", "单位09"] and len(chart["data"]["labels"]) == 10
    folded = re.search(r"<details[^>]*>(.*?)</details>", html, re.S).group(1)
    assert "<details open" not in html and "全部 15 个单位的在岗人数" in folded
    assert all(f"<td>单位{n:02d}</td>" in folded for n in range(12))


def test_every_figure_on_the_legal_home_links_to_its_list(client, auth, world):
    auth.login("legal_city")
    html = client.get("/home").get_data(as_text=True)
    cards = re.findall(r'<div class="card"><div class="card-body">(.*?)</div></div></div>', html, re.S)
    figures = [card for card in cards if 'class="stat"' in card]
    assert len(figures) >= 9
    assert all("<a " in card for card in figures), [re.sub(r"<[^>]+>", " ", c).split() for c in figures
                                                    if "<a " not in c]
    assert 'href="/bodies?show=pending"' in html and 'href="/bodies?show=cancelled"' in html
