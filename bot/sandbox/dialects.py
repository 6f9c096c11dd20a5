"""How the sandbox words its answers, where the provider's pages allow more than one form.

The pages show fmt=3 samples with some values quoted (``"status": "status"``, ``"id": "<id>"``)
and others bare, name no content type for files, and do not promise a contact's internal id.
A client that reads one form only breaks on the others, so the client's tests run against each
dialect here:

- ``plain``: numbers as numbers, the usual content types, every id present;
- ``quirks``: every value quoted as in the samples, JSON labelled windows-1251 although it is
  UTF-8 (seen from the real service) and led by a UTF-8 byte-order mark, unusual file types
  (``application/x-pdf``, ``application/force-download``, ``application/vnd.ms-excel``,
  ``text/plain`` parts);
- ``spare``: only what the samples show (no ``int_id`` on contacts), files with no content type
  or ``text/plain``, JSON labelled ``text/html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    quote_values: bool
    contact_int_id: bool
    json_type: str
    pdf_type: str | None
    csv_type: str | None
    invoice_json_part: str
    invoice_pdf_part: str | None
    # A UTF-8 byte-order mark before every JSON answer (only where the answer is UTF-8).
    bom: bool = False

    def json_text(self, text: str, charset: str) -> str:
        """A JSON answer's text as this dialect sends it in ``charset``."""
        return "\ufeff" + text if self.bom and charset == "utf-8" else text

    def values(self, payload: Any) -> Any:
        """The payload with every number as a string, when this dialect quotes values."""
        if not self.quote_values:
            return payload
        return _quoted(payload)


def _quoted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _quoted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_quoted(item) for item in value]
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


PLAIN = Dialect(
    name="plain",
    quote_values=False,
    contact_int_id=True,
    json_type="application/json; charset={charset}",
    pdf_type="application/pdf",
    csv_type="text/csv; charset=utf-8",
    invoice_json_part="application/json; charset=utf-8",
    invoice_pdf_part="application/pdf",
)
QUIRKS = Dialect(
    name="quirks",
    quote_values=True,
    contact_int_id=True,
    json_type="application/json; charset=windows-1251",
    pdf_type="application/x-pdf",
    csv_type="application/vnd.ms-excel",
    invoice_json_part="text/plain",
    invoice_pdf_part="application/force-download",
    bom=True,
)
SPARE = Dialect(
    name="spare",
    quote_values=False,
    contact_int_id=False,
    json_type="text/html; charset={charset}",
    pdf_type=None,
    csv_type="text/plain",
    invoice_json_part="text/plain; charset=utf-8",
    invoice_pdf_part=None,
)

DIALECTS: dict[str, Dialect] = {d.name: d for d in (PLAIN, QUIRKS, SPARE)}
