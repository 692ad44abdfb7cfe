"""The agency form (admin)."""
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import Form, MultiCheckboxField
from portal.orgs.models import KINDS, POWERS


def _strip(value):
    """Spaces pasted around a value do not count against its length."""
    return value.strip() if isinstance(value, str) else value


class ParentField(SelectField):
    """The parent select: a value it did not offer (the agency itself or one of its descendants, or an agency
    that no longer exists) is refused with a message saying why. (WTForms' own message is generic, and its
    ``invalid_choice_message`` exists only from 3.3 on.) The type stays ``SelectField`` for the templates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("请从列表中选择上级单位：不能选择本单位或它的下级单位") from None


class AgencyForm(Form):
    name = StringField("名称", validators=[DataRequired(message="请填写名称"), Length(max=100)])
    short_name = StringField("简称", validators=[DataRequired(message="请填写简称"), Length(max=40)])
    uscc = StringField("统一社会信用代码", validators=[Optional(), Length(max=18)], filters=[_strip])
    region_code = StringField("行政区划代码", validators=[DataRequired(message="请填写行政区划代码"), Length(max=6)],
                              filters=[_strip])
    kind = SelectField("类型", choices=list(KINDS.items()))
    parent_id = ParentField("上级单位", coerce=int)
    sort_order = IntegerField("排序（小的在前）", default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


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
