"""Netscape bookmark file: the HTML every browser, Pinboard, Pocket, Wallabag and Readeck import.

One folder named after the export holds a link a clip, with ADD_DATE (Unix seconds), TAGS (comma
separated, the Pinboard/Firefox convention) and the note, or else the excerpt, as the description.
Only http(s) and file links are written: a `javascript:` bookmark would run when clicked.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape

from tidyclip.clip import Clip
from tidyclip.export.chunks import encoded_chunks
from tidyclip.export.options import ExportOptions
from tidyclip.fields import safe_url

MIMETYPE = "text/html; charset=utf-8"
FILE_ENDING = "-bookmarks.html"

_HEAD = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<!-- This is an automatically generated file.
     It will be read and overwritten.
     DO NOT EDIT! -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
"""


def unix_seconds(iso: str | None) -> str:
    """ISO 8601 to Unix seconds as text; empty when the date is missing or unreadable."""
    try:
        return str(int(datetime.fromisoformat(iso).timestamp())) if iso else ""
    except ValueError:
        return ""


def bookmark(clip: Clip) -> str:
    tags = ",".join(tag.replace(",", " ") for tag in clip.get("tags") or [])
    attributes = {
        "HREF": clip["url"], "ADD_DATE": unix_seconds(clip.get("created")),
        "LAST_MODIFIED": unix_seconds(clip.get("updated")), "TAGS": tags,
    }
    attribute_text = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items() if value)
    line = f"        <DT><A {attribute_text}>{escape(clip.get('title') or clip['url'])}</A>\n"
    description = clip.get("note") or clip.get("excerpt")
    if description:
        line += f"        <DD>{escape(' '.join(description.split()))}\n"
    return line


def _pieces(clips: Iterable[Clip], options: ExportOptions) -> Iterator[str]:
    stamp = str(int(options.exported.timestamp()))
    yield _HEAD
    yield f'    <DT><H3 ADD_DATE="{stamp}" LAST_MODIFIED="{stamp}">{escape(options.title)}</H3>\n    <DL><p>\n'
    for clip in clips:
        if safe_url(clip["url"]):
            yield bookmark(clip)
    yield "    </DL><p>\n</DL><p>\n"


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return encoded_chunks(_pieces(clips, options))
