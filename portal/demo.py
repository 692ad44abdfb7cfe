"""Demo data for Weihai (``flask --app wsgi demo load``): the agency tree, 300+ officers, the demo accounts.

Deterministic and idempotent: agencies are matched by name, officers by ID number, accounts by user name, so a
second run adds nothing. Every 统一社会信用代码, ID number and phone number here is synthetic (valid check
characters, no real person or organisation).
"""
from __future__ import annotations

import datetime as dt
import io
import random

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageDraw

from portal import audit
from portal.auth import passwords
from portal.auth.models import User
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer, OfficerCategory, OfficerPhoto
from portal.orgs import uscc
from portal.orgs.models import Agency

DEMO_OFFICERS = {
    # ID number: (name, agency, post, categories) — the two officer accounts of SPEC §3
    "371002199003071233": ("王建国", "威海市综合行政执法局", "执法中队长", ["城市管理", "综合执法"]),
    "371002198805120047": ("李晓梅", "威海市综合行政执法局", "执法队员", ["城市管理", "综合执法"]),
}

# (name, short name, kind, region, categories of its officers, head count, parent name, qualification)
_CITY = "威海市人民政府"
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
        if status == "confirmed":
            agency.qualification_decided_on = dt.date(2024, 3, 1)
            agency.qualification_basis = "《威海市人民政府办公室关于加强行政执法人员管理的意见》（威政办发〔2016〕3号）四（一）；机构编制部门“三定”规定"
            agency.announced_on = dt.date(2024, 3, 15)
            agency.announcement_text = f"经审核，{name}具备行政执法主体资格，现予公告。"
        elif status == "cancelled":
            agency.qualification_decided_on = dt.date(2019, 3, 1)
            agency.qualification_basis = "机构改革，职责划入威海市发展和改革委员会、威海市市场监督管理局"
            agency.announced_on = dt.date(2019, 3, 20)
            agency.announcement_text = f"{name}因机构改革撤并，其行政执法主体资格自2019年3月1日起取消。"
        db.session.add(agency)
        db.session.flush()
        agency.path = f"{parent_agency.path if parent_agency else '/'}{agency.id}/"
        existing[name] = agency
        created += 1
    return existing, created


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


def _officers(rng: random.Random, agencies: dict[str, Agency], now: dt.datetime) -> int:
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
    return created


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
                        must_change_password=False, created_at=now)
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


def load(now: dt.datetime) -> str:
    """Load (or complete) the demo and return a summary listing the demo accounts."""
    rng = random.Random(20160301)
    agencies, new_agencies = _agencies(rng, now)
    new_officers = _officers(rng, agencies, now)
    lines, new_accounts = _accounts(agencies, now)
    if new_agencies or new_officers or new_accounts:
        audit.record(audit.Actor.system("cli:demo"), "demo.load",
                     change={"agencies": new_agencies, "officers": new_officers, "accounts": new_accounts},
                     now=now)
    password = current_app.config["DEMO_PASSWORD"]
    return "\n".join([
        f"演示数据：新增单位 {new_agencies} 个、人员 {new_officers} 名、账户 {new_accounts} 个。",
        f"演示账户（密码均为 {password}）：",
        *lines,
    ])
