"""Thumbnails: small, made once, only for keys the store accepts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from domain.production.photos import PhotoStore, clean_image
from domain.production.thumbnails import THUMB_SIDE, ThumbnailCache
from tests.photo_factory import png_bytes


def test_thumbnail_is_small_jpeg_made_once(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    key = store.put(clean_image(png_bytes(1600, 900)))
    cache = ThumbnailCache(store)
    path = cache.get(key)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (THUMB_SIDE, 270)  # aspect ratio kept
    made = path.stat().st_mtime_ns
    assert cache.get(key) == path
    assert path.stat().st_mtime_ns == made  # served from the cache the second time
    assert not list(cache.root.glob(".*.tmp"))


def test_small_photos_are_not_enlarged(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path)
    key = store.put(clean_image(png_bytes(64, 48)))
    with Image.open(io.BytesIO(ThumbnailCache(store).get(key).read_bytes())) as image:
        assert image.size == (64, 48)


def test_bad_keys_and_missing_originals(tmp_path: Path) -> None:
    cache = ThumbnailCache(PhotoStore(tmp_path))
    with pytest.raises(ValueError, match="bad storage key"):
        cache.get("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        cache.get("A" * 32 + ".png")
