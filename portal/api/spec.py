"""The API blueprint and :func:`endpoint`, which registers a view together with its definition.

The definition (roles, query parameters, body, response schema) is used three times: to authenticate and
authorise the request, to validate its parameters and body, and to write the OpenAPI document — so the document
cannot drift from what the code accepts.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from flask import Blueprint, current_app, g, make_response, request

from portal import clock, jsonbody
from portal.api.schema import Field, Obj, parse, parse_object
from portal.auth.access import PUBLIC
from portal.auth.models import ROLES
from portal.errors import DomainError, error_response
from portal.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # the API accepts bearer tokens only, never the session cookie, so CSRF does not apply

# a page number is bounded like the HTML lists' (MAX_PAGE): a huge one would overflow the database's OFFSET
PAGE = Field("page", "integer", "页码", minimum=1, maximum=100_000, default=1)
PER_PAGE = Field("per_page", "integer", "每页条数", minimum=1, maximum=100, default=20)
ERROR = Obj("Error", (Field("error", "object", required=True, obj=Obj("ErrorBody", (
    Field("code", "string", required=True, description="machine-readable reason"),
    Field("message", "string", required=True, description="说明（中文）"),
    Field("items", "array", items=Obj("ErrorItem", (
        Field("index", "integer", description="position of the item in the request's list"),
        Field("row", "integer", description="spreadsheet row"),
        Field("field", "string", nullable=True, description="the field or spreadsheet column at fault"),
        Field("message", "string", required=True),
    ))),
))),))
ERROR_STATUSES = {400: "请求格式错误", 401: "缺少或无效的访问令牌", 403: "角色无权使用该接口", 404: "对象不存在或不在范围内",
                  409: "状态冲突", 422: "参数或内容有误", 429: "请求过于频繁"}
ERROR_HEADERS = {401: ("WWW-Authenticate", 'Bearer realm="api"，令牌无效时另有 error="invalid_token"'),
                 429: ("Retry-After", "多少秒后可再请求")}


@dataclass(frozen=True)
class Endpoint:
    """One API operation as documented."""

    name: str
    method: str
    rule: str
    summary: str
    roles: tuple | None
    query: tuple
    body: Obj | None
    response: Obj | None
    status: int
    paginated: bool
    description: str
    path_params: tuple
    errors: tuple = ()  # error statuses of its own, besides those every endpoint of its kind may answer
    path: tuple = ()  # Fields describing (and checking) path values beyond their converter

    def error_statuses(self) -> list[int]:
        """Every error status the operation may answer, as documented."""
        found = {422, 429, *self.errors}
        if self.roles is not None:
            found |= {401, 403}
        if self.path_params:
            found.add(404)
        if self.body is not None:
            found.add(400)
        return sorted(found)


ENDPOINTS: list[Endpoint] = []


def page_of(item: Obj) -> Obj:
    """The list envelope ``{"items", "page", "per_page", "total"}`` around ``item``."""
    return Obj(f"{item.name}Page", (
        Field("items", "array", required=True, items=item),
        Field("page", "integer", required=True),
        Field("per_page", "integer", required=True),
        Field("total", "integer", required=True),
    ))


def _bearer() -> str | None:
    """The token of the request's ``Authorization: Bearer …`` header (the scheme in any case), if any."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    return raw if scheme.lower() == "bearer" and raw else None


def _token_user():
    """The active account behind the request's bearer token, or ``None``; looked up once per request."""
    from portal.auth import services

    if "api_token_user" not in g:
        raw = _bearer()
        g.api_token_user = services.user_for_token(raw, clock.now()) if raw else None
    return g.api_token_user


def _rate_key() -> str:
    """Calls with a valid token count against that token; all others (none, unknown, revoked) against the client
    address, so that guessing tokens is throttled like any anonymous caller. The key holds a digest, never the
    token itself (the limiter's storage may be a shared Redis)."""
    if _token_user() is not None:
        return "token:" + hashlib.sha256(_bearer().encode("utf-8")).hexdigest()[:32]
    return "addr:" + (request.remote_addr or "")


def _parse_body(body: Obj, errors: list) -> dict:
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise DomainError("bad_request", "请求体须为 JSON 对象（Content-Type: application/json），"
                          f"嵌套不超过 {jsonbody.MAX_DEPTH} 层", status=400)
    clean = parse_object(body, {k: v for k, v in raw.items()}, "", errors)
    for f in body.fields:
        if f.type == "array" and isinstance(f.items, Obj) and isinstance(clean.get(f.name), list):
            items = []
            for index, item in enumerate(clean[f.name]):
                item_errors: list = []
                if not isinstance(item, dict):
                    item_errors.append({"field": f.name, "message": "每一项须为 JSON 对象"})
                    items.append(None)
                else:
                    items.append(parse_object(f.items, item, "", item_errors))
                errors.extend({"index": index, **e} for e in item_errors)
            clean[f.name] = items
    return clean


def endpoint(method: str, rule: str, *, summary: str, roles: tuple | None, query: tuple = (),
             body: Obj | None = None, response: Obj | None = None, status: int = 200, paginated: bool = False,
             description: str = "", errors: tuple = (), path: tuple = ()):
    """Register an API view with its definition.

    The view is called as ``fn(user, args, body, **path_values)``: ``user`` the token's account (``None`` for
    public endpoints), ``args`` the validated query (with ``page``/``per_page`` when paginated), ``body`` the
    validated JSON body. ``errors``: statuses the view itself may answer besides the usual ones (e.g. 404 for a
    filter naming an object outside the scope), so the document lists them. ``path``: Fields that describe and
    check path values (a pattern, say) beyond their converter; a value that fails them answers 422.
    """
    query = tuple(query) + ((PAGE, PER_PAGE) if paginated else ())
    path_params = tuple(re.findall(r"<(?:(\w+):)?(\w+)>", rule))

    def decorate(fn):
        @functools.wraps(fn)
        def view(**path_values):
            user = None
            if roles is not None:
                user = _token_user()
                if user is None:
                    response = error_response(401, "unauthorized", "缺少或无效的访问令牌（Authorization: Bearer …）")
                    # RFC 6750 §3: a token was sent but is unknown, revoked or its account inactive
                    response.headers["WWW-Authenticate"] = 'Bearer realm="api"' + (
                        ', error="invalid_token"' if _bearer() else "")
                    return response
                if user.role not in roles:
                    raise DomainError("forbidden", f"{ROLES.get(user.role, user.role)}角色无权使用该接口", status=403)
                g.api_user = user
            errors: list = []
            for f in path:
                parse(f, path_values.get(f.name), f.name, errors)
            args = {f.name: parse(f, request.args.get(f.name), f.name, errors, from_text=True) for f in query}
            clean_body = _parse_body(body, errors) if body is not None else None
            if errors:
                raise DomainError("invalid", "请求参数或内容有误", status=422, items=errors)
            response = make_response(fn(user=user, args=args, body=clean_body, **path_values))
            if roles is not None:
                response.headers["Cache-Control"] = "no-store"  # an account's data: never kept by a cache
            return response

        view.access = roles if roles is not None else PUBLIC
        limited = limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(view)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=limited, methods=[method])
        ENDPOINTS.append(Endpoint(fn.__name__, method, rule, summary, roles, query, body, response, status,
                                  paginated, description or (fn.__doc__ or "").strip(), path_params,
                                  tuple(errors), tuple(path)))
        return limited

    return decorate


def openapi_document() -> dict:
    """The OpenAPI 3 document of every registered endpoint."""
    schemas: dict = {}

    def register(obj: Obj | None):
        if obj is None:
            return
        for nested in obj.nested():
            schemas[nested.name] = nested.json_schema()

    register(ERROR)
    paths: dict = {}
    for ep in ENDPOINTS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", ep.rule)
        described = {f.name: f for f in ep.path}
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": described[name].json_schema() if name in described else
                       {"type": "integer", "minimum": 0, "maximum": 2**31 - 1} if conv == "int" else {"type": "string"}}
                      for conv, name in ep.path_params]
        parameters += [{"name": f.name, "in": "query", "required": f.required, "schema": f.json_schema(),
                        **({} if f.required else {"allowEmptyValue": True}),
                        **({"description": f.label} if f.label else {})} for f in ep.query]
        operation = {"operationId": ep.name, "summary": ep.summary, "description": ep.description,
                     "parameters": parameters, "responses": {}}
        if ep.roles is not None:
            operation["security"] = [{"bearer": []}]
            operation["x-roles"] = list(ep.roles)
        else:
            operation["security"] = []
        if ep.body is not None:
            register(ep.body)
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": ep.body.ref()}}}
        register(ep.response)
        operation["responses"][str(ep.status)] = {
            "description": "成功",
            **({"content": {"application/json": {"schema": ep.response.ref()}}} if ep.response else {}),
        }
        for code in ep.error_statuses():
            operation["responses"][str(code)] = {
                "description": ERROR_STATUSES[code],
                "content": {"application/json": {"schema": ERROR.ref()}},
                **({"headers": {ERROR_HEADERS[code][0]: {"description": ERROR_HEADERS[code][1],
                                                          "schema": {"type": "string"}}}}
                   if code in ERROR_HEADERS else {}),
            }
        paths.setdefault(path, {})[ep.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "执法人员资格管理与培训平台 API", "version": "1",
                 "description": "以 Bearer 令牌调用；令牌所属账户的角色与管辖范围同样适用。列表接口按 page、per_page（≤100）分页。"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": dict(sorted(paths.items())),
    }
