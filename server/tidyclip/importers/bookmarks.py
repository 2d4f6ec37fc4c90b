"""A Netscape bookmark file, as every browser exports it: each folder a bookmark is in (the
browser's own toolbar and "other bookmarks" folders aside) becomes one of its tags, with the
bookmark's own TAGS (Firefox) and its ADD_DATE as the date it was saved."""

from collections.abc import Iterator
from typing import TextIO

from tidyclip.importers.html_links import iter_links
from tidyclip.importers.items import ImportItem, from_unix, split_tags

#: The first line of every browser's bookmark export.
DOCTYPE = "<!doctype netscape-bookmark-file-1>"


def read(stream: TextIO, name: str) -> Iterator[ImportItem]:
    for number, link in enumerate(iter_links(stream), start=1):
        yield ImportItem(
            url=link.attrs.get("href", "").strip(), title=link.text,
            tags=[*link.folders, *split_tags(link.attrs.get("tags"), ",")],
            created=from_unix(link.attrs.get("add_date")), where=f"{name} bookmark {number}",
        )
