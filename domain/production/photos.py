"""Process photos: what an upload must be before it is stored, and where stored files live.

An upload is trusted only after Pillow has decoded it: the declared name and type say nothing (a PDF
renamed .jpg is refused here). The stored file is a re-encoding of the decoded pixels, rotated by its
EXIF orientation, so no EXIF block survives (GPS position, camera serial) and no trailing payload
either. Files are named by a random key and kept outside ``static/``; routes serve them only after
checking the viewer's right to the order.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import ValidationFailed
from domain.i18n import N_, Msg

__all__ = ["MAX_BYTES", "MAX_PIXELS", "CleanImage", "PhotoStore", "clean_image"]

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused; decompression bombs are far beyond this
MAX_SIDE = 12_000
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}\.(jpg|png|webp)$")

MSG_EMPTY = N_("Please choose a photo to upload.")
MSG_TOO_BIG = N_("The file is larger than %(max)s MB.")
MSG_NOT_IMAGE = N_("This file is not a JPEG, PNG or WebP image (its content is %(kind)s).")
MSG_TOO_MANY_PIXELS = N_(
    "The image is too large (%(width)s × %(height)s pixels); at most %(max)s megapixels."
)


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    suffix: str
    width: int
    height: int


def _sniff(data: bytes) -> str:
    """A human word for what a refused file is, for the error message."""
    if data.startswith(b"%PDF"):
        return "PDF"
    if data[:4] == b"PK\x03\x04":
        return "ZIP/Office"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return "unknown"


def clean_image(data: bytes, *, field: str = "photo") -> CleanImage:
    """Decode, check and re-encode an upload; raise ``ValidationFailed({field: …})`` when it is refused."""
    if not data:
        raise ValidationFailed({field: Msg(MSG_EMPTY)})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({field: Msg(MSG_TOO_BIG, max=MAX_BYTES // (1024 * 1024))})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
            if fmt not in _FORMATS:
                raise ValidationFailed({field: Msg(MSG_NOT_IMAGE, kind=fmt or _sniff(data))})
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ValidationFailed(
                    {field: Msg(MSG_TOO_MANY_PIXELS, width=width, height=height, max=MAX_PIXELS // 1_000_000)}
                )
            probe.verify()  # structural check; the image must be reopened after verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed({field: Msg(MSG_NOT_IMAGE, kind=_sniff(data))}) from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt image data
        raise ValidationFailed({field: Msg(MSG_NOT_IMAGE, kind=_sniff(data))}) from None
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return CleanImage(out.getvalue(), _FORMATS[fmt], _SUFFIX[fmt], image.width, image.height)


class PhotoStore:
    """Files under one folder, named by a random key. Keys are checked against a strict pattern before
    touching the disk, so a key taken from a URL cannot walk out of the folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, image: CleanImage) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(24) + image.suffix  # 32 URL-safe characters before the suffix
        path = self.root / key
        with path.open("xb") as fh:  # never overwrite
            fh.write(image.data)
        return key

    def path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError("bad storage key")
        return self.root / key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
