"""Weights, totals and grades of the routine assessment (SPEC §2.5) — the only code that rounds a total or
turns it into a grade.

* Group weights (policy): general 30, specialised 50, external 20; they add up to 100.
* A total is Σ score × weight / 100, computed exactly from the stored tenths (Σ tenths × weight is an integer
  in thousandths of a point) and rounded half-up to one decimal: 89.95 → 90.0, 89.94 → 89.9.
* Grades (policy thresholds, descending): 好 ≥ 90, 较好 ≥ 75, 一般 ≥ 60, 较差 below — the four grades of the
  civil servants' 平时考核.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from portal import policy
from portal.assessment.models import GROUPS

_DEFAULT_WEIGHTS = {"general": 30, "specialised": 50, "external": 20}

GRADES = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差"}
#: the grades that have a lower bound, best first; below the last one the grade is ``poor``
_THRESHOLD_DEFAULTS = {"good": 90, "fairly_good": 75, "average": 60}

SECTION = "平时考核"

for _group, _weight in _DEFAULT_WEIGHTS.items():
    policy.define(f"assessment.weight.{_group}", f"平时考核：{GROUPS[_group]}组权重", "int", _weight, SECTION,
                  minimum=1, maximum=100, unit="分",
                  help="三组权重之和须为 100；新建指标模板时，每组指标的权重之和须等于该组权重。")
for _grade, _value in _THRESHOLD_DEFAULTS.items():
    policy.define(f"assessment.grade.{_grade}", f"平时考核：“{GRADES[_grade]}”等次最低分", "int", _value, SECTION,
                  minimum=1, maximum=100, unit="分", help="加权总分不低于此分即为该等次；三条分数线须依次降低。")


@policy.constraint
def _group_weights_add_up(values: dict) -> str | None:
    weights = [values[f"assessment.weight.{group}"] for group in GROUPS]
    if sum(weights) != 100:
        parts = "、".join(f"{label} {w}" for label, w in zip(GROUPS.values(), weights, strict=True))
        return f"平时考核三组权重之和须为 100，现为 {sum(weights)}（{parts}）"
    return None


@policy.constraint
def _thresholds_descend(values: dict) -> str | None:
    good, fairly_good, average = (values[f"assessment.grade.{grade}"] for grade in _THRESHOLD_DEFAULTS)
    if not good > fairly_good > average:
        return (f"平时考核等次分数线须依次降低：“好”（{good}）须高于“较好”（{fairly_good}），"
                f"“较好”须高于“一般”（{average}）")
    return None


def group_weights() -> dict[str, int]:
    """The current weight of each group (policy)."""
    return {group: policy.get(f"assessment.weight.{group}") for group in GROUPS}


def thresholds() -> dict[str, int]:
    """The current lowest total of each grade but ``poor``, best first (policy)."""
    return {grade: policy.get(f"assessment.grade.{grade}") for grade in _THRESHOLD_DEFAULTS}


_TENTH = Decimal("0.1")


def total_from_sum(weighted_tenths: int) -> Decimal:
    """The total for ``Σ tenths × weight`` (thousandths of a point), rounded half-up to one decimal."""
    return (Decimal(weighted_tenths) / 1000).quantize(_TENTH, rounding=ROUND_HALF_UP)


def weighted_total(cells) -> Decimal:
    """The total of ``(tenths, weight)`` pairs (a complete quarter of one officer)."""
    return total_from_sum(sum(tenths * weight for tenths, weight in cells))


def grade(total: Decimal, limits: dict[str, int] | None = None) -> str:
    """The grade code of a (rounded) total: ``good``, ``fairly_good``, ``average`` or ``poor``."""
    limits = thresholds() if limits is None else limits
    for code, lowest in limits.items():
        if total >= lowest:
            return code
    return "poor"


def grade_label(code: str | None) -> str:
    return GRADES.get(code, "") if code else ""


def format_tenths(tenths: int | None) -> str:
    """A stored score for a form field: ``855`` → ``85.5``, ``900`` → ``90``."""
    if tenths is None:
        return ""
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)
