"""The registry's filter form (a GET form: no CSRF token)."""
from __future__ import annotations

from wtforms import SelectField, StringField

from exams.papers.models import PURPOSES
from exams.results.services import RESULTS
from portal.forms import Form

DATE = {"type": "date"}


class RegistryFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    q = StringField("姓名/身份证号")
    exam = SelectField("考试", coerce=str, validate_choice=False)
    purpose = SelectField("考试类别", choices=[("", "全部类别")] + list(PURPOSES.items()))
    agency = SelectField("单位", coerce=str, validate_choice=False)
    result = SelectField("结果", choices=[("", "全部")] + list(RESULTS.items()))
    date_from = StringField("交卷日期（起）", render_kw=DATE)
    date_to = StringField("交卷日期（止）", render_kw=DATE)
