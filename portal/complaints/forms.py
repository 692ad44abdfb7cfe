"""Forms of the complaint pages: the public's complaint and lookup, the legal office's decision."""
from __future__ import annotations

from wtforms import DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.complaints.models import KINDS
from portal.complaints.services import CONTACT_MAX, NOTE_MAX, PLACE_MAX, REPLY_MAX, WHAT_MAX
from portal.forms import Form


class ComplaintForm(Form):
    """What a member of the public sends about an officer (the certificate number comes from the page)."""

    number = HiddenField()
    kind = RadioField("类型", choices=list(KINDS.items()), default="complaint",
                      validators=[InputRequired("请选择投诉或表扬")])
    happened_on = DateField("发生日期", validators=[InputRequired("请填写事情发生的日期")])
    place = StringField("发生地点", validators=[InputRequired("请填写事情发生的地点"), Length(max=PLACE_MAX)],
                        render_kw={"maxlength": PLACE_MAX})
    what = TextAreaField("发生了什么", validators=[InputRequired("请写明发生了什么"), Length(max=WHAT_MAX)],
                         render_kw={"rows": 5, "maxlength": WHAT_MAX})
    contact = StringField("联系方式（选填）", validators=[Optional(), Length(max=CONTACT_MAX)],
                          render_kw={"maxlength": CONTACT_MAX, "autocomplete": "tel"})


class DecideForm(Form):
    """One step of the legal office's triage."""

    decision = HiddenField()
    reply = TextAreaField("给投诉人的答复", validators=[Optional(), Length(max=REPLY_MAX)], render_kw={"rows": 3})
    note = TextAreaField("内部备注（不对外公开）", validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 2})
