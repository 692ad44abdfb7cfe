"""Access rows for attempts (merged into tests/test_access_matrix.py's MATRIX), and the objects their URLs
name (``objects`` returns URL values such as ``exam_id``, created for the acting account ``me``).

Only officers use these pages (staff 403); the attempt is the world's officer's own, open one. Starting an exam
with an open attempt resumes it (302 to the page), the form POSTs redirect (PRG), the JSON save without a body
is a 400, and the result of an open attempt sends the officer back to the paper (302).
"""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("attempts.start", "POST"): row(officer=302),
    ("attempts.take", "GET"): row(officer=200),
    ("attempts.answer", "POST"): row(officer=302),
    ("attempts.save", "POST"): row(officer=400),
    ("attempts.confirm", "GET"): row(officer=200),
    ("attempts.submit", "POST"): row(officer=302),
    ("attempts.result", "GET"): row(officer=302),
}


def objects(world, me) -> dict:
    """An open exam of the city and the world's officer's open attempt at it."""
    from tests.exams.attempts.helpers import open_exam, start

    exam = open_exam(world)
    attempt = start(world, exam)
    return {"exam_id": exam.id, "attempt_id": attempt.id}
