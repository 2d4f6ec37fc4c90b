"""Import: tidyclip JSON and JSON Lines exports, and Wallabag's JSON export; the kind told from the content.

A tidyclip record is saved as it is (id, created, tags, note, cleaning report): a round trip gives back
the same clips. A Wallabag entry (wallabag/wallabag's "Export as JSON": an array of entries with title,
url, content, tags, created_at, is_starred, annotations, ...) goes through the clip engine like any new
page, then gets what Wallabag knew: its tags ("starred" added for a star, which also makes it a
favourite), the date it was saved there, whether it was archived, and its annotations (quote and
comment) as highlights. Either way the store upserts by normalized URL, so importing a clip
that exists updates it, never duplicates it.

The whole file is read once to check it before anything is saved: a file cut short or not an export
changes nothing. Records stream, so a large file is never held in memory.
"""

import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any, TextIO

from tidyclip.clip import check_fields
from tidyclip.config import STORY_FOLLOW_AT_EXIT
from tidyclip.errors import BadInput, TidyclipError
from tidyclip.export.json_stream import iter_array
from tidyclip.export.records import DOCUMENT_FORMAT, from_record, record_history
from tidyclip.images.carry import IMAGE_FILES_KEY, decoded_files
from tidyclip.importers.moving_in import import_export
from tidyclip.importers.sniff import sniff
from tidyclip.library import Progress
from tidyclip.reading.highlights import passage_of

TIDYCLIP, WALLABAG = "tidyclip", "wallabag"
#: Keys only a Wallabag entry has: one of them in the first item of an array means a Wallabag export.
_WALLABAG_KEYS = ("content", "is_archived", "is_starred", "domain_name", "reading_time")
#: Wallabag's star has no twin in tidyclip: a tag keeps starred articles findable.
STARRED_TAG = "starred"


class ImportSource:
    """A file to import: its layout and kind, read from its first line; `records()` streams it."""

    def __init__(self, path: Path):
        self.path, self.name = path, path.name
        first_line = self._first_line()
        if first_line.startswith("["):
            self.layout = "array"
        elif not first_line.startswith("{"):
            raise BadInput(f"{self.name} is not a tidyclip (JSON, JSON Lines) or Wallabag (JSON) export")
        elif _is_json_object(first_line):
            self.layout = "whole" if _is_document(json.loads(first_line)) else "lines"
        elif first_line.rstrip().endswith('"clips": ['):
            self.layout = "document"  # our own layout: header line, one clip a line
        else:
            self.layout = "whole"
        self.kind = self._kind()

    def _open(self) -> TextIO:
        try:
            return open(self.path, encoding="utf-8-sig")
        except IsADirectoryError:
            raise BadInput(f"{self.path} is a folder, not an export file") from None
        except OSError as exc:
            raise BadInput(f"cannot read {self.path}: {exc.strerror or exc}") from None

    def _first_line(self) -> str:
        try:
            with self._open() as stream:
                for line in stream:
                    if line.strip():
                        return line.lstrip()
        except UnicodeDecodeError:
            raise BadInput(f"{self.name} is not UTF-8 text: not a tidyclip or Wallabag export") from None
        raise BadInput(f"{self.name} is empty")

    def _kind(self) -> str:
        if self.layout != "array":
            return TIDYCLIP
        for _, item in self.items():
            return WALLABAG if isinstance(item, dict) and any(key in item for key in _WALLABAG_KEYS) else TIDYCLIP
        return TIDYCLIP

    def items(self) -> Iterator[tuple[str, Any]]:
        """(where, item) for each item, unchecked: reading them all proves the file is whole."""
        with self._open() as stream:
            try:
                yield from self._items_of(stream)
            except UnicodeDecodeError:
                raise BadInput(f"{self.name} is not valid UTF-8 text: is the file cut short or damaged?") from None

    def _items_of(self, stream: TextIO) -> Iterator[tuple[str, Any]]:
        if self.layout == "lines":
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield f"{self.name} line {number}", _loads(line, f"{self.name} line {number}")
        elif self.layout == "array":
            for number, item in enumerate(iter_array(stream, self.name), start=1):
                yield f"{self.name} item {number}", item
        elif self.layout == "document":
            while not stream.readline().strip():  # up to and including the header line
                pass
            for number, item in enumerate(iter_array(stream, self.name, opened=True, closing="}"), start=1):
                yield f"{self.name} clip {number}", item
        else:
            document = _loads(stream.read(), self.name)
            if not _is_document(document):
                raise BadInput(f"{self.name} is JSON but not a tidyclip or Wallabag export")
            for number, item in enumerate(document["clips"], start=1):
                yield f"{self.name} clip {number}", item

    def records(self) -> Iterator[tuple[str, Any]]:
        """(where, record) for each record, where naming it in messages ("export.jsonl line 7")."""
        check = check_tidyclip if self.kind == TIDYCLIP else check_wallabag
        for where, item in self.items():
            check(item, where)
            yield where, item


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _is_document(value: Any) -> bool:
    return isinstance(value, dict) and value.get("format") == DOCUMENT_FORMAT and isinstance(value.get("clips"), list)


def check_tidyclip(record: Any, where: str) -> None:
    from_record(record, where)


def check_wallabag(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise BadInput(f"{where}: expected a Wallabag entry object, found {type(entry).__name__}")
    if not isinstance(entry.get("url"), str) or not entry["url"].startswith(("http://", "https://")):
        raise BadInput(f"{where}: the entry has no http(s) 'url'")
    for key in ("title", "content"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise BadInput(f"{where}: {key!r} must be a string")
    if not isinstance(entry.get("tags") or [], list):
        raise BadInput(f"{where}: 'tags' must be a list")
    # what the clip will get from the entry, checked by the clip schema before anything is saved
    check_fields({"tags": wallabag_tags(entry)}, where)
    for annotation in wallabag_highlights(entry):
        passage_of(annotation)


def wallabag_tags(entry: dict) -> list[str]:
    """Tag names (strings in Wallabag's export, {"label": ...} in its API), and STARRED_TAG for a starred entry."""
    names = (tag.get("label") if isinstance(tag, dict) else tag for tag in entry.get("tags") or [])
    tags = [name.strip() for name in names if isinstance(name, str) and name.strip()]
    return tags + [STARRED_TAG] if entry.get("is_starred") in (True, 1, "1") else tags


def wallabag_highlights(entry: dict) -> list[dict[str, str]]:
    """The entry's annotations (a highlighted quote and the comment on it) as passages to highlight."""
    return [{"quote": str(annotation.get("quote") or ""), "note": str(annotation.get("text") or "")}
            for annotation in entry.get("annotations") or []
            if isinstance(annotation, dict) and str(annotation.get("quote") or "").strip()]


def wallabag_reading(entry: dict) -> dict[str, Any]:
    """Wallabag's archived and starred marks as the clip's state and favourite."""
    return {"state": "archived" if entry.get("is_archived") in (True, 1, "1") else "unread",
            "favorite": entry.get("is_starred") in (True, 1, "1")}


def wallabag_date(value: Any) -> str | None:
    """Wallabag's "2016-09-08T11:55:58+0200" as ISO 8601 UTC, like the store's dates; None if unreadable."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wallabag_page(entry: dict) -> str:
    """The entry as a page the engine can read: Wallabag keeps the article's HTML, its metadata aside."""
    title = escape(entry.get("title") or "")
    authors = entry.get("published_by")
    meta = {
        "author": ", ".join(authors) if isinstance(authors, list) and all(isinstance(a, str) for a in authors) else None,
        "article:published_time": entry.get("published_at"),
        "og:image": entry.get("preview_picture"),
    }
    head = "".join(f'<meta name="{key}" property="{key}" content="{escape(value)}">'
                   for key, value in meta.items() if isinstance(value, str) and value)
    return (f'<!DOCTYPE html><html lang="{escape(entry.get("language") or "")}"><head><meta charset="utf-8">'
            f"<title>{title}</title>{head}</head><body><article><h1>{title}</h1>\n"
            f"{entry.get('content') or ''}\n</article></body></html>")


def save_wallabag(library: Any, entry: dict) -> str:
    """Clip the entry with what Wallabag knew (tags, the date it was saved), then its reading state
    and annotations (a highlight found already is not added twice)."""
    adopt = {"tags": wallabag_tags(entry), "created": wallabag_date(entry.get("created_at"))}
    clip, status = library.clip_page(entry["url"], wallabag_page(entry), title=entry.get("title") or None, adopt=adopt)
    library.edit(clip["id"], **wallabag_reading(entry))
    if wallabag_highlights(entry):
        library.add_highlights(clip["id"], wallabag_highlights(entry))
    return status


def save_tidyclip(library: Any, record: dict, where: str) -> str:
    clip, original_html = from_record(record, where)
    return library.import_record(clip, original_html, decoded_files(record.get(IMAGE_FILES_KEY), where), record_history(record))


def import_from_path(library: Any, path: str | Path, *, progress: bool = True) -> tuple[int, int]:
    """Import every clip in `path`; returns (created, updated).

    Wallabag entries the engine cannot make a clip of (no article text) are skipped with a line on stderr.
    """
    other_service = sniff(Path(path))  # Pocket, Instapaper, Omnivore, Raindrop, bookmarks: importers/
    if other_service is not None:
        moved_in = import_export(library, other_service, progress=progress)
        return moved_in["created"], moved_in["updated"]
    source = ImportSource(Path(path))
    sum(1 for _ in source.items())  # the file read whole first: one cut short says so, whatever it holds
    total = sum(1 for _ in source.records())  # then every record checked: nothing is saved unless all is well
    bar = Progress(total, f"importing {source.kind}", enabled=progress)
    counts: Counter[str] = Counter()
    for where, record in source.records():
        bar.step()
        if source.kind == TIDYCLIP:
            counts[save_tidyclip(library, record, where)] += 1
            continue
        try:
            counts[save_wallabag(library, record)] += 1
        except TidyclipError as exc:
            print(f"tidyclip: skipped {where} ({record['url']}): {exc.message}", file=sys.stderr)
    library.follow_stories(limit=STORY_FOLLOW_AT_EXIT)
    return counts["created"], counts["updated"]
