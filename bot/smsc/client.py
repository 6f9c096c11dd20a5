"""The SMSC client one chat uses: its credentials, its endpoint, and the shared transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.smsc.contacts import ContactBook
from bot.smsc.credentials import Account, Credentials
from bot.smsc.documents import Documents
from bot.smsc.downloads import Downloads
from bot.smsc.models import Balance
from bot.smsc.policy import Operation, clean_params
from bot.smsc.regions import Endpoint
from bot.smsc.senders import Senders
from bot.smsc.transport import AnswerForm, SmscTransport, Upload


class SmscClient:
    """``client.phones.block(...)``, ``client.senders.list(...)``: one attribute per script.

    Cheap to build per update; everything costly lives in the shared :class:`SmscTransport`.
    ``max_wait`` bounds how long a call may wait for the rate limiter (None: as long as needed).
    ``untried``: credentials SMSC has not accepted yet, a login being checked (see
    :meth:`SmscTransport.call`).
    """

    def __init__(
        self,
        transport: SmscTransport,
        credentials: Credentials,
        endpoint: Endpoint,
        *,
        max_wait: float | None = None,
        untried: bool = False,
    ) -> None:
        self.transport = transport
        self.untried = untried
        self.account: Account = transport.account(endpoint, credentials)
        self.max_wait = max_wait

    @property
    def credentials(self) -> Credentials:
        return self.account.credentials

    @property
    def endpoint(self) -> Endpoint:
        return self.account.endpoint

    # Made on each use, not kept: a resource refers to its client, so a client that kept its
    # resources would be a reference cycle, which only the garbage collector frees (the
    # watcher makes two thousand clients a sweep; they piled up between collections).

    @property
    def phones(self) -> ContactBook:
        return ContactBook(self, "phones", "phone", group_type=0)

    @property
    def mails(self) -> ContactBook:
        return ContactBook(self, "mails", "mail", group_type=1)

    @property
    def senders(self) -> Senders:
        return Senders(self)

    @property
    def documents(self) -> Documents:
        return Documents(self)

    @property
    def downloads(self) -> Downloads:
        return Downloads(self)

    def __repr__(self) -> str:
        return f"SmscClient({self.credentials!r}, {self.endpoint.base_url!r})"

    async def balance(self, *, currency: bool = True) -> Balance:
        payload = await self.call("balance", "", {"cur": currency})
        return Balance.model_validate(payload)

    async def call(
        self,
        script: str,
        action: str,
        params: dict[str, Any],
        *,
        flag: object = 1,
        form: AnswerForm = AnswerForm.JSON,
        upload: Upload | None = None,
    ) -> Any:
        return await self.transport.call(
            self.account,
            self._operation(script, action, params, flag),
            form=form,
            upload=upload,
            max_wait=self.max_wait,
            untried=self.untried,
        )

    @asynccontextmanager
    async def stream(
        self, script: str, action: str, params: dict[str, Any]
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        async with self.transport.stream(
            self.account,
            self._operation(script, action, params, 1),
            max_wait=self.max_wait,
        ) as chunks:
            yield chunks

    def _operation(
        self, script: str, action: str, params: dict[str, Any], flag: object
    ) -> Operation:
        rendered = clean_params(params)
        if action:
            rendered[action] = str(flag)
        return Operation.build(script, action, rendered, names_key=self.transport.names_key)
