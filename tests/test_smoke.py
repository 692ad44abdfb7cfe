"""The shell answers: health check, public front page, each demo role signs in."""


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_front_page_is_chinese_and_public(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "执法人员资格管理与培训平台" in response.get_data(as_text=True)


def test_every_role_reaches_its_home(client, auth, world):
    for login, marker in (("hr", "人事工作台"), ("legal_city", "法制审核工作台"), ("admin", "系统管理"),
                          (world.officer.id_number, "王建国，您好")):
        auth.login(login)
        page = client.get("/home")
        assert page.status_code == 200, login
        assert marker in page.get_data(as_text=True), login
        auth.logout()
