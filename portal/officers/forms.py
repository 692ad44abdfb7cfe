"""The officer form and the photo upload form."""
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal import policy
from portal.forms import Form, MultiCheckboxField
from portal.officers.models import GENDERS, STATUSES


class OfficerForm(Form):
    name = StringField("姓名", validators=[DataRequired(message="请填写姓名"), Length(max=40)])
    id_number = StringField("身份证号", validators=[DataRequired(message="请填写身份证号"), Length(max=18)],
                            render_kw={"autocomplete": "off", "inputmode": "text", "maxlength": 18})
    gender = SelectField("性别", choices=[("", "请选择")] + list(GENDERS.items()),
                         validators=[DataRequired(message="请选择性别")])
    birth_date = DateField("出生日期", validators=[DataRequired(message="请填写有效的出生日期")])
    agency_id = SelectField("单位", coerce=int, validators=[DataRequired(message="请选择单位")])
    post = StringField("岗位", validators=[DataRequired(message="请填写岗位"), Length(max=60)])
    categories = MultiCheckboxField("执法类别", validators=[DataRequired(message="至少选择一个执法类别")])
    region = StringField("执法区域", validators=[DataRequired(message="请填写执法区域"), Length(max=100)])
    mobile = StringField("手机", validators=[DataRequired(message="请填写手机号"), Length(max=11)],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField("邮箱（选填）", validators=[Optional(), Length(max=120)], render_kw={"inputmode": "email"})
    hired_on = DateField("入职日期", validators=[DataRequired(message="请填写有效的入职日期")])
    status = SelectField("在岗状态", choices=list(STATUSES.items()), default="on_duty")
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
