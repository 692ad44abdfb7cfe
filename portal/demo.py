"""Demo data for Weihai (``flask --app wsgi demo load``): the agency tree, 300+ officers, the demo accounts, a
course catalogue with four calendar years of training records, and eight quarters of routine assessment.

Deterministic and idempotent: agencies are matched by name, officers by ID number, accounts by user name,
courses by title, training records by (officer, title, date) or external id, the indicator template by name
and scores by their primary key, so a second run adds nothing. Training and scores are drawn from random
generators seeded per officer (and year or quarter), so they depend neither on database ids nor on what else
exists. Every 统一社会信用代码, ID number and phone number here is synthetic (valid check characters, no real
person or organisation).
"""
from __future__ import annotations

import datetime as dt
import io
import random
import zlib
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageDraw

from certificates import demo as certificates_demo
from exams import demo as exams_demo
from portal import audit
from portal.assessment.models import GROUPS, AssessmentScore, Indicator, IndicatorTemplate
from portal.auth import passwords
from portal.auth.models import User
from portal.dates import anniversary
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer, OfficerCategory, OfficerPhoto
from portal.orgs import uscc
from portal.orgs.models import Agency, Agreement, BodyDecision
from portal.training import requirements
from portal.training.models import CATEGORIES, Course, TrainingRecord

DEMO_OFFICERS = {
    # ID number: (name, agency, post, categories) — the two officer accounts of SPEC §3
    "371002199003071233": ("王建国", "威海市综合行政执法局", "执法中队长", ["城市管理", "综合执法"]),
    "371002198805120047": ("李晓梅", "威海市综合行政执法局", "执法队员", ["城市管理", "综合执法"]),
}

#: the demo officer enrolled in the coming update test (named, as an update test has no open audience)
UPDATE_TEST_OFFICER = "371002199003071233"

# (name, short name, kind, region, categories of its officers, head count, parent name, qualification)
_CITY = "威海市人民政府"
ENTRUSTED_ORG = "威海市城市管理服务中心"
TREE = [
    (_CITY, "威海市政府", "other", "371000", None, 0, None, "pending"),
    ("威海市司法局", "市司法局", "government", "371000", ["综合执法"], 6, _CITY, "confirmed"),
    ("威海市综合行政执法局", "市综合执法局", "government", "371000", ["城市管理", "综合执法"], 40, _CITY, "confirmed"),
    ("威海市市场监督管理局", "市市场监管局", "government", "371000", ["市场监管"], 30, _CITY, "confirmed"),
    ("威海市生态环境局", "市生态环境局", "government", "371000", ["生态环境"], 18, _CITY, "confirmed"),
    ("威海市交通运输局", "市交通运输局", "government", "371000", ["交通运输"], 16, _CITY, "confirmed"),
    ("威海市自然资源和规划局", "市自然资源局", "government", "371000", ["自然资源"], 12, _CITY, "confirmed"),
    ("威海市应急管理局", "市应急局", "government", "371000", ["应急管理"], 10, _CITY, "confirmed"),
    ("威海市卫生健康委员会", "市卫健委", "government", "371000", ["卫生健康"], 10, _CITY, "confirmed"),
    ("威海市农业农村局", "市农业农村局", "government", "371000", ["农业农村"], 12, _CITY, "confirmed"),
    ("威海市文化和旅游局", "市文旅局", "government", "371000", ["文化市场"], 8, _CITY, "confirmed"),
    ("威海市住房和城乡建设局", "市住建局", "government", "371000", ["住房城乡建设"], 8, _CITY, "confirmed"),
    ("威海市人力资源和社会保障局", "市人社局", "government", "371000", ["人力资源社会保障"], 6, _CITY, "confirmed"),
    ("威海市水务局", "市水务局", "government", "371000", ["水务"], 6, _CITY, "confirmed"),
    ("威海市海洋发展局", "市海洋发展局", "government", "371000", ["海洋渔业"], 10, _CITY, "confirmed"),
    ("威海市公路事业发展中心", "市公路中心", "authorized", "371000", ["交通运输"], 6, _CITY, "confirmed"),
    ("威海市物价局", "市物价局", "government", "371000", ["市场监管"], 0, _CITY, "cancelled"),
    ("环翠区人民政府", "环翠区", "other", "371002", None, 0, _CITY, "pending"),
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
    ("文登区人民政府", "文登区", "other", "371003", None, 0, _CITY, "pending"),
    ("文登区司法局", "文登区司法局", "government", "371003", ["综合执法"], 3, "文登区人民政府", "confirmed"),
    ("文登区综合行政执法局", "文登区综合执法局", "government", "371003", ["城市管理", "综合执法"], 14,
     "文登区人民政府", "confirmed"),
    ("文登区市场监督管理局", "文登区市场监管局", "government", "371003", ["市场监管"], 8, "文登区人民政府",
     "confirmed"),
    ("文登区龙山街道办事处", "龙山街道", "township", "371003", ["综合执法"], 3, "文登区人民政府", "confirmed"),
    ("荣成市人民政府", "荣成市", "other", "371082", None, 0, _CITY, "pending"),
    ("荣成市司法局", "荣成市司法局", "government", "371082", ["综合执法"], 3, "荣成市人民政府", "confirmed"),
    ("荣成市综合行政执法局", "荣成市综合执法局", "government", "371082", ["城市管理", "综合执法"], 14,
     "荣成市人民政府", "confirmed"),
    ("荣成市市场监督管理局", "荣成市市场监管局", "government", "371082", ["市场监管"], 8, "荣成市人民政府",
     "confirmed"),
    ("荣成市海洋发展局", "荣成市海洋发展局", "government", "371082", ["海洋渔业"], 6, "荣成市人民政府",
     "confirmed"),
    ("乳山市人民政府", "乳山市", "other", "371083", None, 0, _CITY, "pending"),
    ("乳山市司法局", "乳山市司法局", "government", "371083", ["综合执法"], 3, "乳山市人民政府", "confirmed"),
    ("乳山市综合行政执法局", "乳山市综合执法局", "government", "371083", ["城市管理", "综合执法"], 12,
     "乳山市人民政府", "confirmed"),
    ("乳山市市场监督管理局", "乳山市市场监管局", "government", "371083", ["市场监管"], 7, "乳山市人民政府",
     "confirmed"),
    ("威海火炬高技术产业开发区管理委员会", "高区管委会", "other", "371071", None, 0, _CITY, "pending"),
    ("威海火炬高技术产业开发区综合行政执法局", "高区综合执法局", "government", "371071", ["城市管理", "综合执法"],
     10, "威海火炬高技术产业开发区管理委员会", "confirmed"),
    ("威海经济技术开发区管理委员会", "经区管委会", "other", "371072", None, 0, _CITY, "pending"),
    ("威海经济技术开发区综合行政执法局", "经区综合执法局", "government", "371072", ["城市管理", "综合执法"], 10,
     "威海经济技术开发区管理委员会", "confirmed"),
    ("威海临港经济技术开发区管理委员会", "临港区管委会", "other", "371073", None, 0, _CITY, "pending"),
    ("威海临港经济技术开发区综合行政执法局", "临港区综合执法局", "government", "371073", ["城市管理", "综合执法"],
     6, "威海临港经济技术开发区管理委员会", "confirmed"),
    # acts only in 威海市综合行政执法局's name, under the agreements of ENTRUSTMENTS (never a body itself)
    (ENTRUSTED_ORG, "市城管服务中心", "entrusted", "371000", ["城市管理"], 4, "威海市综合行政执法局", "pending"),
]

REGION_NAMES = {"371000": "威海市区", "371002": "环翠区", "371003": "文登区", "371082": "荣成市", "371083": "乳山市",
                "371071": "高区", "371072": "经区", "371073": "临港区"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红志海波宁鹏飞晓东林雪梅宇浩然俊斌蕾婷欣怡子涵"
POSTS = ["执法队员", "执法队员", "执法队员", "科员", "科员", "中队长", "副科长", "科长", "副大队长"]
BIRTH_REGIONS = ["371002", "371002", "371003", "371082", "371083", "370102", "370202", "370602"]


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


def synthetic_id(rng: random.Random, born: dt.date, male: bool) -> str:
    """A synthetic ID number for ``born`` with a valid check character."""
    seq = rng.randrange(0, 99)
    gender_digit = rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{rng.choice(BIRTH_REGIONS)}{born:%Y%m%d}{seq:02d}{gender_digit}"
    return first17 + idcard.check_character(first17)


def demo_photo(rng: random.Random, male: bool) -> tuple[bytes, int, int]:
    """A plain head-and-shoulders silhouette, so demo certificates have a photo."""
    width, height = 240, 320
    image = Image.new("RGB", (width, height), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    tone = rng.choice([(60, 60, 70), (40, 40, 50), (80, 70, 70)])
    draw.ellipse((70, 50, 170, 170), fill=(236, 206, 180))
    draw.pieslice((70, 40, 170, 140), 180, 360, fill=tone)
    draw.rounded_rectangle((30, 190, 210, 340), radius=60, fill=(30, 50, 80) if male else (40, 60, 95))
    draw.polygon([(105, 190), (135, 190), (120, 230)], fill=(245, 245, 245))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue(), width, height


def _agencies(rng: random.Random, now: dt.datetime) -> tuple[dict[str, Agency], int]:
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


def _entrustments(agencies: dict[str, Agency], now: dt.datetime) -> int:
    """The entrusted organisation's agreements — an expired one and its renewal, in force and filed late — and a
    township entrusted under seed 二(三) by its district's enforcement bureau, ending within 30 days. Each recorded,
    filed and announced as the legal office would (the rules of SPEC §2.2 checked on the way)."""
    from portal.orgs import entrustment

    if db.session.scalar(sa.select(Agreement.id).limit(1)) is not None:
        return 0
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
         [(dt.date(2024, 1, 1), dt.date(2025, 12, 31), dt.date(2023, 12, 10), 5, 3),
          (dt.date(2026, 1, 1), dt.date(2027, 12, 31), dt.date(2025, 12, 1), 15, 4)]),
        (agencies["环翠区综合行政执法局"], agencies["环翠区羊亭镇人民政府"], dict(
            legal_basis="《中华人民共和国行政处罚法》第二十条；威政办发〔2016〕3号 二（三）",
            matters="羊亭镇辖区内违法建设的巡查，以及对违反城乡规划管理规定行为的行政处罚",
            powers=["penalty", "inspection"], meets_article_21=True),
         [(today - dt.timedelta(days=700), today + dt.timedelta(days=20), today - dt.timedelta(days=710), 6, 2)]),
    ]
    made = 0
    for entrusting, entrusted, terms, periods in plans:
        previous = None
        for starts, ends, signed, filing_days, announce_days in periods:
            data = entrustment.AgreementData(entrusting_id=entrusting.id, entrusted_id=entrusted.id, starts_on=starts,
                                             ends_on=ends, signed_on=signed,
                                             renews_id=previous.id if previous else None, **terms, **common)
            row = entrustment.create(data, actor=actor, now=now)
            entrustment.file(row, signed + dt.timedelta(days=filing_days), actor=actor, now=now)
            entrustment.announce(row, signed + dt.timedelta(days=filing_days + announce_days), actor=actor, now=now)
            previous = row
            made += 1
    return made


def _officer_rows(rng: random.Random, agencies: dict[str, Agency], today: dt.date):
    for name, _short, _kind, region, cats, count, _parent, _status in TREE:
        for _ in range(count):
            male = rng.random() < 0.62
            born = dt.date(1966, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 34))
            id_number = synthetic_id(rng, born, male)
            hired = born.replace(day=1) + dt.timedelta(days=365 * rng.randint(22, 30) + rng.randrange(0, 300))
            hired = min(hired, today - dt.timedelta(days=30))
            roll = rng.random()
            status = "on_duty" if roll < 0.93 else ("left_post" if roll < 0.97 else "retired")
            yield {
                "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
                "gender": "M" if male else "F", "birth_date": born, "id_number": id_number,
                "agency": agencies[name], "post": rng.choice(POSTS),
                "categories": rng.sample(cats, k=rng.randint(1, len(cats))),
                "region": REGION_NAMES.get(region, "威海市") + ("全域" if region != "371000" else ""),
                "mobile": f"1{rng.choice('3578')}{rng.randrange(10 ** 9):09d}", "hired_on": hired,
                "status": status, "status_changed_on": None if status == "on_duty" else today - dt.timedelta(
                    days=rng.randrange(30, 700)),
                "photo": rng.random() < 0.92 or status != "on_duty", "male": male,
            }


#: a domain reserved for examples (RFC 2606's example.* family): demo mail can never reach a real person
DEMO_MAIL_DOMAIN = "example.gov.cn"


def demo_email(id_number: str) -> str:
    """A synthetic address for a demo officer, derived from the (synthetic) ID number."""
    return f"zf{id_number[-8:].lower()}@{DEMO_MAIL_DOMAIN}"


def _officers(rng: random.Random, agencies: dict[str, Agency], now: dt.datetime) -> tuple[int, list[str]]:
    """Create the missing demo officers; returns how many, and the ID numbers of every demo officer."""
    today = now.date()
    rows = list(_officer_rows(rng, agencies, today))
    for id_number, (name, agency_name, post, cats) in DEMO_OFFICERS.items():
        rows.append({
            "name": name, "gender": idcard.gender(id_number), "birth_date": idcard.birth_date(id_number),
            "id_number": id_number, "agency": agencies[agency_name], "post": post, "categories": cats,
            "region": "威海市区", "mobile": "13806310000" if id_number.endswith("3") else "13806310001",
            "hired_on": dt.date(2014, 7, 1), "status": "on_duty", "status_changed_on": None, "photo": True,
            "male": idcard.gender(id_number) == "M",
        })
    existing = set(db.session.scalars(sa.select(Officer.id_number)).all())
    created = 0
    for row in rows:
        photo = demo_photo(rng, row["male"]) if row["photo"] else None
        if row["id_number"] in existing:
            continue
        existing.add(row["id_number"])
        officer = Officer(
            name=row["name"], gender=row["gender"], birth_date=row["birth_date"], id_number=row["id_number"],
            agency_id=row["agency"].id, post=row["post"], region=row["region"], mobile=row["mobile"],
            email=demo_email(row["id_number"]),
            hired_on=row["hired_on"], status=row["status"], status_changed_on=row["status_changed_on"],
            has_photo=photo is not None, created_at=now, updated_at=now,
            category_rows=[OfficerCategory(name=c) for c in row["categories"]],
        )
        db.session.add(officer)
        db.session.flush()
        if photo is not None:
            data, width, height = photo
            db.session.add(OfficerPhoto(officer_id=officer.id, data=data, width=width, height=height,
                                        uploaded_at=now))
        created += 1
    return created, [row["id_number"] for row in rows]


def _accounts(agencies: dict[str, Agency], now: dt.datetime) -> tuple[list[str], int]:
    password = current_app.config["DEMO_PASSWORD"]
    digest = passwords.hash_password(password)
    staff = [
        ("admin", "系统管理员", "admin", []),
        ("legal", "市司法局审核员", "legal", [_CITY]),
        ("legal_huancui", "环翠区司法局审核员", "legal", ["环翠区人民政府"]),
        ("hr", "市综合执法局人事管理员", "hr", ["威海市综合行政执法局"]),
    ]
    lines, created = [], 0
    for username, display, role, scope in staff:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display, role=role, password_hash=digest,
                        must_change_password=False, created_at=now, email=f"{username}@{DEMO_MAIL_DOMAIN}")
            user.scopes = [agencies[name] for name in scope]
            db.session.add(user)
            created += 1
        scope_text = "、".join(agencies[name].short_name for name in scope) or "全部"
        lines.append(f"  {username:<16} {user.role_label}（范围：{scope_text}）")
    for id_number in DEMO_OFFICERS:
        officer = db.session.scalar(sa.select(Officer).where(Officer.id_number == id_number))
        user = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
        if user is None:
            db.session.add(User(role="officer", officer_id=officer.id, display_name=officer.name,
                                password_hash=digest, must_change_password=False, created_at=now))
            created += 1
        lines.append(f"  {id_number} 执法人员 {officer.name}（{officer.agency.short_name}）")
    return lines, created


# --- Training (SPEC §2.4): a course catalogue and four calendar years of records ----------------------------

CITY_LEGAL = "威海市司法局"
ONLINE_PLATFORM = "山东省司法厅网络培训平台"
PARTY_SCHOOL = "中共威海市委党校"

# (title, category, hours, provider, mode, owning agency, first day counted from the load date, days)
COURSES = [
    ("《中华人民共和国行政处罚法》专题培训", "public_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -290, 1),
    ("行政复议与行政诉讼应诉实务", "public_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -200, 1),
    ("《行政许可法》《行政强制法》重点条款解读", "public_law", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -120, 1),
    ("全市行政执法人员公共法律知识网络专题学习", "public_law", 8, ONLINE_PLATFORM, "online", CITY_LEGAL, -160, 61),
    ("《政府信息公开条例》与行政执法公示", "public_law", 3, ONLINE_PLATFORM, "online", CITY_LEGAL, 12, 30),
    ("行政执法程序规范", "professional_law", 6, CITY_LEGAL, "classroom", CITY_LEGAL, -250, 1),
    ("听证程序与重大执法决定法制审核实务", "professional_law", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -60, 1),
    ("城市管理综合执法业务骨干培训班", "professional_law", 8, "威海市综合行政执法局", "classroom",
     "威海市综合行政执法局", -95, 2),
    ("市场监管行政处罚案件办理实务", "professional_law", 6, "威海市市场监督管理局", "classroom",
     "威海市市场监督管理局", -180, 1),
    ("生态环境执法文书制作与案卷评查", "professional_law", 4, "威海市生态环境局", "classroom", "威海市生态环境局",
     -40, 1),
    ("交通运输行政执法证据收集与固定", "professional_law", 4, "威海市交通运输局", "classroom", "威海市交通运输局",
     -130, 1),
    ("执法礼仪与职业道德", "ethics", 4, CITY_LEGAL, "classroom", CITY_LEGAL, -75, 1),
    ("行政执法人员廉洁从政警示教育", "ethics", 3, CITY_LEGAL, "classroom", CITY_LEGAL, -220, 1),
    ("执法沟通与舆情应对", "ethics", 4, ONLINE_PLATFORM, "online", CITY_LEGAL, 30, 45),
]

# Training outside the catalogue, per category: (title, provider, mode); {year}, {field} (a category of the
# officer's agency) and {agency} are filled in. The provincial platform's own courses (taken by some officers
# this year and last) came by its API this year and by importing its export last year, with its record number
# as the external id.
TOPICS = {
    "public_law": [
        ("习近平法治思想专题学习", PARTY_SCHOOL, "classroom"),
        ("《中华人民共和国行政处罚法》专题培训", CITY_LEGAL, "classroom"),
        ("《中华人民共和国民法典》与行政执法", CITY_LEGAL, "classroom"),
        ("《行政复议法》（2023年修订）解读", CITY_LEGAL, "classroom"),
        ("《国家赔偿法》与行政执法风险防范", CITY_LEGAL, "classroom"),
        ("宪法学习与宪法宣誓", "{agency}", "classroom"),
        ("《优化营商环境条例》与包容审慎监管", "{agency}", "classroom"),
        ("{year}年度全省行政执法人员网络培训（公共法律知识）", ONLINE_PLATFORM, "online"),
    ],
    "professional_law": [
        ("{field}领域法律法规专题培训", "{agency}", "classroom"),
        ("{field}领域典型案例研讨", "{agency}", "classroom"),
        ("行政执法案卷评查与执法文书规范", CITY_LEGAL, "classroom"),
        ("行政执法证据收集与固定", CITY_LEGAL, "classroom"),
        ("行政执法“三项制度”实务", CITY_LEGAL, "classroom"),
        ("行政强制措施实施规范", "{agency}", "classroom"),
        ("{year}年度全省行政执法人员网络培训（专业法律知识）", ONLINE_PLATFORM, "online"),
    ],
    "ethics": [
        ("执法礼仪与职业道德", CITY_LEGAL, "classroom"),
        ("廉洁从政警示教育", "{agency}", "classroom"),
        ("执法沟通技巧与群众工作方法", PARTY_SCHOOL, "classroom"),
        ("执法风险防范与心理调适", "{agency}", "classroom"),
        ("新时代公务员职业道德建设", PARTY_SCHOOL, "classroom"),
        ("{year}年度全省行政执法人员网络培训（职业素养）", ONLINE_PLATFORM, "online"),
    ],
}
PLATFORM_SHARE = 0.4  # officers who took the platform's own courses in a year
TRAINING_YEARS = 4  # the load date's calendar year and the three before it
SHORT_THIS_YEAR, SHORT_EARLIER = 0.15, 0.05  # share of officers short of the annual requirement
PIECES = (8, 12, 12, 16, 16, 16)  # half-hours of one record when a category's hours are split: 4–8 hours
CHUNK = 2000  # rows per bulk INSERT


class _Class(NamedTuple):
    """A course of the catalogue as the training generator needs it (plain values: read some 20,000 times)."""

    id: int
    title: str
    category: str
    half_hours: int
    provider: str
    mode: str
    starts_on: dt.date
    ends_on: dt.date
    agency_id: int
    city_wide: bool  # run by 威海市司法局 for every agency; otherwise for the owning agency's officers


def _seeded(seed: int, *parts) -> random.Random:
    """A generator for one officer (and year or quarter): the same numbers whatever is in the database."""
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def _insert(model, rows: list[dict]) -> None:
    """A Core executemany per chunk (the rows' keys are the table's column names)."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model.__table__), rows[start:start + CHUNK])


def _day(rng: random.Random, first: dt.date, last: dt.date, weekday: bool = True) -> dt.date:
    """A day between ``first`` and ``last`` — with ``weekday``, Monday to Friday unless the range has none."""
    span = (last - first).days + 1
    day = first + dt.timedelta(days=rng.randrange(span))
    if weekday and span > 2:
        for _ in range(10):
            if day.weekday() < 5:
                break
            day = first + dt.timedelta(days=rng.randrange(span))
    return day


def _courses(agencies: dict[str, Agency], now: dt.datetime) -> tuple[list[Course], int]:
    """The catalogue, in :data:`COURSES` order; a course already there (by title) keeps its dates."""
    existing = {c.title: c for c in db.session.scalars(sa.select(Course)).all()}
    new = []
    for title, category, hours, provider, mode, owner, offset, days in COURSES:
        if title in existing:
            continue
        starts = now.date() + dt.timedelta(days=offset)
        while mode == "classroom" and starts.weekday() + days > 5:  # Monday to Friday
            starts -= dt.timedelta(days=1)
        course = Course(title=title, category=category, half_hours=hours * 2, provider=provider, mode=mode,
                        starts_on=starts, ends_on=starts + dt.timedelta(days=days - 1),
                        agency_id=agencies[owner].id, created_at=now)
        existing[title] = course
        new.append(course)
    db.session.add_all(new)
    db.session.flush()
    return [existing[entry[0]] for entry in COURSES], len(new)


def _training_window(year: int, today: dt.date, officer) -> tuple[dt.date, dt.date] | None:
    """The days of ``year`` on which the officer trained: 2 January (or 1 January this year, when it is all
    there is) to 31 December — or, this year, to the day before the load date, so this year's hours also count
    towards the pre-exam rule (the 365 days before the load date) — within the officer's service."""
    if year < today.year:
        first, last = dt.date(year, 1, 2), dt.date(year, 12, 31)
    else:
        last = max(today - dt.timedelta(days=1), dt.date(year, 1, 1))
        first = min(dt.date(year, 1, 2), last)
    first = max(first, officer.hired_on)
    if officer.status != "on_duty" and officer.status_changed_on:
        last = min(last, officer.status_changed_on)
    return (first, last) if first <= last else None


def _targets(rng: random.Random, need: dict[str, int], short_share: float,
             protected: bool) -> tuple[dict[str, int], set[str]]:
    """Half-hours to reach per category in one year, and the categories left short.

    Met: each minimum plus up to a quarter more (topped up to the total minimum). Short (``short_share`` of
    officers, never the demo accounts): one category — most often ethics — or two, 0.5 to half the minimum
    below; or barely started (under half of every minimum).
    """
    categories = [c for c in CATEGORIES if need[c] >= 4]
    short: set[str] = set()
    barely = False
    if not protected and categories and rng.random() < short_share:
        kind = rng.random()
        if kind < 0.7:
            short = {rng.choices(categories, weights=[2 if c == "ethics" else 1 for c in categories])[0]}
        elif kind < 0.85:
            short = set(rng.sample(categories, min(2, len(categories))))
        else:
            short, barely = set(categories), True
    targets = {}
    for category in CATEGORIES:
        minimum = need[category] * 2
        if barely:
            amount = rng.randint(0, minimum // 2)
            targets[category] = amount if amount >= 4 else 0
        elif category in short:
            targets[category] = minimum - rng.randint(1, need[category])
        else:
            targets[category] = minimum + rng.randint(0, need[category]) // 2
    missing = need["total"] * 2 - sum(targets.values())
    if missing > 0 and not short:
        targets[rng.choice(["public_law", "professional_law"])] += missing
    return targets, short


def _split(rng: random.Random, half_hours: int) -> list[int]:
    """``half_hours`` (0, or 4 and more) as records of 2 to 8 hours."""
    pieces = []
    while half_hours > 0:
        if half_hours <= 16 and (half_hours < 12 or rng.random() < 0.75):
            piece = half_hours
        else:
            piece = rng.choice([p for p in PIECES if half_hours - p >= 4])
        pieces.append(piece)
        half_hours -= piece
    return pieces


def _officer_year(rng: random.Random, officer, year: int, window: tuple[dt.date, dt.date],
                  need: dict[str, int], classes: list[_Class], agency_name: str, fields: list[str],
                  now: dt.datetime) -> list[dict]:
    """One officer's training records in one calendar year: classes of the catalogue (within ``window``,
    the city-wide ones for some officers, the own agency's for most of its officers), then other training up
    to the year's targets (see :func:`_targets`), in records of 2 to 8 hours on days within ``window``."""
    today = now.date()
    first, last = window
    targets, short = _targets(rng, need, SHORT_THIS_YEAR if year == today.year else SHORT_EARLIER,
                              officer.id_number in DEMO_OFFICERS)
    rows, taken = [], set()

    def add(title, category, half_hours, day, provider, mode, course_id=None):
        tries = 0
        while (title, day) in taken and tries < 20:
            day, tries = _day(rng, first, last, mode == "classroom"), tries + 1
        if (title, day) in taken:
            return
        taken.add((title, day))
        source = external_id = note = None
        if provider == ONLINE_PLATFORM and course_id is None:
            source = "api" if year == today.year else "import"
            external_id = f"SDZFPX{year}-{zlib.crc32(f'{officer.id_number}:{title}'.encode()):08X}"
            note = None if source == "api" else "山东省司法厅网络培训平台年度学时导出，批量导入"
        rows.append({"officer_id": officer.id, "course_id": course_id, "title": title, "category": category,
                     "half_hours": half_hours, "completed_on": day, "provider": provider,
                     "source": source or "manual", "external_id": external_id, "recorded_by": None,
                     "note": note, "created_at": now})

    had = dict.fromkeys(CATEGORIES, 0)
    for course in classes:
        roll = rng.random()
        chance = 0.8 if course.agency_id == officer.agency_id else 0.3 if course.city_wide else 0.0
        if course.category in short or roll >= chance:
            continue
        if course.mode == "classroom":
            day = course.ends_on
            if not first <= day <= last:
                continue
        else:
            start, end = max(course.starts_on, first), min(course.ends_on, last)
            if start > end:
                continue
            day = _day(rng, start, end, weekday=False)
        add(course.title, course.category, course.half_hours, day, course.provider, course.mode, course.id)
        had[course.category] += course.half_hours

    course_titles = {title for title, *_ in taken}
    platform = year >= today.year - 1 and rng.random() < PLATFORM_SHARE
    for category, topics in TOPICS.items():
        remaining = targets[category] - had[category]
        remaining = 0 if remaining <= 0 else max(remaining, 4)
        pool = [t for t in topics if t[0].format(year=year, field="", agency="") not in course_titles
                and (t[1] != ONLINE_PLATFORM or platform)]
        pool = rng.sample(pool, len(pool))
        for index, half_hours in enumerate(_split(rng, remaining)):
            title, provider, mode = pool[index % len(pool)]
            fill = {"year": year, "field": rng.choice(fields), "agency": agency_name}
            add(title.format(**fill), category, half_hours, _day(rng, first, last, mode == "classroom"),
                provider.format(**fill), mode)
    return rows


def _training(seed: int, numbers: list[str], agencies: dict[str, Agency], courses: list[Course],
              now: dt.datetime) -> int:
    """Four calendar years of training for the demo officers, up to the day before the load date.

    An officer's year that already has training is left alone (so a later run, whose dates would shift with
    its load date, adds nothing); otherwise records are matched by (officer, title, date) and external id.
    """
    today = now.date()
    years = range(today.year - TRAINING_YEARS + 1, today.year + 1)
    need = requirements.minimums("annual")
    fields = {name: cats for name, _s, _k, _r, cats, *_ in TREE if cats}
    by_id = {agency.id: agency for agency in agencies.values()}
    city_legal = agencies[CITY_LEGAL].id
    classes = [_Class(c.id, c.title, c.category, c.half_hours, c.provider, c.mode, c.starts_on, c.ends_on,
                      c.agency_id, c.agency_id == city_legal) for c in courses]
    officers = {o.id_number: o for o in db.session.execute(sa.select(
        Officer.id, Officer.id_number, Officer.agency_id, Officer.status, Officer.hired_on,
        Officer.status_changed_on)).all()}

    existing = db.session.execute(sa.select(TrainingRecord.officer_id, TrainingRecord.title,
                                            TrainingRecord.completed_on)
                                  .where(TrainingRecord.completed_on >= dt.date(years[0], 1, 1))).all()
    trained_years = {(officer_id, day.year) for officer_id, _title, day in existing}
    keys = {(officer_id, title, day) for officer_id, title, day in existing}
    external_ids = set(db.session.scalars(sa.select(TrainingRecord.external_id)
                                          .where(TrainingRecord.external_id.is_not(None))).all())
    new = []
    for number in sorted(set(numbers)):
        officer = officers[number]
        agency = by_id[officer.agency_id]
        for year in years:
            window = _training_window(year, today, officer)
            if window is None or (officer.id, year) in trained_years:
                continue
            rows = _officer_year(_seeded(seed, number, year), officer, year, window, need, classes,
                                 agency.name, fields.get(agency.name, ["综合执法"]), now)
            for row in rows:
                key = (row["officer_id"], row["title"], row["completed_on"])
                if key in keys or row["external_id"] in external_ids:
                    continue
                keys.add(key)
                if row["external_id"]:
                    external_ids.add(row["external_id"])
                new.append(row)
    _insert(TrainingRecord, new)
    return len(new)


# --- Routine assessment (SPEC §2.5): one template, eight quarters of scores ---------------------------------

TEMPLATE_NAME = "2025年度执法人员平时考核指标"
# (group, indicator, weight, how far this indicator's scores lean from the officer's level)
INDICATORS = [
    ("general", "政治素质", 10, 2.0),
    ("general", "工作作风", 10, 0.0),
    ("general", "廉洁自律", 10, 3.0),
    ("specialised", "执法办案质量", 20, -1.5),
    ("specialised", "执法程序规范", 15, 0.0),
    ("specialised", "执法文书制作", 15, -2.0),
    ("external", "群众满意度", 10, 0.5),
    ("external", "投诉处理", 10, 1.0),
]
_LEAN = {name: lean for _group, name, _weight, lean in INDICATORS}
QUARTERS = 8
# an officer's usual level: (share of officers, lowest, highest) — mostly 好 and 较好, some 一般
LEVELS = [(0.55, 89.0, 96.0), (0.33, 78.0, 89.0), (0.12, 63.0, 75.0)]
POOR_QUARTER = 0.005  # chance of a 较差 quarter: some 2–3 % of officers have one in eight quarters


def demo_quarters(today: dt.date, count: int = QUARTERS) -> list[tuple[int, int]]:
    """The ``count`` quarters ending with the last one completed before ``today``, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        quarters.append((year, quarter))
    return quarters[::-1]


def _quarter_end(year: int, quarter: int) -> dt.date:
    return dt.date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1)


def _template(city: Agency, now: dt.datetime) -> tuple[IndicatorTemplate, int]:
    """The city's template (the tree's root is its jurisdiction: every agency uses it)."""
    template = db.session.scalar(sa.select(IndicatorTemplate).where(IndicatorTemplate.agency_id == city.id,
                                                                    IndicatorTemplate.name == TEMPLATE_NAME))
    if template is not None:
        return template, 0
    order = list(GROUPS)
    positions: dict[str, int] = {}
    indicators = []
    for group, name, weight, _lean in INDICATORS:
        positions[group] = positions.get(group, 0) + 1
        indicators.append(Indicator(group=group, group_order=order.index(group), position=positions[group],
                                    name=name, weight=weight))
    template = IndicatorTemplate(agency_id=city.id, name=TEMPLATE_NAME, active=True, created_at=now,
                                 indicators=indicators)
    db.session.add(template)
    db.session.flush()
    return template, 1


def _officer_quarter(rng: random.Random, level: float, indicators: list[Indicator]) -> list[int]:
    """Scores in tenths (half points) for one quarter; now and then a 较差 quarter."""
    base = rng.uniform(47.0, 57.0) if rng.random() < POOR_QUARTER else level + rng.gauss(0, 2.0)
    scores = []
    for indicator in indicators:
        score = base + _LEAN.get(indicator.name, 0.0) + rng.gauss(0, 3.0)
        scores.append(int(round(min(100.0, max(0.0, score)) * 2)) * 5)
    return scores


def _assessments(seed: int, numbers: list[str], template: IndicatorTemplate, now: dt.datetime) -> int:
    """Eight quarters of scores for the on-duty demo officers (from the quarter they joined)."""
    quarters = demo_quarters(now.date())
    indicators = list(template.indicators)
    officers = {o.id_number: o for o in db.session.execute(sa.select(
        Officer.id, Officer.id_number, Officer.status, Officer.hired_on)).all()}
    existing = set(db.session.execute(sa.select(
        AssessmentScore.officer_id, AssessmentScore.year, AssessmentScore.quarter,
        AssessmentScore.indicator_id).where(AssessmentScore.indicator_id.in_([i.id for i in indicators]),
               AssessmentScore.year >= quarters[0][0])).all())
    new = []
    for number in sorted(set(numbers)):
        officer = officers[number]
        if officer.status != "on_duty":
            continue
        rng = _seeded(seed, number, "assessment")
        low, high = rng.choices([(low, high) for _share, low, high in LEVELS],
                                weights=[share for share, *_ in LEVELS])[0]
        level = 93.0 if number in DEMO_OFFICERS else rng.uniform(low, high)
        for year, quarter in quarters:
            end = _quarter_end(year, quarter)
            scores = _officer_quarter(_seeded(seed, number, year, quarter), level, indicators)
            if end < officer.hired_on:
                continue
            if number in DEMO_OFFICERS:
                scores = [max(tenths, 800) for tenths in scores]
            entered = min(now, dt.datetime.combine(end + dt.timedelta(days=8), dt.time(16, 30), now.tzinfo))
            for indicator, tenths in zip(indicators, scores, strict=True):
                if (officer.id, year, quarter, indicator.id) in existing:
                    continue
                new.append({"officer_id": officer.id, "year": year, "quarter": quarter,
                            "indicator_id": indicator.id, "tenths": tenths, "entered_by": None,
                            "updated_at": entered})
    _insert(AssessmentScore, new)
    return len(new)


def load(now: dt.datetime) -> str:
    """Load (or complete) the demo and return a summary listing the demo accounts."""
    rng = random.Random(20160301)
    agencies, new_agencies = _agencies(rng, now)
    new_agreements = _entrustments(agencies, now)
    new_officers, numbers = _officers(rng, agencies, now)
    lines, new_accounts = _accounts(agencies, now)
    seed = rng.randrange(2 ** 32)
    courses, new_courses = _courses(agencies, now)
    new_records = _training(seed, numbers, agencies, courses, now)
    template, new_templates = _template(agencies[_CITY], now)
    new_scores = _assessments(seed, numbers, template, now)
    exams = exams_demo.load(agencies[_CITY].id, seed, set(DEMO_OFFICERS), [UPDATE_TEST_OFFICER], now)
    certificates = certificates_demo.load(seed, now)
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
