"""Instapaper's CSV export: `URL,Title,Selection,Folder,Timestamp` (newer files add `Tags`, a JSON
list). The folder is "Unread", "Archive", "Starred" or one of the user's own, which becomes a tag;
a selection is a highlight of the article."""

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from tidyclip.importers.items import ARCHIVED, UNREAD, ImportItem, from_unix, highlight

COLUMNS = ("URL", "Title", "Selection", "Folder", "Timestamp")
#: Instapaper's own folders: they say the state, not a topic.
ARCHIVE, STARRED, UNREAD_FOLDER = "archive", "starred", "unread"


def is_header(header: list[str]) -> bool:
    return all(column in header for column in COLUMNS)


def read(stream: TextIO, name: str) -> Iterator[ImportItem]:
    for number, row in enumerate(csv.DictReader(stream), start=2):
        folder = (row.get("Folder") or "").strip()
        selection = (row.get("Selection") or "").strip()
        own_folder = [folder] if folder and folder.lower() not in (ARCHIVE, STARRED, UNREAD_FOLDER) else []
        yield ImportItem(
            url=(row.get("URL") or "").strip(), title=(row.get("Title") or "").strip(),
            tags=own_folder + _tags(row.get("Tags")), created=from_unix(row.get("Timestamp")),
            state=ARCHIVED if folder.lower() == ARCHIVE else UNREAD, favorite=folder.lower() == STARRED,
            highlights=[highlight(selection)] if selection else [], where=f"{name} row {number}",
        )


def _tags(value: str | None) -> list[str]:
    """The Tags column: a JSON list of names (["a", "b"]); anything else has no tags."""
    try:
        tags = json.loads(value or "[]")
    except json.JSONDecodeError:
        return []
    return [tag.strip() for tag in tags if isinstance(tag, str) and tag.strip()] if isinstance(tags, list) else []
