"""Export files of other services, built here (never downloaded), in each service's own layout, for
the import tests and scripts/bench_imports.py. Every builder takes the same list of `Saved` articles."""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path


@dataclass
class Saved:
    url: str
    title: str
    tags: list[str] = field(default_factory=list)
    saved: int = 1_700_000_000  # seconds since 1970, when it was saved at the source
    archived: bool = False
    starred: bool = False
    highlight: str = ""
    note: str = ""


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def pocket_csv_rows(saved: list[Saved]) -> str:
    return _csv(["title", "url", "time_added", "cursor", "tags", "status"], [
        [item.title, item.url, item.saved, n, "|".join(item.tags), "archive" if item.archived else "unread"]
        for n, item in enumerate(saved)])


def pocket_zip(path: Path, saved: list[Saved], rows_per_file: int = 10_000) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, start in enumerate(range(0, max(len(saved), 1), rows_per_file)):
            archive.writestr(f"part_{part:06d}.csv", pocket_csv_rows(saved[start:start + rows_per_file]))
    return path


def pocket_html(path: Path, saved: list[Saved]) -> Path:
    def links(items: list[Saved]) -> str:
        return "\n".join(f'<li><a href="{escape(item.url)}" time_added="{item.saved}" tags="{escape(",".join(item.tags))}">'
                         f"{escape(item.title)}</a></li>" for item in items)

    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">"
        "<title>Pocket Export</title></head><body>\n"
        f"<h1>Unread</h1>\n<ul>\n{links([item for item in saved if not item.archived])}\n</ul>\n"
        f"<h1>Read Archive</h1>\n<ul>\n{links([item for item in saved if item.archived])}\n</ul>\n</body></html>\n",
        encoding="utf-8")
    return path


def instapaper_csv(path: Path, saved: list[Saved]) -> Path:
    def folder(item: Saved) -> str:
        return "Starred" if item.starred else "Archive" if item.archived else (item.tags[0] if item.tags else "Unread")

    path.write_text(_csv(["URL", "Title", "Selection", "Folder", "Timestamp"], [
        [item.url, item.title, item.highlight, folder(item), item.saved] for item in saved]), encoding="utf-8")
    return path


def raindrop_csv(path: Path, saved: list[Saved]) -> Path:
    path.write_text(_csv(["id", "title", "note", "excerpt", "url", "folder", "tags", "created", "cover", "highlights", "favorite"], [
        [n + 1, item.title, item.note, "", item.url, "Unsorted", ", ".join(item.tags), iso(item.saved), "",
         f"Highlight:{item.highlight}" if item.highlight else "", "true" if item.starred else "false"]
        for n, item in enumerate(saved)]), encoding="utf-8")
    return path


def bookmarks_html(path: Path, saved: list[Saved]) -> Path:
    """Chrome's layout: the bookmarks bar (the browser's folder: no tag), a folder per article's
    first tag inside it, a nested one for the second."""
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<!-- This is an automatically generated file. -->",
             '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">', "<TITLE>Bookmarks</TITLE>",
             "<H1>Bookmarks</H1>", "<DL><p>",
             '    <DT><H3 ADD_DATE="1600000000" LAST_MODIFIED="0" PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>', "    <DL><p>"]
    for item in saved:
        link = f'<DT><A HREF="{escape(item.url)}" ADD_DATE="{item.saved}">{escape(item.title)}</A>'
        opened = []
        for tag in item.tags:
            lines.append(f'{"    " * (2 + len(opened))}<DT><H3 ADD_DATE="{item.saved}">{escape(tag)}</H3>')
            lines.append(f'{"    " * (2 + len(opened))}<DL><p>')
            opened.append(tag)
        lines.append("    " * (2 + len(opened)) + link)
        for depth in reversed(range(len(opened))):
            lines.append(f'{"    " * (2 + depth)}</DL><p>')
    lines += ["    </DL><p>", "</DL><p>"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def omnivore_zip(path: Path, saved: list[Saved], content: dict[str, str]) -> Path:
    """Omnivore's export-handler layout: metadata_<from>_to_<to>.json, content/<slug>.html,
    highlights/<slug>.md ("> quote", the labels, the note). `content`: url -> the readable HTML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(saved), 20):
            batch = saved[start:start + 20]
            metadata = [{
                "id": f"id-{start + n}", "slug": f"article-{start + n}", "title": item.title, "description": "",
                "author": "A. Writer", "url": item.url, "state": "Archived" if item.archived else "Succeeded",
                "readingProgress": 0, "thumbnail": None, "labels": item.tags, "savedAt": iso(item.saved),
                "updatedAt": iso(item.saved), "publishedAt": None,
            } for n, item in enumerate(batch)]
            archive.writestr(f"metadata_{start}_to_{start + len(batch)}.json", json.dumps(metadata, indent=2))
            for n, item in enumerate(batch):
                archive.writestr(f"content/article-{start + n}.html", content[item.url])
                if item.highlight:
                    archive.writestr(f"highlights/article-{start + n}.md",
                                     f"> {item.highlight} [⤴️](https://omnivore.app/me/article-{start + n}#x)\n\n#label\n\n{item.note}")
    return path
