"""Downloading a clip's pictures: each through the guarded client (fetch/), checked by its bytes
(picture.py), kept by `keep(bytes, ending) -> file name`, IMAGE_FETCHES_AT_ONCE at a time.

Each picture becomes one entry of the clip's `images` list: {url, status, reason, local_url, type,
bytes, width, height}; status "stored", "failed" (reason: "http 404", "not an image", "timed out"...)
or "skipped" (a tracking pixel)."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tidyclip.config import IMAGE_FETCH_SECONDS, IMAGE_FETCHES_AT_ONCE, IMAGE_MAX_BYTES
from tidyclip.fetch import FetchFailed, FetchRules, fetch, host_is_private
from tidyclip.images.picture import NotAnImage, inspect, is_tracking_pixel
from tidyclip.images.priority import lower_priority

#: What a browser sends for an <img> (Chromium's), so that a site serves its pictures as to a reader.
IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
#: Where stored pictures are served (web/images.py answers it).
LOCAL_PREFIX = "/images/"

Keep = Callable[[bytes, str], str]
Entry = dict[str, Any]


def image_rules(page_url: str) -> FetchRules:
    """Pictures of a page on the user's own machine or network may come from there too; others not."""
    return FetchRules(max_bytes=IMAGE_MAX_BYTES, timeout=IMAGE_FETCH_SECONDS, accept=IMAGE_ACCEPT,
                      allow_private=host_is_private(page_url))


def download_one(url: str, page_url: str, rules: FetchRules, keep: Keep) -> Entry:
    try:
        fetched = fetch(url, rules, referer=page_url)
        picture = inspect(fetched.body)
    except (FetchFailed, NotAnImage) as error:
        return {"url": url, "status": "failed", "reason": str(error)}
    facts = {"type": picture.type, "bytes": len(picture.data), "width": picture.width, "height": picture.height}
    if is_tracking_pixel(picture):
        return {"url": url, "status": "skipped", "reason": "tracking pixel", **facts}
    name = keep(picture.data, picture.ext)
    return {"url": url, "status": "stored", "local_url": LOCAL_PREFIX + name, **facts}


def download_all(urls: list[str], page_url: str, keep: Keep) -> list[Entry]:
    """An entry for each of `urls`, in their order."""
    if not urls:
        return []
    rules = image_rules(page_url)
    with ThreadPoolExecutor(max_workers=min(IMAGE_FETCHES_AT_ONCE, len(urls)), thread_name_prefix="tidyclip-image",
                            initializer=lower_priority) as pool:
        return list(pool.map(lambda url: download_one(url, page_url, rules, keep), urls))


def file_of(entry: Entry) -> str | None:
    """The stored file an entry names, if any."""
    local = entry.get("local_url") or ""
    return local[len(LOCAL_PREFIX):] if local.startswith(LOCAL_PREFIX) else None
