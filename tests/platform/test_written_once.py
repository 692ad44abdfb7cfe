"""Shared pieces are written once (issue 14): a refusal is built by a constructor of ``DomainError`` —
``invalid``, ``invalid_field``, ``conflict``, ``not_found`` — never by a module's own copy of one."""
from __future__ import annotations

import ast
import pathlib

from portal.errors import DomainError

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: the names under which ten modules each kept a copy of the same constructor
COPIES = {"problem", "refuse", "not_found", "conflict", "invalid", "_invalid", "_refuse", "_conflict", "_not_found"}


def test_no_module_builds_its_own_refusals():
    offenders = []
    for package in ("portal", "exams", "certificates"):
        for path in (ROOT / package).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "portal/errors.py":
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if not isinstance(node, ast.FunctionDef) or node.name not in COPIES:
                    continue
                returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
                if any(isinstance(r.value, (ast.Call, ast.Dict)) for r in returns):
                    offenders.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert offenders == [], "use DomainError.invalid / invalid_field / conflict / not_found"


def test_the_constructors_say_what_the_copies_said():
    refused = DomainError.invalid([("decided_on", "请填写决定日期"), {"field": "x", "message": "y"}])
    assert (refused.code, refused.status, refused.message) == ("invalid", 422, "提交的内容有误，未保存")
    assert refused.items == [{"field": "decided_on", "message": "请填写决定日期"}, {"field": "x", "message": "y"}]
    one = DomainError.invalid_field("reason", "请写明理由")
    assert (one.code, one.status, one.items) == ("invalid_reason", 422, [{"field": "reason", "message": "请写明理由"}])
    assert DomainError.conflict("hold_exists", "已暂扣").status == 409
    assert (DomainError.not_found().status, DomainError.not_found().code) == (404, "not_found")
