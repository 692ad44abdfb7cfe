"""Forms of the certificate pages. Each action carries the stamp of the state the page showed, so a change made
meanwhile by someone else is reported instead of overwritten."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from certificates.models import (
    EDITION_REASONS,
    HOLD_REASONS,
    MANUAL_HOLD_REASONS,
    REVOCATION_KINDS,
    REVOCATION_WORDS,
    STATUSES,
    TYPES,
)
from portal.forms import Form, MultiCheckboxField

_NOTE = [Optional(), Length(max=1000, message="不能超过 1000 个字")]
_BASIS = Length(max=200, message="法律依据不能超过 200 个字")


class _Stamped(Form):
    stamp = HiddenField()


class HoldForm(_Stamped):
    reason = SelectField("暂扣原因", choices=[(r, HOLD_REASONS[r]) for r in MANUAL_HOLD_REASONS])
    public_text = SelectField("公众核验时显示", choices=[
        ("", "其他原因暂扣（默认：不公开具体原因）"), ("因立案调查暂扣", "因立案调查暂扣（仅限立案调查）"),
        ("因纪律处分暂扣", "因纪律处分暂扣（仅限纪律处分）")], default="")
    legal_basis = StringField("法律依据", validators=[DataRequired("暂扣须写明法律依据"), _BASIS])
    note = TextAreaField("内部备注（不公开）", validators=_NOTE, render_kw={"rows": 2})


class LiftForm(_Stamped):
    hold_id = HiddenField()
    note = StringField("解除说明", validators=_NOTE)


class ReinstateForm(_Stamped):
    note = StringField("恢复说明", validators=_NOTE)


class RevokeForm(_Stamped):
    kind = SelectField("原因", choices=[(k, f"{REVOCATION_WORDS[k]}：{label}") for k, label in REVOCATION_KINDS.items()])
    legal_basis = StringField("法律依据", validators=[Optional(), _BASIS])
    note = TextAreaField("内部备注（不公开）", validators=_NOTE, render_kw={"rows": 2})
    confirm = BooleanField("我已核实，证件注销、吊销或撤销后不能恢复",
                           validators=[DataRequired("请确认已核实（此操作不能撤回）")])


class ReissueForm(_Stamped):
    reason = SelectField("办理事项", choices=[(k, v) for k, v in EDITION_REASONS.items() if k != "first_issue"])
    agency_id = SelectField("单位", choices=[], validate_choice=False)
    categories = MultiCheckboxField("执法类别", choices=[])
    region = StringField("执法区域", validators=[DataRequired("请填写执法区域"), Length(max=100)])
    note = StringField("说明（如遗失、损坏、调动）", validators=_NOTE)


class AnswerForm(Form):
    hold_id = HiddenField()
    event_id = HiddenField()
    body = TextAreaField("陈述申辩", validators=[DataRequired("请填写陈述申辩的内容"),
                                              Length(max=2000, message="不能超过 2000 个字")],
                         render_kw={"rows": 4})


class CertificateFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    status = SelectField("状态", choices=[("", "全部状态")] + list(STATUSES.items()))
    type = SelectField("证件类型", choices=[("", "全部类型")] + list(TYPES.items()))
    q = StringField("姓名或证号")
