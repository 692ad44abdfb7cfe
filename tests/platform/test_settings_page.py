"""The 政策设置 page reads cleanly: each label once, its unit beside the box (never doubled into the label, issue 13:
"（月）（月）"), and an optional setting without a default says it may be left blank instead of "默认：" and nothing."""
from __future__ import annotations

import html
import re

from portal import policy


def rows(page) -> dict[str, tuple[str, str]]:
    """Each setting's label and whole block of the form (as text), by key."""
    text = page.get_data(as_text=True)
    blocks = re.findall(r'<div class="mb-3 row">(.*?)</div>\s*</div>\s*(?=<div class="mb-3 row">|</fieldset>)', text, re.S)
    out = {}
    for block in blocks:
        key, label = re.search(r'<label[^>]*for="([^"]+)">(.*?)</label>', block, re.S).groups()
        out[key] = html.unescape(label).strip(), html.unescape(re.sub(r"<[^>]+>", " ", block))
    return out


def test_every_setting_is_shown_once_with_its_unit_once_and_a_true_default(client, auth, world):
    auth.login("admin")
    shown = rows(client.get("/admin/settings"))
    assert set(shown) == set(policy.REGISTRY)
    for key, definition in policy.REGISTRY.items():
        label, block = shown[key]
        assert label == definition.label, f"{key}: the label alone, no unit appended"
        if definition.unit:
            assert definition.unit in block.replace(label, ""), f"{key}: the unit stands beside the box"
        assert not re.search(r"默认：\s*(；|$)", block.strip()), f"{key}: an empty default"
    assert "可不填" in shown["public.contact_address"][1]
    assert "默认：12348" in shown["public.contact_phone"][1]
