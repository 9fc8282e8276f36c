"""Small copies of process photos for lists (a phone showing a stage's photos should not download each
12-megapixel original). Made on first request from the stored original and kept beside it, under the
same random key, so a thumbnail is exactly as unguessable as its photo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from PIL import Image

from domain.production.photos import PhotoStore

THUMB_SIDE = 480  # two columns on a 375 px phone at 2x density, sharp enough
THUMB_TYPE = "image/jpeg"


class ThumbnailCache:
    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self.root = store.root / "thumbs"

    def path(self, key: str) -> Path:
        original = self.store.path(key)  # validates the key: nothing outside the folder is reachable
        return self.root / (original.stem + ".jpg")

    def get(self, key: str) -> Path:
        """The thumbnail's path, made now if it does not exist yet. Raises FileNotFoundError when the
        original is gone."""
        target = self.path(key)
        if target.is_file():
            return target
        original = self.store.path(key)
        with Image.open(original) as image:
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            small = image.convert("RGB")
        self.root.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed: two requests making the same thumbnail at once
        # both succeed, and no reader sees half a file.
        temporary = self.root / f".{secrets.token_hex(8)}.tmp"
        small.save(temporary, "JPEG", quality=80, optimize=True)
        os.replace(temporary, target)
        return target
