"""What the exams' packages below the attempts ask about them — answered by :mod:`exams.attempts.usage`.

Attempts sit above the bank and papers (a paper is drawn from an exam's blueprint, out of the bank), so neither
reads them. Yet both must know what was sat: a question version an attempt has shown is never changed in place
(:func:`exams.bank.services.update_question` adds a new one), and once anybody has started an exam its blueprint
and terms are fixed and an officer who sat it stays on its list (:mod:`exams.papers.services`,
:mod:`exams.papers.enrolment`). They ask here; :mod:`exams.attempts.usage` registers the answers with
:func:`answered_by`, and importing the ``exams.attempts`` package does that (the app always does). Asking before
then is a programming error and raises, rather than answering that nothing was ever sat.
"""
from __future__ import annotations

from collections.abc import Callable

QUESTIONS = ("used_versions", "version_is_used", "attempt_count")
_ANSWERS: dict[str, Callable] = {}


def answered_by(fn: Callable) -> Callable:
    """Register ``fn`` as the answer to the question it is named after (used as a decorator)."""
    if fn.__name__ not in QUESTIONS:
        raise ValueError(f"exams.usage asks no question named {fn.__name__}")
    _ANSWERS[fn.__name__] = fn
    return fn


def _answer(question: str) -> Callable:
    try:
        return _ANSWERS[question]
    except KeyError:
        raise RuntimeError(f"nobody answers exams.usage.{question}: exams.attempts is not imported") from None


def used_versions(question_id: int) -> dict[int, int]:
    """``{version id: number of attempt items showing it}`` for one question (one grouped query)."""
    return _answer("used_versions")(question_id)


def version_is_used(version_id: int) -> bool:
    """True when an attempt has shown this version (editing it must then make a new version)."""
    return _answer("version_is_used")(version_id)


def attempt_count(exam_id: int, officer_id: int | None = None) -> int:
    """How many attempts (open or final) the exam has — of one officer when ``officer_id`` is given."""
    return _answer("attempt_count")(exam_id, officer_id)
