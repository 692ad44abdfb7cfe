"""The base form (CSRF from Flask-WTF, WTForms' built-in messages in Chinese), shared fields, and the paging
helpers of list pages."""
from flask import abort, request
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from portal import policy
from portal.extensions import db

policy.define("ui.page_size", "列表每页显示多少条", "int", 30, "列表", minimum=10, maximum=200, unit="条",
              help="人员、证件、培训、考试、审核、投诉等列表页每页的条数（接口分页另由 per_page 参数决定）")


class Form(FlaskForm):
    """Every form in the portal derives from this one."""

    class Meta:
        locales = ("zh",)


class ActionForm(Form):
    """A form with no fields: a button whose POST needs only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def apply_errors(form: FlaskForm, items: list[dict]) -> list[dict]:
    """Put a :class:`DomainError`'s per-field items beside the form's fields; returns items with no such field."""
    rest = []
    for item in items:
        target = getattr(form, item.get("field") or "", None)
        if target is not None and hasattr(target, "errors"):
            if isinstance(target.errors, tuple):
                target.errors = list(target.errors)
            if item["message"] not in target.errors:  # the form's own check may have said it already
                target.errors.append(item["message"])
        else:
            rest.append(item)
    return rest


MAX_PAGE = 100_000
MAX_ID = 2**31 - 1


def page_number(args) -> int:
    """The ``page`` query argument, clamped to 1…100 000 (a huge number must not reach the database)."""
    return int_arg(args, "page", 1, 1, MAX_PAGE)


def int_arg(args, name: str, default: int, lowest: int, highest: int) -> int:
    """A whole number from a query string or a posted form (``args``), clamped to ``lowest``…``highest``;
    ``default`` when it is absent or not a number. The one parser of typed integers: Werkzeug's ``type=`` int
    conversion would hand a 25-digit number to the database, which cannot hold it (a 500)."""
    text = str(args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return default
    if len(text) > len(str(highest)):
        return highest
    return min(max(int(text), lowest), highest)


def id_arg(args, name: str) -> int | None:
    """An id from a query string or a posted form: ``None`` when absent or blank; 404 when it is not an id an
    INTEGER column can hold (no such object can exist)."""
    text = str(args.get(name) or "").strip()
    if not text:
        return None
    value = parse_id(text)
    if value is None:
        abort(404)
    return value


def page_size() -> int:
    """How many rows a list page shows: the one setting ``ui.page_size`` for every list of the portal."""
    return policy.get("ui.page_size")


def paginate(query):
    """The page of ``query`` the query string asks for, at the portal's page size (counted in the database)."""
    return db.paginate(query, page=page_number(request.args), per_page=page_size(), error_out=False)


def paginate_list(items: list) -> "ListPagination":
    """The page of a list computed in Python that the query string asks for, at the portal's page size."""
    return ListPagination(page=page_number(request.args), per_page=page_size(), error_out=False, items=items)


class ListPagination(Pagination):
    """One page of a list computed in Python (``items=``), with the interface of the query pagination (for the
    pager macro); :func:`paginate_list` makes one at the portal's page size."""

    def _query_items(self) -> list:
        start = (self.page - 1) * self.per_page
        return self._query_args["items"][start:start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def id_value(value) -> int | None:
    """A posted id that an INTEGER column can hold, else ``None``."""
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def parse_id(text) -> int | None:
    """An id typed or posted as text (``"42"``), when an INTEGER column can hold it, else ``None``."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    return id_value(int(text))
