"""Export clips in the formats other tools read, and import tidyclip and Wallabag exports.

    export_to_path(library, fmt, path, ...) -> int                    the number of clips written
    stream_export(library, fmt, ...) -> (chunks, mimetype, filename)  for a streamed download
    import_from_path(library, path) -> (created, updated)

Every format module has `write(clips, options) -> Iterator[bytes]`, MIMETYPE, FILE_ENDING and, when it
reads the clips more than once, PASSES. Clips
stream from the library, so an export of any size runs in bounded memory (docs/BENCHMARKS.md, Export).
A damaged clip is left out (and named to `on_damaged`); the others are exported.
"""

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from tidyclip.errors import BadFormat, BadInput, StoreCorrupt
from tidyclip.export import bookmarks, csv_table, epub_book, html_book, json_document, json_lines, markdown_zip
from tidyclip.export.importing import import_from_path
from tidyclip.export.options import ExportOptions
from tidyclip.export.selection import Selection
from tidyclip.library import Progress

log = logging.getLogger(__name__)
FORMATS: dict[str, ModuleType] = {
    "md": markdown_zip, "json": json_document, "jsonl": json_lines, "html": html_book,
    "epub": epub_book, "csv": csv_table, "bookmarks": bookmarks,
}
#: Formats that can carry each clip's original page (`with_original`).
FORMATS_WITH_ORIGINAL = ("json", "jsonl")
#: Formats that always carry every version of a clip; the others carry the current one, except that
#: Markdown adds the earlier ones as notes of their own when asked (`with_versions`).
FORMATS_WITH_VERSIONS = ("json", "jsonl")
FORMATS_WITH_VERSIONS_OPTION = ("md",)

__all__ = ["FORMATS", "export_to_path", "stream_export", "import_from_path"]


def _format(fmt: str) -> ModuleType:
    if fmt not in FORMATS:
        raise BadFormat(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return FORMATS[fmt]


def _options(library: Any, fmt: str, with_original: bool, with_versions: bool = False, self_contained: bool = False) -> ExportOptions:
    if with_original and fmt not in FORMATS_WITH_ORIGINAL:
        raise BadInput(f"only {' and '.join(FORMATS_WITH_ORIGINAL)} exports can carry the original pages")
    if with_versions and fmt not in FORMATS_WITH_VERSIONS_OPTION:
        raise BadInput(f"the earlier versions as notes of their own are a {', '.join(FORMATS_WITH_VERSIONS_OPTION)} export option"
                       f" ({' and '.join(FORMATS_WITH_VERSIONS)} carry every version anyway)")
    if self_contained and fmt != "html":
        raise BadInput("only html exports can be self-contained (the others carry their pictures as files)")
    carries_versions = fmt in FORMATS_WITH_VERSIONS or with_versions
    return ExportOptions(original_of=_original_reader(library) if with_original else None,
                         history_of=_history_reader(library, with_original) if carries_versions else None,
                         image_of=library.image_bytes, self_contained=self_contained)


def _original_reader(library: Any) -> Callable[[str], str | None]:
    """The stored page of a clip, or None when it is damaged: the clip is exported without it."""
    def original_of(clip_id: str) -> str | None:
        try:
            return library.original_html(clip_id)
        except StoreCorrupt as exc:
            log.warning("exporting clip %s without its page: %s", clip_id, exc.message)
            return None
    return original_of


def _history_reader(library: Any, with_pages: bool) -> Callable[[str], list[dict]]:
    """A clip's versions with their pages as text; none when they are damaged: the clip is exported as it is now."""
    def history_of(clip_id: str) -> list[dict]:
        try:
            records = library.version_records(clip_id, with_pages=with_pages)
        except StoreCorrupt as exc:
            log.warning("exporting clip %s without its earlier versions: %s", clip_id, exc.message)
            return []
        for record in records:
            if isinstance(record.get("original_html"), bytes):
                record["original_html"] = record["original_html"].decode("utf-8", errors="replace")
        return records
    return history_of


def default_filename(fmt: str, options: ExportOptions) -> str:
    return f"tidyclip-{options.exported.strftime('%Y-%m-%d-%H%M')}{_format(fmt).FILE_ENDING}"


def stream_export(library: Any, fmt: str, *, query: str | None = None, tag: str | None = None,
                  ids: list[str] | None = None, one_per_story: bool = False,
                  with_original: bool = False, with_versions: bool = False, self_contained: bool = False) -> tuple[Iterator[bytes], str, str]:
    """The export as byte chunks made as they are read, its mimetype and a file name to offer.

    Bad arguments raise here, before the first chunk, so a route can still answer with an error.
    """
    module = _format(fmt)
    options = _options(library, fmt, with_original, with_versions, self_contained)
    selection = Selection(library, query=query, tag=tag, ids=ids, one_per_story=one_per_story)
    return module.write(selection, options), module.MIMETYPE, default_filename(fmt, options)


def _writable_target(path: Path) -> Path:
    if path.is_dir():
        raise BadInput(f"{path} is a folder: give the file to write, e.g. {path / 'clips'}")
    if not path.parent.is_dir():
        raise BadInput(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def export_to_path(library: Any, fmt: str, path: str | os.PathLike, *, query: str | None = None,
                   tag: str | None = None, ids: list[str] | None = None, one_per_story: bool = False,
                   progress: bool = True, with_original: bool = False, with_versions: bool = False, self_contained: bool = False,
                   on_damaged: Callable[[str, str], None] | None = None) -> int:
    """Write the export to `path` (whole or not at all: a temporary file renamed at the end).

    Returns the number of clips written; a damaged clip is left out and told to `on_damaged(id, why)`.
    """
    module = _format(fmt)
    options = _options(library, fmt, with_original, with_versions, self_contained)
    target = _writable_target(Path(path))
    selection = Selection(library, query=query, tag=tag, ids=ids, one_per_story=one_per_story, on_damaged=on_damaged)
    passes = getattr(module, "PASSES", 1)
    selection.progress = Progress(selection.expected_total() * passes, f"exporting {fmt}", enabled=progress)
    temp = None
    try:
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            for chunk in module.write(selection, options):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if temp:
            Path(temp).unlink(missing_ok=True)
    return selection.count
