"""The store of record: TinyDB shards of clip metadata, one body file per clip, the original page
gzip-compressed beside it, and a derived SQLite search index.

Layout of a data dir::

    token                   the API token (mode 0600)
    server.lock             held (flock) by the one server that owns the data dir
    write.lock              held (flock) for the length of every write, by any process
    journal                 write-ahead journal (journal.py): writes not yet synced in place
    meta/abc.json           TinyDB shard: metadata of the clips whose id starts with "abc" (4096 shards)
    bodies/ab/<id>.<rev>.json      text, markdown, html, cleaning
    bodies/ab/<id>.<hash>.html.gz  the page as clipped (and .sel.html.gz: the selection, if any)
    bodies/ab/<id>.<rev>.versions  the clip's earlier versions, when it has any (versions.py)
    index.sqlite            search index (derived; deleted or stale -> rebuilt)

Saving one clip writes its body files and one small shard, so it costs the same at 100 clips or
100,000. A write is first appended to the journal and synced (one fdatasync: the moment it is
acknowledged), then put in place: the body and page under new revision names, then the shard
entry pointing at them, each file written beside the old one and renamed over it. A kill -9 at any
moment leaves the old clip or the new one, never a mix; a power cut loses nothing acknowledged, as
the journal is replayed on open. Once writes pause, one sync makes the files durable and the
journal is emptied.

Only the Library (library.py) calls the store. Every change is a read-modify-write inside the write
lock (`update` gets the current clip and says what to change), or a compare-and-set on the clip's
revision (`put_engine_fields`, for a new cleaning that took a while): no edit is lost to another.
A record that fails `clip.check_clip` is never written; one that is damaged on disk (a cut shard or
body file) makes only its clips unreadable, and is named in `damaged` (see check.py).

Concurrency: one writer at a time, across threads (a lock) and processes (flock on write.lock), so
`tidyclip add`/`import`/`reclean` can run while the server runs; they update the same index, which
the server reads. Readers take no lock: renames are atomic.
"""

import contextlib
import fcntl
import gzip
import json
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from tidyclip import textdiff, versions
from tidyclip.clip import (
    BODY_FIELDS,
    DERIVED_FIELDS,
    ENGINE_FIELDS,
    ID_PATTERN,
    USER_FIELDS,
    Clip,
    check_clip,
    check_fields,
)
from tidyclip.config import CHECKPOINT_IDLE_SECONDS, JOURNAL_MAX_BYTES, keep_versions
from tidyclip.errors import BadInput, Conflict, NotFound, StoreCorrupt, StoreLocked
from tidyclip.fields import clean_fields, merged_tags, sanitize
from tidyclip.files import AtomicJSONStorage, fsync_path, gzipped, replace_file, stamp_of
from tidyclip.journal import Journal
from tidyclip.reading.schema import READING_FIELDS, UNTIMED_FIELDS
from tidyclip.search_index import SearchIndex
from tidyclip.urls import normalize_url, url_id

log = logging.getLogger(__name__)

SERVER_LOCK = "server.lock"
WRITE_LOCK = "write.lock"
META_DIR = "meta"
BODY_DIR = "bodies"
INDEX_FILE = "index.sqlite"
JOURNAL_FILE = "journal"
#: Where `tidyclip check --repair` (and a replay that could not apply a record) moves what it cannot mend.
DAMAGED_DIR = "damaged"
#: 16**3 = 4096 metadata shards: about 25 clips (a few KB of JSON) per shard at 100,000 clips.
SHARD_CHARS = 3
#: Internal metadata keys (file names, URL key): never leave the store.
INTERNAL = ("_body", "_original", "_selection", "_url_key", "_versions", "_own_title")
#: Metadata keys that name a clip's files.
FILE_KEYS = ("_body", "_original", "_selection")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shard_of(clip_id: str) -> str:
    return clip_id[:SHARD_CHARS]


def public(record: dict) -> Clip:
    """A record without the store's internal keys and without derived data an old version stored."""
    return {key: value for key, value in record.items() if key not in INTERNAL and key not in DERIVED_FIELDS}


@dataclass
class Deleted:
    """A deleted clip with its stored pages: what undo needs to put it back."""
    clip: Clip
    original: bytes | None
    selection_html: str | None
    #: Its versions as an export carries them (Store.history_records), earlier pages included.
    history: list[dict[str, Any]] = field(default_factory=list)


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
        self._write_lock_fd: int | None = os.open(self.data_dir / WRITE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        self.journal = Journal(self.data_dir / JOURNAL_FILE)
        self._unsynced: set[Path] = set()  # files and folders written since the last checkpoint
        self._body_folders: set[Path] = set()  # made (or found) already: no mkdir call per write
        self._journaled = 0  # bytes this process appended to the journal since it was emptied
        #: What could not be read when the store opened: shard file or clip id -> why.
        self.damaged: dict[str, str] = {}
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
            assert self._write_lock_fd is not None, "the store is closed"
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Stop the checkpoint thread, then make everything durable and close the files."""
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
    def shard_path(self, shard: str) -> Path:
        return self.meta_dir / f"{shard}.json"

    def _db(self, shard: str) -> TinyDB:
        return TinyDB(self.shard_path(shard), storage=AtomicJSONStorage)

    def body_folder(self, clip_id: str) -> Path:
        return self.body_dir / clip_id[:2]

    def _read_meta(self, clip_id: str) -> dict | None:
        """The clip's shard entry; StoreCorrupt when its shard is damaged."""
        if not ID_PATTERN.match(clip_id or ""):
            return None
        doc = self._db(shard_of(clip_id)).table("clips").get(doc_id=int(clip_id, 16))
        return dict(doc) if doc is not None else None

    def _read_body(self, clip_id: str, name: str) -> dict:
        path = self.body_folder(clip_id) / name
        try:
            body = json.loads(path.read_bytes())
        except (OSError, ValueError):
            body = None
        if not isinstance(body, dict):
            raise StoreCorrupt(f"the body of clip {clip_id} is missing or damaged ({path.name})")
        return body

    def _read_whole(self, meta: dict) -> Clip:
        """The clip of a shard entry, checked: a record no version should have let in is damage too."""
        clip = public({**meta, **self._read_body(meta["id"], meta["_body"])})
        clip.setdefault("version", 1)  # stored before versions were kept
        clip.setdefault("versions", 1)
        try:
            return check_clip(clip)
        except BadInput as exc:
            raise StoreCorrupt(f"the record of clip {meta['id']} is damaged: {exc.message}") from None

    # -- reading ---------------------------------------------------------------------------------
    def get(self, clip_id: str) -> Clip:
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        return self._read_whole(meta)

    def revision(self, clip_id: str) -> str:
        """What changes whenever the clip's text (any engine field) is written: its body's file name."""
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        return meta["_body"]

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

    def selection_html(self, clip_id: str) -> str | None:
        data = self._read_gz(clip_id, "_selection")
        return data.decode("utf-8", errors="replace") if data is not None else None

    def _read_gz(self, clip_id: str, key: str) -> bytes | None:
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        return self._read_page(clip_id, meta.get(key))

    def _read_page(self, clip_id: str, name: str | None) -> bytes | None:
        if not name:
            return None
        try:
            return gzip.decompress((self.body_folder(clip_id) / name).read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile, ValueError):
            raise StoreCorrupt(f"the stored page of clip {clip_id} is missing or damaged") from None

    # -- versions (versions.py) --------------------------------------------------------------------
    def history(self, clip_id: str) -> list[dict[str, Any]]:
        """What the versions list shows of each version of the clip, oldest first."""
        meta = self._existing_meta(clip_id)
        return self._history(meta).listing(meta)

    def version(self, clip_id: str, number: int) -> dict[str, Any]:
        """One version: what the list shows of it, and its text, markdown, html and cleaning."""
        meta = self._existing_meta(clip_id)
        history = self._history(meta)
        listed = {entry["number"]: entry for entry in history.listing(meta)}
        if number not in listed:
            raise NotFound(f"clip {clip_id} has no version {number}")
        body = self._read_body(clip_id, (history.entry(number).body if history.entries else None) or meta["_body"])
        return {**listed[number], **{key: body.get(key) for key in BODY_FIELDS}}

    def history_records(self, clip_id: str, *, with_pages: bool) -> list[dict[str, Any]]:
        """Every version as an export (and undo) carries it, oldest first: what the list shows, and of
        each earlier one its body and, `with_pages`, its page ("original_html", bytes) and selection.
        Empty for a clip of one version."""
        meta = self._existing_meta(clip_id)
        history = self._history(meta)
        records = []
        for listed, entry in zip(history.listing(meta), history.entries, strict=False):
            record = dict(listed)
            if entry.body:
                body = self._read_body(clip_id, entry.body)
                record.update({key: body.get(key) for key in BODY_FIELDS})
                if with_pages:
                    selection = self._read_page(clip_id, entry.selection)
                    record.update(original_html=self._read_page(clip_id, entry.original),
                                  selection_html=selection.decode("utf-8", errors="replace") if selection else None)
            records.append(record)
        return records

    def _existing_meta(self, clip_id: str) -> dict:
        meta = self._read_meta(clip_id)
        if meta is None:
            raise NotFound(f"no clip with id {clip_id}")
        return meta

    def _history(self, meta: dict | None) -> versions.History:
        """The clip's versions as its history file names them (none: a clip of one version)."""
        if not meta or not meta.get("_versions"):
            return versions.History()
        path = self.body_folder(meta["id"]) / meta["_versions"]
        try:
            return versions.History.decode(path.read_bytes(), meta["_versions"])
        except (OSError, ValueError, KeyError, TypeError):
            raise StoreCorrupt(f"the versions of clip {meta['id']} are missing or damaged ({path.name})") from None

    def _history_kept(self, meta: dict | None) -> versions.History:
        """The history a write carries over: a damaged one is kept as it is (named, files unknown),
        so that a save never costs the earlier versions a repair could still read."""
        try:
            return self._history(meta)
        except StoreCorrupt:
            return versions.History(name=meta["_versions"] if meta else None)

    def _grown(self, existing: dict, record: Clip) -> versions.History | None:
        """The history once the page is clipped again, when its text changed; None when it did not or
        there was none to keep (or the stored text cannot be read: then the new one replaces it, as
        before versions)."""
        try:
            older = self._read_body(existing["id"], existing["_body"]).get("text") or ""
            history = self._history(existing)
        except StoreCorrupt:
            return None
        if not older.strip() or textdiff.same_text(older, record.get("text") or ""):
            return None  # the same text, or none yet (a clip waiting for its page): nothing to keep
        return versions.grown(history, existing, older, record, now_iso(), keep_versions())

    def _restored(self, clip_id: str, records: list[dict[str, Any]]) -> versions.History:
        """The history an export or an undo carries (Store.history_records), its files to write."""
        history = versions.History()
        for record in records[:-1]:
            body_name = f"{clip_id}.v{record['number']}.{secrets.token_hex(4)}.json"
            body = clean_fields({key: record.get(key) for key in BODY_FIELDS})
            history.blobs[body_name] = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
            pages = {}
            for key, ending in (("original_html", ".html.gz"), ("selection_html", ".sel.html.gz")):
                if record.get(key):
                    compressed = gzipped(record[key])
                    pages[key] = versions.page_name(clip_id, compressed, ending)
                    history.blobs[pages[key]] = compressed
            history.texts[record["number"]] = body["text"]
            history.entries.append(versions.Entry(
                record["number"], record["clipped"], record.get("word_count") or 0, record.get("summary") or "",
                body_name, pages.get("original_html"), pages.get("selection_html"),
            ))
        last = records[-1]
        history.entries.append(versions.Entry(last["number"], last["clipped"], last.get("word_count") or 0, last.get("summary") or ""))
        return history

    def _files_of(self, meta: dict | None, history: versions.History) -> set[str]:
        """Every file a clip's shard entry keeps: its own and its earlier versions'."""
        return {meta[key] for key in FILE_KEYS if meta and meta.get(key)} | history.files()

    def count(self) -> int:
        return self.index.count()

    def search(self, *, url: str | None = None, sort: str | None = None, **filters: Any) -> tuple[list[Clip], int]:
        """Summaries (with "snippet" when q) and the total (search_index.SearchIndex.search)."""
        q = filters.get("q")
        return self.index.search(url_key=normalize_url(url) if url else None, sort=sort or ("relevance" if q else "newest"), **filters)

    def ids(self, q: str | None = None, tag: str | None = None) -> list[str]:
        """Every matching clip's id, newest first."""
        return self.index.ids(q=q, tag=tag)

    def fetching(self, statuses: tuple[str, ...]) -> list[tuple[str, str]]:
        """(id, url) of the clips whose page is to be fetched, in these fetch statuses."""
        return self.index.fetching(statuses)

    # -- writing ---------------------------------------------------------------------------------
    def save(
        self, clip: Clip, original_html: str | bytes | None = None, selection_html: str | None = None,
        *, original_gz: bytes | None = None, adopt: dict[str, Any] | None = None,
    ) -> tuple[Clip, str]:
        """Save what the engine made: upsert by normalized URL, keeping id, created, tags and note of
        the clip there. `original_gz`: the page already compressed (`gzipped(original_html)`).
        `adopt`: what an import knew of the page: its tags are added, its created date and note
        taken only where the clip has none."""
        with self._writing():
            url_key = normalize_url(clip.get("url") or "")
            existing_id = self._id_for_url(url_key) if url_key else None
            existing = self._read_meta(existing_id) if existing_id else None
            record = {key: value for key, value in clip.items() if key in ENGINE_FIELDS}
            history = None
            if existing:
                record.update(id=existing["id"], created=existing["created"], tags=existing.get("tags") or [], note=existing.get("note") or "")
                if existing.get("images"):  # the page clipped again keeps the pictures already downloaded
                    record["images"] = existing["images"]
                record.update({key: existing[key] for key in READING_FIELDS if key in existing})  # re-anchored by the Library
                if existing.get("_own_title"):  # a title the user gave belongs to the clip, whatever the page says now
                    record["title"] = existing["title"]
                history = self._grown(existing, record)
            else:
                record.update(id=self._free_id(url_key), created=now_iso(), tags=[], note="")
            adopt = adopt or {}
            record["tags"] = merged_tags(record["tags"], adopt.get("tags") or [])
            if adopt.get("created") and not existing:
                record["created"] = adopt["created"]
            if adopt.get("note") and not record["note"]:
                record["note"] = adopt["note"]
            return self._write(record, url_key, existing, original_html, selection_html, original_gz=original_gz, history=history)

    def save_record(self, clip: Clip, original_html: str | bytes | None = None, selection_html: str | None = None,
                    history: list[dict[str, Any]] | None = None) -> tuple[Clip, str]:
        """Save a whole stored clip as it is (import, undo): its id, dates, tags and note are kept;
        a clip of the same page already here is replaced under its own id. `history`: its versions
        (history_records; checked by versions.check_records); without them a clip of the same page
        with another text is kept as an earlier version."""
        record = check_clip({key: value for key, value in clip.items() if key not in INTERNAL})
        with self._writing():
            url_key = normalize_url(record["url"])
            target = self._id_for_url(url_key)
            if target is None and self._read_meta(record["id"]) is None:
                target = record["id"]
            existing = self._read_meta(target) if target else None
            record["id"] = target or self._free_id(url_key)
            restored = self._restored(record["id"], history) if history else (self._grown(existing, record) if existing else None)
            return self._write(record, url_key, existing, original_html, selection_html, keep_updated=True, history=restored)

    def update(self, clip_id: str, change: Callable[[Clip], dict[str, Any]], *, fields: tuple[str, ...] = USER_FIELDS) -> Clip:
        """Change what the user owns (title, tags, note; `fields`: what else the caller may set) of
        a stored clip: `change` gets the clip as it is now, inside the write lock, and returns the
        fields to set. Nothing between the read and the write, so two edits at once both land."""
        with self._writing():
            meta = self._read_meta(clip_id)
            if meta is None:
                raise NotFound(f"no clip with id {clip_id}")
            current = self._read_whole(meta)
            changes = change(current)
            unknown = set(changes) - set(fields)
            if unknown:
                raise BadInput(f"cannot change {', '.join(sorted(unknown))}; only {', '.join(fields)}")
            check_fields(changes)
            changes = clean_fields(changes)
            if "title" in changes and not changes["title"]:
                raise BadInput("title cannot be empty")
            meta.update(changes)
            if set(changes) - set(UNTIMED_FIELDS):  # where the reader is in a clip is no edit of it
                meta["updated"] = now_iso()
            if "title" in changes and changes["title"] != current.get("title"):
                meta["_own_title"] = True
            self._commit({"op": "put", "id": clip_id, "meta": meta}, {})
            shard = shard_of(clip_id)
            self._indexed(lambda: self.index.put_meta(public(meta), shard, stamp_of(self.shard_path(shard)) or "",
                                                      title_changed="title" in changes,
                                                      highlights_changed="highlights" in changes), shard)
            return {**current, **public(meta)}

    def put_images(self, clip_id: str, change: Callable[[list[dict]], list[dict]]) -> Clip:
        """Set the clip's `images` list (downloads done): `change` gets the list as it is now, inside
        the write lock. `updated` stays as it is: a picture arriving is not an edit."""
        with self._writing():
            meta = self._read_meta(clip_id)
            if meta is None:
                raise NotFound(f"no clip with id {clip_id}")
            meta["images"] = change(list(meta.get("images") or []))
            check_fields({"images": meta["images"]})
            self._commit({"op": "put", "id": clip_id, "meta": meta}, {})
            shard = shard_of(clip_id)
            self._indexed(lambda: self.index.put_meta(public(meta), shard, stamp_of(self.shard_path(shard)) or "",
                                                      title_changed=False), shard)
            return public(meta)

    def sync_later(self, paths: set[Path]) -> None:
        """Files written beside the store (pictures) made durable with the next checkpoint."""
        with self._writing():
            self._unsynced |= paths

    def image_names_in_use(self) -> set[str] | None:
        """The stored image files some clip names; None when a shard cannot be read (then nobody can
        say a file is unused)."""
        names: set[str] = set()
        for path in self.meta_dir.glob("*.json"):
            try:
                data = AtomicJSONStorage(path).read() or {}
            except StoreCorrupt:
                return None
            for meta in data.get("clips", {}).values():
                names.update(entry["local_url"].rsplit("/", 1)[-1] for entry in meta.get("images") or [] if entry.get("local_url"))
        return names

    def put_engine_fields(self, clip_id: str, fresh: Clip, *, revision: str) -> Clip:
        """A new cleaning of the stored page (restore, reclean): only the engine's fields change, the
        user's stay as they are now. Conflict when the clip's text changed since `revision` was read."""
        with self._writing():
            meta = self._read_meta(clip_id)
            if meta is None:
                raise NotFound(f"no clip with id {clip_id}")
            if meta["_body"] != revision:
                raise Conflict(f"clip {clip_id} changed while it was being cleaned again")
            engine = {key: fresh[key] for key in ENGINE_FIELDS if key in fresh and key not in USER_FIELDS}
            record = check_clip({**public(meta), **self._read_body(clip_id, meta["_body"]), **engine})
            return self._write(record, meta["_url_key"], meta, None, None)[0]

    def delete(self, clip_id: str) -> Deleted:
        """Remove a clip; returns it whole with its pages (undo gives them back to save_record)."""
        with self._writing():
            meta = self._read_meta(clip_id)
            if meta is None:
                raise NotFound(f"no clip with id {clip_id}")
            clip = self._read_whole(meta)
            try:
                deleted = Deleted(clip, self.original_bytes(clip_id), self.selection_html(clip_id))
            except StoreCorrupt:  # a damaged page goes with its clip; undo brings back the rest
                deleted = Deleted(clip, None, None)
            with contextlib.suppress(StoreCorrupt):  # so do damaged earlier versions
                deleted.history = self.history_records(clip_id, with_pages=True)
            self._commit({"op": "delete", "id": clip_id, "drop": sorted(self._files_of(meta, self._history_kept(meta)))}, {})
            shard = shard_of(clip_id)
            self._indexed(lambda: self.index.remove(clip_id, shard, stamp_of(self.shard_path(shard))), shard)
            return deleted

    def _free_id(self, url_key: str) -> str:
        candidate = url_id(url_key) if url_key else secrets.token_hex(8)
        while self._read_meta(candidate) is not None:
            candidate = secrets.token_hex(8)
        return candidate

    def _write(
        self, record: Clip, url_key: str, existing: dict | None, original_html: str | bytes | None,
        selection_html: str | None, keep_updated: bool = False, original_gz: bytes | None = None,
        history: versions.History | None = None,
    ) -> tuple[Clip, str]:
        """Write a new revision: its body and page under new file names, then the shard entry that
        points at them, all in one journal record (durable once that is synced). `history`: the
        clip's versions when they change (else they stay as they are)."""
        clip_id = record["id"]
        if not (keep_updated and record.get("updated")):
            record["updated"] = now_iso()
        before = self._history_kept(existing)
        history = history or before
        record.update(history.counts())
        record = sanitize(check_clip(record))
        rev = secrets.token_hex(4)
        meta = {key: value for key, value in record.items() if key not in BODY_FIELDS}
        meta["_url_key"] = url_key
        if existing and existing.get("_own_title"):
            meta["_own_title"] = True
        meta["_body"] = f"{clip_id}.{rev}.json"
        body = {key: record.get(key) for key in BODY_FIELDS}
        blobs = {meta["_body"]: json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")}
        stored = self._files_of(existing, before)
        if original_html is None:  # a new cleaning of the stored page: the page stays as it was
            for key in ("_original", "_selection"):
                if existing and existing.get(key):
                    meta[key] = existing[key]
        else:  # a page already stored (for this version or an earlier one) is not written again
            for key, page, compressed, ending in (
                ("_original", original_html, original_gz, ".html.gz"), ("_selection", selection_html, None, ".sel.html.gz"),
            ):
                if page is not None:
                    compressed = compressed if compressed is not None else gzipped(page)
                    meta[key] = versions.page_name(clip_id, compressed, ending)
                    if meta[key] not in stored:
                        blobs[meta[key]] = compressed
        if history.entries:
            if history.name is None:
                history.name = f"{clip_id}.{rev}{versions.HISTORY_SUFFIX}"
                # a page named by its content that is stored already is not written again (nor
                # removed, should this write fail)
                blobs.update({name: data for name, data in history.blobs.items() if name not in stored})
                blobs[history.name] = history.encode()
            meta["_versions"] = history.name
        drop = sorted(stored - self._files_of(meta, history))
        self._commit({"op": "put", "id": clip_id, "meta": meta, "drop": drop}, blobs)
        full = {**meta, **body}
        shard = shard_of(clip_id)
        self._indexed(lambda: self.index.put(public(full), shard, url_key, stamp_of(self.shard_path(shard)) or ""), shard)
        if history is not before:
            self._indexed(lambda: self.index.put_earlier(clip_id, [entry.number for entry in history.earlier], history.texts), shard)
        return public(full), ("updated" if existing else "created")

    def _indexed(self, put: Callable[[], Any], shard: str) -> None:
        """Bring the index in step with a write that is done. The write stands whatever happens here
        (it is applied and journaled: answering an error would be a lie); a failed index write leaves
        the shard's stamp stale, so the next open indexes the shard again."""
        try:
            put()
        except sqlite3.Error:
            log.exception("indexing shard %s failed; it is indexed again on the next start", shard)
            with contextlib.suppress(sqlite3.Error):
                self.index.forget_stamp(shard)

    # -- the journal -------------------------------------------------------------------------------
    def _commit(self, header: dict, blobs: dict[str, bytes]) -> None:
        """Journal a write (from here on it survives a crash), then apply it to the files. A write
        that fails to apply is taken off the journal again (and its new files removed) before the
        error goes up: a refused write is never carried out by a replay."""
        start = self.journal.append(header, blobs)
        try:
            self._apply(header, blobs)
        except BaseException:
            self.journal.cancel(start)
            for name in blobs:
                with contextlib.suppress(OSError):
                    (self.body_folder(header["id"]) / name).unlink(missing_ok=True)
            raise
        self._journaled += self.journal.size() - start
        self._last_write = time.monotonic()
        if self.journal.size() > JOURNAL_MAX_BYTES:  # a long burst of writes: checkpoint now
            self._checkpoint()

    def _apply(self, header: dict, blobs: dict[str, bytes]) -> None:
        """Put one journaled write in place: files first, then the shard; then the old files go.
        Applying a record twice (replay after a crash) gives the same result."""
        clip_id = header["id"]
        folder = self.body_folder(clip_id)
        if folder not in self._body_folders:
            folder.mkdir(exist_ok=True)
            self._body_folders.add(folder)
        for name, data in blobs.items():
            replace_file(folder / name, data)
            self._unsynced.add(folder / name)
        shard_path = self.shard_path(shard_of(clip_id))
        table = TinyDB(shard_path, storage=AtomicJSONStorage).table("clips")
        doc_id = int(clip_id, 16)
        if header["op"] == "delete":
            if table.contains(doc_id=doc_id):
                table.remove(doc_ids=[doc_id])
        elif table.contains(doc_id=doc_id):
            def replace(doc: Any) -> None:
                doc.clear()
                doc.update(header["meta"])

            table.update(replace, doc_ids=[doc_id])
        else:
            table.insert(Document(header["meta"], doc_id=doc_id))
        self._unsynced |= {shard_path, folder, self.meta_dir}
        for name in header.get("drop", []):  # the write stands now: an old file left behind is only litter
            with contextlib.suppress(OSError):
                (folder / name).unlink(missing_ok=True)

    def _replay(self) -> None:
        """After a crash: apply every journaled write again, make it durable, empty the journal, and
        remove the temporary files the crash left half-written (a clean close leaves none). A record
        that cannot be applied (its shard is damaged) is kept: the journal is copied to damaged/."""
        if not self.journal.size():
            return
        failed = 0
        for header, blobs in self.journal.records():
            try:
                self._apply(header, blobs)
            except (StoreCorrupt, OSError) as exc:
                failed += 1
                self.damaged[f"journal record for clip {header.get('id')}"] = str(exc)
        if failed:
            kept = self.data_dir / DAMAGED_DIR / f"journal.{int(time.time())}"
            kept.parent.mkdir(exist_ok=True)
            shutil.copyfile(self.journal.path, kept)
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

    # -- keeping the index in step -----------------------------------------------------------------
    def _refresh_index(self) -> int:
        """Index again every shard whose stamp differs from what the index saw (all, for a new index)."""
        known = {} if self.index.fresh else self.index.shard_stamps()
        on_disk = {entry.name[:-5]: entry for entry in os.scandir(self.meta_dir) if entry.name.endswith(".json")}
        stale = [shard for shard, entry in on_disk.items() if known.get(shard) != stamp_of(Path(entry.path))]
        stale += [shard for shard in known if shard not in on_disk]
        for shard in stale:
            self.reindex_shard(shard)
        return len(stale)

    def reindex_shard(self, shard: str) -> None:
        """Make the index hold what the shard holds. A damaged shard keeps what the index had of it
        (listed, not readable) and is named in `damaged`; a damaged record is left out."""
        path = self.shard_path(shard)
        try:
            docs = self._db(shard).table("clips").all() if path.exists() else []
        except StoreCorrupt as exc:
            self.damaged[path.name] = exc.message
            return
        clips = []
        for doc in docs:
            meta = dict(doc)
            clip_id = str(meta.get("id"))
            try:
                body = self._read_body(clip_id, meta["_body"])
            except StoreCorrupt as exc:  # listed (its metadata is whole), unreadable until repaired
                self.damaged[clip_id] = exc.message
                body = {"text": ""}
            try:
                clips.append((check_clip(public({**meta, **body})), meta.get("_url_key", "")))
            except BadInput as exc:  # a record no version should have let in: left out of the index
                self.damaged[clip_id] = f"the record of clip {clip_id} is damaged: {exc.message}"
        self.index.replace_shard(shard, clips, stamp_of(path))
        for doc in docs:
            if doc.get("_versions"):
                self._index_earlier(dict(doc))

    def _index_earlier(self, meta: dict) -> None:
        """Index the texts of a clip's earlier versions (a damaged history is named in `damaged`)."""
        try:
            earlier = self._history(meta).earlier
            texts = {entry.number: self._read_body(meta["id"], entry.body or "").get("text") or "" for entry in earlier}
        except StoreCorrupt as exc:
            self.damaged[meta["id"]] = exc.message
            return
        self.index.put_earlier(meta["id"], list(texts), texts)
