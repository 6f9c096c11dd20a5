"""AES-GCM encryption of stored secrets, bound to the chat they belong to.

Each write uses a fresh 96-bit nonce. The associated data names the chat and the key, so a
ciphertext copied into another chat's row, or relabelled with another key id, fails to decrypt.
Keys come from configuration only, never from the database; the newest encrypts, all decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import CredentialsUnreadableError, InvalidKeyError, NoKeyConfiguredError

KEY_BYTES = 32
NONCE_BYTES = 12
KEYGEN_COMMAND = "python -m bot keygen"


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r}, {len(self.ciphertext)} bytes)"


def generate_key() -> str:
    """A new random key, base64-encoded, ready for ENCRYPTION_KEYS."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse_keys(text: str) -> list[bytes]:
    """Keys separated by commas (or new lines), newest first."""
    keys = []
    for position, raw in enumerate(text.replace("\n", ",").split(","), start=1):
        raw = raw.strip()
        if not raw:
            continue
        try:
            key = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidKeyError(f"encryption key #{position} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise InvalidKeyError(
                f"encryption key #{position} is {len(key)} bytes; AES-256 needs {KEY_BYTES}"
            )
        keys.append(key)
    return keys


def key_id(key: bytes) -> str:
    # A fingerprint, not the key: safe to store beside the ciphertext and to log.
    return hashlib.sha256(b"smsc-bot key id\0" + key).hexdigest()[:16]


class Keyring:
    def __init__(self, keys: Iterable[bytes]) -> None:
        ordered = list(keys)
        if not ordered:
            raise NoKeyConfiguredError(
                "no encryption key is configured: set ENCRYPTION_KEYS (or ENCRYPTION_KEYS_FILE) "
                f"to a key made with `{KEYGEN_COMMAND}`"
            )
        for key in ordered:
            if len(key) != KEY_BYTES:
                raise InvalidKeyError(f"an encryption key must be {KEY_BYTES} bytes")
        self._ciphers = {key_id(key): AESGCM(key) for key in ordered}
        self.current_id = key_id(ordered[0])
        self._newest = ordered[0]

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        return cls(parse_keys(text))

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id!r}, keys={len(self._ciphers)})"

    def derive(self, purpose: str) -> bytes:
        """A key for ``purpose`` alone, derived from the newest key (HKDF-SHA256).

        Names kept outside the ciphertexts (which account a request belongs to, say) are
        hashed with it: without the configured keys, the database alone cannot be searched
        with a dictionary of logins and passwords. A new newest key derives a new one.
        """
        kdf = HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=None,
            info=f"smsc-bot/{purpose}".encode(),
        )
        return kdf.derive(self._newest)

    def seal(self, chat_id: int, plaintext: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        cipher = self._ciphers[self.current_id]
        ciphertext = cipher.encrypt(nonce, plaintext.encode(), _aad(chat_id, self.current_id))
        return Sealed(self.current_id, nonce, ciphertext)

    def open(self, chat_id: int, sealed: Sealed) -> str:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise CredentialsUnreadableError(
                chat_id,
                f"it was encrypted with key {sealed.key_id}, which is not configured "
                "(was a key removed from ENCRYPTION_KEYS?)",
            )
        try:
            plaintext = cipher.decrypt(
                sealed.nonce, sealed.ciphertext, _aad(chat_id, sealed.key_id)
            )
        except (InvalidTag, ValueError, TypeError):
            # TypeError: a row written by hand, its secret TEXT where the ciphertext is a BLOB.
            raise CredentialsUnreadableError(
                chat_id, "the ciphertext is corrupted or belongs to another chat"
            ) from None
        return plaintext.decode()


def _aad(chat_id: int, kid: str) -> bytes:
    return f"smsc-bot/credentials/v1|chat={chat_id}|key={kid}".encode()
