"""DingTalk's HTTP-callback encryption (the scheme of open-dingtalk/DingTalk-Callback-Crypto, shared
with WeCom): SHA-1 signature over the sorted [token, timestamp, nonce, encrypt]; AES-256-CBC with
iv = key[:16]; PKCS#7 padding to 32-byte blocks; plaintext = 16 random bytes ‖ uint32 big-endian
length ‖ message ‖ owner key (the app's AppKey, or the corpId for old registrations)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """The message cannot be decrypted or is not addressed to us."""


class DingTalkCrypto:
    def __init__(self, token: str, aes_key: str, owner_key: str) -> None:
        if len(aes_key) != 43:
            raise ValueError("the DingTalk aes_key has 43 characters")
        self.token = token
        self.key = base64.b64decode(aes_key + "=")
        self.owner_key = owner_key

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypt])).encode()).hexdigest()  # noqa: S324 (the protocol's choice)

    def verify(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> bool:
        return hmac.compare_digest(self.signature(timestamp, nonce, encrypt), signature or "")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypt: str) -> str:
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("not base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, owner = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length:
            raise CryptoError("length field does not match")
        if not hmac.compare_digest(owner, self.owner_key.encode()):
            raise CryptoError("addressed to another app")
        try:
            return message.decode()
        except UnicodeDecodeError as exc:
            raise CryptoError("not UTF-8") from exc

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        body = message.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.owner_key.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def reply(self, message: str, timestamp: str, nonce: str) -> dict[str, str]:
        """The encrypted, signed answer DingTalk expects (``"success"`` acknowledges an event)."""
        encrypt = self.encrypt(message)
        return {
            "msg_signature": self.signature(timestamp, nonce, encrypt),
            "timeStamp": timestamp,
            "nonce": nonce,
            "encrypt": encrypt,
        }
