"""Pocket: the export zip of CSV files (`title,url,time_added,cursor,tags,status`, tags split by "|",
status "unread" or "archive", up to 10,000 rows a file), and the older HTML export (`<a href
time_added tags>` links, tags split by ",", under an "Unread" and a "Read Archive" heading)."""

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import TextIO

from tidyclip.importers.html_links import iter_links
from tidyclip.importers.items import ARCHIVED, UNREAD, ImportItem, from_unix, split_tags

CSV_COLUMNS = ("title", "url", "time_added", "tags", "status")


def is_pocket_header(header: list[str]) -> bool:
    return all(column in header for column in CSV_COLUMNS)


def read_zip(archive: zipfile.ZipFile) -> Iterator[ImportItem]:
    """Every row of every CSV file in the zip, in the order of the files' names."""
    for name in sorted(info.filename for info in archive.infolist() if info.filename.lower().endswith(".csv")):
        with archive.open(name) as raw:
            yield from read_csv(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), name)


def read_csv(stream: TextIO, name: str) -> Iterator[ImportItem]:
    for number, row in enumerate(csv.DictReader(stream), start=2):
        yield ImportItem(
            url=(row.get("url") or "").strip(), title=(row.get("title") or "").strip(),
            tags=split_tags(row.get("tags"), "|"), created=from_unix(row.get("time_added")),
            state=ARCHIVED if (row.get("status") or "").strip().lower() == "archive" else UNREAD,
            where=f"{name} row {number}",
        )


def read_html(stream: TextIO, name: str) -> Iterator[ImportItem]:
    for number, link in enumerate(iter_links(stream), start=1):
        yield ImportItem(
            url=link.attrs.get("href", "").strip(), title=link.text,
            tags=split_tags(link.attrs.get("tags"), ","), created=from_unix(link.attrs.get("time_added")),
            state=ARCHIVED if "archive" in link.section.lower() else UNREAD,
            where=f"{name} link {number}",
        )
