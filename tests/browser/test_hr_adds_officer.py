"""In a real browser: HR signs in, adds an officer, and finds them in the list."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import make_id_number

pytestmark = pytest.mark.browser


def test_hr_adds_officer_and_finds_them(world, live_server, page):
    import datetime as dt

    id_number = make_id_number(dt.date(1991, 4, 18), 57, male=False)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    expect(page.get_by_role("heading", name="人事工作台")).to_be_visible()
    page.get_by_role("link", name="新增执法人员").first.click()
    page.get_by_label("姓名").fill("陈思雨")
    page.get_by_label("身份证号").fill(id_number)
    page.get_by_label("性别").select_option("F")
    page.get_by_label("出生日期").fill("1991-04-18")
    page.get_by_label("单位").select_option(str(world.dept.id))
    page.get_by_label("岗位").fill("执法队员")
    page.get_by_label("执法区域").fill("环翠区全域")
    page.get_by_label("城市管理").check()
    page.get_by_label("手机").fill("13912345678")
    page.get_by_label("入职日期").fill("2015-08-01")
    page.get_by_label("人员类别").select_option(label="事业编制")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server}/officers/*")
    expect(page.get_by_role("heading", name="陈思雨")).to_be_visible()
    expect(page.get_by_text("已登记执法人员 陈思雨")).to_be_visible()
    page.get_by_role("link", name="人员管理").click()
    page.get_by_label("姓名/身份证号/手机").fill("陈思雨")
    page.get_by_role("button", name="筛选").click()
    row = page.get_by_role("row").filter(has_text="陈思雨")
    assert row.count() == 1
    assert id_number not in row.inner_text()  # masked in the list
    assert (id_number[:4] + "*" * 10 + id_number[-4:]) in row.inner_text()


def test_bad_input_keeps_typed_values(world, live_server, page):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名或身份证号").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/officers/new")
    page.get_by_label("姓名").fill("陈思雨")
    page.get_by_label("身份证号").fill("371002199104185710")  # wrong check character
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("身份证号校验位不正确")).to_be_visible()
    assert page.get_by_label("姓名").input_value() == "陈思雨"
    assert page.get_by_label("身份证号").input_value() == "371002199104185710"
