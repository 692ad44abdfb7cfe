"""Access rows for the certificate endpoints of ``/api/v1`` (merged into tests/test_access_matrix.py's MATRIX), and
the object their URLs name: a live certificate of the matrix's officer (in HR's and the city legal office's scope).

A bearer token per staff role; an officer's session cookie is not accepted (no officer tokens: 401). HR and legal
read; only legal changes a certificate — the matrix posts form data, not JSON, hence legal's 400."""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("api.get_certificate", "GET"): row(anon=401, officer=401, hr=200, legal=200, admin=403),
    ("api.suspend_certificate", "POST"): row(anon=401, officer=401, hr=403, legal=400, admin=403),
    ("api.reinstate_certificate", "POST"): row(anon=401, officer=401, hr=403, legal=400, admin=403),
    ("api.revoke_certificate", "POST"): row(anon=401, officer=401, hr=403, legal=400, admin=403),
    ("api.officer_qualification", "GET"): row(anon=401, officer=401, hr=200, legal=200, admin=403),
}


def objects(world, me) -> dict:
    """``number``: the officer's live enforcement certificate (another area's, if one made it)."""
    import sqlalchemy as sa

    from certificates.models import Certificate
    from portal.extensions import db
    from tests.certificates import helpers

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement",
                                                          Certificate.status != "revoked"))
    if cert is None:
        cert = helpers.certificate(world.officer, commit=False)
    return {"number": cert.number}
