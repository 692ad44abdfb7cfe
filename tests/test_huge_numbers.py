"""Numbers from the URL or a form that no INTEGER column can hold answer 404 or are clamped — never a 500
(PostgreSQL raises 'integer out of range' where SQLite would not)."""
import pytest

from tests.conftest import PASSWORD

HUGE = str(2**31)
HUGER = "9" * 30


@pytest.mark.parametrize("path", [
    f"/officers/{HUGE}", f"/officers/{HUGER}/edit", f"/officers/{HUGE}/photo", f"/jobs/{HUGE}", f"/jobs/{HUGER}.json",
    f"/inbox/{HUGE}", f"/admin/users/{HUGE}/edit", f"/admin/agencies/{HUGER}/edit",
])
def test_an_id_too_large_for_the_database_is_not_found(client, auth, world, path):
    auth.login("admin" if "/admin/" in path else "hr", PASSWORD)
    # werkzeug answers 405 when a path's GET rule refuses the number and its POST rule would match the shape
    assert client.get(path).status_code == (405 if path.endswith("/photo") else 404)


@pytest.mark.parametrize(("login", "path"), [
    ("hr", "/officers"), ("admin", "/admin/users"), ("admin", "/audit"), ("hr", "/inbox"),
])
def test_a_huge_page_number_is_clamped(client, auth, world, login, path):
    auth.login(login, PASSWORD)
    response = client.get(f"{path}?page={HUGER}")
    assert response.status_code == 200


def test_a_huge_user_id_posted_for_a_token_is_refused_cleanly(client, auth, world):
    auth.login("admin", PASSWORD)
    response = client.post("/admin/tokens", data={"user_id": HUGER, "name": "x"})
    assert response.status_code == 422
    assert "请选择账户" in response.get_data(as_text=True)


def test_a_huge_officer_or_course_in_the_record_list_query_is_not_found(client, auth, world):
    """Issue 13: ``/training/records?officer=99999999999999999999999`` was an OverflowError (500)."""
    auth.login("hr", PASSWORD)
    assert client.get("/training/records?officer=99999999999999999999999").status_code == 404
    assert client.get(f"/training/records?course={HUGER}").status_code == 404
    assert client.get("/training/records?officer=").status_code == 200  # blank: no filter


#: every name of a query argument a page reads as a number or an id
NUMERIC_ARGS = ("page", "officer", "course", "agency", "year", "quarter", "difficulty", "template", "from", "n",
                "exam", "kind", "per_page", "id", "user", "status", "show")


#: 30 digits; more digits than int() reads (4,300); digits that isdigit() accepts and int() does not
ODD_NUMBERS = {"30 digits": HUGER, "5000 digits": "9" * 5000, "superscript": "2026²", "circled": "①"}


@pytest.mark.parametrize("value", ODD_NUMBERS.values(), ids=ODD_NUMBERS.keys())
@pytest.mark.parametrize("login", ["hr", "legal_city", "admin", "officer"])
def test_no_page_of_any_role_fails_on_odd_numbers_in_its_query(app, client, auth, world, login, value):
    """Every GET page without a path argument, opened with every numeric query argument set to a number no column
    holds or to digits ``int()`` refuses: a page may refuse or ignore it, never fail (the test fails on any 500 or
    logged error)."""
    auth.login(world.officer.id_number if login == "officer" else login, PASSWORD)
    query = "&".join(f"{name}={value}" for name in NUMERIC_ARGS)
    paths = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/static", "/logout"))})
    assert len(paths) > 40
    for path in paths:
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, f"{path}: {response.status_code}"


def test_no_view_parses_a_typed_integer_without_bounds():
    """``request.args.get(…, type=int)`` hands any number to the database; ``portal.forms.int_arg`` / ``id_arg`` /
    ``parse_id`` bound it. A check over the source keeps it so."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1]
    offenders = [f"{path.relative_to(root)}:{number}" for package in ("portal", "exams", "certificates")
                 for path in (root / package).rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"type=int\b|int\(request\.", line)]
    assert offenders == []


@pytest.mark.parametrize("name", ["page", "per_page", "agency"])
def test_the_api_refuses_a_number_longer_than_int_reads_in_words(client, runner, world, name):
    """``/api/v1/officers?page=<5,000 digits>`` was a 500 (``int()`` stops at 4,300 digits)."""
    from tests.api.helpers import issue_token

    token = issue_token(runner, "hr", "数字测试")
    response = client.get(f"/api/v1/officers?{name}={'9' * 5000}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert "超出范围" in response.get_json()["error"]["items"][0]["message"]
    response = client.get(f"/api/v1/officers?{name}={2**31}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "e+" not in response.get_data(as_text=True)
