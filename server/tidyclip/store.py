"""The store of record: TinyDB shards of clip metadata, one body file per clip, the original page
gzip-compressed beside it, and a derived SQLite search index.

Layout of a data dir::

    token                   the API token (mode 0600)
    server.lock             held (flock) by the one server that owns the data dir
    write.lock              held (flock) for the length of every write, by any process
    journal                 write-ahead journal (journal.py): writes not yet synced in place
    meta/abc.json           TinyDB shard: metadata of the clips whose id starts with "abc" (4096 shards)
    bodies/ab/<id>.<rev>.json      text, markdown, html, cleaning
    bodies/ab/<id>.<rev>.html.gz   the page as clipped (and .sel.html.gz: the selection, if any)
    index.sqlite            search index (derived; deleted or stale -> rebuilt)

Saving one clip writes its body files and one small shard, so it costs the same at 100 clips or
100,000. A write is first appended to the journal and synced (one fdatasync: the moment it is
acknowledged), then put in place: the body and page under new revision names, then the shard
entry pointing at them, each file written beside the old one and renamed over it. A kill -9 at any
moment leaves the old clip or the new one, never a mix; a power cut loses nothing acknowledged, as
the journal is replayed on open. Once writes pause, one sync makes the files durable and the
journal is emptied.

Concurrency: one writer at a time, across threads (a lock) and processes (flock on write.lock), so
`tidyclip add`/`import`/`reclean` can run while the server runs; they update the same index, which
the server reads. Readers take no lock: renames are atomic.
"""

import contextlib
import fcntl
import gzip
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from tidyclip.clip import BODY_FIELDS, Clip, empty_cleaning
from tidyclip.errors import BadInput, NotFound, StoreCorrupt, StoreLocked
from tidyclip.journal import Journal
from tidyclip.search_index import SearchIndex

TOKEN_FILE = "token"
SERVER_LOCK = "server.lock"
WRITE_LOCK = "write.lock"
META_DIR = "meta"
BODY_DIR = "bodies"
INDEX_FILE = "index.sqlite"
#: 16**3 = 4096 metadata shards: about 25 clips (a few KB of JSON) per shard at 100,000 clips.
SHARD_CHARS = 3
ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
#: Query parameters that only track where a visitor came from; the same page with other values is the same page.
TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|yclid)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Tags, comments and declarations; "a < b" is text, "<b>" is markup.
MARKUP = re.compile(r"<(?:/?[a-zA-Z][^>]*|!--.*?--|![^>]*|\?[^>]*)>", re.S)
#: Internal metadata keys (file names, URL key): never leave the store.
INTERNAL = ("_body", "_original", "_selection", "_url_key")
#: Metadata keys that name a clip's files.
FILE_KEYS = ("_body", "_original", "_selection")
JOURNAL_FILE = "journal"
#: The journal is emptied (after one sync) when writes pause this long...
CHECKPOINT_IDLE_SECONDS = 1.0
#: ...or at once when it grows past this (a long import).
JOURNAL_MAX_BYTES = 64 * 1024 * 1024
MAX_TITLE_CHARS = 500
MAX_NOTE_CHARS = 100_000
MAX_TAG_CHARS = 100
MAX_TAGS = 100
GZIP_LEVEL = 1  # fast: the page is compressed while the user waits; level 6 saves ~15% more space
UPDATABLE = ("title", "tags", "note", "similar")


# -- small helpers ---------------------------------------------------------------------------------
def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalize_url(url: str) -> str:
    """The URL that says whether two clips are the same page: no fragment, no tracking parameters,
    no default port, lower-case scheme and host, "/" for an empty path."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc += f":{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)])
    path = parts.path or ("/" if scheme in DEFAULT_PORTS else "")
    return urlunsplit((scheme, netloc, path, query, ""))


def url_id(url_key: str) -> str:
    """The id a clip of this (normalized) URL gets: stable, so the same page finds its clip at once."""
    return sha256(url_key.encode("utf-8")).hexdigest()[:16]


def shard_of(clip_id: str) -> str:
    return clip_id[:SHARD_CHARS]


def plain_text(value: Any, limit: int) -> str:
    """User- or page-given text as plain text: no markup, no control characters, bounded."""
    text = str(value or "")
    text = MARKUP.sub("", text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return text.strip()[:limit]


def clean_tags(tags: Any) -> list[str]:
    """Tags as plain, trimmed strings, each once (compared without case), in the given order."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadInput("tags must be a list of strings")
    seen, result = set(), []
    for tag in tags:
        tag = " ".join(plain_text(tag, MAX_TAG_CHARS).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise BadInput(f"a clip takes at most {MAX_TAGS} tags")
    return result


def safe_url(value: Any) -> str | None:
    """Only web addresses survive in URL fields (no javascript:, data: ...)."""
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https", "file"):
        return value.strip()
    return None


FIELD_CLEANERS = {
    "title": lambda value: plain_text(value, MAX_TITLE_CHARS),
    "note": lambda value: plain_text(value, MAX_NOTE_CHARS),
    "tags": clean_tags,
    "author": lambda value: plain_text(value, MAX_NOTE_CHARS) if value is not None else None,
    "site": lambda value: plain_text(value, MAX_NOTE_CHARS) if value is not None else None,
    "excerpt": lambda value: plain_text(value, MAX_NOTE_CHARS) if value is not None else None,
    "lang": lambda value: plain_text(value, 35) if value is not None else None,
    "published": lambda value: plain_text(value, 40) if value is not None else None,
    "canonical_url": safe_url,
    "image": safe_url,
    "html": lambda value: nh3.clean(value or "", url_schemes={"http", "https", "mailto"}),
    "text": lambda value: value or "",
    "markdown": lambda value: re.sub(r"\]\(\s*(javascript|vbscript|data):[^)]*\)", "]()", value or "", flags=re.I),
    "cleaning": lambda value: value or empty_cleaning(),
    "similar": lambda value: value or [],
}


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Defence in depth over what the engine, an import or a user hands us: markup only where markup
    belongs (html, through nh3), plain text everywhere else, web addresses only in URL fields."""
    return {key: FIELD_CLEANERS[key](value) if key in FIELD_CLEANERS else value for key, value in fields.items()}


def sanitize(clip: Clip) -> Clip:
    """A whole clip cleaned (`clean_fields`), every field present."""
    clip = clean_fields({**{key: None for key in FIELD_CLEANERS}, **clip})
    clip["title"] = clip["title"] or clip.get("url") or "Untitled"
    return clip


def read_or_create_token(data_dir: Path) -> str:
    """The API token, made (random, mode 0600) on first use."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
        raise StoreCorrupt(f"{path} is empty: delete it and run `tidyclip token` to make a new token") from None
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return token


# -- atomic files ----------------------------------------------------------------------------------
def fsync_path(path: Path) -> None:
    """Sync a file or a folder (a folder's sync makes the names renamed into it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_temp(path: Path, data: bytes) -> Path:
    """`data` in a temporary file beside `path`, ready to be renamed over it (not synced: the
    journal holds the data until a checkpoint syncs the file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


class AtomicJSONStorage(Storage):
    """TinyDB storage whose writes are atomic (TinyDB's JSONStorage truncates the file in place):
    a new file beside the old one, renamed over it. It does not sync: the store's journal (or a
    bulk write's final sync) makes the write durable."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def read(self) -> dict | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise StoreCorrupt(f"{self.path} is not valid JSON") from None

    def write(self, data: dict) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        os.replace(write_temp(self.path, payload), self.path)

    def close(self) -> None:
        pass


def gzipped(content: str | bytes) -> bytes:
    return gzip.compress(content.encode("utf-8") if isinstance(content, str) else content, compresslevel=GZIP_LEVEL, mtime=0)


def stamp_of(path: Path) -> str | None:
    """What changes whenever a shard is rewritten (rename gives a new inode)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


# -- the store -------------------------------------------------------------------------------------
class Store:
    """Clips in `data_dir`. `exclusive=True` (the server) takes the data dir for this process."""

    def __init__(self, data_dir: Path, *, exclusive: bool = False):
        self.data_dir = Path(data_dir)
        self.meta_dir = self.data_dir / META_DIR
        self.body_dir = self.data_dir / BODY_DIR
        for folder in (self.data_dir, self.meta_dir, self.body_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._server_lock_fd = self._take_server_lock() if exclusive else None
        self._thread_lock = threading.RLock()
        self._write_lock_fd = os.open(self.data_dir / WRITE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        self.journal = Journal(self.data_dir / JOURNAL_FILE)
        self._unsynced: set[Path] = set()  # files and folders written since the last checkpoint
        self._body_folders: set[Path] = set()  # made (or found) already: no mkdir call per write
        self._journaled = 0  # bytes this process appended to the journal since it was emptied
        with self._writing():
            self.index = SearchIndex(self.data_dir / INDEX_FILE)
            self._replay()
            self._refresh_index()
        self._last_write = time.monotonic()
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_when_idle, name="tidyclip-checkpoint", daemon=True)
        self._checkpointer.start()

    # -- locks -----------------------------------------------------------------------------------
    def _take_server_lock(self) -> int:
        path = self.data_dir / SERVER_LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StoreLocked(f"another tidyclip server (pid {holder}) is already using {self.data_dir}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return fd

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time: threads of this process, then other processes."""
        with self._thread_lock:
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._closing.set()
        self._checkpointer.join()
        with self._writing():
            if self.journal.size():
                self._checkpoint()
        self.journal.close()
        self.index.close()
        if self._write_lock_fd is not None:
            os.close(self._write_lock_fd)
            self._write_lock_fd = None
        if self._server_lock_fd is not None:
            os.close(self._server_lock_fd)
            self._server_lock_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files -----------------------------------------------------------------------------------
    def _shard_path(self, shard: str) -> Path:
        return self.meta_dir / f"{shard}.json"

    def _db(self, shard: str) -> TinyDB:
        return TinyDB(self._shard_path(shard), storage=AtomicJSONStorage)

    def _body_folder(self, clip_id: str) -> Path:
        return self.body_dir / clip_id[:2]

    def _read_meta(self, clip_id: str) -> dict | None:
        if not ID_PATTERN.match(clip_id or ""):
            return None
        doc = self._db(shard_of(clip_id)).table("clips").get(doc_id=int(clip_id, 16))
        return dict(doc) if doc is not None else None

    def _read_body(self, clip_id: str, name: str) -> dict:
        path = self._body_folder(clip_id) / name
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError):
            raise StoreCorrupt(f"the body of clip {clip_id} is missing or damaged ({path.name})") from None


    # -- reading ---------------------------------------------------------------------------------
    def get(self, clip_id: str) -> Clip:
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        body = self._read_body(clip_id, meta["_body"])
        return self._public({**meta, **body})

    @staticmethod
    def _public(record: dict) -> Clip:
        return {key: value for key, value in record.items() if key not in INTERNAL}

    def find_by_url(self, url: str) -> Clip | None:
        clip_id = self._id_for_url(normalize_url(url))
        return self.get(clip_id) if clip_id else None

    def _id_for_url(self, url_key: str) -> str | None:
        candidate = url_id(url_key)
        meta = self._read_meta(candidate)
        if meta is not None and meta.get("_url_key") == url_key:
            return candidate
        return self.index.id_for_url(url_key)  # clips imported with ids of their own

    def original_bytes(self, clip_id: str) -> bytes | None:
        """The page as clipped, as it was sent (str pages as UTF-8)."""
        return self._read_gz(clip_id, "_original")

    def original_html(self, clip_id: str) -> str | None:
        data = self.original_bytes(clip_id)
        return data.decode("utf-8", errors="replace") if data is not None else None

    def selection_html(self, clip_id: str) -> str | None:
        data = self._read_gz(clip_id, "_selection")
        return data.decode("utf-8", errors="replace") if data is not None else None

    def _read_gz(self, clip_id: str, key: str) -> bytes | None:
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        if not meta.get(key):
            return None
        try:
            return gzip.decompress((self._body_folder(clip_id) / meta[key]).read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile):
            raise StoreCorrupt(f"the stored page of clip {clip_id} is missing or damaged") from None

    def count(self) -> int:
        return self.index.count()

    def search(
        self, q: str | None = None, url: str | None = None, tag: str | None = None, site: str | None = None,
        date_from: str | None = None, date_to: str | None = None, sort: str | None = None,
        limit: int = 50, offset: int = 0,
    ) -> tuple[list[Clip], int]:
        """Summaries (with "snippet" when q) and the total. sort: relevance (default with q), newest
        (default without), oldest, updated, title."""
        return self.index.search(
            q=q, url_key=normalize_url(url) if url else None, tag=tag, site=site, date_from=date_from,
            date_to=date_to, sort=sort or ("relevance" if q else "newest"), limit=limit, offset=offset,
        )

    def iter_clips(self, ids: list[str] | None = None, q: str | None = None, tag: str | None = None) -> Iterator[Clip]:
        """Full clips, one at a time: the given ids (missing ones skipped) or every match, newest first."""
        for clip_id in ids if ids is not None else self.index.ids(q=q, tag=tag):
            with contextlib.suppress(NotFound):
                yield self.get(clip_id)

    def all_ids(self) -> list[str]:
        return self.index.ids()

    # -- writing ---------------------------------------------------------------------------------
    def save(
        self, clip: Clip, original_html: str | bytes | None = None, selection_html: str | None = None,
        *, original_gz: bytes | None = None,
    ) -> tuple[Clip, str]:
        """Save what the engine made: upsert by normalized URL, keeping created/tags/note of the clip there.
        `original_gz`: the page already compressed (`gzipped(original_html)`), by a caller that did it
        while the engine ran."""
        with self._writing():
            url_key = normalize_url(clip.get("url") or "")
            existing_id = self._id_for_url(url_key) if url_key else None
            existing = self._read_meta(existing_id) if existing_id else None
            record = {key: value for key, value in clip.items() if key not in INTERNAL}
            if existing:
                for key in ("id", "created", "tags", "note", "similar"):
                    record[key] = existing.get(key)
            else:
                record["id"] = self._free_id(url_key)
                record["created"] = now_iso()
                record.setdefault("tags", [])
                record.setdefault("note", "")
            return self._write(record, url_key, existing, original_html, selection_html, original_gz=original_gz)

    def save_record(self, clip: Clip, original_html: str | bytes | None = None, selection_html: str | None = None) -> tuple[Clip, str]:
        """Save a whole stored clip as it is (import, undo, reclean): its id, dates, tags and note are
        kept; a clip of the same page already here is replaced under its own id."""
        with self._writing():
            url_key = normalize_url(clip.get("url") or "")
            record = {key: value for key, value in clip.items() if key not in INTERNAL}
            target = self._id_for_url(url_key) if url_key else None
            given = record.get("id")
            if target is None and isinstance(given, str) and ID_PATTERN.match(given) and self._read_meta(given) is None:
                target = given
            existing = self._read_meta(target) if target else None
            record["id"] = target or self._free_id(url_key)
            record["created"] = record.get("created") or (existing or {}).get("created") or now_iso()
            return self._write(record, url_key, existing, original_html, selection_html, keep_updated=True)

    def update(self, clip_id: str, **fields: Any) -> Clip:
        """Change title, tags, note or similar (stories) of a stored clip."""
        unknown = set(fields) - set(UPDATABLE)
        if unknown:
            raise BadInput(f"cannot change {', '.join(sorted(unknown))}; only {', '.join(UPDATABLE)}")
        with self._writing():
            meta = self._read_meta(clip_id)
            if meta is None:
                raise NotFound(f"no clip with id {clip_id}")
            changes = clean_fields(fields)
            if "title" in changes and not changes["title"]:
                raise BadInput("title cannot be empty")
            meta.update(changes)
            if set(fields) - {"similar"}:  # links found by the stories detector are not an edit
                meta["updated"] = now_iso()
            self._commit({"op": "put", "id": clip_id, "meta": meta}, {})
            shard = shard_of(clip_id)
            full = {**meta, **self._read_body(clip_id, meta["_body"])}
            stamp = stamp_of(self._shard_path(shard)) or ""
            if not self.index.put_meta(self._public(meta), shard, stamp, title_changed="title" in changes):
                self._index(full)
            return self._public(full)

    def delete(self, clip_id: str) -> Clip:
        """Remove a clip; returns it whole (undo gives it back to save_record)."""
        with self._writing():
            clip = self.get(clip_id)
            meta = self._read_meta(clip_id)
            self._commit({"op": "delete", "id": clip_id, "drop": [meta[key] for key in FILE_KEYS if meta.get(key)]}, {})
            shard = shard_of(clip_id)
            self.index.remove(clip_id, shard, stamp_of(self._shard_path(shard)))
            return clip

    def _free_id(self, url_key: str) -> str:
        candidate = url_id(url_key) if url_key else secrets.token_hex(8)
        while self._read_meta(candidate) is not None:
            candidate = secrets.token_hex(8)
        return candidate

    def _write(
        self, record: Clip, url_key: str, existing: dict | None, original_html: str | bytes | None,
        selection_html: str | None, keep_updated: bool = False, original_gz: bytes | None = None,
    ) -> tuple[Clip, str]:
        """Write a new revision: its body and page under new file names, then the shard entry that
        points at them, all in one journal record (durable once that is synced)."""
        clip_id = record["id"]
        record = sanitize(record)
        if not (keep_updated and record.get("updated")):
            record["updated"] = now_iso()
        rev = secrets.token_hex(4)
        meta = {key: value for key, value in record.items() if key not in BODY_FIELDS}
        meta["_url_key"] = url_key
        meta["_body"] = f"{clip_id}.{rev}.json"
        body = {key: record.get(key) for key in BODY_FIELDS}
        blobs = {meta["_body"]: json.dumps(body, ensure_ascii=False).encode("utf-8")}
        if original_html is None:  # a new cleaning of the stored page: the page stays as it was
            for key in ("_original", "_selection"):
                if existing and existing.get(key):
                    meta[key] = existing[key]
        else:
            meta["_original"] = f"{clip_id}.{rev}.html.gz"
            blobs[meta["_original"]] = original_gz if original_gz is not None else gzipped(original_html)
            if selection_html is not None:
                meta["_selection"] = f"{clip_id}.{rev}.sel.html.gz"
                blobs[meta["_selection"]] = gzipped(selection_html)
        drop = [existing[key] for key in FILE_KEYS if existing and existing.get(key) and existing[key] != meta.get(key)]
        self._commit({"op": "put", "id": clip_id, "meta": meta, "drop": drop}, blobs)
        self._index({**meta, **body})
        return self._public({**meta, **body}), ("updated" if existing else "created")

    # -- the journal -------------------------------------------------------------------------------
    def _commit(self, header: dict, blobs: dict[str, bytes]) -> None:
        """Journal a write (from here on it survives a crash), then apply it to the files."""
        self._journaled += self.journal.append(header, blobs)
        self._apply(header, blobs)
        self._last_write = time.monotonic()
        if self.journal.size() > JOURNAL_MAX_BYTES:  # a long burst of writes: checkpoint now
            self._checkpoint()

    def _apply(self, header: dict, blobs: dict[str, bytes]) -> None:
        """Put one journaled write in place: files first, then the shard. Applying a record twice
        (replay after a crash) gives the same result."""
        clip_id = header["id"]
        folder = self._body_folder(clip_id)
        if folder not in self._body_folders:
            folder.mkdir(exist_ok=True)
            self._body_folders.add(folder)
        for name, data in blobs.items():
            os.replace(write_temp(folder / name, data), folder / name)
            self._unsynced.add(folder / name)
        shard_path = self._shard_path(shard_of(clip_id))
        table = TinyDB(shard_path, storage=AtomicJSONStorage).table("clips")
        doc_id = int(clip_id, 16)
        if header["op"] == "delete":
            if table.contains(doc_id=doc_id):
                table.remove(doc_ids=[doc_id])
        elif table.contains(doc_id=doc_id):
            table.update(lambda doc: (doc.clear(), doc.update(header["meta"])), doc_ids=[doc_id])
        else:
            table.insert(Document(header["meta"], doc_id=doc_id))
        self._unsynced |= {shard_path, folder, self.meta_dir}
        for name in header.get("drop", []):
            (folder / name).unlink(missing_ok=True)

    def _replay(self) -> None:
        """After a crash: apply every journaled write again, make it durable, empty the journal, and
        remove the temporary files the crash left half-written (a clean close leaves none)."""
        if self.journal.size():
            for header, blobs in self.journal.records():
                self._apply(header, blobs)
            self._checkpoint(replayed=True)
            for leftover in [*self.meta_dir.glob(".*.tmp"), *self.body_dir.glob("*/.*.tmp")]:
                leftover.unlink(missing_ok=True)

    def _checkpoint(self, replayed: bool = False) -> None:
        """Make every journaled write durable in place, then empty the journal. The caller holds the
        write lock. The files this process wrote are synced one by one; if another process (the CLI
        beside the server) also wrote to the journal, one `os.sync()` covers its files too."""
        if replayed or self.journal.size() == self._journaled:
            for path in self._unsynced:
                with contextlib.suppress(FileNotFoundError):
                    fsync_path(path)
        else:
            os.sync()
        self.journal.truncate()
        self._unsynced.clear()
        self._journaled = 0

    def _checkpoint_when_idle(self) -> None:
        while not self._closing.wait(CHECKPOINT_IDLE_SECONDS):
            if self.journal.size() and time.monotonic() - self._last_write >= CHECKPOINT_IDLE_SECONDS:
                with self._writing():
                    self._checkpoint()

    def _index(self, full: dict) -> None:
        shard = shard_of(full["id"])
        self.index.put(self._public(full), shard, full.get("_url_key", ""), stamp_of(self._shard_path(shard)) or "")

    # -- keeping the index in step -----------------------------------------------------------------
    def _refresh_index(self) -> int:
        """Index again every shard whose stamp differs from what the index saw (all, for a new index)."""
        known = {} if self.index.fresh else self.index.shard_stamps()
        on_disk = {entry.name[:-5]: entry for entry in os.scandir(self.meta_dir) if entry.name.endswith(".json")}
        stale = [shard for shard, entry in on_disk.items() if known.get(shard) != stamp_of(Path(entry.path))]
        stale += [shard for shard in known if shard not in on_disk]
        for shard in stale:
            self._reindex_shard(shard)
        return len(stale)

    def _reindex_shard(self, shard: str) -> None:
        path = self._shard_path(shard)
        docs = self._db(shard).table("clips").all() if path.exists() else []
        clips = []
        for doc in docs:
            meta = dict(doc)
            try:
                body = self._read_body(meta["id"], meta["_body"])
            except StoreCorrupt:
                body = {"text": ""}
            clips.append((self._public({**meta, **body}), meta.get("_url_key", "")))
        self.index.replace_shard(shard, clips, stamp_of(path))

    # -- bulk --------------------------------------------------------------------------------------
    def bulk_save_records(self, records: Iterable[tuple[Clip, str | bytes | None]]) -> int:
        """Store many new clips fast (a new store, a big import): body files without a sync each, one
        sync for all of them, then each touched shard written once (atomically) and one index
        transaction. Clips whose URL is already stored are skipped; the number saved is returned."""
        by_shard: dict[str, list[dict]] = {}
        indexed: list[tuple[Clip, str, str]] = []
        with self._writing():
            for clip, original in records:
                url_key = normalize_url(clip.get("url") or "")
                clip_id = url_id(url_key) if url_key else secrets.token_hex(8)
                if clip_id in (meta["id"] for meta in by_shard.get(shard_of(clip_id), [])) or (url_key and self._id_for_url(url_key)):
                    continue
                record = sanitize({key: value for key, value in clip.items() if key not in INTERNAL})
                record["id"] = clip_id = self._free_id(url_key) if self._read_meta(clip_id) else clip_id
                record["created"] = record.get("created") or now_iso()
                record["updated"] = record.get("updated") or record["created"]
                folder = self._body_folder(clip_id)
                folder.mkdir(exist_ok=True)
                meta = {key: value for key, value in record.items() if key not in BODY_FIELDS}
                meta.update(_url_key=url_key, _body=f"{clip_id}.0.json")
                body = {key: record.get(key) for key in BODY_FIELDS}
                (folder / meta["_body"]).write_bytes(json.dumps(body, ensure_ascii=False).encode("utf-8"))
                if original is not None:
                    meta["_original"] = f"{clip_id}.0.html.gz"
                    (folder / meta["_original"]).write_bytes(gzipped(original))
                by_shard.setdefault(shard_of(clip_id), []).append(meta)
                indexed.append((self._public({**meta, **body}), shard_of(clip_id), url_key))
            os.sync()  # every body on disk before any shard points at it
            for shard, metas in by_shard.items():
                self._db(shard).table("clips").insert_multiple(Document(meta, doc_id=int(meta["id"], 16)) for meta in metas)
            os.sync()
            self.index.put_many(indexed, {shard: stamp_of(self._shard_path(shard)) or "" for shard in by_shard})
        return len(indexed)
