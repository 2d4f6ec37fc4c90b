"""The image files of the store: one file per content, named by its sha256, shared by every clip that
shows it, and a small thumbnail beside it, made once.

Layout in the data dir::

    images/ab/<sha256>.<ext>          the image as downloaded (an SVG made inert first)
    images/ab/<sha256>.thumb.webp     its thumbnail for the list (made on first need)

A file is written beside its final name and renamed over it before any clip names it: a clip never
points at half an image. It is synced with the store's next checkpoint (`take_unsynced` hands the new
files to the store), not at once: a sync per picture made the next clip's answer wait for the disk. A
file a power cut lost is missing, never torn: the reader shows the remote picture, `--refetch` gets it. Which clips use a file is in the clips' `images` lists (the store of
record); a file no clip uses is removed by `collect` once it is older than the undo window.
Only the Library calls this module.
"""

import os
import threading
import time
from collections.abc import Callable, Iterator
from hashlib import sha256
from pathlib import Path

from tidyclip.clip import IMAGE_FILE as NAME  # nothing else is ever opened from a name a request gives
from tidyclip.files import write_temp

IMAGE_DIR = "images"
THUMB_SUFFIX = ".thumb.webp"


class ImageFiles:
    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / IMAGE_DIR
        self._unsynced: set[Path] = set()
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def put(self, data: bytes, ext: str) -> str:
        """Keep `data` (once per content) and return its name."""
        name = f"{sha256(data).hexdigest()}.{ext}"
        path = self._path(name)
        if path.exists():
            os.utime(path)  # in use again: not collected while a clip is about to name it
            return name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(write_temp(path, data), path)
        with self._lock:
            self._unsynced |= {path, path.parent, self.root}
        return name

    def take_unsynced(self) -> set[Path]:
        """The files and folders written since the last call: the store syncs them at its checkpoint."""
        with self._lock:
            taken, self._unsynced = self._unsynced, set()
        return taken

    def path(self, name: str) -> Path | None:
        """The file of a stored image, or None for a name that is not one (or is gone)."""
        if not NAME.fullmatch(name):
            return None
        path = self._path(name)
        return path if path.is_file() else None

    def read(self, name: str) -> bytes | None:
        path = self.path(name)
        return path.read_bytes() if path else None

    def thumbnail(self, name: str, make: Callable[[bytes], bytes | None]) -> Path | None:
        """The image's thumbnail, made by `make(image bytes)` the first time it is asked for;
        None when the image is missing or makes no thumbnail (an SVG is shown as itself)."""
        source = self.path(name)
        if source is None:
            return None
        thumb = source.with_name(name.rsplit(".", 1)[0] + THUMB_SUFFIX)
        if thumb.is_file():
            return thumb
        made = make(source.read_bytes())
        if made is None:
            return None
        os.replace(write_temp(thumb, made), thumb)  # derived: lost in a crash, made again
        return thumb

    def names(self) -> Iterator[tuple[str, float]]:
        """Every stored image's name and when it was last written."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            for entry in os.scandir(folder):
                if NAME.fullmatch(entry.name):
                    yield entry.name, entry.stat().st_mtime

    def collect(self, in_use: set[str], older_than: float) -> int:
        """Remove the images no clip uses that were last written over `older_than` seconds ago (and
        their thumbnails); how many went."""
        cutoff = time.time() - older_than
        removed = 0
        for name, written in list(self.names()):
            if name in in_use or written > cutoff:
                continue
            path = self._path(name)
            path.with_name(name.rsplit(".", 1)[0] + THUMB_SUFFIX).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            removed += 1
        return removed
