"""Certificate numbers: ISO 7064 MOD 11-2 exactly as SPEC §2.7, and :func:`parse` catching typos before any lookup."""
from __future__ import annotations

import random
import string

import pytest

from certificates import numbering
from portal import audit, policy
from portal.errors import DomainError


def test_the_worked_example_of_the_spec():
    assert numbering.check_char("37100012600001") == "7"
    assert numbering.compose("371000", 1, 2026, 1) == "371000126000017"
    assert numbering.compose("371000", 1, 26, 1) == "371000126000017"


@pytest.mark.parametrize("digits, check", [
    # 00000000000000: p stays 0 → (12 − 0) mod 11 = 1
    ("00000000000000", "1"),
    # 00000000000001: p = 0 … 0, then (0 + 1) × 2 = 2 → (12 − 2) mod 11 = 10 → X
    ("00000000000001", "X"),
    # 00000000000002: last step (0 + 2) × 2 = 4 → 12 − 4 = 8
    ("00000000000002", "8"),
    # 00000000000010: (0 + 1) × 2 = 2, then (2 + 0) × 2 = 4 → 8
    ("00000000000010", "8"),
    # 00000000000006: (0 + 6) × 2 = 12 mod 11 = 1 → 12 − 1 = 11 mod 11 = 0
    ("00000000000006", "0"),
    # 37100022600003: 3→6, 7→26 mod 11=4, 1→10, 0→20 mod 11=9, 0→18 mod 11=7, 0→14 mod 11=3, 2→10,
    # 2→24 mod 11=2, 6→16 mod 11=5, 0→10, 0→20 mod 11=9, 0→7, 0→3, 3→12 mod 11=1 → 12 − 1 = 11 mod 11 = 0
    ("37100022600003", "0"),
    # 37100012600002: 3→6, 7→(6+7)×2=26→4, 1→10, 0→20→9, 0→18→7, 0→14→3, 1→8, 2→20→9, 6→30→8, 0→16→5,
    # 0→10, 0→20→9, 0→18→7 — the worked example's last 1 gives 16→5, check 7; a last 2 gives 18→7, check 5
    ("37100012600002", "5"),
])
def test_checks_computed_by_hand(digits, check):
    assert numbering.check_char(digits) == check


def _valid_numbers(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    numbers = [numbering.compose("371000", 1, 2026, n) for n in range(1, 40)]
    while len(numbers) < count:
        digits = "".join(rng.choice(string.digits) for _ in range(14))
        numbers.append(digits + numbering.check_char(digits))
    return numbers


def test_every_single_character_typo_is_caught():
    for number in _valid_numbers(300):
        assert numbering.parse(number) == number
        for position in range(15):
            for char in "0123456789X":
                if char == number[position] or (char == "X" and position < 14):
                    continue
                typo = number[:position] + char + number[position + 1:]
                with pytest.raises(DomainError):
                    numbering.parse(typo)


def test_every_transposition_of_adjacent_different_characters_is_caught():
    transpositions = 0
    for number in _valid_numbers(2000, seed=11):
        for position in range(14):
            a, b = number[position], number[position + 1]
            if a == b:
                continue
            swapped = number[:position] + b + a + number[position + 2:]
            with pytest.raises(DomainError) as caught:
                numbering.parse(swapped)
            assert caught.value.code in ("certificate_number_check_failed", "invalid_certificate_number")
            transpositions += 1
    assert transpositions > 20000


def test_parse_tells_what_is_wrong_in_chinese():
    cases = {
        "": "请输入证号",
        "37100012600001": "证号应为 15 位，您输入了 14 位",
        "3710001260000178": "证号应为 15 位，您输入了 16 位",
        "37100012600A017": "证号前 14 位须为数字，最后一位为数字或 X",
        "371000126000018": "证号校验位不符，请核对是否输错",
    }
    for text, message in cases.items():
        with pytest.raises(DomainError) as caught:
            numbering.parse(text)
        assert caught.value.message == message
    with pytest.raises(DomainError) as caught:
        numbering.parse("371000126000018")
    assert caught.value.code == "certificate_number_check_failed"


def test_parse_accepts_what_people_type():
    x_number = "00000000000001X"
    assert numbering.parse("  371000126000017 ") == "371000126000017"
    full_width = "371000126000017".translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    assert full_width == "３７１０００１２６００００１７"
    assert numbering.parse(full_width) == "371000126000017"
    assert numbering.parse("371000 1 26 00001 7") == "371000126000017"
    assert numbering.parse("00000000000001x") == x_number
    assert numbering.parse("00000000000001ｘ") == x_number
    with pytest.raises(DomainError):
        numbering.parse("٣٧١٠٠٠١٢٦٠٠٠٠١٧")  # Arabic-Indic digits are digits to Python, not to us


def test_compose_refuses_bad_parts():
    with pytest.raises(DomainError):
        numbering.compose("37100", 1, 2026, 1)
    with pytest.raises(DomainError):
        numbering.compose("371000", 3, 2026, 1)
    with pytest.raises(DomainError):
        numbering.compose("371000", 1, 2026, 100000)
    last = numbering.compose("371000", 2, 2027, 99999)
    assert last[:14] == "37100022799999" and numbering.parse(last) == last


def test_settings_have_their_defaults_and_the_region_code_must_be_six_digits():
    assert policy.get("certificates.region_code") == "371000"
    assert policy.get("certificates.issuing_authority") == "山东省人民政府"
    assert policy.get("certificates.reviewing_authority") == "威海市司法局"
    actor = audit.Actor.system("test")
    for bad in ("37100", "3710000", "37100A", "３７１０００"):
        with pytest.raises(DomainError) as caught:
            policy.update(actor, {"certificates.region_code": bad})
        assert "6 位数字" in caught.value.message
    policy.update(actor, {"certificates.region_code": "371002"})
    assert policy.get("certificates.region_code") == "371002"
