"""Raindrop.io's CSV export: `id,title,note,excerpt,url,folder,tags,created,cover,highlights,favorite`.
Tags are split by ",", the collection ("folder", "Unsorted" when none) becomes a tag, `note` the
clip's note; highlights come as "Highlight: ..." lines, each followed by an optional "Note: ..."."""

import csv
import re
from collections.abc import Iterator
from typing import TextIO

from tidyclip.importers.items import ImportItem, from_iso, highlight, split_tags

COLUMNS = ("id", "title", "url", "folder", "tags", "created")
NO_COLLECTION = "unsorted"
_HIGHLIGHT_LINE = re.compile(r"^\s*(Highlight|Note):\s?(.*)$", re.I)


def is_header(header: list[str]) -> bool:
    return all(column in header for column in COLUMNS)


def read(stream: TextIO, name: str) -> Iterator[ImportItem]:
    for number, row in enumerate(csv.DictReader(stream), start=2):
        folder = (row.get("folder") or "").strip()
        collection = [folder] if folder and folder.lower() != NO_COLLECTION else []
        yield ImportItem(
            url=(row.get("url") or "").strip(), title=(row.get("title") or "").strip(),
            tags=collection + split_tags(row.get("tags"), ","), created=from_iso(row.get("created")),
            favorite=(row.get("favorite") or "").strip().lower() == "true", note=(row.get("note") or "").strip(),
            highlights=parse_highlights(row.get("highlights") or ""), where=f"{name} row {number}",
        )


def parse_highlights(text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for line in text.splitlines():
        marked = _HIGHLIGHT_LINE.match(line)
        if marked and marked.group(1).lower() == "highlight":
            found.append(highlight(marked.group(2).strip()))
        elif marked and found:
            found[-1]["note"] = marked.group(2).strip()
        elif line.strip() and found:  # a quote that goes on over more lines
            found[-1]["quote"] += "\n" + line.strip()
    return [item for item in found if item["quote"]]
