"""The legal office's forms for entrustment agreements: the agreement as signed, the day of its filing, the days of
both parties' announcements, a termination."""
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
    meets_article_21 = BooleanField("委托行政处罚的：受委托组织依法成立并具有管理公共事务职能，需要技术检查或者技术鉴定的有条件"
                                    "组织进行（《行政处罚法》第二十一条第一、三项），或委托依据另有规定。第二项（取得行政执法资格的"
                                    "工作人员）由系统在公告前核验")
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


class AnnounceForm(Form):
    """Announcing an agreement: the entrusting body's announcement and the entrusted party's (行政处罚法第二十条第二款)."""

    day = DateField("委托机关公告日期", validators=[DataRequired(message="请填写委托机关的公告日期")])
    entrusted_day = DateField("受委托组织公告日期", validators=[Optional()],
                              description="委托行政处罚的必填（《行政处罚法》第二十条第二款）")


class TerminateForm(Form):
    """Ending an agreement before its term."""

    day = DateField("终止日期", validators=[DataRequired(message="请填写终止日期")])
    reason = TextAreaField("终止理由", validators=[DataRequired(message="请写明终止的理由"), Length(max=4000)],
                           render_kw={"rows": 2})
