"""The legal office's forms for a body's standing: a decision (confirm, re-confirm, cancel) and its announcement."""
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import Form


class BodyDecisionForm(Form):
    """Confirm, re-confirm or cancel a body (the legal office)."""

    decided_on = DateField("决定日期", validators=[DataRequired(message="请填写决定日期")])
    legal_basis = TextAreaField("法律依据", validators=[DataRequired(message="请写明法律依据"), Length(max=500)],
                                render_kw={"rows": 2})
    announcement_text = TextAreaField("公告内容", validators=[DataRequired(message="请填写向社会公告的内容"),
                                                          Length(max=4000)], render_kw={"rows": 4})


class AnnounceForm(Form):
    """Record the day the latest decision was announced to the public."""

    announced_on = DateField("公告日期", validators=[DataRequired(message="请填写公告日期")])
