"""Demo data for Weihai (``flask --app wsgi demo load``): the agency tree, 300+ officers, the demo accounts, a
course catalogue with four calendar years of training records, and eight quarters of routine assessment.

Deterministic and idempotent: agencies are matched by name, officers by ID number, accounts by user name,
courses by title, training records by (officer, title, date) or external id, the indicator template by name
and scores by their primary key, so a second run adds nothing. Training and scores are drawn from random
generators seeded per officer (and year or quarter), so they depend neither on database ids nor on what else
exists. Every 统一社会信用代码, ID number and phone number here is synthetic (valid check characters, no real
person or organisation).

The loader is here; each feature's part is a module of its own: ``agencies`` (the tree, bodies, entrustment),
``officers``, ``accounts``, ``training``, ``assessment``; the exams and certificates bring their own demo modules
(``exams.demo``, ``certificates.demo``), called from :func:`load`.
"""
from __future__ import annotations

import datetime as dt
import random

from flask import current_app

from certificates import demo as certificates_demo
from exams import demo as exams_demo
from portal import audit
from portal.demo.accounts import load_accounts
from portal.demo.agencies import CITY, announce_entrustments, load_agencies, load_entrustments
from portal.demo.assessment import load_assessments, load_template
from portal.demo.officers import DEMO_OFFICERS, UPDATE_TEST_OFFICER, load_officers
from portal.demo.training import load_courses, load_training


def load(now: dt.datetime) -> str:
    """Load (or complete) the demo and return a summary listing the demo accounts."""
    rng = random.Random(20160301)
    agencies, new_agencies = load_agencies(rng, now)
    new_agreements, announcements = load_entrustments(agencies, now)
    new_officers, numbers = load_officers(rng, agencies, now)
    lines, new_accounts = load_accounts(agencies, now)
    seed = rng.randrange(2 ** 32)
    courses, new_courses = load_courses(agencies, now)
    new_records = load_training(seed, numbers, agencies, courses, now)
    template, new_templates = load_template(agencies[CITY], now)
    new_scores = load_assessments(seed, numbers, template, now)
    exams = exams_demo.load(agencies[CITY].id, seed, set(DEMO_OFFICERS), [UPDATE_TEST_OFFICER], now)
    certificates = certificates_demo.load(seed, now)
    announce_entrustments(announcements, now)  # once the parties' staff hold certificates (行政处罚法第二十一条第二项)
    added = {"agencies": new_agencies, "agreements": new_agreements, "officers": new_officers, "accounts": new_accounts,
             "courses": new_courses, "training_records": new_records, "indicator_templates": new_templates,
             "assessment_scores": new_scores, **{f"exam_{key}": value for key, value in exams.items()},
             **{f"certificate_{key}": value for key, value in certificates.items()}}
    if any(added.values()):
        audit.record(audit.Actor.system("cli:demo"), "demo.load", change=added, now=now)
    password = current_app.config["DEMO_PASSWORD"]
    return "\n".join([
        f"演示数据：新增单位 {new_agencies} 个、委托协议 {new_agreements} 份、人员 {new_officers} 名、账户 {new_accounts} 个、课程 {new_courses} 门、"
        f"培训记录 {new_records} 条、考核指标模板 {new_templates} 套、平时考核评分 {new_scores} 项、"
        f"试题 {exams['questions']} 道、考试 {exams['exams']} 场、考试记录 {exams['attempts']} 份、"
        f"证件 {certificates['certificates']} 本、证件申请 {certificates['applications']} 项、"
        f"待确认的审核 {certificates['reviews']} 项、投诉与表扬 {certificates['complaints']} 件。",
        f"演示账户（密码均为 {password}）：",
        *lines,
    ])
