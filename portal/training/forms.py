"""Forms of the training pages. Hours are text fields: :func:`portal.training.services.parse_hours` reads them
(full-width digits included) and says what is wrong in Chinese."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import Form
from portal.officers.forms import CheckboxesField, ChoiceField
from portal.training import services
from portal.training.models import CATEGORIES, MODES

CATEGORY_CHOICES = [("", "请选择")] + list(CATEGORIES.items())


def _strip(value):
    return value.strip() if isinstance(value, str) else value


DATE = {"type": "date"}
HOURS = {"inputmode": "decimal", "autocomplete": "off"}


def agency_choices(agencies, blank: str | None = "请选择") -> list:
    """Agencies in tree order, indented under their parents."""
    base = min((a.depth for a in agencies), default=0)
    choices = [(0, blank)] if blank else []
    return choices + [(a.id, "\u3000" * (a.depth - base) + a.name) for a in agencies]


class CourseForm(Form):
    title = StringField("课程名称", filters=[_strip], validators=[Length(max=services.MAX_TITLE)])
    category = ChoiceField("类别", choices=CATEGORY_CHOICES, not_a_choice="请从列表中选择类别")
    hours = StringField("学时", filters=[_strip], render_kw=HOURS)
    provider = StringField("培训机构", filters=[_strip], validators=[Length(max=services.MAX_PROVIDER)])
    mode = ChoiceField("培训方式", choices=list(MODES.items()), default="classroom", not_a_choice="请选择培训方式")
    starts_on = StringField("开始日期", filters=[_strip], render_kw=DATE)
    ends_on = StringField("结束日期", filters=[_strip], render_kw=DATE)
    agency_id = ChoiceField("主办单位", coerce=int, validators=[DataRequired(message="请选择单位")],
                            not_a_choice="只能选择您管辖范围内的单位")


class RecordForm(Form):
    officer_id = ChoiceField("执法人员", coerce=int, validators=[DataRequired(message="请选择执法人员")],
                             not_a_choice="只能选择您管辖范围内的执法人员")
    course_id = ChoiceField("课程（选填）", coerce=int, validate_choice=True, not_a_choice="请从列表中选择课程")
    title = StringField("课程名称", filters=[_strip], validators=[Optional(), Length(max=services.MAX_TITLE)])
    category = ChoiceField("类别", choices=CATEGORY_CHOICES, not_a_choice="请从列表中选择类别")
    hours = StringField("学时", filters=[_strip], render_kw=HOURS)
    completed_on = StringField("完成日期", filters=[_strip], render_kw=DATE)
    provider = StringField("培训机构", filters=[_strip], validators=[Optional(), Length(max=services.MAX_PROVIDER)])
    note = TextAreaField("备注（选填）", filters=[_strip], validators=[Optional(), Length(max=services.MAX_NOTE)],
                         render_kw={"rows": 2})


class ClassForm(Form):
    course_id = ChoiceField("课程", coerce=int, validators=[DataRequired(message="请选择课程")],
                            not_a_choice="请从列表中选择课程")
    officer_ids = CheckboxesField("参训人员", coerce=int, not_a_choice="只能勾选名单中的在岗执法人员")
    completed_on = StringField("完成日期", filters=[_strip], render_kw=DATE)
    note = TextAreaField("备注（选填）", filters=[_strip], validators=[Optional(), Length(max=services.MAX_NOTE)],
                         render_kw={"rows": 2})
    agency = HiddenField()


class _Filters(Form):
    class Meta:
        csrf = False
        locales = ("zh",)


class RecordFilterForm(_Filters):
    q = StringField("姓名/身份证号")
    agency = SelectField("单位", coerce=str)
    category = SelectField("类别", choices=[("", "全部类别")] + list(CATEGORIES.items()))
    year = SelectField("年度", coerce=str)
    source = SelectField("录入方式", choices=[("", "全部方式"), ("manual", "手工录入"), ("import", "批量导入"),
                                          ("api", "接口")])


class CourseFilterForm(_Filters):
    q = StringField("课程名称")
    category = SelectField("类别", choices=[("", "全部类别")] + list(CATEGORIES.items()))
    year = SelectField("年度", coerce=str)


SHORT_CHOICES = [("", "任一项未达标"), ("total", "合计未达标")] + [(c, f"{label}未达标") for c, label in CATEGORIES.items()]
SORT_CHOICES = [("shortfall", "按差额（多→少）"), ("name", "按姓名"), ("agency", "按单位")]


class ShortfallFilterForm(_Filters):
    q = StringField("姓名/身份证号")
    agency = SelectField("单位", coerce=str)
    short = SelectField("未达标项", choices=SHORT_CHOICES)
    sort = SelectField("排序", choices=SORT_CHOICES)
