"""Uploads are judged by their content: decoded by Pillow, re-encoded without EXIF, stored under a random key."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from domain.errors import ValidationFailed
from domain.production.photos import MAX_PIXELS, PhotoStore, clean_image


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_jpeg_is_reencoded_without_exif_and_turned_upright() -> None:
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x0112) == 6  # control: the input carries EXIF
    clean = clean_image(raw)
    assert clean.content_type == "image/jpeg"
    assert (clean.width, clean.height) == (30, 40)  # rotated by its orientation tag
    stored = Image.open(io.BytesIO(clean.data))
    assert not stored.getexif()
    assert b"Exif" not in clean.data[:200]


@pytest.mark.parametrize(("fmt", "ctype"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(fmt: str, ctype: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, fmt)
    assert clean_image(out.getvalue()).content_type == ctype


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", "PDF"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "GIF"),
        (b"<script>alert(1)</script>", "unknown"),
        (b"", None),
    ],
)
def test_non_images_are_refused_with_a_message(data: bytes, needle: str | None) -> None:
    with pytest.raises(ValidationFailed) as err:
        clean_image(data)
    msg = err.value.errors["photo"]
    if needle:
        assert msg.params["kind"] == needle


def test_truncated_jpeg_is_refused() -> None:
    raw = _jpeg_with_gps()
    with pytest.raises(ValidationFailed):
        clean_image(raw[: len(raw) // 2])


def test_too_many_pixels_is_refused_before_decoding() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # 1-bit: small file, many pixels
    with pytest.raises(ValidationFailed) as err:
        clean_image(out.getvalue())
    assert err.value.errors["photo"].params["width"] == side


def test_store_uses_random_keys_and_refuses_paths(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    clean = clean_image(_jpeg_with_gps())
    a, b = store.put(clean), store.put(clean)
    assert a != b
    assert a.endswith(".jpg")
    assert len(a) == 36
    assert store.read(a) == clean.data
    for bad in ("../secret_key", "a/b.jpg", "x" * 32 + ".pdf", ""):
        with pytest.raises(ValueError, match="bad storage key"):
            store.path(bad)
