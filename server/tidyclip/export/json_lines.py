"""JSON Lines: one clip record a line, each line a complete JSON object (streams and appends well)."""

from collections.abc import Iterable, Iterator

from tidyclip.clip import Clip
from tidyclip.export.chunks import encoded_chunks
from tidyclip.export.json_document import record_json
from tidyclip.export.options import ExportOptions

MIMETYPE = "application/x-ndjson"
FILE_ENDING = ".jsonl"


def write(clips: Iterable[Clip], options: ExportOptions) -> Iterator[bytes]:
    return encoded_chunks(record_json(clip, options) + "\n" for clip in clips)
