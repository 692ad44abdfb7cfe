"""What the engine hands a kind and what it reports back: a data row with its spreadsheet number, and row errors
(numbered as the spreadsheet numbers rows, header = row 1), raised all together as one refusal.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.errors import DomainError

MAX_ERRORS_SHOWN = 500


@dataclass
class Row:
    """One data row: its spreadsheet number and its values by header (text, date, number or ``None``)."""

    number: int
    values: dict


def error(row: int, column: str | None, message: str) -> dict:
    """A row error as the engine reports it."""
    return {"row": row, "field": column, "message": message}


def fail(items: list[dict], message: str = "导入文件有误，未导入任何数据") -> DomainError:
    shown = sorted(items, key=lambda e: (e.get("row") or 0))[:MAX_ERRORS_SHOWN]
    if len(items) > len(shown):
        message += f"（共 {len(items)} 处错误，仅列出前 {len(shown)} 处）"
    return DomainError("import_invalid", message, status=422, items=shown)
