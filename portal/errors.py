"""Domain errors and the error pages: no stack trace ever reaches a user.

Pages under ``/api/`` answer JSON ``{"error": {"code", "message", "items"?}}``; every other path an HTML page
in Chinese.
"""
import logging

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

STATUS_TEXT = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "需要登录"),
    403: ("forbidden", "您没有权限访问此页面"),
    404: ("not_found", "页面或记录不存在"),
    405: ("method_not_allowed", "不支持该请求方式"),
    409: ("conflict", "操作冲突"),
    413: ("too_large", "上传内容过大"),
    422: ("invalid", "提交的内容有误"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("server_error", "系统内部错误，已记录，请稍后再试"),
}


class DomainError(Exception):
    """A rule of the domain refused an operation.

    :param code: machine-readable reason, e.g. ``'conflict'`` or ``'invalid_id_number'``.
    :param message: what is wrong, in Chinese, for the user.
    :param status: HTTP status a view or the API answers with.
    :param items: optional per-item errors: ``[{"index"|"row", "field", "message"}]``.
    """

    def __init__(self, code: str, message: str, status: int = 422, items: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.items = items or []

    @classmethod
    def invalid(cls, items, message: str = "提交的内容有误，未保存", code: str = "invalid") -> "DomainError":
        """Input refused (422), each problem beside its field: ``items`` are ``problem()`` dicts or
        ``(field, message)`` pairs."""
        return cls(code, message, status=422,
                   items=[item if isinstance(item, dict) else problem(*item) for item in items])

    @classmethod
    def invalid_field(cls, field: str, message: str, status: int = 422) -> "DomainError":
        """One field refused: code ``invalid_<field>``, the message both overall and beside the field."""
        return cls("invalid_" + field, message, status=status, items=[problem(field, message)])

    @classmethod
    def conflict(cls, code: str, message: str) -> "DomainError":
        """The state changed or forbids the step (409): someone else acted first, or the step is out of order."""
        return cls(code, message, status=409)

    @classmethod
    def not_found(cls, message: str = "页面或记录不存在") -> "DomainError":
        """Nothing to act on (404) — also what an object outside the account's scope looks like."""
        return cls("not_found", message, status=404)


def problem(field: str, message: str) -> dict:
    """One problem of a submission, for the field it concerns (an item of :meth:`DomainError.invalid`)."""
    return {"field": field, "message": message}


def wants_json() -> bool:
    """True for API paths, whose errors are JSON."""
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def error_response(status: int, code: str | None = None, message: str | None = None, items=None):
    """Render an error as JSON (API) or as an HTML page (everything else), as a response object."""
    default_code, default_message = STATUS_TEXT.get(status, ("error", "出错了"))
    code = code or default_code
    message = message or default_message
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if items:
            body["error"]["items"] = items
        return make_response(jsonify(body), status)
    return make_response(
        render_template("errors/error.html", status=status, code=code, message=message, items=items), status)


def init_app(app):
    """Register the handlers (each runs after :class:`portal.transaction.Portal` has rolled the request back)."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return error_response(err.status, err.code, err.message, err.items)

    @app.errorhandler(CSRFError)
    def _csrf(err):
        return error_response(400, "csrf", "表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试。")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        message = None
        if status == 429:
            message = "请求过于频繁，请稍后再试。"
        elif status == 413:
            message = "上传内容过大，超过了允许的大小。"
        response = error_response(status, None, message)
        if status == 405 and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)  # the request's unit of work is already rolled back (portal.transaction.Portal)
