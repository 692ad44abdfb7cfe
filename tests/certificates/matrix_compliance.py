"""Access rows for the compliance pages (merged into tests/test_access_matrix.py's MATRIX).

The qualification page 资格状态 is for legal and HR within scope (the matrix's officer is in HR's agency); the
compliance board and its export are the legal office's (SPEC §1: "the compliance board" is on legal's home) —
HR, the officer and admin get 403. The URLs need nothing beyond the matrix's ``officer_id``."""
from tests.access import row

ROWS: dict = {
    ("compliance.qualification", "GET"): row(hr=200, legal=200),
    ("compliance.board", "GET"): row(legal=200),
    ("compliance.export", "GET"): row(legal=200),
}


def objects(world, me) -> dict:
    """No objects of its own: ``officer_id`` is the matrix's officer."""
    return {}
