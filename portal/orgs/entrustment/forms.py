"""The legal office's forms for entrustment agreements: the agreement as signed, the day of a step (filing or
announcing), a termination."""
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import Form, MultiCheckboxField
from portal.orgs.models import POWERS


class AgreementForm(Form):
    """An entrustment agreement as signed (SPEC §2.2); the signed document uploaded as a PDF."""

    entrusting_id = SelectField("委托机关", coerce=int, validate_choice=False)
    entrusted_id = SelectField("受委托组织", coerce=int, validate_choice=False)
    renews_id = HiddenField()
    legal_basis = TextAreaField("委托的法律依据", validators=[DataRequired(message="请填写委托的法律依据"), Length(max=4000)],
                                render_kw={"rows": 2})
    matters = TextAreaField("委托事项", validators=[DataRequired(message="请填写委托事项"), Length(max=4000)],
                            render_kw={"rows": 3})
    powers = MultiCheckboxField("委托的职权种类", choices=list(POWERS.items()))
    meets_article_21 = BooleanField("受委托组织符合《行政处罚法》第二十一条规定的条件（依法成立并具有管理公共事务职能；有熟悉有关"
                                    "法律、法规、规章和业务并取得行政执法资格的工作人员；需要技术检查或者技术鉴定的，有条件组织进行）")
    starts_on = DateField("委托期限自", validators=[DataRequired(message="请填写委托期限的起始日期")])
    ends_on = DateField("委托期限至", validators=[DataRequired(message="请填写委托期限的截止日期")])
    rights_obligations = TextAreaField("双方的权利和义务", validators=[DataRequired(message="请填写双方的权利和义务"),
                                                             Length(max=4000)], render_kw={"rows": 3})
    liability = TextAreaField("法律责任", validators=[DataRequired(message="请填写法律责任"), Length(max=4000)],
                              render_kw={"rows": 2})
    signed_on = DateField("签订日期", validators=[DataRequired(message="请填写签订日期")])
    document = FileField("签章的委托协议（PDF，不超过10MB）", render_kw={"accept": "application/pdf"})


class DateStepForm(Form):
    """Filing or announcing an agreement: the day it happened."""

    day = DateField("日期", validators=[DataRequired(message="请填写日期")])


class TerminateForm(Form):
    """Ending an agreement before its term."""

    day = DateField("终止日期", validators=[DataRequired(message="请填写终止日期")])
    reason = TextAreaField("终止理由", validators=[DataRequired(message="请写明终止的理由"), Length(max=4000)],
                           render_kw={"rows": 2})
