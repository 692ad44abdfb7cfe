"""Forms for accounts and the audit filter."""
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import Form, MultiCheckboxField

STAFF_ROLE_CHOICES = [("hr", "人事/培训管理员"), ("legal", "法制机构审核员"), ("admin", "系统管理员")]


class UserForm(Form):
    username = StringField("用户名", validators=[DataRequired(message="请填写用户名"), Length(max=40)],
                           render_kw={"autocomplete": "off"})
    display_name = StringField("姓名/显示名", validators=[DataRequired(message="请填写姓名"), Length(max=60)])
    role = SelectField("角色", choices=STAFF_ROLE_CHOICES)
    scopes = MultiCheckboxField("管辖范围（所选单位及其全部下级）", coerce=int)
    active = BooleanField("允许登录", default=True)


class AuditFilterForm(Form):
    class Meta:
        csrf = False
        locales = ("zh",)

    action = SelectField("操作", coerce=str, default="", validators=[Optional(), Length(max=60)],
                         validate_choice=False)
    actor = StringField("操作人（姓名或登录名）", validators=[Optional(), Length(max=80)])
    object_type = SelectField("对象", coerce=str, default="", validators=[Optional(), Length(max=40)],
                              validate_choice=False)
    object_id = StringField("对象编号", validators=[Optional(), Length(max=40)])
    since = DateField("起始日期", validators=[Optional()])
    until = DateField("截止日期", validators=[Optional()])
    agency = SelectField("单位", coerce=str, validators=[Optional()])
