"""Files a person can read: no module of the project is over 400 lines. A module that grows past it is split by
sub-feature (see docs/architecture.md), not trimmed by squeezing lines."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400


def long_modules(root: Path = ROOT, limit: int = MAX_LINES) -> list[str]:
    """``path: lines`` of every Python module of the project over ``limit`` lines."""
    found = []
    for top in ("portal", "exams", "certificates"):
        for path in sorted((root / top).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append(f"{path.relative_to(root)}: {lines}")
    return found


def test_no_module_is_over_400_lines():
    assert long_modules() == []


def test_the_check_counts_lines_of_every_package(tmp_path):
    (tmp_path / "exams" / "papers").mkdir(parents=True)
    (tmp_path / "exams" / "papers" / "services.py").write_text("x = 1\n" * 401, encoding="utf-8")
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "small.py").write_text("x = 1\n" * 400, encoding="utf-8")
    assert long_modules(tmp_path) == ["exams/papers/services.py: 401"]
