"""Access rows for the application and certificate pages (merged into tests/test_access_matrix.py's MATRIX), and
the objects their URLs name: a pending application and a live certificate of the matrix's officer.

HR applies and withdraws, legal decides and acts on certificates, both read within scope; the officer has their
own certificates page; admin 403. Posts carry no fields: a form that needs one answers 422, an action refused by
the rules (not eligible, nothing to lift) answers with a message and a redirect."""
from tests.access import row

ROWS: dict = {
    ("applications.index", "GET"): row(hr=200, legal=200),
    ("applications.new", "GET"): row(hr=200),
    ("applications.new", "POST"): row(hr=200),
    ("applications.detail", "GET"): row(hr=200, legal=200),
    ("applications.approve", "POST"): row(legal=302),
    ("applications.reject", "POST"): row(legal=422),
    ("applications.withdraw", "POST"): row(hr=302),
    ("applications.batch", "POST"): row(legal=302),
    ("applications.batch_job", "GET"): row(legal=404),  # the matrix's job is an import job
    ("register.index", "GET"): row(hr=200, legal=200),
    ("register.detail", "GET"): row(hr=200, legal=200),
    ("register.hold", "POST"): row(legal=422),
    ("register.lift", "POST"): row(legal=302),
    ("register.reinstate", "POST"): row(legal=302),
    ("register.revoke", "POST"): row(legal=422),
    ("register.reissue", "POST"): row(legal=422),
    ("register.propose", "POST"): row(legal=422),
    ("register.decide", "POST"): row(legal=422),
    ("register.set_aside", "POST"): row(legal=422),
    ("register.mine", "GET"): row(officer=200),
    ("register.answer", "POST"): row(officer=422),
    ("register.respond", "POST"): row(officer=404),  # no proposal named: nothing of theirs to answer
    ("public.presiders", "GET"): row(200, 200, 200, 200, 200),
    ("public.officers", "GET"): row(200, 200, 200, 200, 200),
    ("public.bodies", "GET"): row(200, 200, 200, 200, 200),
}


def objects(world, me) -> dict:
    """``application_id``: a pending application for the matrix's officer; ``number``: their live certificate."""
    import sqlalchemy as sa

    from certificates.applications.models import Application
    from certificates.models import Certificate
    from portal import clock
    from portal.extensions import db
    from tests.certificates import helpers

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement",
                                                          Certificate.status != "revoked"))
    if cert is None:
        cert = helpers.certificate(world.officer, commit=False)
    application = Application(officer_id=world.officer.id, type="hearing_presider", agency_id=world.officer.agency_id,
                              categories=["城市管理"], region="环翠区", status="pending", applied_by_label="hr",
                              applied_at=clock.now())
    db.session.add(application)
    db.session.flush()
    return {"number": cert.number, "application_id": application.id}
