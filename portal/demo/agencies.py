"""The agencies of the Weihai demo: the tree (with synthetic 统一社会信用代码), each body's confirmation history, and
the entrustment agreements.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from portal import audit
from portal.dates import anniversary
from portal.extensions import db
from portal.orgs.agencies import uscc
from portal.orgs.models import Agency, Agreement, BodyDecision

# (name, short name, kind, region, categories of its officers, head count, parent name, qualification)
CITY = "威海市人民政府"
ENTRUSTED_ORG = "威海市城市管理服务中心"
TREE = [
    (CITY, "威海市政府", "other", "371000", None, 0, None, "pending"),
    ("威海市司法局", "市司法局", "government", "371000", ["综合执法"], 6, CITY, "confirmed"),
    ("威海市综合行政执法局", "市综合执法局", "government", "371000", ["城市管理", "综合执法"], 40, CITY, "confirmed"),
    ("威海市市场监督管理局", "市市场监管局", "government", "371000", ["市场监管"], 30, CITY, "confirmed"),
    ("威海市生态环境局", "市生态环境局", "government", "371000", ["生态环境"], 18, CITY, "confirmed"),
    ("威海市交通运输局", "市交通运输局", "government", "371000", ["交通运输"], 16, CITY, "confirmed"),
    ("威海市自然资源和规划局", "市自然资源局", "government", "371000", ["自然资源"], 12, CITY, "confirmed"),
    ("威海市应急管理局", "市应急局", "government", "371000", ["应急管理"], 10, CITY, "confirmed"),
    ("威海市卫生健康委员会", "市卫健委", "government", "371000", ["卫生健康"], 10, CITY, "confirmed"),
    ("威海市农业农村局", "市农业农村局", "government", "371000", ["农业农村"], 12, CITY, "confirmed"),
    ("威海市文化和旅游局", "市文旅局", "government", "371000", ["文化市场"], 8, CITY, "confirmed"),
    ("威海市住房和城乡建设局", "市住建局", "government", "371000", ["住房城乡建设"], 8, CITY, "confirmed"),
    ("威海市人力资源和社会保障局", "市人社局", "government", "371000", ["人力资源社会保障"], 6, CITY, "confirmed"),
    ("威海市水务局", "市水务局", "government", "371000", ["水务"], 6, CITY, "confirmed"),
    ("威海市海洋发展局", "市海洋发展局", "government", "371000", ["海洋渔业"], 10, CITY, "confirmed"),
    ("威海市公路事业发展中心", "市公路中心", "authorized", "371000", ["交通运输"], 6, CITY, "confirmed"),
    ("威海市物价局", "市物价局", "government", "371000", ["市场监管"], 0, CITY, "cancelled"),
    ("环翠区人民政府", "环翠区", "other", "371002", None, 0, CITY, "pending"),
    ("环翠区司法局", "环翠区司法局", "government", "371002", ["综合执法"], 3, "环翠区人民政府", "confirmed"),
    ("环翠区综合行政执法局", "环翠区综合执法局", "government", "371002", ["城市管理", "综合执法"], 20,
     "环翠区人民政府", "confirmed"),
    ("环翠区市场监督管理局", "环翠区市场监管局", "government", "371002", ["市场监管"], 12, "环翠区人民政府",
     "confirmed"),
    ("环翠区农业农村局", "环翠区农业农村局", "government", "371002", ["农业农村"], 5, "环翠区人民政府", "confirmed"),
    ("环翠区环翠楼街道办事处", "环翠楼街道", "township", "371002", ["综合执法", "城市管理"], 5, "环翠区人民政府",
     "confirmed"),
    ("环翠区鲸园街道办事处", "鲸园街道", "township", "371002", ["综合执法", "城市管理"], 4, "环翠区人民政府",
     "confirmed"),
    ("环翠区张村镇人民政府", "张村镇", "township", "371002", ["综合执法", "农业农村"], 4, "环翠区人民政府",
     "confirmed"),
    ("环翠区羊亭镇人民政府", "羊亭镇", "township", "371002", ["综合执法"], 3, "环翠区人民政府", "pending"),
    ("文登区人民政府", "文登区", "other", "371003", None, 0, CITY, "pending"),
    ("文登区司法局", "文登区司法局", "government", "371003", ["综合执法"], 3, "文登区人民政府", "confirmed"),
    ("文登区综合行政执法局", "文登区综合执法局", "government", "371003", ["城市管理", "综合执法"], 14,
     "文登区人民政府", "confirmed"),
    ("文登区市场监督管理局", "文登区市场监管局", "government", "371003", ["市场监管"], 8, "文登区人民政府",
     "confirmed"),
    ("文登区龙山街道办事处", "龙山街道", "township", "371003", ["综合执法"], 3, "文登区人民政府", "confirmed"),
    ("荣成市人民政府", "荣成市", "other", "371082", None, 0, CITY, "pending"),
    ("荣成市司法局", "荣成市司法局", "government", "371082", ["综合执法"], 3, "荣成市人民政府", "confirmed"),
    ("荣成市综合行政执法局", "荣成市综合执法局", "government", "371082", ["城市管理", "综合执法"], 14,
     "荣成市人民政府", "confirmed"),
    ("荣成市市场监督管理局", "荣成市市场监管局", "government", "371082", ["市场监管"], 8, "荣成市人民政府",
     "confirmed"),
    ("荣成市海洋发展局", "荣成市海洋发展局", "government", "371082", ["海洋渔业"], 6, "荣成市人民政府",
     "confirmed"),
    ("乳山市人民政府", "乳山市", "other", "371083", None, 0, CITY, "pending"),
    ("乳山市司法局", "乳山市司法局", "government", "371083", ["综合执法"], 3, "乳山市人民政府", "confirmed"),
    ("乳山市综合行政执法局", "乳山市综合执法局", "government", "371083", ["城市管理", "综合执法"], 12,
     "乳山市人民政府", "confirmed"),
    ("乳山市市场监督管理局", "乳山市市场监管局", "government", "371083", ["市场监管"], 7, "乳山市人民政府",
     "confirmed"),
    ("威海火炬高技术产业开发区管理委员会", "高区管委会", "other", "371071", None, 0, CITY, "pending"),
    ("威海火炬高技术产业开发区综合行政执法局", "高区综合执法局", "government", "371071", ["城市管理", "综合执法"],
     10, "威海火炬高技术产业开发区管理委员会", "confirmed"),
    ("威海经济技术开发区管理委员会", "经区管委会", "other", "371072", None, 0, CITY, "pending"),
    ("威海经济技术开发区综合行政执法局", "经区综合执法局", "government", "371072", ["城市管理", "综合执法"], 10,
     "威海经济技术开发区管理委员会", "confirmed"),
    ("威海临港经济技术开发区管理委员会", "临港区管委会", "other", "371073", None, 0, CITY, "pending"),
    ("威海临港经济技术开发区综合行政执法局", "临港区综合执法局", "government", "371073", ["城市管理", "综合执法"],
     6, "威海临港经济技术开发区管理委员会", "confirmed"),
    # acts only in 威海市综合行政执法局's name, under the agreements of ENTRUSTMENTS (never a body itself)
    (ENTRUSTED_ORG, "市城管服务中心", "entrusted", "371000", ["城市管理"], 4, "威海市综合行政执法局", "pending"),
]


def org_code(rng: random.Random) -> str:
    """A synthetic 9-character organisation code with its GB 11714 check character."""
    digits = "".join(str(rng.randrange(10)) for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


def synthetic_uscc(rng: random.Random, kind: str, region: str) -> str:
    """A synthetic 统一社会信用代码 with a valid check character."""
    prefix = {"government": "11", "township": "11", "other": "11", "authorized": "12", "entrusted": "12"}[kind]
    first17 = prefix + region + org_code(rng)
    return first17 + uscc.check_character(first17)


def load_agencies(rng: random.Random, now: dt.datetime) -> tuple[dict[str, Agency], int]:
    existing = {a.name: a for a in db.session.scalars(sa.select(Agency)).all()}
    created = 0
    for name, short, kind, region, _cats, _n, parent, status in TREE:
        code = synthetic_uscc(rng, kind, region)  # drawn every run so later codes stay the same
        if name in existing:
            continue
        parent_agency = existing[parent] if parent else None
        agency = Agency(name=name, short_name=short, kind=kind, region_code=region, uscc=code,
                        parent_id=parent_agency.id if parent_agency else None, created_at=now, updated_at=now,
                        qualification_status=status, path="")
        history = _body_history(agency, name, status, now) if status != "pending" else []
        db.session.add(agency)
        db.session.flush()
        for decision in history:
            decision.agency_id = agency.id
        db.session.add_all(history)
        agency.path = f"{parent_agency.path if parent_agency else '/'}{agency.id}/"
        existing[name] = agency
        created += 1
    return existing, created


#: bodies whose re-confirmation the demo shows due soon (dark red) and overdue (bright red)
RECONFIRM_SOON, RECONFIRM_OVERDUE = "威海市水务局", "威海市人力资源和社会保障局"
FIRST_CONFIRMED = dt.date(2016, 6, 1)


def _body_history(agency: Agency, name: str, status: str, now: dt.datetime) -> list[BodyDecision]:
    """A body's decisions as the legal office would have recorded them: confirmed in 2016 under the seed document
    and announced; then re-confirmed (most within the last cycle, one due within 60 days, one overdue) — or, for
    the cancelled body, cancelled in 2019 and announced."""
    today = now.date()
    basis = "威政办发〔2016〕3号 四（一）；机构编制部门“三定”规定"
    steps = [("confirm", FIRST_CONFIRMED, basis, f"经审核，{name}具备行政执法主体资格，现予公告。"),
             ("announce", FIRST_CONFIRMED + dt.timedelta(days=14), None, None)]
    if status == "cancelled":
        steps += [("cancel", dt.date(2019, 3, 1), "机构改革，职责划入威海市发展和改革委员会、威海市市场监督管理局",
                   f"{name}因机构改革撤并，其行政执法主体资格自2019年3月1日起取消。"),
                  ("announce", dt.date(2019, 3, 20), None, None)]
    else:
        due = {RECONFIRM_SOON: today + dt.timedelta(days=40), RECONFIRM_OVERDUE: today - dt.timedelta(days=15)}
        again = anniversary(due[name], -2) if name in due else today - dt.timedelta(days=200)
        steps += [("reconfirm", again, basis, f"经复核，{name}继续具备行政执法主体资格，现予公告。"),
                  ("announce", again + dt.timedelta(days=10), None, None)]
    decisions = []
    for action, day, legal_basis, text in steps:
        decisions.append(BodyDecision(action=action, decided_on=day, legal_basis=legal_basis, announcement_text=text,
                                      actor_label="法制机构（演示数据）", created_at=now))
        if action == "announce":
            agency.announced_on = day
        else:
            agency.qualification_decided_on, agency.qualification_basis, agency.announcement_text = day, legal_basis, text
    return decisions


#: an agreement to announce: its id, the entrusting body's announcement, the entrusted party's
Announcement = tuple[int, dt.date, dt.date]


def load_entrustments(agencies: dict[str, Agency], now: dt.datetime) -> tuple[int, list[Announcement]]:
    """The entrusted organisation's agreements — an expired one and its renewal, filed late — a township entrusted
    under seed 二(三) by its district's enforcement bureau, ending within 30 days, and a department entrusted by
    the city's with 行政许可 (行政许可法第二十四条). Each recorded and filed as the legal office would (the rules of
    SPEC §2.2 checked on the way); returns how many, and their announcements, which :func:`announce_entrustments`
    records once the parties' staff hold certificates (行政处罚法第二十一条第二项)."""
    from portal.orgs.entrustment import services as entrustment

    if db.session.scalar(sa.select(Agreement.id).limit(1)) is not None:
        return 0, []
    today = now.date()
    actor = audit.Actor.system("demo")
    document = (b"%PDF-1.4\n% demo: the signed agreement would be the scanned original\n"
                b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    city = agencies["威海市综合行政执法局"]
    common = dict(rights_obligations="委托机关负责监督受委托组织实施委托事项，对其行为的后果承担法律责任；受委托组织在委托范围内以"
                                     "委托机关名义实施，不得再委托其他组织或者个人。",
                  liability="受委托组织超越委托范围或者违法实施的，委托机关依法追究责任并可以解除本协议。",
                  document=document, document_name="委托协议（签章扫描件）.pdf")
    plans = [
        (city, agencies[ENTRUSTED_ORG], dict(
            legal_basis="《中华人民共和国行政处罚法》第二十条、第二十一条；威政办发〔2016〕3号 四（三）",
            matters="市区主次干道、广场的市容环境卫生、户外广告设置的日常巡查，以及对违反城市市容和环境卫生管理规定行为的行政处罚",
            powers=["penalty", "inspection"], meets_article_21=True),
         # two-year terms: the one before, and its renewal in force since 1 January (dates follow the day of loading,
         # so that a demo loaded on any day has them so)
         [(dt.date(today.year - 2, 1, 1), dt.date(today.year - 1, 12, 31), dt.date(today.year - 3, 12, 10), 5, 3),
          (dt.date(today.year, 1, 1), dt.date(today.year + 1, 12, 31), dt.date(today.year - 1, 12, 1), 15, 4)]),
        (agencies["环翠区综合行政执法局"], agencies["环翠区羊亭镇人民政府"], dict(
            legal_basis="《中华人民共和国行政处罚法》第二十条；威政办发〔2016〕3号 二（三）",
            matters="羊亭镇辖区内违法建设的巡查，以及对违反城乡规划管理规定行为的行政处罚",
            powers=["penalty", "inspection"], meets_article_21=True),
         [(today - dt.timedelta(days=700), today + dt.timedelta(days=20), today - dt.timedelta(days=710), 6, 2)]),
        (agencies["威海市海洋发展局"], agencies["荣成市海洋发展局"], dict(
            legal_basis="《中华人民共和国行政许可法》第二十四条；威政办发〔2016〕3号 四（三）",
            matters="荣成市辖区内近海作业渔船捕捞许可申请的受理、审查和决定，以及对被许可人从事许可事项活动的监督检查",
            powers=["licensing", "inspection"], meets_article_21=False),
         [(today - dt.timedelta(days=300), today + dt.timedelta(days=430), today - dt.timedelta(days=320), 4, 5)]),
    ]
    made, announcements = 0, []
    for entrusting, entrusted, terms, periods in plans:
        previous = None
        for starts, ends, signed, filing_days, announce_days in periods:
            data = entrustment.AgreementData(entrusting_id=entrusting.id, entrusted_id=entrusted.id, starts_on=starts,
                                             ends_on=ends, signed_on=signed,
                                             renews_id=previous.id if previous else None, **terms, **common)
            row = entrustment.create(data, actor=actor, now=now)
            filed = signed + dt.timedelta(days=filing_days)
            entrustment.file(row, filed, actor=actor, now=now)
            announced = filed + dt.timedelta(days=announce_days)
            announcements.append((row.id, announced, announced + dt.timedelta(days=1)))
            previous = row
            made += 1
    return made, announcements


def announce_entrustments(announcements: list[Announcement], now: dt.datetime) -> None:
    """Record both parties' announcements of the agreements :func:`load_entrustments` filed, the latest first (so
    that a renewal is in force before its predecessor is found expired, and no certificate is held on the way)."""
    from portal.orgs.entrustment import services as entrustment

    actor = audit.Actor.system("demo")
    for agreement_id, announced, entrusted_announced in reversed(announcements):
        entrustment.announce(db.session.get(Agreement, agreement_id), announced, actor=actor, now=now,
                             entrusted_announced_on=entrusted_announced)
