"""Access rows for exams and the officer's exam list (merged into tests/test_access_matrix.py's MATRIX), and the
objects their URLs name (``objects`` returns URL values such as ``exam_id``, created for the acting account ``me``).

The exam pages are the legal office's (HR, admin and officers 403); 我的考试 is the officer's. The ``exam_id`` may
be this area's draft of the city or (the attempts area's objects come later) its open exam with an attempt —
either way an empty POST to the form re-renders it with the problems (422), publishing redirects to the exam
(302), and an empty enrolment box is refused (422).
"""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("papers.index", "GET"): row(legal=200),
    ("papers.new", "GET"): row(legal=200),
    ("papers.new", "POST"): row(legal=422),
    ("papers.detail", "GET"): row(legal=200),
    ("papers.edit", "GET"): row(legal=200),
    ("papers.edit", "POST"): row(legal=422),
    ("papers.publish", "POST"): row(legal=302),
    ("papers.enrolments", "GET"): row(legal=200),
    ("papers.enrolments", "POST"): row(legal=422),
    ("papers.mine", "GET"): row(officer=200),
}


def objects(world, me) -> dict:
    """A draft exam of the city with a bank to fill it."""
    from tests.exams.papers.helpers import make_exam, questions

    questions(world.city, 5)
    return {"exam_id": make_exam(world.city, publish=False).id}
