"""Markdown: a zip of one .md file a clip, with YAML front matter, ready to drop into an Obsidian vault
or a Logseq graph.

Front matter keys: title, url, author, site, published, clipped, tags (and state, favorite when
the clip is archived or a favourite). With `history_of` (the `with_versions` option) a page that
changed gets a note for each earlier version too ("Title (version 1).md"), linked from the current
note's end as [[wiki links]]. It is written by PyYAML's safe
dumper, so any title (quotes, colons, `---`, emoji) stays valid YAML. Tags are made into tags Obsidian
accepts (no spaces or punctuation: "machine learning" becomes "machine-learning"). The clips' stored
pictures are files of tidyclip/attachments/, linked from the notes by relative paths.
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
from tidyclip.images.carry import files_of
from tidyclip.images.local_html import markdown_with_copies
from tidyclip.reading.marks import highlights_section, marked_markdown

MIMETYPE = "application/zip"
FILE_ENDING = "-markdown.zip"
#: Every note sits in this folder inside the zip, so unzipping never scatters files.
FOLDER = "tidyclip"
#: The pictures' folder, beside the notes (Obsidian's usual name for it).
ATTACHMENTS = "attachments"
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


def earlier_notes(clip: Clip, options: ExportOptions, names: UniqueNames) -> list[tuple[str, str]]:
    """(file name, note) of each earlier version of the clip, when the export asked for them."""
    history = options.history_of(clip["id"]) if options.history_of and clip.get("versions", 1) > 1 else []
    notes = []
    for version in history[:-1]:
        title = f"{clip.get('title') or clip['url']} (version {version['number']})"
        # the clip's note and highlights are of its current text: an earlier version's note has neither
        earlier = {**clip, "title": title, "markdown": version.get("markdown") or "", "created": version["clipped"],
                   "note": "", "highlights": []}
        notes.append((names.name(title, ".md"), note_text(earlier)))
    return notes


def linked(note: str, earlier: list[tuple[str, str]]) -> str:
    if not earlier:
        return note
    links = "".join(f"- [[{name.removesuffix('.md')}]]\n" for name, _ in earlier)
    return f"{note}\n## Earlier versions\n\n{links}"


def _entries(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    sink = DrainableBuffer()
    names = UniqueNames()
    stamp = options.exported.timetuple()[:6]
    attached: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for clip in clips:
            clip = _with_attachments(clip, options, archive, attached, stamp)
            current = names.name(clip.get("title"), ".md")
            earlier = earlier_notes(clip, options, names)
            for name, note in [(current, linked(note_text(clip), earlier)), *earlier]:
                entry = zipfile.ZipInfo(f"{FOLDER}/{name}", date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, note)
            yield sink.drain()
    yield sink.drain()


def _with_attachments(clip: Clip, options: ExportOptions, archive: zipfile.ZipFile, attached: set[str],
                      stamp: tuple) -> Clip:
    """The clip whose Markdown names its stored pictures as files of ATTACHMENTS beside the notes
    (relative links: Obsidian and Logseq open them), each file written into the zip once."""
    if options.image_of is None:
        return clip
    local = {}
    for entry, name, data in files_of(clip, options.image_of):
        if name not in attached:
            archive.writestr(zipfile.ZipInfo(f"{FOLDER}/{ATTACHMENTS}/{name}", date_time=stamp), data)  # stored: already compressed
            attached.add(name)
        local[entry["url"]] = f"{ATTACHMENTS}/{name}"
    if not local:
        return clip
    return {**clip, "markdown": markdown_with_copies(clip.get("markdown") or "", clip, lambda entry: local.get(entry["url"]))}


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return batched(_entries(clips, options))
