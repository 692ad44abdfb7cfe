"""Forms of the exam pages. The exam form itself is posted row by row (the sections editor) and read in the view;
these are the filters, the enrolment box and the one-button actions."""
from __future__ import annotations

from wtforms import SelectField, TextAreaField

from exams.papers.models import PURPOSES, STATUSES
from portal.forms import ActionForm, Form

WINDOW_STATES = {"upcoming": "未开始", "open": "进行中", "closed": "已结束"}


class ExamFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    purpose = SelectField("考试类型", choices=[("", "全部类型")] + list(PURPOSES.items()))
    status = SelectField("状态", choices=[("", "全部状态")] + list(STATUSES.items()))
    state = SelectField("考试时间", choices=[("", "全部")] + list(WINDOW_STATES.items()))


class EnrolForm(Form):
    lines = TextAreaField("身份证号或姓名（每行一个）", render_kw={"rows": 6, "autocomplete": "off"})


class PublishForm(ActionForm):
    """The publish button."""


class RemoveForm(ActionForm):
    """The remove button beside an enrolled officer."""
