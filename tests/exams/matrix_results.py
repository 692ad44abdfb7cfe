"""Access rows for results and item analysis (merged into tests/test_access_matrix.py's MATRIX), and the objects their URLs
name (``objects`` returns URL values such as ``exam_id``, created for the acting account ``me``).

The registry and its export are open to legal and HR (each limited to the officers in its scope); an exam's
results page and its item analysis are the legal office's (HR 403). The ``exam_id`` is the attempts area's open
exam of the city (in the matrix's legal account's scope): its analysis page shows the "not yet" note and the
analysis export sends back to it (302). ``export_id`` is a finished export job of the acting account (HR's for
the roles that cannot have one)."""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("results.registry", "GET"): row(hr=200, legal=200),
    ("results.export", "POST"): row(hr=200, legal=200),
    ("results.export_job", "GET"): row(hr=200, legal=200),
    ("results.export_download", "GET"): row(hr=200, legal=200),
    ("results.exam_results", "GET"): row(legal=200),
    ("results.analysis", "GET"): row(legal=200),
    ("results.analysis_export", "POST"): row(legal=302),
}


def objects(world, me) -> dict:
    """A finished registry export of the acting account (``exam_id`` comes from the attempts area)."""
    from tests.exams.results.helpers import finished_export

    return {"export_id": finished_export(me if me.role in ("hr", "legal") else world.hr).id}
