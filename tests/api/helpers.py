"""Helpers of the API tests: issue tokens through the CLI, call the API and hold every answer to the OpenAPI
document, and read which officers the HTML 执法人员 page shows an account."""
from __future__ import annotations

import re

from portal.api.schema import conforms
from portal.api.spec import ENDPOINTS, ERROR, openapi_document

TOKEN = re.compile(r"^zf_[A-Za-z0-9_-]{43}$")
BASE = "/api/v1"


def issue_token(runner, username: str, name: str = "测试令牌") -> str:
    """A token from ``flask --app wsgi tokens create --user NAME`` (the last word it prints)."""
    result = runner.invoke(args=["tokens", "create", "--user", username, "--name", name])
    assert result.exit_code == 0, result.output
    raw = result.output.split()[-1]
    assert TOKEN.match(raw), result.output
    return raw


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def operation(path: str, method: str) -> dict:
    """The documented operation for a request path (``/api/v1/...``)."""
    from flask import current_app

    endpoint, values = current_app.url_map.bind("localhost").match(path, method=method)
    assert endpoint.startswith("api."), endpoint
    [defined] = [e for e in ENDPOINTS if f"api.{e.name}" == endpoint]
    documented = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", defined.rule)
    return {"endpoint": defined, "doc": openapi_document()["paths"][documented][method.lower()]}


def check_documented(path: str, method: str, response) -> None:
    """Fail unless the answer's status is documented for the operation and its body has the documented shape."""
    found = operation(path, method)
    status = str(response.status_code)
    assert status in found["doc"]["responses"], (
        f"{method} {path} answered {status}, which the OpenAPI document does not list "
        f"({sorted(found['doc']['responses'])}): {response.get_data(as_text=True)[:300]}")
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code < 400:
        schema = found["endpoint"].response
        if schema is not None:
            assert conforms(schema, body) == [], (conforms(schema, body), body)
    else:
        assert conforms(ERROR, body) == [], (conforms(ERROR, body), body)
        assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    if response.status_code == 401:
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), dict(response.headers)


class ApiClient:
    """The test client for ``/api/v1``: every answer is checked against the document."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.calls = 0

    def get(self, path: str, token: str | None = None, *, query: dict | None = None, headers: dict | None = None,
            expect: int | None = None):
        sent = dict(headers or {})
        if token is not None:
            sent.update(bearer(token))
        url = path if path.startswith(BASE) else BASE + path
        response = self.client.get(url, query_string=query, headers=sent)
        self.calls += 1
        check_documented(url, "GET", response)
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)[:500]
        return response

    def json(self, path: str, token: str | None = None, *, query: dict | None = None, expect: int = 200) -> dict:
        return self.get(path, token, query=query, expect=expect).get_json()

    def officer_ids(self, token: str, **filters) -> set[int]:
        """Every officer id the list answers, paging through with per_page=100; checks the totals agree."""
        ids: list[int] = []
        page = 1
        while True:
            body = self.json("/officers", token, query={**filters, "page": page, "per_page": 100})
            assert body["page"] == page and body["per_page"] == 100
            ids += [item["id"] for item in body["items"]]
            if not body["items"] or len(ids) >= body["total"]:
                break
            page += 1
        assert len(ids) == body["total"] == len(set(ids)), (len(ids), body["total"])
        return set(ids)


def error_of(response) -> dict:
    body = response.get_json()
    assert isinstance(body, dict) and "error" in body, response.get_data(as_text=True)[:300]
    return body["error"]


def page_officer_ids(client, **filters) -> set[int]:
    """The ids of the officers the HTML 执法人员 page lists for the signed-in account, all pages."""
    ids: list[int] = []
    page = 1
    while True:
        response = client.get("/officers", query_string={**filters, "page": page})
        assert response.status_code == 200, response.status_code
        html = response.get_data(as_text=True)
        body = html[html.index("<tbody>"):html.index("</tbody>")]
        found = [int(n) for n in re.findall(r'href="/officers/(\d+)"', body)]
        total = int(re.search(r"共 (\d+) 条", html).group(1))
        ids += found
        if not found or len(ids) >= total:
            break
        page += 1
    assert len(ids) == total == len(set(ids))
    return set(ids)
