"""The audit log reads in Chinese (issue 13: ``auth.login``, ``certificate.hold``, ``user_account 1`` and raw JSON
with English keys): actions and objects in words, objects and people by name, a change as before → after. The
stored entries (and the hash chain over them) are unchanged."""
from __future__ import annotations

import pathlib
import re

from certificates import lifecycle
from portal import audit, clock
from portal.admin import audit_labels
from portal.extensions import db
from tests.certificates.conftest import key_dir  # noqa: F401
from tests.factories import SYSTEM
from tests.officers import page

ROOT = pathlib.Path(__file__).resolve().parents[2]


def rows(response) -> list[list[str]]:
    return [[" ".join(cell.split()) for cell in row] for row in page.table_rows(response)]


def test_the_log_names_actions_objects_and_people_in_chinese(client, auth, world, key_dir, frozen):  # noqa: F811
    world.legal_city.display_name = "市司法局张敏"  # the factory names staff by their login
    cert = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    db.session.commit()
    auth.login("legal_city")  # a sign-in of legal_city, who then holds the certificate
    legal = audit.Actor(world.legal_city.id, "legal_city", "127.0.0.1")
    lifecycle.place_hold(cert, "under_investigation", actor=legal, now=clock.now(),
                         legal_basis="《行政处罚法》第五十四条", note="内部")
    db.session.commit()
    auth.logout()
    auth.login("admin")
    log = client.get("/audit")
    text = page.text(log)
    assert "证件 · 暂扣" in text and "登录成功" in text and "证件 · 发证" in text
    assert f"证件 {cert.number}" in text
    held = next(row for row in rows(log) if "证件 · 暂扣" in " ".join(row))
    assert "市司法局张敏" in held and "legal_city" not in held  # by name, not by login
    assert "状态：有效 → 暂扣" in " ".join(held) and "法律依据：《行政处罚法》第五十四条" in " ".join(held)
    assert "certificate.hold" not in " ".join(held) and '"status"' not in log.get_data(as_text=True)
    login = next(row for row in rows(log) if "登录成功" in row and "账户 市司法局张敏" in row)
    assert "市司法局张敏" in login and "legal_city" not in login


def test_every_action_the_code_records_has_words():
    """Every literal action code passed to the audit log, and every verb of the codes built from a variable."""
    source = "\n".join(path.read_text(encoding="utf-8") for package in ("portal", "certificates", "exams")
                       for path in (ROOT / package).rglob("*.py"))
    literal = set(re.findall(r'(?:audit\.record|_record)\(\s*[^,()]+,\s*"([a-z_]+\.[a-z_]+)"', source))
    built = {f"certificate.{verb}" for verb in ("issue", "hold", "lift", "revoke", "reissue", "renewal")} | \
            {f"body.{verb}" for verb in ("confirm", "reconfirm", "cancel", "announce")} | \
            {f"complaint.{verb}" for verb in ("accept", "not_accept", "substantiate", "unsubstantiate",
                                              "acknowledge")} | \
            {"complaint.submit", "praise.submit", "training.manual", "training.import", "training.api"}
    assert len(literal) > 40
    unnamed = sorted(code for code in literal | built if audit_labels.action_label(code) == code)
    assert unnamed == []


def test_pages_show_who_acted_by_name_not_by_login(client, auth, world, key_dir, frozen):  # noqa: F811
    """Issue 13: 申请 hr, 处理 legal, cli:demo. The application's page and the certificate's history name people
    by their display names, and system actors in words."""
    from certificates.applications import services as applications

    world.hr.display_name, world.legal_city.display_name = "人事科刘洋", "市司法局张敏"
    db.session.commit()
    hr = audit.Actor(world.hr.id, "hr", name="人事科刘洋")
    application = applications.apply(hr, world.hr, world.officer, "enforcement", ["城市管理"], "环翠区全域", "",
                                     clock.now())
    db.session.commit()
    auth.login("legal_city")
    html = client.get(f"/certificates/applications/{application.id}").get_data(as_text=True)
    assert "人事科刘洋" in html and ">hr，" not in html
    cert = lifecycle.issue(world.officer2, "enforcement", ["市场监管"], "环翠区", actor=audit.Actor.system("cli:demo"),
                           now=clock.now())
    db.session.commit()
    history = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert "系统（演示数据）" in history and "cli:demo" not in history


def test_every_field_the_code_records_has_words():
    """Every literal key of a change passed to the audit log has a Chinese name (a new user read ``certificate：…``
    and ``failed：（无）``)."""
    import ast

    keys: dict[str, str] = {}
    for package in ("portal", "certificates", "exams"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                change = node.args[3] if len(node.args) >= 4 else None
                if name in ("record", "_record") and isinstance(change, ast.Dict):
                    for key in change.keys:
                        if isinstance(key, ast.Constant):
                            keys.setdefault(key.value, str(path.relative_to(ROOT)))
    assert len(keys) > 50
    unnamed = sorted((key, where) for key, where in keys.items() if key not in audit_labels.FIELDS)
    assert unnamed == []


def test_a_change_names_people_and_codes_and_writes_dates_as_the_pages_do(client, auth, world, key_dir,  # noqa: F811
                                                                           frozen):
    """An officer's id is the officer's name, a review's unmet conditions are words, dates read 2027年1月11日, a
    praise is 表扬 with its reference; and the log is filtered by the name it shows."""
    from portal.complaints.models import Complaint

    world.legal_city.display_name = "市司法局张敏"
    praise = Complaint(kind="praise", reference="BY2026000001", officer_id=world.officer.id, agency_id=world.dept.id,
                       certificate_number="371000126000017", happened_on=clock.today(), place="环翠区",
                       what="热情", status="received", submitted_at=clock.now())
    db.session.add(praise)
    db.session.flush()
    legal = audit.Actor(world.legal_city.id, "legal_city")
    audit.record(legal, "certificate_review.submit", object_type="certificate_review", object_id="7", agency_id=world.dept.id,
                 change={"officer_id": world.officer.id, "due_on": "2027-01-11", "failed": ["training", "grades"]})
    audit.record(legal, "complaint.acknowledge", praise, {"status": ["received", "acknowledged"]})
    audit.record(legal, "exam.enrol", object_type="exam", object_id="3", agency_id=world.dept.id,
                 change={"officers": [world.officer.id, world.officer2.id], "source": "sweep"})
    db.session.commit()
    auth.login("admin")
    text = " ".join(" ".join(row) for row in rows(client.get("/audit")))
    assert f"人员：{world.officer.name}" in text and "人员编号" not in text
    assert "到期日：2027年1月11日" in text and "2027-01-11" not in text
    assert "未满足的条件：培训学时、平时考核等次" in text
    assert "表扬 BY2026000001" in text and "投诉 #" not in text
    assert f"报名人员：{world.officer.name}、{world.officer2.name}" in text and "报名方式：到期自动报名" in text
    assert "表扬 · 登记" in text
    assert not re.findall(r"[A-Za-z_]{3,}：", text), "every field in words (the world's agencies' creation too)"
    by_name = rows(client.get("/audit", query_string={"actor": "市司法局张敏"}))
    assert len(by_name) == 3
    assert rows(client.get("/audit", query_string={"actor": "legal_city"})) == by_name
