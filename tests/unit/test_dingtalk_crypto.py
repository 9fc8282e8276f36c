"""DingTalk callback crypto against the published test vector (reference/integrations.md §3)."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from integrations.dingtalk.crypto import CryptoError, DingTalkCrypto

TOKEN, AES_KEY, OWNER = "mryue", "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7", "ding6ccabc44d2c8d38b"
TS, NONCE = "1608001896814", "WL4PK6yA"
ENCRYPT = "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3"


@pytest.fixture
def crypto() -> DingTalkCrypto:
    return DingTalkCrypto(TOKEN, AES_KEY, OWNER)


def test_published_vector_signature_and_plaintext(crypto: DingTalkCrypto) -> None:
    assert crypto.signature(TS, NONCE, ENCRYPT) == "03044561471240d4a14bb09372dfcfd4fd0e40cb"
    assert crypto.verify("03044561471240d4a14bb09372dfcfd4fd0e40cb", TS, NONCE, ENCRYPT)
    assert crypto.decrypt(ENCRYPT) == '{"EventType":"check_url"}'


def test_signature_depends_on_every_part(crypto: DingTalkCrypto) -> None:
    good = crypto.signature(TS, NONCE, ENCRYPT)
    assert not crypto.verify(good, str(int(TS) + 1), NONCE, ENCRYPT)
    assert not crypto.verify(good, TS, NONCE + "x", ENCRYPT)
    assert not crypto.verify(good, TS, NONCE, ENCRYPT[:-4] + "AAAA")
    assert not DingTalkCrypto("other", AES_KEY, OWNER).verify(good, TS, NONCE, ENCRYPT)
    assert not crypto.verify("", TS, NONCE, ENCRYPT)


def test_round_trip_pads_to_32_byte_blocks(crypto: DingTalkCrypto) -> None:
    for message in ("", "success", "订单 SO-2026-000001 已通过", "x" * 300):
        encrypted = crypto.encrypt(message)
        raw = base64.b64decode(encrypted)
        assert len(raw) % 32 == 0
        assert crypto.decrypt(encrypted) == message


def test_layout_is_random16_length_message_owner(crypto: DingTalkCrypto) -> None:
    encrypted = crypto.encrypt("hello", random16=b"R" * 16)
    decryptor = Cipher(algorithms.AES(crypto.key), modes.CBC(crypto.key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = plain[-1]
    body = plain[:-pad]
    assert body[:16] == b"R" * 16
    assert struct.unpack(">I", body[16:20]) == (5,)
    assert body[20:25] == b"hello"
    assert body[25:] == OWNER.encode()


def test_message_for_another_app_is_refused(crypto: DingTalkCrypto) -> None:
    foreign = DingTalkCrypto(TOKEN, AES_KEY, "ding_other_app").encrypt("hi")
    with pytest.raises(CryptoError):
        crypto.decrypt(foreign)


@pytest.mark.parametrize(
    "garbage", ["", "not base64!", base64.b64encode(b"short").decode(), base64.b64encode(b"A" * 32).decode()]
)
def test_garbage_is_refused(crypto: DingTalkCrypto, garbage: str) -> None:
    with pytest.raises(CryptoError):
        crypto.decrypt(garbage)


def test_reply_is_signed_and_decrypts_to_success(crypto: DingTalkCrypto) -> None:
    reply = crypto.reply("success", TS, NONCE)
    assert reply["timeStamp"] == TS
    assert reply["nonce"] == NONCE
    assert crypto.verify(reply["msg_signature"], TS, NONCE, reply["encrypt"])
    assert crypto.decrypt(reply["encrypt"]) == "success"
