"""Forms of the review pages."""
from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from certificates.reviews.listing import STATES
from certificates.reviews.services import NOTE_MAX, REASON_MAX
from portal.forms import ActionForm, Form


class SubmitForm(Form):
    note = TextAreaField("说明（可选，供法制机构参考）",
                         validators=[Optional(), Length(max=NOTE_MAX, message=f"说明不能超过 {NOTE_MAX} 个字")],
                         render_kw={"rows": 3})


class ConfirmForm(ActionForm):
    """The legal office's confirm button."""


class RejectForm(Form):
    reason = TextAreaField("不予确认的理由", validators=[DataRequired("不予确认须写明理由"),
                                                 Length(max=REASON_MAX, message=f"理由不能超过 {REASON_MAX} 个字")],
                           render_kw={"rows": 3})



class DueFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    agency = SelectField("单位", choices=[], validate_choice=False)
    state = SelectField("审核状态", choices=[("", "全部")] + list(STATES.items()))
    q = StringField("姓名")
