"""The provider's four answer forms (fmt 0-3), for errors and for plain answers."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape


def render_error(fmt: int, code: int, text: str) -> tuple[str, str]:
    if fmt == 1:
        return f"0,-{code}", "text/plain"
    if fmt == 2:
        return (
            f"<result><error>{escape(text)}</error><error_code>{code}</error_code></result>",
            "application/xml",
        )
    if fmt == 3:
        payload = {"error": text, "error_code": code}
        return json.dumps(payload, ensure_ascii=False), "application/json"
    return f"ERROR = {code} ({text})", "text/plain"


def render_answer(fmt: int, payload: Any, item_tag: str = "item") -> tuple[str, str]:
    if fmt == 3:
        return json.dumps(payload, ensure_ascii=False), "application/json"
    if fmt == 2:
        return _xml(payload, item_tag), "application/xml"
    if isinstance(payload, dict) and set(payload) == {"result"}:
        return str(payload["result"]), "text/plain"
    rows = payload if isinstance(payload, list) else [payload]
    if fmt == 1:
        return "\n".join(",".join(_flat(v) for v in row.values()) for row in rows), "text/plain"
    if isinstance(payload, dict) and set(payload) == {"id"}:
        return f"ID = {payload['id']}", "text/plain"
    return (
        "\n".join(", ".join(f"{k} = {_flat(v)}" for k, v in row.items()) for row in rows),
        "text/plain",
    )


def _flat(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)


def _xml(payload: Any, item_tag: str) -> str:
    def fields(row: dict[str, Any]) -> str:
        return "".join(f"<{k}>{escape(_flat(v))}</{k}>" for k, v in row.items())

    if isinstance(payload, list):
        items = "".join(f"<{item_tag}>{fields(row)}</{item_tag}>" for row in payload)
        return f"<list>{items}</list>"
    if set(payload) == {"result"}:
        return f"<result>{escape(str(payload['result']))}</result>"
    return f"<{item_tag}>{fields(payload)}</{item_tag}>"
