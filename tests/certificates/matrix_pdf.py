"""Access rows for the certificate PDF downloads (merged into tests/test_access_matrix.py's MATRIX), and the
object their URLs name: a live certificate of the matrix's officer (in HR's and the city legal office's scope).

The officer downloads their own, HR and legal those in their scope; admin 403."""
from tests.access import L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("certificate_pdf.certificate", "GET"): row(officer=200, hr=200, legal=200),
    ("certificate_pdf.card", "GET"): row(officer=200, hr=200, legal=200),
}


def objects(world, me) -> dict:
    """``number``: the officer's live enforcement certificate (another area's, if one made it), with a current
    edition; its token is not signed (the PDF prints any token; no key is created in the session's key folder)."""
    import sqlalchemy as sa

    from certificates.models import Certificate
    from certificates.pdf.facts import current_edition
    from portal.extensions import db
    from tests.certificates import helpers

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement",
                                                          Certificate.status != "revoked"))
    if cert is None:
        cert = helpers.certificate(world.officer, commit=False)
    if current_edition(cert) is None:
        helpers.edition(cert, cert.edition, reason="first_issue" if cert.edition == 1 else "reissue")
    return {"number": cert.number}
