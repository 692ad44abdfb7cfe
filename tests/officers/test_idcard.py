"""居民身份证号码 (GB 11643-1999): the check character (ISO 7064 MOD 11-2), the birth date inside it, masking."""
import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.officers import idcard

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALPHABET = "0123456789X"
TODAY = dt.date(2026, 11, 26)

regions = st.text("0123456789", min_size=6, max_size=6)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.text("0123456789", min_size=3, max_size=3)


@st.composite
def bodies(draw):
    """The first 17 characters of an ID number: region, a real birth date, sequence and gender digit."""
    return f"{draw(regions)}{draw(births):%Y%m%d}{draw(sequences)}"


@st.composite
def valid_numbers(draw):
    body = draw(bodies())
    return body + idcard.check_character(body)


def same_character(a: str, b: str) -> bool:
    """Typing variants of one character (full-width digits, a lower-case x) are not a different character."""
    return unicodedata.normalize("NFKC", a).upper() == unicodedata.normalize("NFKC", b).upper()


# Characters someone might type into the field: the ID alphabet, lower-case x, letters, punctuation, spaces,
# full-width and other Unicode digits, CJK.
typed_characters = st.one_of(
    st.sampled_from(list(ALPHABET + "x")),
    st.sampled_from(list("AOIZ-_ .*/#")),
    st.sampled_from(list("０１２３４５６７８９Ｘｘ٠١٢٣٤٥٦٧٨٩०१२३४५६७८९①②⑩⒈¹²")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)


@PROPERTY
@given(body=bodies())
def test_any_body_with_its_computed_check_character_is_valid(body):
    number = body + idcard.check_character(body)
    assert len(number) == 18
    assert idcard.problem(number, TODAY) is None
    assert idcard.problem(number.lower(), TODAY) is None  # a typed lower-case x is the same number
    assert idcard.looks_like(number)


@PROPERTY
@given(number=valid_numbers(), position=st.integers(0, 17), replacement=typed_characters)
def test_any_single_character_substitution_is_rejected(number, position, replacement):
    assume(not same_character(number[position], replacement))
    changed = number[:position] + replacement + number[position + 1:]
    assert idcard.problem(changed, TODAY) is not None, changed


@PROPERTY
@given(number=valid_numbers(), position=st.integers(0, 16))
def test_any_adjacent_transposition_of_different_characters_is_rejected(number, position):
    a, b = number[position], number[position + 1]
    assume(a != b)
    changed = number[:position] + b + a + number[position + 2:]
    assert idcard.problem(changed, TODAY) is not None, changed


@PROPERTY
@given(number=valid_numbers())
def test_full_width_typing_is_read_as_the_same_number(number):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)  # what a Chinese IME types in 全角 mode
    assert idcard.problem(full_width, TODAY) is None
    assert idcard.normalize(full_width) == number
    assert idcard.normalize(f"  {number.lower()} ") == number


@PROPERTY
@given(number=valid_numbers())
def test_birth_date_and_gender_are_read_from_the_number(number):
    born = idcard.birth_date(number)
    assert born == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert idcard.gender(number) == ("M" if int(number[16]) % 2 else "F")


def test_published_example_is_valid():
    # The example printed in GB 11643-1999 and countless tutorials: born 31 December 1949, female, check X.
    assert idcard.check_character("11010519491231002") == "X"
    assert idcard.problem("11010519491231002X") is None
    assert idcard.problem("11010519491231002x") is None
    assert idcard.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert idcard.gender("11010519491231002X") == "F"


def test_wrong_check_character_is_named():
    assert "校验位" in idcard.problem("110105194912310021")


@pytest.mark.parametrize("date", ["19900230", "19900229", "19001301", "19900001", "19900100", "20230931"])
def test_an_impossible_birth_date_is_rejected_even_with_a_matching_check_character(date):
    body = f"371002{date}123"
    number = body + idcard.check_character(body)
    message = idcard.problem(number)
    assert message is not None
    assert "出生日期" in message


def test_leap_day_birth_date_is_accepted():
    body = "37100219920229123"
    assert idcard.problem(body + idcard.check_character(body)) is None


def test_birth_date_in_the_future_or_before_1900_is_rejected():
    future = "371002" + "20270101" + "123"
    assert idcard.problem(future + idcard.check_character(future), TODAY) is not None
    old = "371002" + "18991231" + "123"
    assert idcard.problem(old + idcard.check_character(old), TODAY) is not None


@pytest.mark.parametrize("number, expected", [
    ("", "18位"), ("37100219900307123", "18位"), ("3710021990030712333", "18位"),
    ("37100219900307123A", "第18位"), ("3710021990030712X3", "前17位"),
])
def test_shape_problems_are_explained_in_chinese(number, expected):
    message = idcard.problem(number)
    assert message is not None and expected in message


def test_other_unicode_digits_are_not_accepted():
    body = "37100219900307123"
    number = body + idcard.check_character(body)
    arabic_indic = "".join(chr(0x660 + int(c)) if c.isdigit() else c for c in number)
    assert idcard.problem(arabic_indic) is not None
    assert not idcard.looks_like(arabic_indic)


def test_mask_keeps_first_four_and_last_four():
    assert idcard.mask("37100219900307123X") == "3710**********123X"
    assert idcard.mask("11010519491231002X") == "1101**********002X"
    assert idcard.mask("") == ""
    assert idcard.mask(None) == ""


@PROPERTY
@given(number=valid_numbers())
def test_mask_never_shows_the_middle_ten(number):
    masked = idcard.mask(number)
    assert len(masked) == 18
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[4:14] == "*" * 10
