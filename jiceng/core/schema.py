"""OpenAPI post-processing: the error answers every endpoint can give, in the one shape they all share.

Every refusal goes through ``jiceng.core.api.exception_handler`` as ``{"error": {"code", "message",
"details"?}}``; this hook documents those status codes on every operation, so clients (and the
schemathesis run in the test suite) know what to expect besides the success answer."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
ANSWERS = {
    "400": "请求无效：参数或请求体不符合要求",
    "401": "未登录或令牌无效",
    "403": "没有权限",
    "404": "未找到（不存在与无权查看同样回答 404）",
    "405": "不支持的请求方法",
    "406": "无法按要求的格式回答",
    "409": "与当前状态冲突",
    "429": "请求过于频繁",
}
WITH_BODY = {"413": "请求体或上传文件过大", "415": "不支持的请求体类型"}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            answers = dict(ANSWERS)
            if method in ("post", "put", "patch"):
                answers.update(WITH_BODY)
            for status, description in answers.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
