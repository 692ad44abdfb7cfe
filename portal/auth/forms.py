"""Sign-in and password forms."""
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import Form


class LoginForm(Form):
    login = StringField("用户名或身份证号", validators=[DataRequired(message="请输入用户名或身份证号"), Length(max=60)],
                        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(Form):
    current = PasswordField("当前密码", validators=[DataRequired(message="请输入当前密码")],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("新密码", validators=[DataRequired(message="请输入新密码"), Length(max=200)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("再次输入新密码", validators=[DataRequired(message="请再次输入新密码"),
                                                     EqualTo("new", message="两次输入的新密码不一致")],
                            render_kw={"autocomplete": "new-password"})
