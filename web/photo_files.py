"""Serving a stored process photo. The route that calls this has already checked the viewer's right to
the photo's order; here only the file answer itself: stored content type, no sniffing, private cache."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response
from litestar.response import File

from domain.annotations.w3c import annotation_page
from domain.errors import NotFound
from domain.production.photos import PhotoStore
from domain.production.thumbnails import THUMB_TYPE, ThumbnailCache
from web.i18n import current_locale

# Photos never change under a key (a new upload gets a new key): a day in the viewer's own cache is safe,
# and "private" keeps shared caches (a proxy on the factory LAN) from keeping a customer's photo.
CACHE = "private, max-age=86400"


def photo_file(request: Request[Any, Any, Any], storage_key: str, content_type: str, photo_id: int) -> File:
    store = PhotoStore(request.app.state.settings.upload_dir)
    try:
        path = store.path(storage_key)
    except ValueError:
        raise NotFound(f"photo {photo_id}") from None
    if not path.is_file():
        raise NotFound(f"photo {photo_id}")  # the row outlived its file (restored backup, manual cleanup)
    return File(
        path=path,
        filename=f"photo-{photo_id}{path.suffix}",
        media_type=content_type,
        content_disposition_type="inline",
        headers={"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"},
    )


async def photo_thumbnail(request: Request[Any, Any, Any], storage_key: str, photo_id: int) -> File:
    """A small JPEG of the photo for lists; made in a worker thread the first time (Pillow is CPU work)."""
    cache = ThumbnailCache(PhotoStore(request.app.state.settings.upload_dir))
    try:
        path = await asyncio.to_thread(cache.get, storage_key)
    except (ValueError, OSError):  # a bad key, or the original is missing or unreadable
        raise NotFound(f"photo {photo_id}") from None
    return File(
        path=path,
        filename=f"photo-{photo_id}-small.jpg",
        media_type=THUMB_TYPE,
        content_disposition_type="inline",
        headers={"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"},
    )


# The Web Annotation Protocol's media type for annotation documents.
ANNOTATION_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def annotation_page_response(page_id: str, documents: list[dict[str, Any]]) -> Response[Any]:
    return Response(
        content=annotation_page(page_id, documents),
        media_type=ANNOTATION_MEDIA_TYPE,
        headers={"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"},
    )


def body_language() -> str:
    """The W3C body's language tag (BCP 47) from the reader's UI language."""
    return current_locale().replace("_", "-")
