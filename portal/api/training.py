"""``POST /api/v1/training-records``: a training system registers completed training (SPEC §3) — all or nothing,
idempotent by external id, validated by the same service as the training import."""
from __future__ import annotations

from flask import jsonify, request

from portal import audit, clock
from portal.api.schema import Field, Obj
from portal.api.spec import endpoint
from portal.errors import DomainError
from portal.training import batches, services
from portal.training.models import CATEGORIES

MAX_RECORDS = 1000

RECORD = Obj("TrainingRecordInput", (
    Field("external_id", "string", "外部编号", max_length=services.MAX_EXTERNAL_ID, nullable=True,
          description="the training system's id of the record; a record already stored with the same external id "
                      "and content is not created again, the same external id with different content is an error. "
                      "Without one, duplicates are found by (id_number, title, completed_on)"),
    Field("id_number", "string", "身份证号", required=True, max_length=18, pattern=r"^[0-9]{17}[0-9Xx]$",
          description="an officer in the token's scope (the check character is verified: GB 11643-1999)"),
    Field("title", "string", "课程名称", required=True, max_length=services.MAX_TITLE),
    Field("category", "string", "类别", required=True, enum=tuple(CATEGORIES),
          description="public_law 公共法律知识, professional_law 专业法律知识, ethics 职业素养"),
    Field("hours", "number", "学时", required=True, minimum=0.5, maximum=services.MAX_HOURS_PER_RECORD,
          multiple_of=0.5),
    Field("completed_on", "date", "完成日期", required=True, description="YYYY-MM-DD, not in the future"),
    Field("provider", "string", "培训机构", required=True, max_length=services.MAX_PROVIDER),
), description="一条已完成的培训")
BODY = Obj("TrainingRecordsRequest", (
    Field("records", "array", "培训记录", required=True, items=RECORD, min_items=1, max_items=MAX_RECORDS,
          description=f"at most {MAX_RECORDS} records per call"),
))
CREATED = Obj("TrainingRecordsCreated", (
    Field("created", "integer", "新登记条数", required=True, minimum=0,
          description="records stored by this call (records already stored are not counted)"),
))


def _index(ref: int) -> str:
    return f"第 {ref + 1} 条（index {ref}）"


@endpoint("POST", "/training-records", summary="登记培训记录（批量）", roles=("hr",), body=BODY, response=CREATED,
          status=201, errors=(409,))
def create_training_records(user, args, body):
    """Register completed training for officers in the token's scope: all records or none. Per-record errors come
    back with their ``index``; officers are matched by ID number within the scope (a number outside it gets the
    same answer as an unknown one). Calling again with the same records creates nothing (``created`` 0)."""
    items = [batches.Incoming(index, *(record[name] for name in batches.FIELDS))
             for index, record in enumerate(body["records"])]
    now = clock.now()
    batch, problems = batches.validate_records(items, user, services.today_of(now), describe=_index)
    if problems:
        raise DomainError("invalid", "培训记录有误，未登记任何记录", status=422,
                          items=[{"index": p["ref"], "field": p["field"], "message": p["message"]} for p in problems])
    actor = audit.Actor(user.id, f"{user.username}（接口）", request.remote_addr, name=f"{user.display_name}（接口）")
    created = batches.store_records(actor, batch, "api", now)  # 409 when a concurrent call stored one first
    return jsonify({"created": created}), 201
