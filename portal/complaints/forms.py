"""Forms of the complaint pages: the public's complaint, report and lookup; the legal office's decision, transfer
and extension; the officer's answer."""
from __future__ import annotations

from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.complaints.handling import ANSWER_MAX, REASON_MAX
from portal.complaints.models import KINDS
from portal.complaints.services import (
    BODY_MAX,
    CONTACT_MAX,
    NAME_MAX,
    NOTE_MAX,
    PLACE_MAX,
    REPLY_MAX,
    WHAT_MAX,
)
from portal.forms import Form


class _Account(Form):
    """What happened, when and where, and how to reach the sender: the part every public form asks."""

    happened_on = DateField("发生日期", validators=[InputRequired("请填写事情发生的日期")])
    place = StringField("发生地点", validators=[InputRequired("请填写事情发生的地点"), Length(max=PLACE_MAX)],
                        render_kw={"maxlength": PLACE_MAX})
    what = TextAreaField("发生了什么", validators=[InputRequired("请写明发生了什么"), Length(max=WHAT_MAX)],
                         render_kw={"rows": 5, "maxlength": WHAT_MAX})
    contact = StringField("联系方式（选填）", validators=[Optional(), Length(max=CONTACT_MAX)],
                          render_kw={"maxlength": CONTACT_MAX, "autocomplete": "tel"})


class ComplaintForm(_Account):
    """What a member of the public sends about an officer (the certificate number comes from the page)."""

    number = HiddenField()
    kind = RadioField("类型", choices=[(k, KINDS[k]) for k in ("complaint", "praise")], default="complaint",
                      validators=[InputRequired("请选择投诉或表扬")])


class DecideForm(Form):
    """One step of the legal office's triage."""

    decision = HiddenField()
    reply = TextAreaField("给投诉人的答复", validators=[Optional(), Length(max=REPLY_MAX)], render_kw={"rows": 3})
    note = TextAreaField("内部备注（不对外公开）", validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 2})


class UnlicensedForm(_Account):
    """A report of someone enforcing without a certificate: by name (as far as known), agency, place and time."""

    reported_name = StringField("执法人员姓名（如知道）", validators=[Optional(), Length(max=NAME_MAX)],
                                render_kw={"maxlength": NAME_MAX})
    agency_id = SelectField("所属单位", coerce=int, validate_choice=False)
    happened_time = StringField("大约时间（选填，如 09:30）", validators=[Optional(), Length(max=5)],
                                render_kw={"maxlength": 5, "inputmode": "numeric", "placeholder": "09:30"})


class TransferForm(Form):
    """移交: the receiving body and the reply the sender reads."""

    transferred_to = StringField("接收移交的机关", validators=[Optional(), Length(max=BODY_MAX)],
                                 render_kw={"maxlength": BODY_MAX})
    reply = TextAreaField("给投诉人的答复", validators=[Optional(), Length(max=REPLY_MAX)], render_kw={"rows": 2})


class ExtendForm(Form):
    """Extending the 办结 deadline once."""

    extension_reason = TextAreaField("延长理由", validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2})


class AnswerForm(Form):
    """The officer's 陈述 on a complaint, or waiving it."""

    answer = TextAreaField("陈述意见", validators=[Optional(), Length(max=ANSWER_MAX, message=f"陈述意见不能超过 {ANSWER_MAX} 个字")],
                           render_kw={"rows": 4, "maxlength": ANSWER_MAX})
    waive = BooleanField("放弃陈述")
