"""Public verification pages (SPEC §2.7, §3): ``/v/<token>`` (what a QR code opens), its photo, and ``/verify``
(number + name, rate-limited per client).

Small pages of their own layout (no framework CSS or JavaScript), readable on a phone. Answers are never
cached (a status can change at any moment) nor indexed. Each verification that finds a certificate is counted
after the response has been sent (:func:`count_after_response`).
"""
from __future__ import annotations

from flask import Blueprint, after_this_request, current_app, make_response, render_template, request

from certificates import numbering, verification
from portal import clock, policy
from portal.auth.access import public
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.officers.models import OfficerPhoto

bp = Blueprint("certificate_public", __name__, template_folder="templates")

DEFAULT_RATE_LIMIT = "10/minute"
#: the longest number text the form takes (a number is 15 characters; spaces and hyphens may be typed)
MAX_NUMBER_INPUT = 40


def count_after_response(result: verification.Result) -> None:
    """Count a verification that found a certificate, off the request's critical path: the count is kept with
    the response and written once the response has gone out (``call_on_close``), in a transaction of its own;
    a failure is logged, never shown (:func:`verification.record_verifications`)."""
    if not result.found:
        return
    app = current_app._get_current_object()
    counts = {(result.certificate_id, clock.today()): 1}

    def flush():
        with app.app_context():
            verification.record_verifications(counts)

    @after_this_request
    def _later(response):
        response.call_on_close(flush)
        return response


def no_store(response):
    """A verification answer: never cached (a status can change at any moment), never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _authority() -> str:
    return policy.get("certificates.reviewing_authority")


policy.define("public.contact_phone", "核验咨询电话", "text", "12348", "公开页面",
              help="公众对核验结果有疑问时拨打的电话，印在每个核验页和公示页上（12348 为公共法律服务热线）")
policy.define("public.contact_address", "核验咨询地址", "text", "", "公开页面", optional=True,
              help="法制机构的办公地址；不填则不显示")
policy.define("public.contact_hours", "咨询时间", "text", "工作日 9:00–12:00、13:30–17:00", "公开页面", optional=True,
              help="不填则不显示")


@bp.app_template_global("public_contact")
def _public_contact() -> dict:
    """How the public reaches the legal office (settings on 政策设置): for the footer of every public page and the
    advice after a bad result. Read only by the templates that show it."""
    return {"authority": _authority(), "phone": policy.get("public.contact_phone"),
            "address": policy.get("public.contact_address"), "hours": policy.get("public.contact_hours")}


@bp.route("/v/<token>")
@public
def token_page(token: str):
    """What a certificate's QR code opens: the result first, then the public facts."""
    result = verification.resolve(token, clock.today())
    count_after_response(result)
    page = render_template("certificates/public/token.html", result=result, token=token, checked_at=clock.now())
    return no_store(make_response(page))


@bp.route("/v/<token>/photo.jpg")
@public
def token_photo(token: str):
    """The holder's photo — only for a current edition with a good signature, not revoked; 404 otherwise."""
    result = verification.resolve(token, clock.today())
    photo = db.session.get(OfficerPhoto, result.officer_id) if result.photo_allowed else None
    if photo is None:
        response = make_response("未找到照片", 404)
        response.mimetype = "text/plain"
        return no_store(response)
    response = make_response(photo.data)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _lookup_requested() -> bool:
    return "number" in request.args or "name" in request.args


@bp.route("/verify")
@limiter.limit(lambda: current_app.config.get("VERIFY_RATE_LIMIT", DEFAULT_RATE_LIMIT),
               exempt_when=lambda: not _lookup_requested())
@public
def verify():
    """Look a certificate up by number and name (GET, so a result can be bookmarked); an empty form without
    arguments. A mistyped number is refused by its check character before anything is looked up."""
    number = request.args.get("number", "")[:MAX_NUMBER_INPUT]
    name = request.args.get("name", "")[:verification.MAX_NAME + 10]
    errors: dict[str, str] = {}
    result = None
    if _lookup_requested():
        try:
            numbering.parse(number)
        except DomainError as err:
            errors["number"] = err.message
        if not name.strip():
            errors["name"] = "请输入持证人姓名"
        if not errors:
            result = verification.lookup(number, name, clock.today())
            count_after_response(result)
    page = render_template("certificates/public/verify.html", result=result, number=number, name=name,
                           errors=errors, checked_at=clock.now())
    response = make_response(page, 422 if errors else 200)
    return no_store(response)


@bp.errorhandler(429)
def too_many(error):
    """Over the per-client limit of ``/verify``: a page in Chinese saying when to try again."""
    page = render_template("certificates/public/limited.html")
    return no_store(make_response(page, 429))
