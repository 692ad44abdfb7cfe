"""The audit log in words a clerk reads: actions, objects, fields and values in Chinese, people by name.

Stored entries keep their codes (``certificate.hold``, ``user_account``, ``{"status": ["active", "suspended"]}``:
the hash chain covers them and filters use them); this module only says them. An action is its object's noun and
its verb (``certificate.hold`` → 证件 · 暂扣) unless it has words of its own; a code nobody has named yet is shown as
it is rather than hidden.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from certificates.models import Certificate
from exams.papers.models import Exam
from portal import audit
from portal.assessment.models import IndicatorTemplate
from portal.auth.models import User
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.training.models import Course

#: the object an action is about (the first part of its code) and the object types entries point at
NOUNS = {
    "auth": "登录", "user": "账户", "user_account": "账户", "officer": "执法人员", "agency": "单位",
    "body": "执法主体", "entrustment": "委托协议", "entrustment_agreement": "委托协议", "course": "课程",
    "training": "培训记录", "training_record": "培训记录", "assessment": "平时考核", "indicator_template": "考核指标模板",
    "question": "试题", "exam": "考试", "exam_attempt": "考试作答", "certificate": "证件",
    "certificate_application": "证件申请", "certificate_review": "审核确认", "complaint": "投诉", "praise": "表扬",
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
    "answer": "陈述申辩", "update_test_passed": "更新测试通过", "accept": "受理", "not_accept": "不予受理",
    "substantiate": "查实", "unsubstantiate": "未查实", "acknowledge": "登记", "transfer": "移交",
    "set_aside": "撤销原决定", "propose": "拟作出", "upload": "上传", "remove": "删除",
}
#: actions whose words are not their noun and verb
ACTIONS = {"token.revoke": "接口令牌 · 撤销", "auth.login": "登录成功", "auth.login_failed": "登录失败",
           "auth.logout": "退出登录", "demo.load": "载入演示数据"}
FIELDS = {
    "name": "名称", "title": "标题", "status": "状态", "reason": "原因", "legal_basis": "法律依据", "note": "备注",
    "number": "证号", "failed_logins": "连续失败次数", "locked_until": "锁定至", "active": "启用", "role": "角色",
    "scopes": "管辖范围", "display_name": "姓名", "username": "用户名", "email": "邮箱", "mobile": "手机",
    "post": "岗位", "region": "执法区域", "categories": "执法类别", "agency": "单位", "agency_id": "单位",
    "hours": "学时", "category": "类别", "completed_on": "完成日期", "provider": "培训机构", "count": "人数",
    "officer_ids": "人员", "record_ids": "记录", "course_id": "课程", "decided_on": "决定日期", "reply": "答复",
    "kind": "类型", "type": "类型", "edition": "版次", "jurisdiction": "适用辖区", "created": "新增",
    "updated": "更新", "unchanged": "未变", "rows": "行数", "filename": "文件名", "sha256": "文件摘要",
    "reference": "编号", "since": "起", "until": "至", "hired_on": "入职日期", "short_name": "简称",
    "announced_on": "公告日期", "filed_on": "备案日期", "starts_on": "开始日期", "ends_on": "结束日期",
}
WORDS = {True: "是", False: "否", None: "（空）", "active": "有效", "suspended": "暂扣", "revoked": "已注销/吊销/撤销",
         "on_duty": "在岗", "left_post": "调离执法岗位", "retired": "退休", "confirmed": "已确认", "pending": "待确认",
         "cancelled": "已取消"}

def action_label(code: str) -> str:
    """``certificate.hold`` → 证件 · 暂扣; an unknown code as it is."""
    if code in ACTIONS:
        return ACTIONS[code]
    noun, _, verb = code.partition(".")
    if noun in NOUNS and verb in VERBS:
        return f"{NOUNS[noun]} · {VERBS[verb]}"
    return code


def _value(value) -> str:
    if isinstance(value, bool) or value is None:
        return WORDS[value]
    if isinstance(value, str):
        return WORDS.get(value, value)
    if isinstance(value, list):
        return "、".join(_value(v) for v in value) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{FIELDS.get(k, k)}：{_value(v)}" for k, v in value.items())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Change:
    """One field of an entry's change: its name, and its value or its value before and after."""

    field: str
    before: str | None
    after: str


def changes(change: dict | None) -> list[Change]:
    """An entry's change as lines: a ``[before, after]`` pair reads as before → after, anything else as a value."""
    lines = []
    for key, value in (change or {}).items():
        label = FIELDS.get(key, key)
        if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, (list, dict)) for v in value) \
                and key not in ("officer_ids", "record_ids", "categories", "scopes", "job_ids"):
            lines.append(Change(label, _value(value[0]), _value(value[1])))
        else:
            lines.append(Change(label, None, _value(value)))
    return lines


#: object types whose entries are named rather than numbered: the column that names one
_NAMED = {
    "officer": Officer.name, "user_account": User.display_name, "agency": Agency.short_name,
    "certificate": Certificate.number, "exam": Exam.title, "course": Course.title,
    "indicator_template": IndicatorTemplate.name,
}


def object_names(entries) -> dict[tuple[str, str], str]:
    """``(object_type, object_id) → name`` for the entries of a page: one query per kind of object on it."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in _NAMED and (entry.object_id or "").isdigit() and len(entry.object_id) <= 10:
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    names: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        column = _NAMED[kind]
        model = column.class_
        for object_id, name in db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))):
            names[(kind, str(object_id))] = name
    return names


def object_label(entry, names: dict) -> str:
    noun = NOUNS.get(entry.object_type or "", entry.object_type or "")
    name = names.get((entry.object_type, entry.object_id))
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
