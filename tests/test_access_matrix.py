"""Every route × every role (anonymous included) answers as the spec's roles say.

A route added without a row here fails ``test_matrix_covers_every_route``; a view without an access
decision (``require(...)`` or ``public``) fails ``test_every_view_declares_its_access``.
"""
import pytest

from portal import background, clock, notify
from portal.audit import Actor
from portal.auth import services as auth_services
from portal.complaints import services as complaint_services
from portal.officers import services as officer_services
from tests.access import ALL_SIGNED_IN, EVERYONE, ROLES, L, row
from tests.api import matrix_api
from tests.assessment.helpers import matrix_template
from tests.certificates import (
    matrix_compliance,
    matrix_pdf,
    matrix_register,
    matrix_reviews,
    matrix_verification,
)
from tests.conftest import PASSWORD
from tests.exams import matrix_attempts, matrix_bank, matrix_papers, matrix_results
from tests.factories import SYSTEM, image_bytes

#: the exams package keeps its rows (and the objects its URLs need) beside its tests
AREAS = (matrix_bank, matrix_papers, matrix_attempts, matrix_results, matrix_pdf, matrix_register, matrix_reviews, matrix_verification, matrix_compliance, matrix_api)

MATRIX = {
    ("home.index", "GET"): EVERYONE,
    ("home.healthz", "GET"): EVERYONE,
    ("certificates.jwks", "GET"): EVERYONE,
    ("home.dashboard", "GET"): ALL_SIGNED_IN,
    ("auth.login", "GET"): row(200, 302, 302, 302, 302),
    ("auth.login", "POST"): row(200, 302, 302, 302, 302),
    ("auth.logout", "POST"): row(L, 302, 302, 302, 302),
    ("auth.change_password", "GET"): ALL_SIGNED_IN,
    ("auth.change_password", "POST"): ALL_SIGNED_IN,
    ("officers.index", "GET"): row(hr=200, legal=200),
    ("officers.create", "GET"): row(hr=200),
    ("officers.create", "POST"): row(hr=200),
    ("officers.detail", "GET"): row(hr=200, legal=200),
    ("officers.edit", "GET"): row(hr=200),
    ("officers.edit", "POST"): row(hr=200),
    ("officers.photo", "GET"): row(hr=200, legal=200),
    ("officers.upload_photo", "POST"): row(hr=302),
    ("officers.account", "POST"): row(hr=200),
    ("officers.me", "GET"): row(officer=200),
    ("officers.my_photo", "GET"): row(officer=200),
    ("orgs.index", "GET"): row(admin=200),
    ("orgs.create", "GET"): row(admin=200),
    ("orgs.create", "POST"): row(admin=200),
    ("orgs.edit", "GET"): row(admin=200),
    ("orgs.edit", "POST"): row(admin=200),
    # enforcement bodies: legal decides within scope, admin reads; posts without fields are refused (422), and
    # announcing with nothing pending is a conflict (409)
    ("bodies.index", "GET"): row(legal=200, admin=200),
    ("bodies.detail", "GET"): row(legal=200, admin=200),
    ("bodies.confirm", "POST"): row(legal=422),
    ("bodies.cancel", "POST"): row(legal=422),
    ("bodies.announce", "POST"): row(legal=422),
    # complaints: the legal office triages within scope; the public form is anyone's (a visit without a number
    # shows the start page, a post without one the same)
    # entrustment agreements: legal records and moves them within scope (posts without fields: 422; an empty new
    # form: 422), admin reads
    ("entrustments.index", "GET"): row(legal=200, admin=200),
    ("entrustments.create", "GET"): row(legal=200),
    ("entrustments.create", "POST"): row(legal=422),
    ("entrustments.detail", "GET"): row(legal=200, admin=200),
    ("entrustments.document", "GET"): row(legal=200, admin=200),
    ("entrustments.file", "POST"): row(legal=422),
    ("entrustments.announce", "POST"): row(legal=422),
    ("entrustments.terminate", "POST"): row(legal=422),
    ("public.entrustments", "GET"): EVERYONE,
    ("complaints.index", "GET"): row(legal=200),
    ("complaints.detail", "GET"): row(legal=200),
    ("complaints.decide", "POST"): row(legal=422),
    # a complaint only received: telling the officer is a conflict (409); an empty transfer or extension 422; an
    # officer answers only what they were told of (404 otherwise)
    ("complaints.tell", "POST"): row(legal=409),
    ("complaints.transfer", "POST"): row(legal=422),
    ("complaints.extend", "POST"): row(legal=422),
    ("complaints.mine", "GET"): row(officer=200),
    ("complaints.answer", "POST"): row(officer=404),
    ("public.complaints_page", "GET"): EVERYONE,
    ("public.complaints_page", "POST"): EVERYONE,
    ("public.unlicensed_report", "GET"): EVERYONE,
    ("public.unlicensed_report", "POST"): row(422, 422, 422, 422, 422),
    ("admin.users", "GET"): row(admin=200),
    ("admin.create_user", "GET"): row(admin=200),
    ("admin.create_user", "POST"): row(admin=200),
    ("admin.edit_user", "GET"): row(admin=200),
    ("admin.edit_user", "POST"): row(admin=200),
    ("admin.reset_user", "POST"): row(admin=200),
    ("admin.unlock_user", "POST"): row(admin=302),
    ("admin.settings", "GET"): row(admin=200),
    ("admin.settings", "POST"): row(admin=422),
    ("admin.audit_log", "GET"): row(legal=200, admin=200),
    ("admin.verify_audit", "POST"): row(admin=302),
    ("admin.seal_page", "GET"): row(admin=200),
    ("admin.seal_page", "POST"): row(admin=422),
    ("admin.remove_seal", "POST"): row(admin=302),
    ("admin.seal_image", "GET"): row(admin=404),
    ("admin.tokens", "GET"): row(admin=200),
    ("admin.tokens", "POST"): row(admin=422),
    ("admin.revoke_token", "POST"): row(admin=302),
    ("imports.upload", "GET"): row(hr=200),
    ("imports.upload", "POST"): row(hr=422),
    ("imports.template", "GET"): row(hr=200),
    ("imports.sample", "GET"): row(hr=200),
    ("inbox.index", "GET"): ALL_SIGNED_IN,
    ("inbox.open_note", "GET"): ALL_SIGNED_IN,
    ("inbox.mark_all_read", "POST"): row(officer=302, hr=302, legal=302, admin=302),
    ("jobs.detail", "GET"): row(hr=200, legal=200, admin=200),
    ("jobs.status", "GET"): row(hr=200, legal=200, admin=200),
    # routine assessment: legal (and admin) keep the indicator templates, HR fills the grid of its agencies, staff in
    # scope read histories and the summary, the officer reads their own
    ("assessment.templates", "GET"): row(legal=200, admin=200),
    ("assessment.new_template", "GET"): row(legal=200, admin=200),
    ("assessment.new_template", "POST"): row(legal=422, admin=422),
    ("assessment.template_detail", "GET"): row(legal=200, admin=200),
    ("assessment.edit_template", "GET"): row(legal=200, admin=200),
    ("assessment.edit_template", "POST"): row(legal=422, admin=422),
    ("assessment.set_template_active", "POST"): row(legal=400, admin=400),
    ("assessment.grid", "GET"): row(hr=200),
    ("assessment.grid", "POST"): row(hr=400),
    ("assessment.officer_history", "GET"): row(hr=200, legal=200),
    ("assessment.mine", "GET"): row(officer=200),
    ("assessment.summary", "GET"): row(hr=200, legal=200),
    # the API: a bearer token per staff role; an officer's session cookie is not accepted (no officer tokens)
    ("api.list_officers", "GET"): row(anon=401, officer=401, hr=200, legal=200, admin=403),
    ("api.openapi", "GET"): EVERYONE,
    # training: HR records, legal reads within scope, the officer sees their own; an export job's pages answer only
    # its owner (the matrix's job is an import job, hence 404)
    ("training.records", "GET"): row(hr=200, legal=200),
    ("training.record_new", "GET"): row(hr=200),
    ("training.record_new", "POST"): row(hr=200),
    ("training.class_new", "GET"): row(hr=200),
    ("training.class_new", "POST"): row(hr=200),
    ("training.courses", "GET"): row(hr=200, legal=200),
    ("training.course_new", "GET"): row(hr=200),
    ("training.course_new", "POST"): row(hr=200),
    ("training.shortfall_list", "GET"): row(hr=200, legal=200),
    ("training.shortfall_export", "POST"): row(hr=200, legal=200),
    ("training.export_job", "GET"): row(hr=404, legal=404),
    ("training.export_download", "GET"): row(hr=404, legal=404),
    ("training.mine", "GET"): row(officer=200),
    ("api.create_training_records", "POST"): row(anon=401, officer=401, hr=400, legal=403, admin=403),
}
for _area in AREAS:
    assert not MATRIX.keys() & _area.ROWS.keys(), _area.__name__
    MATRIX.update(_area.ROWS)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_matrix_covers_every_route(app):
    routes = {(rule.endpoint, method) for rule, method in _routes(app)}
    assert routes - MATRIX.keys() == set(), "routes without an access row: add them to MATRIX"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"


def test_every_view_declares_its_access(app):
    for rule, _ in _routes(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access", None), f"{rule.endpoint} has no require(...) or public marker"


def matrix_agreement(world):
    """An agreement of the matrix's tree: ``dept`` entrusts an entrusted organisation below it."""
    from portal.orgs.entrustment import services as entrustment
    from tests.factories import make_agency

    party = make_agency(world.dept, name="环翠区综合执法辅助中心", short_name="辅助中心", kind="entrusted",
                        region_code="371002")
    return entrustment.create(entrustment.AgreementData(
        entrusting_id=world.dept.id, entrusted_id=party.id, legal_basis="依据", matters="事项", powers=["inspection"],
        meets_article_21=False, starts_on=clock.today(), ends_on=clock.today(), rights_obligations="权利义务",
        liability="责任", signed_on=clock.today(), document=b"%PDF-1.4 test", document_name="a.pdf"),
        actor=SYSTEM, now=clock.now())


def _url(app, endpoint, world, extra):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"officer_id": world.officer.id, "agency_id": world.dept.id, "user_id": world.hr.id,
              "kind_name": "officers", "fmt": "xlsx", **extra}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def _objects(role: str):
    """The small world and an object of every area for ``role`` to ask for: (world, ids of the objects, the raw API
    token of the acting staff account). Built once per role in a worker, restored for each route
    (:mod:`tests.snapshot`)."""
    from tests.factories import small_world

    world = small_world()
    officer_services.set_photo(SYSTEM, world.officer, image_bytes("JPEG", (300, 400)), clock.now())
    accounts = {"officer": world.officer_user, "hr": world.hr, "legal": world.legal_city, "admin": world.admin}
    me = accounts.get(role, world.hr)  # objects of the acting account (anonymous: HR's)
    staff = me if me.role != "officer" else world.hr
    token, raw = auth_services.create_token(SYSTEM, staff, "matrix", clock.now())
    extra = {"note_id": notify.user(me, "测试消息", "内容", email=False).id,
             "job_id": background.enqueue(Actor(staff.id, staff.login_name), "import", "测试作业").id,
             "token_id": token.id, "template_id": matrix_template().id,
             "complaint_id": complaint_services.submit(
                 complaint_services.Submission("complaint", clock.today(), "某路口", "执法时态度粗暴，推搡当事人。", ""),
                 officer_id=world.officer.id, agency_id=world.dept.id, certificate_number="371000124000011",
                 actor=SYSTEM, now=clock.now()).id,
             "agreement_id": matrix_agreement(world).id}
    for area in AREAS:
        extra.update(area.objects(world, me))
    return world, extra, raw


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_route_answers_role(app, client, auth, endpoint, method, role):
    from tests.snapshot import built_once

    world, extra, raw = built_once(("access_matrix", role), lambda: _objects(role))
    accounts = {"officer": world.officer_user, "hr": world.hr, "legal": world.legal_city, "admin": world.admin}
    headers = {"Authorization": f"Bearer {raw}"} if endpoint.startswith("api.") and role not in ("anon", "officer") else {}
    if role != "anon":
        assert auth.login(accounts[role].login_name if role != "officer" else world.officer.id_number,
                          PASSWORD).status_code == 302
    response = client.open(_url(app, endpoint, world, extra), method=method, data={}, headers=headers)
    expected = MATRIX[(endpoint, method)][role]
    if expected == L:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]


def test_every_navigation_entry_is_a_route(app):
    """The menu leaves out an entry whose page is not there; this keeps a misspelt one from hiding."""
    from portal.templating import NAV

    missing = [entry[0] for entries in NAV.values() for entry in entries if entry[0] not in app.view_functions]
    assert missing == []
