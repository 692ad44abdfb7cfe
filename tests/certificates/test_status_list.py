"""``GET /api/v1/status-list`` (SPEC §2.7): a compact JWS signed with the current key, listing every certificate
that is not active and every superseded edition, plus the retired keys; kept until something changes, regenerated
at most every ``STATUS_LIST_MIN_INTERVAL`` seconds (at once after a key was retired), served with caching
headers and answering ``If-None-Match`` with 304."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from certificates import keys, status_list
from certificates.models import Certificate, StatusList
from portal import clock
from portal.extensions import db
from tests.certificates import helpers
from tests.certificates.issued import issue
from tests.factories import make_officer
from tests.sql import statements

URL = "/api/v1/status-list"


@pytest.fixture(autouse=True)
def _keys_and_clock(app, key_dir, frozen, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LIST_MIN_INTERVAL", 0)


def fetch(client, **headers):
    response = client.get(URL, headers=headers)
    assert response.status_code in (200, 304), response.get_data(as_text=True)[:300]
    return response


def verified(client, token: str) -> tuple[dict, dict]:
    """(header, payload) of the list, checked by joserfc against the published JWKS."""
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    decoded = jws.deserialize_compact(token, key_set, algorithms=["Ed25519"])
    return decoded.protected, json.loads(decoded.payload)


def touch(cert, **fields) -> None:
    """Change a certificate the way every change does: its ``updated_at`` moves."""
    for name, value in fields.items():
        setattr(cert, name, value)
    cert.updated_at = clock.now()
    db.session.commit()


@pytest.fixture
def certificates(world):
    """An active, a suspended, a revoked and a reissued (third edition) certificate."""
    active = issue(world.officer)
    suspended = issue(world.officer2, status="suspended", holds=("review_overdue",),
                      status_since=dt.datetime(2026, 10, 8, 16, 30, tzinfo=clock.TZ))
    revoked = issue(world.other_officer, revocation_kind="misconduct",
                    status_since=dt.datetime(2026, 9, 30, 23, 59, tzinfo=clock.TZ))
    reissued = issue(make_officer(world.dept), editions=3)
    return active, suspended, revoked, reissued


def test_the_list_names_what_is_not_active_and_every_superseded_edition(client, certificates):
    active, suspended, revoked, reissued = certificates
    response = fetch(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jose"
    header, payload = verified(client, response.get_data(as_text=True))
    assert header == {"alg": "Ed25519", "kid": keys.current_key().kid, "typ": "status-list+jws"}
    assert set(payload) == {"issued_at", "next_update", "entries", "retired_kids"}
    assert payload["issued_at"] == "2026-11-26T09:00:00+08:00"
    assert payload["next_update"] == "2026-11-27T09:00:00+08:00"
    assert payload["retired_kids"] == []
    expected = [
        {"sub": suspended.number, "status": "suspended", "since": "2026-10-08", "ed": 1},
        {"sub": revoked.number, "status": "revoked", "since": "2026-09-30", "ed": 1},
        {"sub": reissued.number, "status": "superseded", "since": "2026-11-24", "ed": 1},
        {"sub": reissued.number, "status": "superseded", "since": "2026-11-25", "ed": 2},
    ]
    assert payload["entries"] == sorted(expected, key=lambda e: (e["sub"], e["ed"]))
    assert active.number not in {entry["sub"] for entry in payload["entries"]}


def test_a_forged_list_does_not_verify(client, certificates):
    token = fetch(client).get_data(as_text=True)
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    forged = f"{header}.{payload}.{signature[:middle]}{'A' if signature[middle] != 'A' else 'B'}{signature[middle + 1:]}"
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(forged, key_set, algorithms=["Ed25519"])


def test_caching_headers_and_304(app, client, certificates, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LIST_MIN_INTERVAL", 300)
    first = fetch(client)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    clock.freeze(clock.now() + dt.timedelta(seconds=100))
    again = fetch(client, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=200"
    assert again.headers["ETag"] == etag
    assert fetch(client, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_the_list_is_kept_until_something_changes(client, certificates):
    active = certificates[0]
    first = fetch(client).get_data(as_text=True)
    clock.freeze(clock.now() + dt.timedelta(minutes=30))
    assert fetch(client).get_data(as_text=True) == first, "nothing changed: the stored list is served"
    row = db.session.scalars(sa.select(StatusList)).one()
    assert row.generated_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)

    touch(db.session.get(Certificate, active.certificate.id), status="suspended")
    helpers.hold(active.certificate, "other")
    db.session.commit()
    second = fetch(client).get_data(as_text=True)
    assert second != first
    _, payload = verified(client, second)
    assert {"sub": active.number, "status": "suspended", "since": "2026-11-26", "ed": 1} in payload["entries"]
    assert payload["issued_at"] == "2026-11-26T09:30:00+08:00"


def test_changes_regenerate_at_most_every_min_interval(app, client, certificates, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LIST_MIN_INTERVAL", 300)
    active = certificates[0]
    first = fetch(client).get_data(as_text=True)
    clock.freeze(clock.now() + dt.timedelta(seconds=60))
    touch(db.session.get(Certificate, active.certificate.id), status="revoked", revoked_at=clock.now(),
          revocation_kind="left_post", status_since=clock.now())
    held = fetch(client)
    assert held.get_data(as_text=True) == first, "a change within the interval waits"
    assert held.headers["Cache-Control"] == "public, max-age=240"
    clock.freeze(clock.now() + dt.timedelta(seconds=240))
    renewed = fetch(client).get_data(as_text=True)
    assert renewed != first
    _, payload = verified(client, renewed)
    assert {"sub": active.number, "status": "revoked", "since": "2026-11-26", "ed": 1} in payload["entries"]


def test_a_retired_key_is_listed_at_once(app, client, certificates, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LIST_MIN_INTERVAL", 300)
    first = fetch(client).get_data(as_text=True)
    old_kid = keys.current_key().kid
    keys.rotate(clock.now())
    assert fetch(client).get_data(as_text=True) == first, "a rotation alone waits for the interval"
    clock.freeze(clock.now() + dt.timedelta(seconds=5))
    keys.retire(old_kid, clock.now())
    response = fetch(client)
    token = response.get_data(as_text=True)
    assert token != first, "a retirement regenerates at once, whatever the interval"
    header, payload = verified(client, token)
    assert payload["retired_kids"] == [old_kid]
    assert header["kid"] == keys.current_key().kid != old_kid
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_an_unchanged_list_is_renewed_before_it_expires(client, certificates):
    first = fetch(client).get_data(as_text=True)
    clock.freeze(clock.now() + status_list.VALIDITY / 2)
    renewed = fetch(client).get_data(as_text=True)
    assert renewed != first
    _, payload = verified(client, renewed)
    assert payload["issued_at"] == "2026-11-26T21:00:00+08:00"


def test_the_list_is_public_and_needs_no_account(client, world, certificates):
    from tests.conftest import AuthActions

    anonymous = fetch(client)
    AuthActions(client).login("hr")
    assert fetch(client).get_data() == anonymous.get_data()


def test_the_list_costs_the_same_statements_whatever_the_data(app, client, world):
    issue(world.officer, status="suspended", holds=("other",))
    with statements(app) as seen:
        status_list.current(clock.now(), 0)
    few = len(seen)
    db.session.commit()
    clock.freeze(clock.now() + dt.timedelta(seconds=1))
    for i in range(20):
        person = make_officer(world.dept2)
        issue(person, editions=1 + i % 3, revocation_kind="left_post" if i % 2 else None, updated_at=clock.now())
    with statements(app) as seen:
        served = status_list.current(clock.now(), 0)
    db.session.commit()
    assert len(seen) == few == 5, "max(updated_at), the stored list, two SELECTs of entries, the upsert"
    payload = json.loads(jws.extract_compact(served.token.encode()).payload)
    assert len(payload["entries"]) == 1 + 10 + sum(i % 3 for i in range(20))
