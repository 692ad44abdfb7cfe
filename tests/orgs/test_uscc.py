"""统一社会信用代码 (GB 32100-2015): 18 characters over a 31-character alphabet, the last a MOD 31 check."""
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.orgs.agencies import uscc

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 表1: no I, O, S, V, Z

code_chars = st.text(ALPHABET, min_size=1, max_size=1)


@st.composite
def bodies(draw):
    """Registration authority + category (2), region code (6 digits), organisation code (9)."""
    head = draw(st.text(ALPHABET, min_size=2, max_size=2))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    org = draw(st.text(ALPHABET, min_size=9, max_size=9))
    return head + region + org


@st.composite
def valid_codes(draw):
    body = draw(bodies())
    return body + uscc.check_character(body)


def reference_check(first17: str) -> str:
    """The standard's formula written out independently: C18 = 31 − MOD(Σ Ci × Wi, 31), Wi = 3^(i−1) mod 31."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def same_character(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).upper() == unicodedata.normalize("NFKC", b).upper()


typed_characters = st.one_of(
    st.sampled_from(list(ALPHABET)),
    st.sampled_from(list("IOSVZabcxyz-_ .")),
    st.sampled_from(list("０１２３４５６７８９ＡＢＹ٠١٢٣٤٥٦٧٨٩०१२३४५६७८९①¹")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)


@PROPERTY
@given(body=bodies())
def test_any_body_with_its_computed_check_character_is_valid(body):
    check = uscc.check_character(body)
    assert check == reference_check(body)
    assert uscc.problem(body + check) is None
    assert uscc.problem((body + check).lower()) is None


@PROPERTY
@given(code=valid_codes(), position=st.integers(0, 17), replacement=typed_characters)
def test_any_single_character_substitution_is_rejected(code, position, replacement):
    assume(not same_character(code[position], replacement))
    changed = code[:position] + replacement + code[position + 1:]
    assert uscc.problem(changed) is not None, changed


@PROPERTY
@given(code=valid_codes(), position=st.integers(0, 16))
def test_any_adjacent_transposition_of_different_characters_is_rejected(code, position):
    a, b = code[position], code[position + 1]
    assume(a != b)
    changed = code[:position] + b + a + code[position + 2:]
    assert uscc.problem(changed) is not None, changed


@PROPERTY
@given(code=valid_codes())
def test_full_width_typing_is_read_as_the_same_code(code):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert uscc.problem(full_width) is None
    assert uscc.normalize(full_width) == code


def test_widely_published_code_is_valid():
    # 91350100M000100Y43: the specimen printed on the sample 营业执照 in GB 32100-2015 materials.
    assert reference_check("91350100M000100Y4") == "3"
    assert uscc.check_character("91350100M000100Y4") == "3"
    assert uscc.problem("91350100M000100Y43") is None
    assert uscc.problem(" 91350100m000100y43 ") is None


def test_wrong_check_character_is_named():
    message = uscc.problem("91350100M000100Y44")
    assert message is not None and "校验位" in message


@pytest.mark.parametrize("code, expected", [
    ("", "18位"), ("91350100M000100Y4", "18位"), ("91350100M000100Y433", "18位"),
    ("91350100M0001O0Y43", "不允许的字符"),  # letter O
    ("9135A100M000100Y43", "不允许的字符"),  # region code must be digits
])
def test_shape_problems_are_explained_in_chinese(code, expected):
    message = uscc.problem(code)
    assert message is not None and expected in message


def test_other_unicode_digits_in_the_region_code_are_refused_not_a_crash():
    code = "9135٠100M000100Y43"  # an Arabic-Indic zero inside the region code
    message = uscc.problem(code)
    assert message is not None and "不允许的字符" in message
