"""Which service's export a file is, told from its content (never its name): a zip holding Omnivore
metadata or Pocket CSV files; a Netscape bookmark file; Pocket's HTML export; a CSV file whose header
is Instapaper's, Raindrop's or Pocket's. `sniff(path)` answers an `ExportFile` whose `items()` streams
the articles (each call reads the file again), or None when it is none of these (the caller tries
tidyclip's and Wallabag's own formats)."""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TextIO

from tidyclip.errors import BadInput
from tidyclip.importers import bookmarks, instapaper, omnivore, pocket, raindrop
from tidyclip.importers.items import ImportItem

POCKET, POCKET_HTML, INSTAPAPER, OMNIVORE, RAINDROP, BOOKMARKS = (
    "Pocket", "Pocket (HTML)", "Instapaper", "Omnivore", "Raindrop.io", "browser bookmarks")
#: Enough of a text file to see its header line or doctype.
SNIFF_CHARS = 8192
_ZIP_MAGIC = b"PK\x03\x04"
_CSV_READERS: tuple[tuple[str, Callable[[list[str]], bool], Callable[[TextIO, str], Iterator[ImportItem]]], ...] = (
    (INSTAPAPER, instapaper.is_header, instapaper.read),
    (RAINDROP, raindrop.is_header, raindrop.read),
    (POCKET, pocket.is_pocket_header, pocket.read_csv),
)


@dataclass
class ExportFile:
    path: Path
    kind: str
    _read: Callable[[], Iterator[ImportItem]]

    def items(self) -> Iterator[ImportItem]:
        try:
            yield from self._read()
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
            raise BadInput(f"{self.path.name} is a damaged zip file ({exc}): is it cut short?") from None
        except UnicodeDecodeError:
            raise BadInput(f"{self.path.name} is not UTF-8 text: is the file cut short or damaged?") from None
        except csv.Error as exc:
            raise BadInput(f"{self.path.name} is not a readable CSV file: {exc}") from None


def sniff(path: Path) -> ExportFile | None:
    try:
        with open(path, "rb") as handle:
            start = handle.read(SNIFF_CHARS)
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not an export file") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if start.startswith(_ZIP_MAGIC):
        return _sniff_zip(path)
    text = start.decode("utf-8-sig", errors="replace").lstrip()
    lowered = text.lower()
    if lowered.startswith(bookmarks.DOCTYPE):
        return ExportFile(path, BOOKMARKS, lambda: _read_text(path, bookmarks.read))
    if lowered.startswith("<") and ("time_added=" in lowered or "<title>pocket export" in lowered):
        return ExportFile(path, POCKET_HTML, lambda: _read_text(path, pocket.read_html))
    header = next(csv.reader(io.StringIO(text.splitlines()[0] if text else "")), [])
    for kind, matches, read in _CSV_READERS:
        if matches(header):
            return ExportFile(path, kind, partial(_read_text, path, read))
    return None


def _sniff_zip(path: Path) -> ExportFile:
    try:
        with zipfile.ZipFile(path) as archive:
            if omnivore.is_omnivore(archive):
                return ExportFile(path, OMNIVORE, lambda: _read_zip(path, omnivore.read_zip))
            if any(_zip_csv_header_is_pockets(archive, info) for info in archive.infolist()):
                return ExportFile(path, POCKET, lambda: _read_zip(path, pocket.read_zip))
    except zipfile.BadZipFile as exc:
        raise BadInput(f"{path.name} is a damaged zip file ({exc}): is it cut short?") from None
    raise BadInput(f"{path.name} is a zip file but not an export tidyclip reads (Pocket, Omnivore)")


def _zip_csv_header_is_pockets(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    if not info.filename.lower().endswith(".csv"):
        return False
    with archive.open(info) as raw:
        first_line = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="").readline()
    return pocket.is_pocket_header(next(csv.reader([first_line]), []))


def _read_text(path: Path, read: Callable[[TextIO, str], Iterator[ImportItem]]) -> Iterator[ImportItem]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield from read(stream, path.name)


def _read_zip(path: Path, read: Callable[[zipfile.ZipFile], Iterator[ImportItem]]) -> Iterator[ImportItem]:
    with zipfile.ZipFile(path) as archive:
        yield from read(archive)
