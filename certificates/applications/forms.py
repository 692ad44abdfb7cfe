"""Forms of the application pages."""
from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from certificates.applications.models import APPLICATION_STATUSES
from certificates.models import TYPES
from portal.forms import ActionForm, Form, MultiCheckboxField


class ApplicationForm(Form):
    officer_id = HiddenField()
    type = RadioField("证件类型", choices=list(TYPES.items()), default="enforcement",
                      validators=[DataRequired("请选择证件类型")])
    categories = MultiCheckboxField("执法类别（证件范围）", choices=[], validate_choice=False)
    region = StringField("执法区域", validators=[Optional(), Length(max=100, message="执法区域不能超过 100 个字")])
    note = TextAreaField("申请说明", validators=[Optional(), Length(max=500, message="说明不能超过 500 个字")],
                         render_kw={"rows": 2})


class RejectForm(Form):
    reason = TextAreaField("不予批准的理由", validators=[DataRequired("不予批准须写明理由"),
                                                  Length(max=500, message="理由不能超过 500 个字")],
                           render_kw={"rows": 3})


class ApproveForm(ActionForm):
    """The approve button."""


class WithdrawForm(ActionForm):
    """HR's withdraw button."""



class ApplicationFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    status = SelectField("状态", choices=[("", "全部")] + list(APPLICATION_STATUSES.items()), default="pending")
    type = SelectField("证件类型", choices=[("", "全部类型")] + list(TYPES.items()))
    q = StringField("姓名")
