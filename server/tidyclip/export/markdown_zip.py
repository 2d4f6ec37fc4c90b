"""Markdown: a zip of one .md file a clip, with YAML front matter, ready to drop into an Obsidian vault
or a Logseq graph.

Front matter keys: title, url, author, site, published, clipped, tags (and state, favorite when
the clip is archived or a favourite). It is written by PyYAML's safe
dumper, so any title (quotes, colons, `---`, emoji) stays valid YAML. Tags are made into tags Obsidian
accepts (no spaces or punctuation: "machine learning" becomes "machine-learning").
"""

import re
import zipfile
from collections.abc import Iterable, Iterator

import yaml

from tidyclip.clip import Clip
from tidyclip.export.chunks import batched
from tidyclip.export.filenames import UniqueNames
from tidyclip.export.options import ExportOptions
from tidyclip.export.safe_markdown import safe_markdown
from tidyclip.export.sink import DrainableBuffer
from tidyclip.reading.marks import highlights_section, marked_markdown

MIMETYPE = "application/zip"
FILE_ENDING = "-markdown.zip"
#: Every note sits in this folder inside the zip, so unzipping never scatters files.
FOLDER = "tidyclip"
_NOT_IN_TAG = re.compile(r"[^\w/-]+")
#: yaml.safe_dump's dumper, in C when PyYAML was built with libyaml (twice as fast over a whole export).
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def obsidian_tag(tag: str) -> str:
    return _NOT_IN_TAG.sub("-", tag.strip().lstrip("#")).strip("-")


def front_matter(clip: Clip) -> str:
    fields = {
        "title": clip.get("title") or clip["url"],
        "url": clip["url"],
        "author": clip.get("author"),
        "site": clip.get("site"),
        "published": clip.get("published"),
        "clipped": clip.get("created"),
        "tags": [tag for tag in map(obsidian_tag, clip.get("tags") or []) if tag],
        **{key: clip[key] for key, plain in (("state", "unread"), ("favorite", False)) if clip.get(key, plain) != plain},
    }
    dumped = yaml.dump(fields, Dumper=_SAFE_DUMPER, allow_unicode=True, sort_keys=False, width=2**31 - 1)
    return f"---\n{dumped}---\n"


def note_text(clip: Clip) -> str:
    """Front matter, then the note and the clip's Markdown (its highlights ==marked==, and listed
    under "Highlights": reading/marks.py) with nothing live in them (safe_markdown)."""
    body = []
    if clip.get("note"):
        body.append("".join(f"> {line}\n" for line in clip["note"].splitlines()) + "\n")
    body.append(marked_markdown((clip.get("markdown") or "").strip(), clip.get("highlights")) + "\n")
    if clip.get("highlights"):
        body.append(highlights_section(clip["highlights"]))
    return front_matter(clip) + "\n" + safe_markdown("\n".join(body))


def _entries(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    sink = DrainableBuffer()
    names = UniqueNames()
    stamp = options.exported.timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for clip in clips:
            entry = zipfile.ZipInfo(f"{FOLDER}/{names.name(clip.get('title'), '.md')}", date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, note_text(clip))
            yield sink.drain()
    yield sink.drain()


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return batched(_entries(clips, options))
