"""Error pages: Chinese HTML for pages, JSON under /api/, and never a stack trace."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Blueprint

import portal.home.views as home_views
from portal.app import create_app
from portal.extensions import db

CJK = re.compile(r"[\u4e00-\u9fff]")
SECRET = "boom_4f1e_internal_detail"


def assert_no_leak(body: str) -> None:
    for marker in ("Traceback", SECRET, "RuntimeError", 'File "', "/work/", ".py", "site-packages", "werkzeug"):
        assert marker not in body, marker


def assert_chinese_page(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert str(status) in body
    assert CJK.search(body)
    assert "返回首页" in body
    return body


def test_an_unknown_page_is_a_chinese_404(client):
    body = assert_chinese_page(client.get("/no-such-page"), 404)
    assert "页面或记录不存在" in body


def test_an_unknown_api_url_answers_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["code"] == "not_found"
    assert CJK.search(body["error"]["message"])
    assert set(body) == {"error"}


def test_a_wrong_method_is_a_chinese_405_naming_the_allowed_ones(client):
    response = client.post("/")
    body = assert_chinese_page(response, 405)
    assert "不支持该请求方式" in body
    assert "GET" in response.headers["Allow"]
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def _runtime_error():
    raise RuntimeError(SECRET)


def _database_error():
    """A failed statement: on PostgreSQL the transaction is aborted until rolled back."""
    db.session.execute(sa.text(f"SELECT * FROM no_such_table_{SECRET}"))


@pytest.mark.parametrize("crash", [_runtime_error, _database_error], ids=["exception", "database"])
def test_a_crash_shows_the_chinese_500_page_without_a_traceback(client, auth, world, monkeypatch, crash,
                                                                server_errors_expected):
    monkeypatch.setattr(home_views, "_admin_home", crash)
    auth.login("admin")
    response = client.get("/home")
    body = assert_chinese_page(response, 500)
    assert "系统内部错误" in body
    assert_no_leak(body)
    assert "no_such_table" not in body and "SELECT" not in body
    assert any(r.exc_info and SECRET in str(r.exc_info[1])
               for r in server_errors_expected.records if r.name == "portal.errors"), "the crash is logged"
    # the session survives: the next page works
    monkeypatch.undo()
    assert client.get("/home").status_code == 200


def test_a_crash_under_api_answers_json_without_a_traceback(app, server_errors_expected):
    """A second app (routes can only be added before the first request) with a view under /api/ that fails."""
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    probe = Blueprint("crash_probe", __name__)

    @probe.route("/api/v1/crash-probe")
    def crash():
        raise RuntimeError(SECRET)

    crash.access = "public"
    application.register_blueprint(probe)
    response = application.test_client().get("/api/v1/crash-probe")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == {"error": {"code": "server_error", "message": body["error"]["message"]}}
    assert CJK.search(body["error"]["message"])
    assert_no_leak(response.get_data(as_text=True))
