"""Test data built through the real services (validation and audit included), with factory_boy for values."""
from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import factory
from PIL import Image

from portal import audit, clock
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.extensions import db
from portal.officers import idcard
from portal.officers import services as officer_services
from portal.orgs.agencies import services as org_services
from portal.orgs.agencies import uscc as uscc_module
from tests.conftest import PASSWORD

SYSTEM = audit.Actor.system("test")


def make_uscc(n: int, region: str = "371000") -> str:
    first17 = f"11{region}{n:09d}"
    return first17 + uscc_module.check_character(first17)


def make_id_number(born: dt.date, seq: int, male: bool = True, region: str = "371002") -> str:
    gender_digit = (seq % 5) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{seq % 100:02d}{gender_digit}"
    return first17 + idcard.check_character(first17)


class AgencyDataFactory(factory.Factory):
    class Meta:
        model = org_services.AgencyData

    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.Sequence(lambda n: f"测{n}")
    uscc = factory.Sequence(lambda n: make_uscc(n + 1))
    region_code = "371000"
    kind = "government"
    parent_id = None
    qualification_status = "confirmed"
    qualification_basis = "威政办发〔2016〕3号 四（一）"
    qualification_decided_on = dt.date(2024, 3, 1)
    announcement_text = "现予公告。"
    announced_on = dt.date(2024, 3, 15)


def make_agency(parent=None, **kwargs):
    """Create an agency (under ``parent`` if given) and commit."""
    data = AgencyDataFactory(parent_id=parent.id if parent is not None else None, **kwargs)
    if data.kind not in ("government", "authorized", "township"):
        data.qualification_status, data.qualification_decided_on, data.announced_on = "pending", None, None
    agency = org_services.create_agency(SYSTEM, data, clock.now())
    db.session.commit()
    return agency


class OfficerDataFactory(factory.Factory):
    class Meta:
        model = officer_services.OfficerData

    class Params:
        seq = factory.Sequence(lambda n: n)
        male = True

    name = factory.Sequence(lambda n: "张" + "伟芳娜敏静丽强磊军洋"[n % 10] + "明华"[n % 2])
    birth_date = factory.LazyAttribute(lambda o: dt.date(1970, 1, 1) + dt.timedelta(days=o.seq * 37 % 5000))
    gender = factory.LazyAttribute(lambda o: "M" if o.male else "F")
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth_date, o.seq, o.male))
    agency_id = None
    post = "执法队员"
    categories = factory.LazyFunction(lambda: ["城市管理"])
    region = "环翠区全域"
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    email = None
    hired_on = dt.date(2010, 7, 1)
    status = "on_duty"
    staff_kind = "civil_servant"


def make_officer(agency, **kwargs):
    """Create an officer in ``agency`` and commit."""
    officer = officer_services.create_officer(SYSTEM, OfficerDataFactory(agency_id=agency.id, **kwargs), clock.now())
    db.session.commit()
    return officer


def make_staff(username: str, role: str, scopes=(), password: str = PASSWORD) -> User:
    """A staff account with a chosen password (no forced change), committed."""
    user, _ = auth_services.create_staff_user(SYSTEM, username=username, display_name=username, role=role,
                                              scope_ids=[a.id for a in scopes], now=clock.now(), password=password)
    db.session.commit()
    return user


def make_officer_account(officer, password: str = PASSWORD) -> User:
    """Give an officer a sign-in account with a chosen password, committed."""
    user, _ = auth_services.officer_account(SYSTEM, officer, clock.now())
    auth_services.set_password(SYSTEM, user, password, one_time=False, now=clock.now())
    db.session.commit()
    return user


def image_bytes(fmt: str = "PNG", size=(900, 1200), mode: str = "RGB") -> bytes:
    """An image file in memory."""
    out = io.BytesIO()
    color = (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def small_world() -> SimpleNamespace:
    """City root → district → two departments, plus a second district; an account of every role.

    * ``hr`` — scope: ``dept`` (环翠区某局); ``hr_other`` — scope: ``other_dept`` (文登区某局)
    * ``legal_city`` — scope: the city root; ``legal_district`` — scope: ``district``
    * ``admin``; ``officer_user`` — the account of ``officer`` (in ``dept``)
    """
    city = make_agency(name="威海市人民政府", short_name="市政府", kind="other")
    district = make_agency(city, name="环翠区人民政府", short_name="环翠区", kind="other", region_code="371002")
    dept = make_agency(district, name="环翠区综合行政执法局", short_name="环翠执法局", region_code="371002")
    dept2 = make_agency(district, name="环翠区市场监督管理局", short_name="环翠市监局", region_code="371002")
    other_district = make_agency(city, name="文登区人民政府", short_name="文登区", kind="other", region_code="371003")
    other_dept = make_agency(other_district, name="文登区综合行政执法局", short_name="文登执法局",
                             region_code="371003")
    officer = make_officer(dept, name="王建国")
    officer2 = make_officer(dept2, name="赵敏华")
    other_officer = make_officer(other_dept, name="孙丽明")
    return SimpleNamespace(
        city=city, district=district, dept=dept, dept2=dept2, other_district=other_district, other_dept=other_dept,
        officer=officer, officer2=officer2, other_officer=other_officer,
        hr=make_staff("hr", "hr", [dept]),
        hr_other=make_staff("hr_other", "hr", [other_dept]),
        legal_city=make_staff("legal_city", "legal", [city]),
        legal_district=make_staff("legal_district", "legal", [district]),
        admin=make_staff("admin", "admin"),
        officer_user=make_officer_account(officer),
    )
