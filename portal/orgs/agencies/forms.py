"""The agency form (admin)."""
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import Form
from portal.orgs.models import KINDS


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
