"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17."""
import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# ASCII only: ``\d`` would also match other scripts' digits, which are not in the alphabet
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """What is wrong with ``code`` in Chinese, or ``None`` when it is a valid code."""
    code = normalize(code)
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    if not _SHAPE.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z；第3–8位为行政区划码数字）"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对是否输错"
    return None


def normalize(code: str) -> str:
    """Upper-case and trim a code as typed; full-width characters (typed with a Chinese input method) become
    their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()
