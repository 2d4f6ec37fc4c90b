"""Bringing a clip's `images` list up to date: the pictures it wants (candidates.py) that are not kept
yet are marked pending, downloaded, and written back, merged with the list as it is by then."""

import logging
from typing import Any

from tidyclip.images.candidates import wanted_images
from tidyclip.images.download import Entry, download_all, file_of

log = logging.getLogger(__name__)
#: Entries that need no download again.
SETTLED = ("stored", "skipped")


def merged(wanted: list[str], current: list[Entry], fresh: dict[str, Entry]) -> list[Entry]:
    """The clip's list: an entry for each wanted picture, in order, the fresh one where there is one."""
    known = {entry["url"]: entry for entry in current}
    return [fresh.get(url) or known[url] for url in wanted if url in fresh or url in known]


def refresh_images(library: Any, clip_id: str) -> int:
    """Download what the clip is missing (new, failed, or stored once but whose file is gone); how many
    pictures were tried."""
    clip = library.get(clip_id)
    wanted = wanted_images(clip)
    known = {entry["url"]: entry for entry in clip.get("images") or []}
    todo = [url for url in wanted if not _settled(library, known.get(url))]
    if not todo:
        return 0
    library.put_images(clip_id, lambda current: merged(wanted, current, {url: {"url": url, "status": "pending"} for url in todo}))
    results = download_all(todo, clip["url"], library.keep_image)
    _thumbnail_of_lead(library, clip, results)
    library.put_images(clip_id, lambda current: merged(wanted, current, {entry["url"]: entry for entry in results}))
    return len(todo)


def _thumbnail_of_lead(library: Any, clip: dict, results: list[Entry]) -> None:
    """The list shows the lead picture's thumbnail: made now, in the background, not when a list asks."""
    lead = next((entry for entry in results if entry["url"] == clip.get("image") and entry["status"] == "stored"), None)
    name = file_of(lead) if lead else None
    if name:
        library.thumbnail_path(name)


def _settled(library: Any, entry: Entry | None) -> bool:
    if entry is None or entry.get("status") not in SETTLED:
        return False
    name = file_of(entry)
    return name is None or library.image_path(name) is not None
