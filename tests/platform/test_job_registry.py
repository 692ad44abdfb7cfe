"""Background jobs live in each package's ``jobs.py`` (the platform's in ``portal/jobs/scheduled.py``), registered by
``create_app`` (issue 14: handlers were scattered over six modules, registered as a side effect of importing them)."""
from __future__ import annotations

import pathlib
import re

from portal import background

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGISTERS = re.compile(r"@background\.(handler|scheduled)\(|@handler\(|@exports\.register\(|batch\.register\(")
#: where a job may be registered: the packages' jobs.py, the platform's scheduled jobs
HOMES = {"jobs.py", "scheduled.py"}


def test_jobs_are_registered_in_jobs_files_only():
    found = {}
    for package in ("portal", "exams", "certificates"):
        for path in (ROOT / package).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if REGISTERS.search(line) and not line.lstrip().startswith(("def ", "#", '"', "return")):
                    found.setdefault(path.relative_to(ROOT).as_posix(), []).append(line.strip())
    assert found, "the search finds the registrations"
    elsewhere = {path: lines for path, lines in found.items() if pathlib.Path(path).name not in HOMES}
    assert elsewhere == {}


def test_the_app_registers_every_job(app):
    assert {"import", "certificate_decisions", "certificate_reviews", "training_shortfall_export",
            "exam_results_export"} <= set(background.HANDLERS)
    assert {"sweep", "mail", "exam_openings", "exam_attempts_finalize", "exports_expire"} <= set(
        background.SCHEDULED)
