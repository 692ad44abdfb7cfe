"""The requirement service is the only code that sums training hours (issue 4): exam eligibility, the two-year
review, the shortfall list and the progress pages all ask it, so the rules cannot drift apart."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THE_SERVICE = ROOT / "portal" / "training" / "requirements.py"


def _mentions_hours(node: ast.AST) -> bool:
    for child in ast.walk(node):
        name = child.attr if isinstance(child, ast.Attribute) else child.id if isinstance(child, ast.Name) else \
            child.value if isinstance(child, ast.Constant) and isinstance(child.value, str) else ""
        if "hours" in name or name == "have":
            return True
    return False


def sums_of_hours(source: str) -> list[int]:
    """Lines of ``sum(…hours…)`` or ``func.sum(…hours…)`` calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            is_sum = (isinstance(func, ast.Name) and func.id in ("sum", "fsum")) or (
                isinstance(func, ast.Attribute) and func.attr in ("sum", "fsum"))
            if is_sum and any(_mentions_hours(arg) for arg in node.args):
                found.append(node.lineno)
    return found


def test_the_check_itself_finds_a_sum_of_hours():
    assert sums_of_hours("x = sa.func.sum(TrainingRecord.half_hours)\ny = sum(r.hours for r in rs)") == [1, 2]
    assert sums_of_hours("n = sum(1 for r in rows)") == []


def test_no_code_but_the_requirement_service_sums_training_hours():
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        if path == THE_SERVICE:
            continue
        for line in sums_of_hours(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "training hours summed outside portal/training/requirements.py — call check/check_many"
    assert sums_of_hours(THE_SERVICE.read_text(encoding="utf-8")), "the service itself should be found summing"
