"""Public API of certificate verification (SPEC §3): ``GET /api/v1/verify/<token>`` and
``GET /api/v1/status-list``. No token needed; the rules live in :mod:`certificates.verification` and
:mod:`certificates.status_list` (this module only declares the endpoints, which the layering keeps in the API)."""
from __future__ import annotations

from flask import current_app, jsonify, make_response, request, url_for

from certificates import status_list, verification
from certificates.models import REVOCATION_WORDS, TYPES
from certificates.public import count_after_response, no_store
from portal import clock
from portal.api.schema import Field, Obj
from portal.api.spec import endpoint

DEFAULT_MIN_INTERVAL = 300

ENTRUSTMENT = Obj("VerifiedEntrustment", (
    Field("entrusting_body", "string", "委托机关", required=True),
    Field("matters", "string", "委托事项", required=True),
    Field("from", "date", "委托期限起", required=True),
    Field("until", "date", "委托期限止", required=True),
), description="受委托组织的执法人员以委托机关的名义执法（SPEC §2.2）")

CERTIFICATE = Obj("VerifiedCertificate", (
    Field("number", "string", "证号", required=True),
    Field("type", "string", "证件类型", required=True, enum=tuple(TYPES)),
    Field("type_label", "string", "证件类型（中文）", required=True),
    Field("name", "string", "姓名", required=True),
    Field("agency", "string", "执法单位", required=True, description="the agency printed on this edition"),
    Field("categories", "array", "执法类别", required=True, items=Field("category", "string")),
    Field("region", "string", "执法区域", required=True),
    Field("edition", "integer", "二维码所属版次", required=True, minimum=1),
    Field("current_edition", "integer", "现行版次", required=True, minimum=1),
    Field("issued_on", "date", "发证日期", required=True, description="of the edition the QR code belongs to"),
    Field("since", "date", "暂扣起始日期", nullable=True, description="suspended only"),
    Field("holds", "array", "暂扣原因（公开表述）", required=True, items=Field("wording", "string"),
          description="suspended only: the public wording of every open hold, never its note"),
    Field("revoked_on", "date", "注销/吊销/撤销日期", nullable=True),
    Field("revocation_word", "string", "公开表述", nullable=True,
          description="revoked only: " + " / ".join(sorted(set(REVOCATION_WORDS.values())))),
    Field("next_review_due", "date", "下次审核确认日期", nullable=True,
          description="a hearing presider's follows the holder's enforcement certificate"),
    Field("superseded_on", "date", "换发日期", nullable=True, description="superseded only"),
    Field("has_photo", "boolean", "有照片", required=True),
    Field("photo_url", "string", "照片地址", nullable=True,
          description="only for a current edition with a good signature that is not revoked"),
    Field("entrustment", "object", "委托执法", nullable=True, obj=ENTRUSTMENT,
          description="an entrusted party's holder acts in the entrusting body's name: the agreement in force, "
                      "else the latest (whose end the hold explains); null otherwise"),
), description="证件的公开信息（不含身份证号、手机号、邮箱、暂扣备注）")

VERIFICATION = Obj("Verification", (
    Field("status", "string", "核验结果", required=True, enum=verification.OUTCOMES),
    Field("certificate", "object", "证件", required=True, nullable=True, obj=CERTIFICATE,
          description="null for invalid_signature, key_retired, unknown and malformed"),
))


@endpoint("GET", "/verify/<token>", summary="核验证件二维码", roles=None, response=VERIFICATION,
          description="What the QR code's token says now: valid 有效, suspended 暂扣, revoked 已注销/已吊销/已撤销, "
                      "superseded 已换发, invalid_signature 签名无效, key_retired 密钥已停用, unknown 未找到, "
                      "malformed 无法识别. Always 200; never cached.")
def verify_token(user, args, body, token):
    """Verify a certificate's QR token (the same answer as ``/v/<token>``, as JSON)."""
    result = verification.resolve(token, clock.today())
    count_after_response(result)
    answer = result.as_json()
    if answer["certificate"] is not None:
        answer["certificate"]["photo_url"] = (url_for("certificate_public.token_photo", token=token)
                                              if result.photo_allowed else None)
    return no_store(jsonify(answer))


@endpoint("GET", "/status-list", summary="证件状态列表（签名）", roles=None,
          description="A compact JWS (Content-Type: application/jose) signed with the current key of "
                      "/.well-known/jwks.json; payload {issued_at, next_update, entries: [{sub, status, since, ed}], "
                      "retired_kids}: every certificate not active and every superseded edition, for verifiers "
                      "that work offline. Cached: ETag and If-None-Match (304), Cache-Control max-age.")
def status_list_token(user, args, body):
    """The signed status list, regenerated on change at most every ``STATUS_LIST_MIN_INTERVAL`` seconds."""
    min_interval = int(current_app.config.get("STATUS_LIST_MIN_INTERVAL", DEFAULT_MIN_INTERVAL))
    served = status_list.current(clock.now(), min_interval)
    response = make_response(served.token)
    response.mimetype = "application/jose"
    response.headers["Cache-Control"] = f"public, max-age={served.max_age}"
    response.set_etag(served.etag)
    response.last_modified = served.generated_at
    return response.make_conditional(request)
