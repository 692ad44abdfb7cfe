"""JSON nested deeper than anything the portal reads is refused as bad input (400), never a RecursionError (500):
the API, an exam's autosave, and the payload of a QR token (issue 13)."""
from __future__ import annotations

import base64
import json

from portal import jsonbody
from tests.conftest import PASSWORD

DEEP = "[" * 3000 + "]" * 3000
#: the same depth in UTF-16, behind a string whose UTF-16 bytes hold a '"' (U+2200 is 0x00 0x22): read as UTF-8
#: the counter saw the brackets inside a "string" and let the document through to a RecursionError
HIDDEN = ('["\u2200",' + "[" * 5000 + '"\u2200"' + "]" * 5000 + "]").encode("utf-16-le")


def test_the_depth_check_counts_brackets_outside_strings_only():
    assert jsonbody.within_depth('{"a": [[1, 2], {"b": "[[[[[[[[[[[["}]}', limit=3)
    assert not jsonbody.within_depth("[[[[]]]]", limit=3)
    assert jsonbody.within_depth('"\\"[[[[" ', limit=0)  # an escaped quote does not end the string
    assert jsonbody.loads(b'{"x": [1]}') == {"x": [1]}
    assert jsonbody.loads('{"x": ["\u2200"]}'.encode("utf-16")) == {"x": ["\u2200"]}
    assert not jsonbody.within_depth(HIDDEN)


def test_the_api_answers_400_in_its_error_shape(client, runner, world):
    from tests.api.helpers import issue_token

    token = issue_token(runner, "hr", "深度测试")
    for body in (DEEP, '{"records": ' + "[" * 40 + "]" * 40 + "}", HIDDEN):
        response = client.post("/api/v1/training-records", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "bad_request" and f"嵌套不超过 {jsonbody.MAX_DEPTH} 层" in error["message"]


def test_an_exams_autosave_answers_400(client, auth, world, frozen):
    from tests.exams.attempts.helpers import open_exam, start

    attempt = start(world, open_exam(world))
    auth.login(world.officer.id_number, PASSWORD)
    for body in ('{"position": 1, "choice": ' + DEEP + "}", HIDDEN):
        response = client.post(f"/attempts/{attempt.id}/save", data=body, content_type="application/json")
        assert response.status_code == 400 and "请求格式有误" in response.get_json()["error"]["message"]


def test_a_qr_token_whose_payload_is_deeply_nested_reads_as_malformed(client, world):
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    token = ".".join([part(json.dumps({"alg": "Ed25519", "kid": "x"}).encode()), part(b"[" * 700 + b"]" * 700),
                      part(b"s" * 64)])
    answer = client.get(f"/api/v1/verify/{token}")
    assert answer.status_code == 200 and answer.get_json()["status"] == "malformed"
    assert client.get(f"/v/{token}").status_code in (200, 404)
