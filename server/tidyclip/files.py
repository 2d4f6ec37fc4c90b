"""Atomic files: written beside their final name and renamed over it, so a reader or a crash sees the
old file or the new one, never a mix. Syncing is left to the caller (the journal makes a write durable)."""

import contextlib
import gzip
import json
import os
import tempfile
from pathlib import Path

from tinydb.storages import Storage

from tidyclip.config import GZIP_LEVEL
from tidyclip.errors import StoreCorrupt


def fsync_path(path: Path) -> None:
    """Sync a file or a folder (a folder's sync makes the names renamed into it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_temp(path: Path, data: bytes) -> Path:
    """`data` in a temporary file beside `path`, ready to be renamed over it (not synced)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def replace_file(path: Path, data: bytes) -> None:
    os.replace(write_temp(path, data), path)


class AtomicJSONStorage(Storage):
    """TinyDB storage whose writes are atomic (TinyDB's JSONStorage truncates the file in place).
    A file that is not whole JSON (a cut sector) raises StoreCorrupt naming it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def read(self) -> dict | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = False
        if data is not None and not (isinstance(data, dict) and isinstance(data.get("clips", {}), dict)):
            raise StoreCorrupt(f"{self.path.name} is damaged (not a whole shard): run `tidyclip check --repair`")
        return data

    def write(self, data: dict) -> None:
        replace_file(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8"))

    def close(self) -> None:
        pass


def gzipped(content: str | bytes) -> bytes:
    return gzip.compress(content.encode("utf-8") if isinstance(content, str) else content, compresslevel=GZIP_LEVEL, mtime=0)


def stamp_of(path: Path) -> str | None:
    """What changes whenever a file is rewritten (rename gives a new inode)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"
