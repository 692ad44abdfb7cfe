"""Every read-check-write locks through ``portal.locks`` (issue 14): a bare ``with_for_update()`` is dropped by
SQLite, so the registries' conflict checks were not serialised on the default database. The races themselves are
tested where each service is (``at_once`` in tests/orgs, tests/complaints, tests/certificates)."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: where a FOR UPDATE may be written directly, and why
ALLOWED = {
    "portal/locks.py": "the lock itself",
    "portal/auth/services.py": "the sign-in throttle row, read after an insert that holds SQLite's write lock",
}
#: a queue claim that skips rows other workers hold (PostgreSQL only) is not a read-check-write lock
QUEUE_CLAIM = re.compile(r"with_for_update\(skip_locked=True\)")


def test_no_package_writes_its_own_row_lock():
    offenders = []
    for package in ("portal", "exams", "certificates"):
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            text = QUEUE_CLAIM.sub("", path.read_text(encoding="utf-8"))
            if "with_for_update(" in text and name not in ALLOWED:
                offenders.append(name)
    assert offenders == [], f"lock rows with portal.locks.lock / relock: {offenders}"
    assert not (ROOT / "exams" / "locks.py").exists(), "one lock, in the core"
