"""The audit note a handler fills in: what it acted on and how it ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class AuditNote:
    """Created per update by the audit middleware, written to the audit log afterwards.

    ``target`` names what was acted on (a number, a name, an id): never a secret.
    ``result`` None means the middleware records "ok", or the error that ended the update.
    """

    chat_id: int
    user_id: int | None
    action: str
    target: str | None = None
    result: str | None = None
