"""The officers of the Weihai demo: the two named officer accounts of SPEC §3 and some 300 synthetic officers per
the head counts of the agency tree, with synthetic ID numbers, phone numbers, addresses and photos.
"""
from __future__ import annotations

import datetime as dt
import io
import random

import sqlalchemy as sa
from PIL import Image, ImageDraw

from portal.demo.agencies import TREE
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer, OfficerCategory, OfficerPhoto
from portal.orgs.models import Agency

DEMO_OFFICERS = {
    # ID number: (name, agency, post, categories) — the two officer accounts of SPEC §3
    "371002199003071233": ("王建国", "威海市综合行政执法局", "执法中队长", ["城市管理", "综合执法"]),
    "371002198805120047": ("李晓梅", "威海市综合行政执法局", "执法队员", ["城市管理", "综合执法"]),
}

#: the demo officer enrolled in the coming update test (named, as an update test has no open audience)
UPDATE_TEST_OFFICER = "371002199003071233"

REGION_NAMES = {"371000": "威海市区", "371002": "环翠区", "371003": "文登区", "371082": "荣成市", "371083": "乳山市",
                "371071": "高区", "371072": "经区", "371073": "临港区"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红志海波宁鹏飞晓东林雪梅宇浩然俊斌蕾婷欣怡子涵"
POSTS = ["执法队员", "执法队员", "执法队员", "科员", "科员", "中队长", "副科长", "科长", "副大队长"]
BIRTH_REGIONS = ["371002", "371002", "371003", "371082", "371083", "370102", "370202", "370602"]


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


def demo_staff_kind(id_number: str) -> str:
    """A demo officer's 人员类别, drawn from the ID number (not from the demo's random stream, whose order the rest of
    the demo depends on): six in ten 公务员, two 参照公务员法管理, two 事业编制. The certificates demo then changes a
    few to kinds that may not hold a certificate."""
    roll = sum(int(char) for char in id_number[:17]) % 10
    return "civil_servant" if roll < 6 else ("civil_servant_managed" if roll < 8 else "public_institution")


def load_officers(rng: random.Random, agencies: dict[str, Agency], now: dt.datetime) -> tuple[int, list[str]]:
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
            email=demo_email(row["id_number"]), staff_kind=demo_staff_kind(row["id_number"]),
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
