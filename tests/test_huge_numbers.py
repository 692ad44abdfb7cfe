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
