"""Access rows for the question bank (merged into tests/test_access_matrix.py's MATRIX), and the objects their URLs
name (``objects`` returns URL values such as ``exam_id``, created for the acting account ``me``).

Only legal accounts use the bank; the matrix's legal account (the city's) may edit the question it is given. An
empty POST re-renders the form with its errors (200); a status change redirects back to the question."""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("bank.questions", "GET"): row(legal=200),
    ("bank.new_question", "GET"): row(legal=200),
    ("bank.new_question", "POST"): row(legal=200),
    ("bank.question", "GET"): row(legal=200),
    ("bank.question_version", "GET"): row(legal=200),
    ("bank.edit_question", "GET"): row(legal=200),
    ("bank.edit_question", "POST"): row(legal=200),
    ("bank.set_status", "POST"): row(legal=302),
    ("bank.preview", "GET"): row(legal=200),
}


def objects(world, me) -> dict:
    """URL values for this area's routes: a question of the city's bank, and its first version."""
    from tests.exams.bank.helpers import make_question

    question = make_question(world.legal_city)
    return {"question_id": question.id, "version": 1}
