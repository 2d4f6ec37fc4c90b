"""Saving what a reader of another service's export yields, through the Library.

An item whose article the export holds (Omnivore) is clipped from it at once, like any page. Any
other is saved at once as a clip waiting for its page (title, url, tags, the date it was saved at
the source), which the page queue fetches later. An address already in the collection (compared
normalized) only gets the item's tags: importing the same file twice changes nothing.

The file is read through once first: a damaged zip or a file that is not what it seemed says so
before anything is saved. An item tidyclip cannot take (no web address) is skipped and told.
"""

import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from tidyclip.config import MAX_NOTE_CHARS, MAX_TAG_CHARS, MAX_TAGS, MAX_TITLE_CHARS, MAX_URL_CHARS
from tidyclip.errors import TidyclipError
from tidyclip.fields import clean_tags
from tidyclip.importers.items import ImportItem, is_web_address
from tidyclip.importers.sniff import ExportFile
from tidyclip.library import Progress


def tell_stderr(message: str) -> None:
    print(f"tidyclip: {message}", file=sys.stderr)


def import_export(library: Any, export: ExportFile, *, progress: bool = True,
                  tell: Callable[[str], None] = tell_stderr) -> Counter[str]:
    """Save every item of the export; how many were "created", "updated", "unchanged", "skipped",
    and how many of the created wait for their page ("waiting")."""
    total = sum(1 for _ in export.items())
    bar = Progress(total, f"importing {export.kind}", enabled=progress)
    counts: Counter[str] = Counter()
    for item in export.items():
        bar.step()
        problem = item_problem(item)
        if problem is None:
            try:
                clip, status = save_item(library, item)
            except TidyclipError as exc:
                problem = exc.message
            else:
                counts[status] += 1
                counts["waiting"] += status == "created" and bool(clip.get("fetch"))
                continue
        counts["skipped"] += 1
        tell(f"skipped {item.where} ({item.url[:200] or 'no address'}): {problem}")
    return counts


def item_problem(item: ImportItem) -> str | None:
    if not is_web_address(item.url):
        return "not a web address (http or https)"
    if len(item.url) > MAX_URL_CHARS:
        return f"the address is longer than {MAX_URL_CHARS} characters"
    return None


def save_item(library: Any, item: ImportItem) -> tuple[Any, str]:
    tags = clean_tags([tag[:MAX_TAG_CHARS] for tag in item.tags][:MAX_TAGS])
    title, note = item.title[:MAX_TITLE_CHARS], item.note[:MAX_NOTE_CHARS]
    existing = library.find_by_url(item.url)
    if existing is not None:
        return library.add_import_tags(existing, tags)
    if item.html is not None:
        adopt = {"tags": tags, "created": item.created, "note": note}
        return library.clip_page(item.url, item.html, title=title or None, adopt=adopt)
    return library.save_waiting(item.url, title=title, tags=tags, created=item.created, note=note)
