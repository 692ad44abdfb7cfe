"""``/api/v1/officers`` and the OpenAPI document."""
from __future__ import annotations

from flask import jsonify

from portal import policy
from portal.api.schema import Field, Obj
from portal.api.spec import endpoint, openapi_document, page_of
from portal.auth.access import in_scope, scope_condition
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import services
from portal.officers.models import STAFF_KINDS, STATUSES, Officer
from portal.orgs.models import Agency

MAX_ID = 2**31 - 1  # ids are 32-bit integers (PostgreSQL ``integer``): a larger number never reaches the database

AGENCY = Obj("AgencyRef", (
    Field("id", "integer", required=True),
    Field("name", "string", "全称", required=True),
    Field("short_name", "string", "简称", required=True),
))
OFFICER = Obj("Officer", (
    Field("id", "integer", "内部编号", required=True, description="use this, never the ID number, to refer to an officer"),
    Field("name", "string", "姓名", required=True),
    Field("gender", "string", "性别", required=True, enum=("M", "F")),
    Field("id_number_masked", "string", "身份证号（脱敏）", required=True),
    Field("agency", "object", "单位", required=True, obj=AGENCY),
    Field("post", "string", "岗位", required=True),
    Field("categories", "array", "执法类别", required=True, items=Field("category", "string")),
    Field("region", "string", "执法区域", required=True),
    Field("status", "string", "在岗状态", required=True, enum=tuple(STATUSES)),
    Field("hired_on", "date", "入职日期", required=True),
    Field("staff_kind", "string", "人员类别", required=True, nullable=True, enum=tuple(STAFF_KINDS),
          description="civil_servant 公务员, civil_servant_managed 参照公务员法管理, public_institution 事业编制, worker 工勤, "
                      "dispatched 劳务派遣, contract 劳动合同制, other 其他; null when not yet recorded"),
    Field("staff_kind_label", "string", "人员类别（中文）", required=True),
    Field("has_photo", "boolean", "是否已有照片", required=True),
), description="执法人员（不含完整身份证号、手机号）")


def officer_json(officer: Officer) -> dict:
    """An officer as the API shows it."""
    return {
        "id": officer.id, "name": officer.name, "gender": officer.gender,
        "id_number_masked": officer.masked_id_number,
        "agency": {"id": officer.agency.id, "name": officer.agency.name, "short_name": officer.agency.short_name},
        "post": officer.post, "categories": officer.categories, "region": officer.region, "status": officer.status,
        "hired_on": officer.hired_on.isoformat(), "staff_kind": officer.staff_kind,
        "staff_kind_label": officer.staff_kind_label, "has_photo": officer.has_photo,
    }


def paginated(query, args: dict, to_json) -> dict:
    """Run a SELECT as one page of the list envelope."""
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, max_per_page=100)
    return {"items": [to_json(item) for item in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total}


@endpoint("GET", "/officers", summary="执法人员列表", roles=("hr", "legal"), paginated=True, response=page_of(OFFICER),
          errors=(404,), query=(
              Field("agency", "integer", "单位编号", minimum=1, maximum=MAX_ID,
                    description="includes every agency below it; 404 outside scope"),
              Field("status", "string", "在岗状态", enum=tuple(STATUSES)),
              Field("category", "string", "执法类别", choices=lambda: tuple(policy.get("officers.categories")),
                    description="one of the categories set on 政策设置"),
              Field("q", "string", "姓名、完整身份证号或手机号", max_length=40),
          ))
def list_officers(user, args, body):
    """Officers in the token's scope, filtered; the same filters as the 执法人员 page."""
    agency_path = None
    if args["agency"] is not None:
        agency = db.session.get(Agency, args["agency"])
        if agency is None or not in_scope(user, agency.id):
            raise DomainError("not_found", "单位不存在或不在您的管辖范围内", status=404)
        agency_path = agency.path
    query = services.search(scope_condition(user, Officer.agency_id), q=args["q"] or "", agency_path=agency_path,
                            status=args["status"] or "", category=args["category"] or "")
    return jsonify(paginated(query, args, officer_json))


@endpoint("GET", "/openapi.json", summary="本接口的 OpenAPI 3 文档", roles=None)
def openapi(user, args, body):
    """The OpenAPI 3 document, generated from the endpoint definitions."""
    return jsonify(openapi_document())


