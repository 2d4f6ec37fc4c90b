"""Saving what a reader of another service's export yields, through the Library.

An item whose article the export holds (Omnivore) is clipped from it at once, like any page. Any
other is saved at once as a clip waiting for its page (title, url, tags, the date it was saved at
the source, its state), which the page queue fetches later; these are saved IMPORT_BATCH at a time
(`Library.bulk_save`), so 10,000 rows are listed within seconds. An address already in the
collection (compared normalized) gets the item's tags and state instead: importing the same file
twice changes nothing.

The file is read through once first: a damaged zip or a file that is not what it seemed says so
before anything is saved. An item tidyclip cannot take (no web address) is skipped and told.
"""

import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from tidyclip.clip import FETCH_FAILED, FETCH_WAITING, Clip, empty_cleaning
from tidyclip.config import IMPORT_BATCH, MAX_NOTE_CHARS, MAX_TAG_CHARS, MAX_TAGS, MAX_TITLE_CHARS, MAX_URL_CHARS
from tidyclip.errors import TidyclipError
from tidyclip.fields import clean_tags, merged_tags
from tidyclip.importers.items import ImportItem, is_web_address, now_utc
from tidyclip.importers.page_fetch import page_fetcher
from tidyclip.importers.page_queue import FetchPage, PageQueue
from tidyclip.importers.sniff import ExportFile
from tidyclip.library import Progress
from tidyclip.urls import normalize_url


def tell_stderr(message: str) -> None:
    print(f"tidyclip: {message}", file=sys.stderr)


def import_export(library: Any, export: ExportFile, *, progress: bool = True,
                  tell: Callable[[str], None] = tell_stderr,
                  watch: Callable[[int, int], None] | None = None) -> Counter[str]:
    """Save every item of the export; how many were "created", "updated", "unchanged", "skipped",
    and how many of the created wait for their page ("waiting"). `watch(done, total)` is told the
    progress after each item (the review page's import)."""
    total = sum(1 for _ in export.items())
    bar = Progress(total, f"importing {export.kind}", enabled=progress)
    counts: Counter[str] = Counter()
    waiting = WaitingClips(library, counts)
    for item in export.items():
        bar.step()
        if watch:
            watch(bar.done, total)
        item = bounded(item)
        problem = item_problem(item)
        if problem is None:
            try:
                save_item(library, item, waiting, counts)
                continue
            except TidyclipError as exc:
                problem = exc.message
        counts["skipped"] += 1
        tell(f"skipped {item.where} ({item.url[:200] or 'no address'}): {problem}")
    waiting.save()
    return counts


def bounded(item: ImportItem) -> ImportItem:
    """The item cut to what a clip takes (tags, title, note): a long title is no reason to skip it."""
    item.tags = clean_tags([tag[:MAX_TAG_CHARS] for tag in item.tags][:MAX_TAGS])
    item.title, item.note = item.title[:MAX_TITLE_CHARS], item.note[:MAX_NOTE_CHARS]
    return item


def item_problem(item: ImportItem) -> str | None:
    if not is_web_address(item.url):
        return "not a web address (http or https)"
    if len(item.url) > MAX_URL_CHARS:
        return f"the address is longer than {MAX_URL_CHARS} characters"
    return None


def save_item(library: Any, item: ImportItem, waiting: "WaitingClips", counts: Counter[str]) -> None:
    existing = library.find_by_url(item.url)
    if existing is None and item.html is None:
        waiting.add(item)
        return
    if existing is not None:
        clip, status = library.update_imported(existing, tags=item.tags, state=item.state, favorite=item.favorite)
    else:
        clip, status = library.clip_page(item.url, item.html, title=item.title or None,
                                         adopt={"tags": item.tags, "created": item.created, "note": item.note})
        clip = library.update_imported(clip, tags=[], state=item.state, favorite=item.favorite)[0]
    if add_new_highlights(library, clip, item) and status == "unchanged":
        status = "updated"
    counts[status] += 1


def add_new_highlights(library: Any, clip: Clip, item: ImportItem) -> bool:
    """Highlight the item's passages the clip has no highlight of yet (an import run again adds none)."""
    have = {" ".join(highlight["quote"].split()) for highlight in clip.get("highlights") or []}
    new = [highlight for highlight in item.highlights if " ".join(highlight["quote"].split()) not in have]
    if new:
        library.add_highlights(clip["id"], new)
    return bool(new)


class WaitingClips:
    """New addresses without their page, saved IMPORT_BATCH at a time; one address twice in the
    file is one clip with the tags of both."""

    def __init__(self, library: Any, counts: Counter[str]):
        self.library, self.counts = library, counts
        self.items: dict[str, ImportItem] = {}

    def add(self, item: ImportItem) -> None:
        key = normalize_url(item.url)
        if key in self.items:
            self.items[key].tags = merged_tags(self.items[key].tags, item.tags)
            self.items[key].highlights += item.highlights
            return
        self.items[key] = item
        if len(self.items) >= IMPORT_BATCH:
            self.save()

    def save(self) -> None:
        saved = self.library.bulk_save((waiting_clip(item), None) for item in self.items.values())
        self.counts["created"] += saved
        self.counts["waiting"] += saved
        for item in self.items.values():
            clip = self.library.find_by_url(item.url) if item.highlights else None
            if clip is not None:
                add_new_highlights(self.library, clip, item)
        self.items.clear()


def waiting_clip(item: ImportItem) -> Clip:
    """The clip of an item whose page is still to be fetched: what the source knew, no text yet."""
    now = now_utc()
    return {
        "url": item.url, "title": item.title or item.url, "tags": item.tags, "note": item.note,
        "created": item.created or now, "updated": now, "state": item.state, "favorite": item.favorite,
        "text": "", "markdown": "", "html": "", "word_count": 0, "cleaning": empty_cleaning(),
        "fetch": {"status": FETCH_WAITING, "reason": "", "tries": 0},
    }


def fetch_waiting_pages(library: Any, *, failed_too: bool = False, progress: bool = True,
                        fetch_page: FetchPage | None = None, **queue_options: Any) -> Counter[str]:
    """Fetch the page of every clip waiting for one (`failed_too`: and of those that failed), here
    and now, with a progress bar: `tidyclip import`. How many were "fetched" and "failed".
    `queue_options`: PageQueue's (workers, host_delay, retries, backoff), config.py's by default."""
    statuses = (FETCH_WAITING, FETCH_FAILED) if failed_too else (FETCH_WAITING,)
    bar = Progress(len(library.fetching(statuses)), "fetching pages", enabled=progress)
    queue = PageQueue(library, fetch_page or page_fetcher(), on_done=lambda clip_id, outcome: bar.step(), **queue_options)
    try:
        queue.resume(failed_too=failed_too)
        queue.wait()
    finally:
        queue.close()
    return queue.counts
