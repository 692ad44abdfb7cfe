"""The audit log in words a clerk reads: actions, objects, fields and values in Chinese, people by name.

Stored entries keep their codes (``certificate.hold``, ``user_account``, ``{"status": ["active", "suspended"]}``:
the hash chain covers them and filters use them); this module only says them. An action is its object's noun and
its verb (``certificate.hold`` → 证件 · 暂扣) unless it has words of its own; a code nobody has named yet is shown as
it is rather than hidden.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import cycle_models
from certificates import models as certificate_models
from certificates.applications import models as application_models
from certificates.models import Certificate
from exams.attempts import models as attempt_models
from exams.papers import models as exam_models
from exams.papers.models import Exam
from portal import audit, policy
from portal.assessment.models import IndicatorTemplate
from portal.auth.models import ROLES, User
from portal.complaints import models as complaint_models
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.forms import id_value, parse_id
from portal.officers import models as officer_models
from portal.officers import services as officer_services
from portal.officers.models import Officer
from portal.orgs import models as org_models
from portal.orgs.agencies import services as org_services
from portal.orgs.models import Agency
from portal.templating import cn_date, cn_datetime
from portal.training import models as training_models
from portal.training.models import CATEGORIES, Course

#: the object an action is about (the first part of its code) and the object types entries point at
NOUNS = {
    "auth": "登录", "user": "账户", "user_account": "账户", "officer": "执法人员", "agency": "单位",
    "body": "执法主体", "entrustment": "委托协议", "entrustment_agreement": "委托协议", "course": "课程",
    "training": "培训记录", "training_record": "培训记录", "assessment": "平时考核", "indicator_template": "考核指标模板",
    "question": "试题", "exam": "考试", "exam_attempt": "考试作答", "certificate": "证件",
    "certificate_application": "证件申请", "certificate_review": "审核确认", "complaint": "投诉", "praise": "表扬",
    "unlicensed": "无证执法举报",
    "policy": "政策设置", "policy_setting": "政策设置", "token": "接口令牌", "api_token": "接口令牌",
    "signing_key": "签名密钥", "seal": "证件印章", "job": "后台作业", "background_job": "后台作业", "demo": "演示数据", "import": "导入",
}
VERBS = {
    "create": "新建", "update": "修改", "import": "导入", "photo": "上传照片", "id_number_viewed": "查看完整身份证号",
    "login": "登录成功", "login_failed": "登录失败", "logout": "退出", "password_change": "修改密码",
    "password_reset": "重置密码", "unlock": "解除锁定", "approve": "批准", "reject": "驳回", "withdraw": "撤回",
    "submit": "提交", "confirm": "确认", "reconfirm": "重新确认", "cancel": "取消资格", "announce": "公告",
    "file": "备案", "terminate": "终止", "enrol": "报名", "unenrol": "取消报名", "enrol_due": "按到期报名",
    "opening_notified": "发送开考通知", "publish": "发布", "start": "开始作答", "finalize": "交卷", "status": "更改状态",
    "rotate": "新增密钥", "retire": "停用密钥", "revoke": "注销、吊销或撤销", "enqueue": "提交后台作业",
    "export_expired": "清理过期导出文件", "load": "载入", "class": "整班录入", "record": "录入", "manual": "录入",
    "api": "接口登记", "scores_save": "保存考核分数", "template_create": "新建指标模板",
    "template_update": "修改指标模板", "template_activate": "启用指标模板", "template_deactivate": "停用指标模板",
    "hold": "暂扣", "lift": "解除暂扣", "reinstate": "恢复", "issue": "发证", "reissue": "补发", "renewal": "换发",
    "answer": "陈述申辩", "update_test_passed": "更新测试通过", "makeup_extended": "延长补考期", "accept": "受理",
    "drop": "不予作出", "waive": "放弃陈述申辩", "correction": "更正人员状态",
    "not_accept": "不予受理",
    "substantiate": "查实", "unsubstantiate": "未查实", "acknowledge": "登记", "transfer": "移交",
    "set_aside": "撤销原决定", "propose": "拟作出", "upload": "上传", "remove": "删除",
    "tell": "告知本人", "extend": "延长办结期限",
}
#: actions whose words are not their noun and verb
ACTIONS = {"token.revoke": "接口令牌 · 撤销", "auth.login": "登录成功", "auth.login_failed": "登录失败",
           "auth.logout": "退出登录", "demo.load": "载入演示数据",
           "complaint.acknowledge": "表扬 · 登记",  # only praise is acknowledged
           "complaint.answer": "投诉 · 本人陈述"}
FIELDS = {
    "name": "名称", "title": "标题", "status": "状态", "reason": "原因", "legal_basis": "法律依据", "note": "备注",
    "number": "证号", "failed_logins": "连续失败次数", "locked_until": "锁定至", "active": "启用", "role": "角色",
    "scopes": "管辖范围", "display_name": "姓名", "username": "用户名", "email": "邮箱", "mobile": "手机",
    "post": "岗位", "region": "执法区域", "categories": "执法类别", "agency": "单位", "agency_id": "单位",
    "hours": "学时", "category": "类别", "completed_on": "完成日期", "provider": "培训机构", "count": "人数",
    "officer_ids": "人员", "record_ids": "记录", "course_id": "课程", "decided_on": "决定日期", "reply": "答复",
    "kind": "类型", "type": "类型", "edition": "版次", "jurisdiction": "适用辖区", "created": "新增",
    "updated": "更新", "unchanged": "未变", "rows": "行数", "filename": "文件名", "sha256": "文件摘要",
    "reference": "编号", "since": "起", "until": "至", "extended_from": "原截止日", "proposal_id": "告知编号", "answer_by": "陈述申辩期限",
    "revoked_at": "原决定时间", "hired_on": "入职日期", "short_name": "简称",
    "announced_on": "公告日期", "entrusted_announced_on": "受委托方公告日期", "filed_on": "备案日期", "starts_on": "开始日期", "ends_on": "结束日期",
    "due_on": "到期日", "next_due_on": "下次到期日", "recommendation": "建议", "criteria": "审核标准",
    "entrusting": "委托机关", "entrusted": "受委托方", "powers": "委托权限", "matters": "委托事项",
    "officer_id": "人员", "hold_id": "暂扣记录编号", "certificate": "证号", "failed": "未满足的条件", "application_id": "申请编号", "certificate_id": "证件",
    "exam_id": "考试", "question_id": "试题编号", "job_ids": "后台作业", "word": "处理方式", "stamp": "版本",
    "purpose": "考试类型", "score": "得分", "passed": "通过", "attempt": "第几次", "number_of": "次数",
    "agencies": "单位数", "agreements": "委托协议数", "officers": "人员数", "accounts": "账户数", "courses": "课程数",
    "training_records": "培训记录数", "indicator_templates": "考核指标模板数", "assessment_scores": "平时考核评分数",
    "bytes": "字节数", "kid": "密钥编号", "contact": "联系方式", "place": "地点",
    "happened_on": "发生日期", "what": "事由", "review_id": "审核编号", "records": "记录数", "categories_text": "执法类别",
    "period": "审核期间", "holds": "暂扣", "complaints": "查实投诉", "grades": "平时考核等次", "training": "培训",
    "attempt_id": "考试作答编号", "context": "查看场合", "days": "天数", "deadline": "交卷期限", "event_id": "变更记录编号",
    "finish": "交卷方式", "late": "逾期备案", "length": "字数", "max_score": "满分", "mode": "培训方式",
    "notified": "已通知", "officer": "人员", "one_time": "一次性密码", "prefix": "令牌前缀", "questions": "题数",
    "renews": "续签的协议编号", "size": "尺寸（像素）", "source": "来源", "term": "委托期限", "terminated_on": "终止日期",
    "user": "账户", "exam_questions": "试题数", "exam_exams": "考试场数", "exam_attempts": "考试记录数",
    "certificate_certificates": "证件数", "certificate_applications": "证件申请数", "certificate_reviews": "审核确认数",
    "certificate_complaints": "投诉与表扬数", "external_id": "外部编号", "parent_id": "上级单位", "sort_order": "排序",
    "uscc": "统一社会信用代码", "region_code": "行政区划代码", "gender": "性别", "birth_date": "出生日期",
    "id_number": "身份证号", "answer_due_on": "陈述期限", "waived": "放弃陈述", "to": "移交机关",
}
#: fields whose name depends on the kind of object the entry is about; the registries' own form labels first
FIELDS_OF = {
    "exam_attempt": {"number": "第几次作答"},
    "exam": {"officers": "报名人员", "officer": "取消报名的人员", "source": "报名方式", "notified": "已通知人数"},
    "agency": org_services.FIELD_LABELS,
    "officer": officer_services.LABELS,
}
#: values in the words the pages use: the vocabularies the entries' codes come from (statuses, reasons, kinds …)
WORDS: dict = {True: "是", False: "否", None: "（空）", "confirmed": "已确认", "pending": "待确认", "cancelled": "已取消",
               "pass": "建议通过", "fail": "建议不通过"}
for _vocabulary in (certificate_models.STATUSES, certificate_models.HOLD_REASONS, certificate_models.REVOCATION_KINDS,
                    certificate_models.TYPES, application_models.APPLICATION_STATUSES,
                    cycle_models.REVIEW_STATUSES, complaint_models.STATUSES, complaint_models.KINDS,
                    officer_models.STATUSES, org_models.POWERS, org_models.KINDS, exam_models.PURPOSES, CATEGORIES,
                    ROLES):
    WORDS.update(_vocabulary)


#: values whose words depend on their field: the conditions of a two-year review (certificates.reviews)
FIELD_WORDS = {"failed": {"training": "培训学时", "grades": "平时考核等次", "complaints": "查实投诉",
                          "disciplinary": "纪律处分暂扣"},
               "mode": training_models.MODES, "finish": attempt_models.FINISHES, "source": training_models.SOURCES}
FIELD_WORDS_OF = {"exam": {"source": exam_models.ENROLMENT_SOURCES}}
#: fields holding the id of a thing, or a list of them, shown by its name (:func:`reference_names`)
REFERENCES = {"officer_id": "officer", "officer_ids": "officer", "course_id": "course", "exam_id": "exam",
              "certificate_id": "certificate", "agency_id": "agency"}
REFERENCES_OF = {"exam": {"officers": "officer", "officer": "officer"}}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(code: str) -> str:
    """``certificate.hold`` → 证件 · 暂扣; an unknown code as it is."""
    if code in ACTIONS:
        return ACTIONS[code]
    noun, _, verb = code.partition(".")
    if noun in NOUNS and verb in VERBS:
        return f"{NOUNS[noun]} · {VERBS[verb]}"
    return code


def _field(kind: str, key: str) -> str:
    if kind == "policy_setting" and key in policy.REGISTRY:
        return policy.REGISTRY[key].label
    return FIELDS_OF.get(kind, {}).get(key) or FIELDS.get(key, key)


def _reference(kind: str, key: str) -> str | None:
    return REFERENCES_OF.get(kind, {}).get(key) or REFERENCES.get(key)


def _value(value, key: str = "", names: dict | None = None, kind: str = "") -> str:
    """A stored value in words: a code in the pages' words, a date as the pages write it, an id by its name."""
    if isinstance(value, bool) or value is None:
        return WORDS[value]
    if isinstance(value, list):
        return "、".join(_value(v, key, names, kind) for v in value) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{_field(kind, k)}：{_value(v, k, names, kind)}" for k, v in value.items())
    target = _reference(kind, key)
    if target and isinstance(value, int) and names:
        return names.get((target, str(value)), f"#{value}")
    if isinstance(value, str):
        words = FIELD_WORDS_OF.get(kind, {}).get(key) or FIELD_WORDS.get(key, {})
        if value in words:
            return words[value]
        if _ISO_DATE.match(value):
            try:
                return cn_date(dt.date.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_MOMENT.match(value):
            try:
                return cn_datetime(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        return WORDS.get(value, value)
    if isinstance(value, dt.datetime):
        return cn_datetime(value)
    if isinstance(value, dt.date):
        return cn_date(value)
    return str(value)


#: fields whose value is a list of things, never a before/after pair
LISTS = {"officer_ids", "officers", "failed", "record_ids", "categories", "scopes", "job_ids", "powers", "criteria", "holds", "agencies"}
#: the kinds of action and of object the log's filters offer: (code, words)
ACTION_KINDS = [(code, NOUNS[code]) for code in ("auth", "user", "officer", "agency", "body", "entrustment", "course",
                                                 "training", "assessment", "question", "exam", "exam_attempt",
                                                 "certificate", "certificate_application", "certificate_review",
                                                 "complaint", "praise", "policy", "token", "signing_key", "seal",
                                                 "job", "demo")]
OBJECT_KINDS = [(code, NOUNS[code]) for code in ("user_account", "officer", "agency", "entrustment_agreement",
                                                 "course", "training_record", "indicator_template", "question",
                                                 "exam", "exam_attempt", "certificate", "certificate_application",
                                                 "certificate_review", "complaint", "policy_setting", "api_token",
                                                 "signing_key", "seal", "background_job", "import")]


@dataclass(frozen=True)
class Change:
    """One field of an entry's change: its name, and its value or its value before and after."""

    field: str
    before: str | None
    after: str


def changes(entry, names: dict | None = None) -> list[Change]:
    """An entry's change as lines: a ``[before, after]`` pair reads as before → after, anything else as a value;
    ``names`` (:func:`reference_names`) names the things its ids point at."""
    lines = []
    kind = entry.object_type or ""
    change = entry.change if isinstance(entry.change, dict) else {}
    for key, value in change.items():
        label = _field(kind, key)
        if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, (list, dict)) for v in value) \
                and key not in LISTS:
            lines.append(Change(label, _value(value[0], key, names, kind), _value(value[1], key, names, kind)))
        else:
            lines.append(Change(label, None, _value(value, key, names, kind)))
    return lines


#: object types whose entries are named rather than numbered: the column that names one
_NAMED = {
    "officer": Officer.name, "user_account": User.display_name, "agency": Agency.short_name,
    "certificate": Certificate.number, "exam": Exam.title, "course": Course.title,
    "indicator_template": IndicatorTemplate.name,
}


def _names(wanted: dict[str, set[int]]) -> dict[tuple[str, str], str]:
    """``(kind, id) → name`` for the ids wanted of each kind in :data:`_NAMED`: one query per kind."""
    names: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        column = _NAMED[kind]
        model = column.class_
        for object_id, name in db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))):
            names[(kind, str(object_id))] = name
    return names


def object_names(entries) -> dict[tuple[str, str], str]:
    """``(object_type, object_id) → name`` for the entries of a page: one query per kind of object on it. A
    complaint is named by its kind and reference (表扬 BY…, 投诉 TS…)."""
    wanted: dict[str, set[int]] = {}
    complaints: set[int] = set()
    for entry in entries:
        object_id = parse_id(entry.object_id)
        if object_id is None:
            continue
        if entry.object_type in _NAMED:
            wanted.setdefault(entry.object_type, set()).add(object_id)
        elif entry.object_type == "complaint":
            complaints.add(object_id)
    names = _names(wanted)
    if complaints:
        for object_id, kind, reference in db.session.execute(sa.select(
                Complaint.id, Complaint.kind, Complaint.reference).where(Complaint.id.in_(complaints))):
            names[("complaint", str(object_id))] = f"{complaint_models.KINDS.get(kind, kind)} {reference}"
    return names


def reference_names(entries) -> dict[tuple[str, str], str]:
    """The names of the things the changes of a page's entries point at by id (:data:`REFERENCES`)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for key, value in (entry.change or {}).items() if isinstance(entry.change, dict) else ():
            target = _reference(entry.object_type or "", key)
            if target:
                for item in value if isinstance(value, list) else [value]:
                    if not isinstance(item, bool) and id_value(item) is not None:
                        wanted.setdefault(target, set()).add(item)
    return _names(wanted)


def object_label(entry, names: dict) -> str:
    name = names.get((entry.object_type, entry.object_id))
    if entry.object_type == "complaint" and name:
        return name
    noun = NOUNS.get(entry.object_type or "", entry.object_type or "")
    if name:
        return f"{noun} {name}"
    return f"{noun} #{entry.object_id}" if entry.object_id else noun


def actor_names(entries) -> dict[int, str]:
    """The display names of the accounts that wrote the entries of a page (one query)."""
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def actor_label(entry, names: dict[int, str]) -> str:
    """A person by name (接口 when through the API), a system actor by what it is."""
    if entry.actor_id and entry.actor_id in names:
        return names[entry.actor_id] + ("（接口）" if "（接口）" in (entry.actor or "") else "")
    return audit.Actor(None, entry.actor or "").shown
