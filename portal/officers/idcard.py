"""居民身份证号码 (GB 11643-1999): 17 digits and a check character (ISO 7064 MOD 11-2)."""
import datetime as dt
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would also match other scripts' digits


def check_character(first17: str) -> str:
    """The check character for the first 17 digits."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def complete(first17: str) -> str:
    """``first17`` with its check character: the whole number."""
    return first17 + check_character(first17)


def normalize(number: str) -> str:
    """Trim and upper-case (a lower-case ``x`` is common when typed); full-width characters typed with a Chinese
    input method (``１１０…Ｘ``) become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", number or "").strip().upper()


def looks_like(number: str) -> bool:
    """True when the text has the shape of an ID number (used to tell officers' sign-in from staff's)."""
    return bool(_SHAPE.match(normalize(number)))


def birth_date(number: str) -> dt.date | None:
    """The birth date encoded in positions 7–14, or ``None`` when it is not a real date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def gender(number: str) -> str:
    """``'M'`` when the 17th digit is odd, ``'F'`` when even."""
    return "M" if int(number[16]) % 2 else "F"


def problem(number: str, today: dt.date | None = None) -> str | None:
    """What is wrong with ``number`` in Chinese, or ``None`` when it is a valid ID number."""
    number = normalize(number)
    if len(number) != 18:
        return f"身份证号应为18位，当前为{len(number)}位"
    if not _SHAPE.match(number):
        return "身份证号前17位须为数字，第18位为数字或X"
    born = birth_date(number)
    if born is None:
        return "身份证号第7–14位不是有效的出生日期"
    if born.year < 1900 or (today and born > today):
        return "身份证号中的出生日期不合理"
    if check_character(number[:17]) != number[17]:
        return "身份证号校验位不正确，请核对是否输错"
    return None


def mask(number: str | None) -> str:
    """Mask for display: the first 4 and last 4 characters, e.g. ``3710**********123X``."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
