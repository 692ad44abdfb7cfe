"""Marking one answer (SPEC §2.6): single choice and true/false all or nothing; multiple choice full marks only
for the exact set *(default)* — the policy setting ``exams.multiple_subset_percent`` may give a share of the
points for a correct, incomplete selection (少选).

The only code that compares an answer with the key; also the only code that turns bank letters into the letters
a candidate saw, for the corrections shown once the window has closed.
"""
from __future__ import annotations

from exams.bank.models import LETTERS, TRUE_FALSE
from portal import policy

policy.define("exams.multiple_subset_percent", "多选题少选（所选均正确但不全）得分比例", "int", 0, "考试",
              minimum=0, maximum=99, unit="%",
              help="0 = 多选题须与答案完全一致才得分（默认）；例如 50 = 少选且所选均正确得该题分值的一半（向下取整）。"
                   "多选、错选一律不得分。")


def mark(kind: str, key: str, response: str | None, points: int, subset_percent: int = 0) -> int:
    """Points earned by ``response`` (bank letters or ``T``/``F``; ``None`` = unanswered) against ``key``."""
    if not response:
        return 0
    if kind != "multiple":
        return points if response == key else 0
    chosen, correct = set(response), set(key)
    if chosen == correct:
        return points
    if subset_percent and chosen < correct:
        return points * subset_percent // 100
    return 0


def displayed(option_order: str, letters: str | None) -> str:
    """Bank letters (``AC``) as the letters the candidate saw with ``option_order`` (``CADB`` → ``AB``); true/false
    answers as 对/错."""
    if not letters:
        return ""
    if not option_order:
        return TRUE_FALSE.get(letters, letters)
    return "".join(LETTERS[i] for i, letter in enumerate(option_order) if letter in letters)
