"""The signed status list for offline verifiers (SPEC §2.7): ``GET /api/v1/status-list``.

A compact JWS signed with the current key (header ``{"alg":"Ed25519","kid":…,"typ":"status-list+jws"}``) whose
payload is ``{"issued_at", "next_update", "entries": [{"sub", "status", "since", "ed"}], "retired_kids"}``:
every certificate that is not active (``suspended`` / ``revoked`` since its ``status_since`` day, at its current
edition) and every superseded edition (``superseded`` since the day it was replaced, at that edition), ordered
by number and edition; and the ids of the retired keys, whose QR codes an offline verifier must not trust.

Generating it reads two set-based SELECTs, so it is kept: the one ``StatusList`` row holds the last token with
what it reflects — the newest ``Certificate.updated_at`` (``source_stamp``) and the keys (``keys_stamp``: the
current kid and a digest of the retired ones). :func:`current` serves that row until a certificate or a key
changed, and then regenerates at most every ``min_interval`` seconds — except after a key was retired, which
regenerates at once. A list is also renewed when half of its validity (:data:`VALIDITY`) has passed, so the
``next_update`` it promises is never in the past.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from certificates import keys, tokens
from certificates.models import Certificate, Edition, StatusList
from portal import clock
from portal.extensions import db

#: the ``typ`` header of the list's JWS
TYP = "status-list+jws"
#: how long a list is good for (its ``next_update``); it is renewed after half of that
VALIDITY = dt.timedelta(hours=24)
ROW_ID = 1


@dataclass(frozen=True)
class Served:
    """The list to serve: the JWS, when it was made and how long a cache may keep it."""

    token: str
    generated_at: dt.datetime
    #: seconds until a newer list may be generated (``Cache-Control: max-age``)
    max_age: int

    @property
    def etag(self) -> str:
        """A strong validator of the token (without quotes)."""
        return hashlib.sha256(self.token.encode("ascii")).hexdigest()[:32]


def _day(moment: dt.datetime | None) -> str | None:
    return clock.local(moment).date().isoformat() if moment is not None else None


def entries() -> list[dict]:
    """Every certificate that is not active and every superseded edition, by number then edition."""
    found = [{"sub": number, "status": status, "since": _day(since), "ed": edition}
             for number, status, since, edition in db.session.execute(
                 sa.select(Certificate.number, Certificate.status, Certificate.status_since, Certificate.edition)
                 .where(Certificate.status != "active"))]
    found += [{"sub": number, "status": "superseded", "since": _day(since), "ed": edition}
              for number, since, edition in db.session.execute(
                  sa.select(Certificate.number, Edition.superseded_at, Edition.edition)
                  .join(Certificate, Certificate.id == Edition.certificate_id)
                  .where(Edition.superseded_at.is_not(None)))]
    return sorted(found, key=lambda entry: (entry["sub"], entry["ed"]))


def _iso(moment: dt.datetime) -> str:
    return clock.local(moment).isoformat(timespec="seconds")


def payload(now: dt.datetime, retired: list[str]) -> dict:
    """The list's claims as of ``now``."""
    return {"issued_at": _iso(now), "next_update": _iso(now + VALIDITY), "entries": entries(),
            "retired_kids": retired}


def keys_stamp(current_kid: str, retired: list[str]) -> str:
    """``<current kid>|<n retired>:<digest of their ids>`` — short whatever the number of retired keys."""
    digest = hashlib.sha256(json.dumps(sorted(retired)).encode("ascii")).hexdigest()[:16]
    return f"{current_kid}|{len(retired)}:{digest}"


def _retired_part(stamp: str) -> str:
    return stamp.partition("|")[2]


def _must_regenerate(row: StatusList | None, source: dt.datetime | None, stamp: str, now: dt.datetime,
                     min_interval: int) -> bool:
    if row is None or _retired_part(row.keys_stamp) != _retired_part(stamp):
        return True  # a key was retired: verifiers must learn it at once
    age = (now - row.generated_at).total_seconds()
    if age < 0 or age >= VALIDITY.total_seconds() / 2:
        return True
    changed = row.source_stamp != source or row.keys_stamp != stamp
    return changed and age >= min_interval


def _store(token: str, now: dt.datetime, source: dt.datetime | None, stamp: str) -> None:
    """Keep the list in the one row (an upsert, so two first generations at once cannot collide)."""
    table = StatusList.__table__
    insert = (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert
    values = {"token": token, "generated_at": now, "source_stamp": source, "keys_stamp": stamp}
    statement = insert(table).values(id=ROW_ID, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=[table.c.id], set_=values))


def current(now: dt.datetime, min_interval: int) -> Served:
    """The status list to serve at ``now``, regenerated (and stored; the caller commits) when due.

    :param now: the time of the request.
    :param min_interval: the fewest seconds between two generations caused by certificate changes or a
        rotation (``STATUS_LIST_MIN_INTERVAL``); a retired key ignores it.
    """
    current_kid = keys.current_key().kid  # the list is signed: the first key is made on first use
    retired = keys.retired_kids()
    stamp = keys_stamp(current_kid, retired)
    source = db.session.scalar(sa.select(sa.func.max(Certificate.updated_at)))
    row = db.session.scalars(sa.select(StatusList).order_by(StatusList.id).limit(1)).first()
    if _must_regenerate(row, source, stamp, now, min_interval):
        token = tokens.sign_payload(payload(now, retired), typ=TYP)
        _store(token, now, source, stamp)
        return Served(token, now, max(0, min_interval))
    age = (now - row.generated_at).total_seconds()
    return Served(row.token, row.generated_at, max(0, math.ceil(min_interval - age)))
