"""In a real browser: HR uploads a 5,000-row officer file, watches the job's progress bar, and sees the outcome."""
import datetime as dt
import threading
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from portal import background
from portal.extensions import db
from portal.officers.importer import COLUMNS
from portal.officers.models import Officer
from tests.conftest import PASSWORD
from tests.factories import make_id_number

pytestmark = pytest.mark.browser


def officer_workbook(path, agency_name: str, rows: int) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for n in range(rows):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000)
        sheet.append(["张" + "伟芳娜敏静"[n % 5] + "明华"[n % 2], make_id_number(born, n // 9000 * 7 + 3, male=n % 2 == 0),
                      agency_name, "执法队员", "城市管理", "环翠区全域", f"139{n:08d}", None, "2019-07-01", "公务员"])
    workbook.save(path)


def test_hr_watches_a_large_import(app, world, live_server, page, tmp_path):
    path = tmp_path / "officers.xlsx"
    officer_workbook(path, world.dept.name, 5000)
    before = db.session.query(Officer).count()

    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    page.get_by_role("navigation").get_by_role("link", name="批量导入").click()
    page.get_by_label("Excel（.xlsx）或 CSV 文件").set_input_files(str(path))
    page.get_by_role("button", name="校验并导入").click()
    page.wait_for_url(f"{live_server}/jobs/*")
    bar = page.locator("progress.job-bar")
    expect(bar).to_be_visible()
    assert page.locator(".job-status").inner_text() == "排队中"

    def scheduler():  # the scheduler process's job runner, in a thread
        time.sleep(1.5)
        with app.app_context():
            background.run_pending()
            db.session.remove()

    runner = threading.Thread(target=scheduler)
    runner.start()
    page.get_by_text("已完成：共 5000 行，新增 5000 条").wait_for()
    runner.join()
    assert page.locator(".job-status").inner_text() == "已完成"
    assert bar.get_attribute("value") == "100"
    db.session.expire_all()
    assert db.session.query(Officer).count() == before + 5000
