"""Access rows for public verification (merged into tests/test_access_matrix.py's MATRIX), and the object their
URLs name: a really signed QR token of the matrix officer's live certificate (who has a photo).

Everyone, signed in or not, may verify: ``/v/<token>``, its photo, ``/verify`` and the JSON of ``/api/v1``."""
from tests.access import EVERYONE, L, row  # noqa: F401 - the vocabulary of the rows

ROWS: dict = {
    ("certificate_public.token_page", "GET"): EVERYONE,
    ("certificate_public.token_photo", "GET"): EVERYONE,
    ("certificate_public.verify", "GET"): EVERYONE,
    ("api.verify_token", "GET"): EVERYONE,
    ("api.status_list_token", "GET"): EVERYONE,
}


def objects(world, me) -> dict:
    """``token``: signed for the officer's live enforcement certificate (another area's, if one made it)."""
    import sqlalchemy as sa

    from certificates import tokens
    from certificates.models import Certificate
    from portal.extensions import db
    from tests.certificates import helpers

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement",
                                                          Certificate.status != "revoked"))
    if cert is None:
        cert = helpers.certificate(world.officer, commit=False)
    claims = tokens.claims_for(cert.number, cert.edition, world.officer.name, world.officer.agency.short_name)
    return {"token": tokens.sign(claims)}
