"""Speed targets as ratios against a bare-Flask endpoint measured in the same run (``make bench``).

Loads the demo into a throw-away SQLite database (or ``BENCH_DATABASE_URL``), signs in as each role and times
the pages people open most, each as the median of many requests through the WSGI stack, divided by the median
of a bare Flask endpoint. Exits 1 when a page exceeds its target ratio.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("APP_ENV", "development")
os.environ.setdefault("SECRET_KEY", "bench")

from flask import Flask  # noqa: E402

#: (role login, path, target ratio to the bare endpoint)
TARGETS = [
    ("hr", "/officers", 150),
    ("hr", "/officers?q=王&status=on_duty", 150),
    ("hr", "/home", 100),
    ("legal", "/officers?page=5", 250),
    ("legal", "/officers?category=市场监管", 200),
    ("legal", "/home", 120),
    ("admin", "/audit", 150),
    ("hr", "/training/records", 150),
    ("hr", "/training/shortfall", 200),
    ("legal", "/training/shortfall?sort=name", 400),
    ("hr", "/training/classes/new", 200),
    ("hr", "/assessment/grid", 250),
    ("legal", "/assessment/summary", 250),
    ("officer", "/training/mine", 100),
    ("officer", "/me/assessment", 100),
    ("officer", "/me/exams", 100),
    ("legal", "/exams", 150),
    ("legal", "/exams/questions", 150),
    ("legal", "/exams/questions?category=行政处罚法&kind=single", 150),
    ("legal", "/exams/results", 200),
    ("hr", "/exams/results", 200),
    ("api:hr", "/api/v1/officers?per_page=100", 250),
    ("api:legal", "/api/v1/officers?status=on_duty&per_page=100", 300),
    ("legal", "/certificates", 200),
    ("legal", "/certificates?status=suspended", 200),
    ("legal", "/certificates/applications", 150),
    ("hr", "/certificates/applications/new?officer_id={applicant}", 250),
    ("officer", "/me/certificates", 100),
    ("hr", "/reviews", 150),
    ("legal", "/reviews", 200),
    ("legal", "/compliance", 250),
    ("legal", "/officers/{applicant}/qualification", 200),
    ("officer", "/home", 150),
    (None, "/v/{token}", 40),
    (None, "/api/v1/verify/{token}", 30),
    (None, "/verify?number={number}&name={name}", 40),
    (None, "/api/v1/status-list", 30),
    (None, "/public/presiders", 80),
    (None, "/public/officers", 80),
    (None, "/public/officers?q=王", 80),
    (None, "/public/bodies", 60),
    ("legal", "/bodies", 120),
    ("legal", "/complaints", 120),
    ("legal", "/entrustments", 120),
    (None, "/public/entrustments", 60),
    (None, "/public/complaints?number={number}", 40),
    (None, "/", 15),
    (None, "/healthz", 15),
]
#: the sign-in name of a role's demo account, where it is not the role's name
LOGINS = {"officer": "371002199003071233"}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def median_seconds(call, rounds: int = ROUNDS) -> float:
    for _ in range(5):
        call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bare_baseline() -> float:
    bare = Flask("bare")

    @bare.get("/")
    def hello():
        return {"status": "ok"}

    client = bare.test_client()
    return median_seconds(lambda: client.get("/"), rounds=ROUNDS * 5)


def _certificate_values() -> dict:
    """The demo holder's certificate number, name and current QR token, and an officer with an application."""
    import sqlalchemy as sa

    from certificates.applications.models import Application
    from certificates.models import Certificate, Edition
    from portal.extensions import db
    from portal.officers.models import Officer

    cert = db.session.scalar(sa.select(Certificate).join(Officer, Officer.id == Certificate.officer_id).where(
        Officer.id_number == "371002199003071233", Certificate.type == "enforcement"))
    token = db.session.scalar(sa.select(Edition.token).where(Edition.certificate_id == cert.id,
                                                             Edition.superseded_at.is_(None)))
    applicant = db.session.scalar(sa.select(Application.officer_id).order_by(Application.id).limit(1))
    return {"token": token, "number": cert.number, "name": cert.officer.name, "applicant": applicant}


def main() -> int:
    from portal import clock, demo
    from portal.app import create_app
    from portal.extensions import db

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute", "API_RATE_LIMIT": "100000 per minute",
                      "VERIFY_RATE_LIMIT": "100000/minute"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        demo.load(clock.now())
        from portal.audit import Actor
        from portal.auth import services

        tokens = {name: services.create_token(Actor.system("bench"), services.find_account(name), "bench",
                                              clock.now())[1] for name in ("hr", "legal")}
        db.session.commit()
        values = _certificate_values()
    password = app.config["DEMO_PASSWORD"]
    baseline = bare_baseline()
    print(f"bare Flask endpoint: {baseline * 1e6:.0f} µs (median)")
    print(f"{'role':<8} {'path':<36} {'median':>9} {'ratio':>7} {'target':>7}")
    failed = 0
    clients = {}
    for role, path, target in TARGETS:
        path = path.format(**values)
        headers = {}
        if role and role.startswith("api:"):
            headers = {"Authorization": f"Bearer {tokens[role[4:]]}"}
        elif role not in clients:
            client = app.test_client()
            if role:
                assert client.post("/login", data={"login": LOGINS.get(role, role), "password": password}).status_code == 302
            clients[role] = client
        client = clients.get(role) or app.test_client()
        assert client.get(path, headers=headers).status_code == 200, path
        seconds = median_seconds(lambda c=client, p=path, h=headers: c.get(p, headers=h))
        ratio = seconds / baseline
        verdict = "ok" if ratio <= target else "SLOW"
        failed += verdict != "ok"
        print(f"{role or 'public':<8} {path[:60]:<36} {seconds * 1e3:7.2f}ms {ratio:7.0f} {target:7} {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
