"""Access rows for the review pages (merged into tests/test_access_matrix.py's MATRIX), and the objects their URLs
name: a submitted review of the matrix officer's live enforcement certificate.

HR and legal read the due list and a review within scope; HR submits (``/reviews/new`` without ``?certificate=``
sends HR back to the due list); legal confirms, rejects and decides in batches; officer and admin 403. Posts carry
no fields: the rejection without a reason answers 422, a batch without ticked reviews a message and a redirect."""
from tests.access import row

ROWS: dict = {
    ("reviews.index", "GET"): row(hr=200, legal=200),
    ("reviews.new", "GET"): row(hr=302),
    ("reviews.new", "POST"): row(hr=302),
    ("reviews.detail", "GET"): row(hr=200, legal=200),
    ("reviews.confirm", "POST"): row(legal=302),
    ("reviews.reject", "POST"): row(legal=422),
    ("reviews.batch", "POST"): row(legal=302),
    ("reviews.batch_job", "GET"): row(legal=404),  # the matrix's job is an import job
}


def objects(world, me) -> dict:
    """``review_id``: a submitted review of the matrix officer's live enforcement certificate."""
    import sqlalchemy as sa

    from certificates.cycle_models import Review
    from certificates.models import Certificate
    from certificates.reviews import period
    from portal import clock
    from portal.extensions import db
    from tests.certificates import helpers

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement",
                                                          Certificate.status != "revoked"))
    if cert is None:
        cert = helpers.certificate(world.officer, commit=False)
    judged = period.assess(cert, clock.today())
    review = Review(certificate_id=cert.id, officer_id=cert.officer_id, agency_id=cert.agency_id,
                    due_on=judged.due_on, period_start=judged.period_start, period_end=judged.period_end,
                    status="submitted", facts=judged.facts, recommendation=judged.recommendation,
                    criteria=[rule.as_dict() for rule in judged.criteria], submitted_by_label="hr",
                    submitted_at=clock.now())
    db.session.add(review)
    db.session.flush()
    return {"review_id": review.id}
