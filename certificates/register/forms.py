"""Forms of the certificate pages. Each action carries the stamp of the state the page showed, so a change made
meanwhile by someone else is reported instead of overwritten. Several forms share one page: each field beside the
hold form's has an id of its own (``revoke-note``), so every label points at its own field."""
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
from certificates.proposal_models import PROPOSED_KINDS
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
    note = StringField("恢复说明", validators=_NOTE, id="reinstate-note")


class RevokeForm(_Stamped):
    """A 注销 that follows from a recorded fact (left post, retired, deceased, the failed update tests)."""

    kind = SelectField("原因", choices=[(k, f"{REVOCATION_WORDS[k]}：{label}") for k, label in REVOCATION_KINDS.items()
                                       if k not in PROPOSED_KINDS], id="revoke-kind")
    legal_basis = StringField("法律依据", validators=[Optional(), _BASIS], id="revoke-legal_basis")
    note = TextAreaField("内部备注（不公开）", validators=_NOTE, render_kw={"rows": 2}, id="revoke-note")
    confirm = BooleanField("我已核实该事实，证件注销后不能自行恢复",
                           validators=[DataRequired("请确认已核实（此操作不能撤回）")], id="revoke-confirm")


class ProposeForm(_Stamped):
    """拟注销 / 拟吊销 / 拟撤销: what the officer is told before anything is decided."""

    kind = SelectField("拟作出", choices=[(k, f"拟{REVOCATION_WORDS[k]}：{REVOCATION_KINDS[k]}") for k in PROPOSED_KINDS],
                       id="propose-kind")
    facts = TextAreaField("事实", validators=[DataRequired("请写明事实"), Length(max=2000, message="不能超过 2000 个字")],
                          render_kw={"rows": 3}, id="propose-facts")
    reasons = TextAreaField("理由", validators=[DataRequired("请写明理由"), Length(max=2000, message="不能超过 2000 个字")],
                            render_kw={"rows": 2}, id="propose-reasons")
    legal_basis = StringField("法律依据", validators=[DataRequired("请填写法律依据"), _BASIS], id="propose-legal_basis")


class DecideForm(_Stamped):
    proposal_id = HiddenField()
    decision = SelectField("决定", choices=[("", "请选择"), ("revoke", "作出决定（注销、吊销或撤销）"), ("drop", "不予作出")],
                           validators=[DataRequired("请选择决定")], id="decide-decision")
    note = TextAreaField("决定理由（告知本人）", validators=[DataRequired("请写明决定理由"),
                                                   Length(max=2000, message="不能超过 2000 个字")],
                         render_kw={"rows": 2}, id="decide-note")


class SetAsideForm(_Stamped):
    reasons = TextAreaField("撤销理由（原决定所依据的事实有误之处，告知本人）",
                            validators=[DataRequired("请写明撤销原决定的理由"), Length(max=1000, message="不能超过 1000 个字")],
                            render_kw={"rows": 2}, id="set-aside-reasons")
    confirm = BooleanField("我已核实原决定所依据的事实有误", validators=[DataRequired("请确认已核实")],
                           id="set-aside-confirm")


class ReissueForm(_Stamped):
    reason = SelectField("办理事项", choices=[(k, v) for k, v in EDITION_REASONS.items() if k != "first_issue"],
                         id="reissue-reason")
    agency_id = SelectField("单位", choices=[], validate_choice=False, id="reissue-agency_id")
    categories = MultiCheckboxField("执法类别", choices=[], id="reissue-categories")
    region = StringField("执法区域", validators=[DataRequired("请填写执法区域"), Length(max=100)], id="reissue-region")
    note = StringField("说明（如遗失、损坏、调动）", validators=_NOTE, id="reissue-note")


class StatementForm(Form):
    """The officer's answer to a proposed revocation: a statement, or a waiver."""

    proposal_id = HiddenField()
    action = HiddenField()
    body = TextAreaField("陈述申辩", validators=[Optional(), Length(max=2000, message="不能超过 2000 个字")],
                         render_kw={"rows": 4})
    confirm = BooleanField("我确认放弃陈述申辩（法制机构可即作出决定）")


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
    proposal = SelectField("拟注销等", choices=[("", "不限"), ("open", "拟注销、吊销、撤销待决定")])
    q = StringField("姓名或证号")
