"""The routine assessment's policy settings: group weights that add up to 100, grade thresholds that descend."""
import pytest
import sqlalchemy as sa

from portal import clock, policy
from portal.assessment import grading
from portal.errors import DomainError
from portal.extensions import db
from portal.policy import PolicySetting
from tests.factories import SYSTEM
from tests.officers import page


def test_the_defaults_are_the_spec_numbers():
    assert grading.group_weights() == {"general": 30, "specialised": 50, "external": 20}
    assert grading.thresholds() == {"good": 90, "fairly_good": 75, "average": 60}
    assert policy.REGISTRY["assessment.weight.general"].section == "平时考核"


@pytest.mark.parametrize(("values", "message"), [
    ({"assessment.weight.external": 21}, "平时考核三组权重之和须为 100，现为 101（通用指标 30、专项指标 50、外部评价 21）"),
    ({"assessment.weight.general": 29}, "平时考核三组权重之和须为 100，现为 99（通用指标 29、专项指标 50、外部评价 20）"),
])
def test_group_weights_must_add_up_to_100(values, message):
    with pytest.raises(DomainError) as caught:
        policy.update(SYSTEM, values, clock.now())
    assert caught.value.message == message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicySetting)) == 0


def test_weights_that_add_up_are_stored():
    policy.update(SYSTEM, {"assessment.weight.general": 40, "assessment.weight.specialised": 40}, clock.now())
    db.session.commit()
    assert grading.group_weights() == {"general": 40, "specialised": 40, "external": 20}


@pytest.mark.parametrize("values", [
    {"assessment.grade.fairly_good": 90},                                  # equal to 好
    {"assessment.grade.good": 74},                                         # below 较好
    {"assessment.grade.average": 75},                                      # equal to 较好
    {"assessment.grade.average": 80},                                      # above 较好
])
def test_thresholds_must_descend(values):
    with pytest.raises(DomainError) as caught:
        policy.update(SYSTEM, values, clock.now())
    assert caught.value.message.startswith("平时考核等次分数线须依次降低")
    assert grading.thresholds() == {"good": 90, "fairly_good": 75, "average": 60}


def test_descending_thresholds_are_stored():
    policy.update(SYSTEM, {"assessment.grade.good": 85, "assessment.grade.fairly_good": 70,
                           "assessment.grade.average": 55}, clock.now())
    db.session.commit()
    assert grading.thresholds() == {"good": 85, "fairly_good": 70, "average": 55}


def test_the_settings_page_refuses_weights_that_do_not_add_up_and_keeps_nothing(client, auth, world):
    auth.login("admin")
    settings = {k: v[0] for k, v in page.form_values(client.get("/admin/settings")).items()}
    assert settings["assessment.weight.specialised"] == "50"
    settings["assessment.weight.specialised"] = "45"
    response = client.post("/admin/settings", data=settings)
    assert response.status_code == 422
    assert "平时考核三组权重之和须为 100，现为 95" in page.text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicySetting)) == 0
    settings["assessment.weight.specialised"] = "50"
    settings["assessment.grade.good"] = "70"
    response = client.post("/admin/settings", data=settings)
    assert response.status_code == 422
    assert "“好”（70）须高于“较好”（75）" in page.text(response)
