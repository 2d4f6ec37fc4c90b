"""JSON: one document holding every clip, lossless, written one clip at a time.

Layout: the header and `"clips": [` on the first line, then one clip a line, then `]}`. It is plain JSON
that any tool reads, and tidyclip's importer reads it back a line at a time instead of all at once.
"""

import json
from collections.abc import Iterable, Iterator

from tidyclip.clip import Clip
from tidyclip.export.chunks import encoded_chunks
from tidyclip.export.options import ExportOptions
from tidyclip.export.records import DOCUMENT_FORMAT, DOCUMENT_VERSION, to_record
from tidyclip.images.carry import encoded_files

MIMETYPE = "application/json"
FILE_ENDING = ".json"


def header_line(options: ExportOptions) -> str:
    header = {"format": DOCUMENT_FORMAT, "version": DOCUMENT_VERSION, "exported": options.exported.isoformat()}
    fields = ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in header.items())
    return "{" + fields + ', "clips": [\n'


def record_json(clip: Clip, options: ExportOptions) -> str:
    """The clip's record on one line (json.dumps escapes every newline inside strings)."""
    original = options.original_of(clip["id"]) if options.original_of else None
    history = options.history_of(clip["id"]) if options.history_of and clip.get("versions", 1) > 1 else None
    files = encoded_files(clip, options.image_of) if options.original_of and options.image_of else None
    return json.dumps(to_record(clip, original, files, history), ensure_ascii=False)


def _pieces(clips: Iterable[Clip], options: ExportOptions) -> Iterator[str]:
    yield header_line(options)
    separator = ""
    for clip in clips:
        yield separator + record_json(clip, options)
        separator = ",\n"
    yield "\n]}\n"


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return encoded_chunks(_pieces(clips, options))
