"""Forms of the question bank. Choices are not checked by WTForms: :func:`exams.bank.rules.validate` checks every
value (the import uses it too), so a form and a spreadsheet row get the same message."""
from __future__ import annotations

from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from exams.bank import rules
from exams.bank.models import KINDS, LETTERS, STATUSES, TRUE_FALSE
from portal import policy
from portal.forms import Form


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _Loose:
    """A choice field whose value the service checks (so an unknown value gets the service's message). It keeps its
    base type's name (``shown_as``), which the templates' ``field`` macro renders by."""

    shown_as = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = self.shown_as

    def pre_validate(self, form):
        pass


class LooseSelect(_Loose, SelectField):
    shown_as = "SelectField"


class LooseRadio(_Loose, RadioField):
    shown_as = "RadioField"


class LooseMultiple(_Loose, SelectMultipleField):
    shown_as = "SelectMultipleField"


class QuestionForm(Form):
    kind = LooseRadio("题型", choices=list(KINDS.items()), default="single")
    stem = TextAreaField("题干", filters=[_strip], render_kw={"rows": 3, "maxlength": rules.MAX_STEM})
    option_a = StringField("选项A", filters=[_strip])
    option_b = StringField("选项B", filters=[_strip])
    option_c = StringField("选项C", filters=[_strip])
    option_d = StringField("选项D", filters=[_strip])
    option_e = StringField("选项E", filters=[_strip])
    option_f = StringField("选项F", filters=[_strip])
    #: the ticked letters (单选、多选)
    answer = LooseMultiple("正确答案", choices=[(letter, letter) for letter in LETTERS])
    #: 对 / 错 (判断)
    answer_tf = LooseRadio("判断答案", choices=list(TRUE_FALSE.items()))
    category = LooseSelect("类别")
    tag = LooseSelect("执法类别（选填）")
    difficulty = LooseSelect("难度", choices=[("", "请选择")] + [(str(n), f"{n}{'（最易）' if n == 1 else '（最难）' if n == 5 else ''}")
                                                               for n in range(1, 6)], default="3")
    legal_basis = StringField("法律依据", filters=[_strip], render_kw={"maxlength": rules.MAX_BASIS,
                                                                   "placeholder": "如《行政处罚法》第六十四条"})
    explanation = TextAreaField("解析（选填）", filters=[_strip], render_kw={"rows": 3})
    status = LooseSelect("保存后状态", choices=[("draft", STATUSES["draft"]), ("active", STATUSES["active"])],
                         default="draft")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "请选择")] + [(c, c) for c in policy.get("exams.categories")]
        self.tag.choices = [("", "不限")] + [(c, c) for c in policy.get("officers.categories")]

    @property
    def option_fields(self):
        """The six option fields, A–F."""
        return [getattr(self, name) for name in rules.OPTION_FIELDS]

    def data_for_service(self) -> rules.QuestionData:
        """The typed question as the service reads it."""
        kind = self.kind.data or ""
        answer = (self.answer_tf.data or "") if kind == "true_false" else "".join(self.answer.data or [])
        return rules.QuestionData(
            kind=kind, stem=self.stem.data or "", options=[f.data or "" for f in self.option_fields], answer=answer,
            category=self.category.data or "", tag=self.tag.data or "", difficulty=self.difficulty.data or "",
            legal_basis=self.legal_basis.data or "", explanation=self.explanation.data or "")

    def fill(self, question) -> None:
        """Start from a stored question (the edit page)."""
        version = question.current
        self.kind.data = version.kind
        self.stem.data = version.stem
        for index, f in enumerate(self.option_fields):
            f.data = version.options[index] if index < len(version.options) else ""
        self.answer.data = list(version.answer) if version.kind != "true_false" else []
        self.answer_tf.data = version.answer if version.kind == "true_false" else None
        self.category.data = question.category
        self.tag.data = question.tag or ""
        self.difficulty.data = str(question.difficulty)
        self.legal_basis.data = version.legal_basis
        self.explanation.data = version.explanation or ""


class StatusForm(Form):
    status = LooseSelect("状态", choices=list(STATUSES.items()))


class _Filters(Form):
    class Meta:
        csrf = False
        locales = ("zh",)


class QuestionFilterForm(_Filters):
    q = StringField("题干关键词")
    kind = SelectField("题型", choices=[("", "全部题型")] + list(KINDS.items()))
    category = SelectField("类别")
    tag = SelectField("执法类别")
    difficulty = SelectField("难度", choices=[("", "全部难度")] + [(str(n), str(n)) for n in range(1, 6)])
    status = SelectField("状态", choices=[("", "全部状态")] + list(STATUSES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "全部类别")] + [(c, c) for c in policy.get("exams.categories")]
        self.tag.choices = [("", "全部执法类别")] + [(c, c) for c in policy.get("officers.categories")]
