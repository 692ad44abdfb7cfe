"""The registry as an XLSX file, in the request (≤ 2,000 rows) or as a background job whose file only its owner
may fetch, kept 7 days; and the item analysis as an XLSX file.

The job, its file and their expiry are :mod:`portal.exports`' (shared with the training shortfall export).
"""
from __future__ import annotations

import datetime as dt
import io

import openpyxl

from exams.results import analysis, services
from portal import exports

#: a list longer than this is exported by a background job (the page then offers the file)
SYNC_MAX_ROWS = 2000
JOB_KIND = "exam_results_export"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["考试", "类别", "姓名", "身份证号（脱敏）", "单位", "第几次", "交卷时间", "交卷方式", "得分", "满分", "及格分",
           "结果"]
WIDTHS = [30, 18, 10, 22, 26, 8, 18, 14, 8, 8, 8, 8]
ANALYSIS_HEADERS = ["题号", "题型", "类别", "题干", "作答人数", "难度系数（%）", "区分度指数（%）",
                    "区分效率（%）", "存疑"]
ANALYSIS_WIDTHS = [8, 8, 16, 60, 10, 14, 16, 14, 8]


def _values(sheet: exports.Sheet, row: services.Row) -> list:
    finished = sheet.cell(row.finished_at.replace(tzinfo=None), number_format="yyyy-mm-dd hh:mm")
    return [row.exam_title, row.purpose_label, row.name, row.masked_id_number, row.agency, row.number, finished,
            row.finish_label, row.score, row.max_score, row.pass_mark, row.result_label]


def export_file(rows, now: dt.datetime, total: int | None = None, progress=None) -> tuple[bytes, str, str]:
    """The registry's rows (any iterable of :class:`services.Row`) as XLSX: ``(bytes, mime type, file name)``."""
    progress = progress or (lambda done, total, message=None: None)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = exports.xlsx_sheet(workbook, "考试结果登记", HEADERS, WIDTHS)
    written = 0
    for row in rows:
        sheet.append(_values(sheet, row))
        written += 1
        if total and written % 1000 == 0:
            progress(written, total, f"已写入 {written} 行，共 {total} 行")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), MIME, f"考试结果登记-{now:%Y%m%d-%H%M}.xlsx"


def analysis_file(exam, lines: list[analysis.Line]) -> tuple[bytes, str, str]:
    """The item analysis of ``exam`` as XLSX."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = exports.xlsx_sheet(workbook, "试题分析", ANALYSIS_HEADERS, ANALYSIS_WIDTHS)
    for line in lines:
        stats = line.stats
        sheet.append([line.question_id, line.kind_label, line.category, line.stem, stats.n,
                      analysis.figure(stats.facility), analysis.figure(stats.discrimination),
                      analysis.figure(stats.efficiency), "存疑" if stats.dubious else ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), MIME, f"试题分析-{exam.title}.xlsx"
