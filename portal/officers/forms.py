"""The officer form and the photo upload form."""
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import policy
from portal.forms import Form, MultiCheckboxField
from portal.officers.models import GENDERS, STAFF_KINDS, STATUSES


class _SaysWhyNotAChoice:
    """Refuses a value that was not offered with a message of our own: WTForms' message for a multiple choice
    is not translated into Chinese, and ``invalid_choice_message`` exists only from WTForms 3.3 on. The field
    keeps its base type's name (``shown_as``), which the templates' ``field`` macro renders by."""

    shown_as = ""

    def __init__(self, *args, not_a_choice: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_choice = not_a_choice
        self.type = self.shown_as

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.not_a_choice) from None


class ChoiceField(_SaysWhyNotAChoice, SelectField):
    shown_as = "SelectField"


class CheckboxesField(_SaysWhyNotAChoice, MultiCheckboxField):
    shown_as = "MultiCheckboxField"


def _strip(value):
    """Spaces pasted around a value do not count against its length."""
    return value.strip() if isinstance(value, str) else value


class OfficerForm(Form):
    name = StringField("姓名", validators=[DataRequired(message="请填写姓名"), Length(max=40)])
    id_number = StringField("身份证号", validators=[DataRequired(message="请填写身份证号"), Length(max=18)],
                            filters=[_strip],
                            render_kw={"autocomplete": "off", "inputmode": "text", "maxlength": 18})
    gender = SelectField("性别", choices=[("", "请选择")] + list(GENDERS.items()),
                         validators=[DataRequired(message="请选择性别")])
    birth_date = DateField("出生日期", validators=[DataRequired(message="请填写有效的出生日期")])
    agency_id = ChoiceField("单位", coerce=int, validators=[DataRequired(message="请选择单位")],
                            not_a_choice="只能选择您管理范围内的单位")
    post = StringField("岗位", validators=[DataRequired(message="请填写岗位"), Length(max=60)])
    categories = CheckboxesField("执法类别", validators=[DataRequired(message="至少选择一个执法类别")],
                                 not_a_choice="执法类别须从政策设置的类别中选择")
    region = StringField("执法区域", validators=[DataRequired(message="请填写执法区域"), Length(max=100)])
    mobile = StringField("手机", validators=[DataRequired(message="请填写手机号"), Length(max=11)], filters=[_strip],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField("邮箱（选填）", validators=[Optional(), Length(max=120)], render_kw={"inputmode": "email"})
    hired_on = DateField("入职日期", validators=[DataRequired(message="请填写有效的入职日期")])
    status = SelectField("在岗状态", choices=list(STATUSES.items()), default="on_duty")
    staff_kind = ChoiceField("人员类别", choices=[("", "请选择")] + list(STAFF_KINDS.items()),
                             validators=[DataRequired(message="请选择人员类别")],
                             not_a_choice="人员类别须从列出的类别中选择")
    version = HiddenField()

    def set_choices(self, agencies) -> None:
        """Offer only the agencies in the user's scope and the configured enforcement categories."""
        base = min((a.depth for a in agencies), default=0)
        self.agency_id.choices = [(0, "请选择")] + [
            (a.id, "\u3000" * (a.depth - base) + a.name) for a in agencies
        ]
        self.categories.choices = [(c, c) for c in policy.get("officers.categories")]


class PhotoForm(Form):
    photo = FileField("照片（JPEG或PNG，不超过2MB）", render_kw={"accept": "image/jpeg,image/png"})


class FilterForm(Form):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False
        locales = ("zh",)

    q = StringField("姓名/身份证号/手机")
    agency = SelectField("单位", coerce=str)
    status = SelectField("状态", choices=[("", "全部状态")] + list(STATUSES.items()))
    category = SelectField("执法类别")
    missing = SelectField("缺项", choices=[("", "不限"), ("photo", "缺照片"), ("account", "未开通账号")])
    page = IntegerField(default=1)
