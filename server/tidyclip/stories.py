"""Same story, other outlet: find the stored clips that tell the same story as a clip just saved.

A clip's text becomes a set of word shingles (STORY_SHINGLE_WORDS `\\w+` words in a row, lower-cased;
Chinese and Japanese characters count as a word each, those scripts put no spaces between words).
A MinHash signature of that set, cut into LSH bands, finds candidates in `stories.sqlite` without
looking at every stored clip; a candidate is confirmed on the exact shingles of both texts: the share
of the longer text found in the other must reach STORY_MIN_SHARED. That pairs syndicated wire copy,
re-posts under other chrome and an aggregator's copy with a paragraph or two cut or added, and keeps
apart separately written reports of one event (they share a quote or two, not their sentences).

The index is derived from the store and rebuilt from it when missing, made with other parameters,
or out of step (a clip saved or deleted while the index was not told). The store's `similar` field
on each clip is the record users see; the index keeps the links too, so a deleted clip can be taken
out of its partners' lists after the store has forgotten it.
"""

import contextlib
import logging
import re
import sqlite3
import threading
import time
import weakref
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from tidyclip.clip import Clip
from tidyclip.config import STORY_MIN_SHARED, STORY_MIN_SHINGLES, STORY_SHINGLE_WORDS
from tidyclip.errors import NotFound, TidyclipError

log = logging.getLogger(__name__)

INDEX_FILE = "stories.sqlite"

# LSH geometry: BANDS bands of ROWS minhashes. A pair shares a bucket with probability
# 1 - (1 - J^ROWS)^BANDS for shingle Jaccard J: 0.79 at J = 1/3 (the least a pair above
# STORY_MIN_SHARED = 0.5 can have: equal lengths, half shared), 0.996 at 0.5, 0.005 at 0.05.
BANDS = 42
ROWS = 3
PERMUTATIONS = BANDS * ROWS
#: Fixed seed: signatures must be the same in every process and every run (never Python's hash()).
SEED = 20261128
#: Candidates whose signatures agree on fewer minhashes than this are not worth fetching: a pair
#: above STORY_MIN_SHARED has Jaccard >= 1/3, and 126 minhashes estimate it within about +-0.1.
MIN_ESTIMATED_JACCARD = 0.2
#: Clips indexed per transaction when the index catches up with the store (a few MB of shingles).
CATCH_UP_BATCH = 500
#: How long the index may go without checking that it has every stored clip. Clips saved on other
#: threads need no check (their own link pairs them); this is for what bypassed link altogether.
SYNC_SECONDS = 30.0
#: How many of the newest stored clips a link looks through for clips saved but not yet linked.
RECENT = 50
#: Bumped when shingling or hashing changes; with the parameters it names the index's layout.
SCHEMA = 2

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")

_rng = np.random.Generator(np.random.PCG64(SEED))
# Multiply-add-shift hashing on 64-bit words (overflow is the intended mod 2^64): one odd multiplier
# per position in a shingle, and one (multiplier, increment) pair per MinHash permutation.
_POSITION_MULT = _rng.integers(0, 2**64, size=STORY_SHINGLE_WORDS, dtype=np.uint64) | np.uint64(1)
_PERM_MULT = (_rng.integers(0, 2**64, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1))[:, None]
_PERM_ADD = _rng.integers(0, 2**64, size=PERMUTATIONS, dtype=np.uint64)[:, None]
_SHIFT = np.uint64(32)
#: Shingles hashed per step, to bound the permutations' scratch matrix (PERMUTATIONS x this).
_CHUNK = 4096


# ---- text -> fingerprint (pure functions) ----

def shingles(text: str) -> np.ndarray:
    """The sorted, distinct 32-bit hashes of the text's word shingles (empty when too short)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < STORY_SHINGLE_WORDS:
        return np.empty(0, dtype=np.uint64)
    word_hashes = np.fromiter((zlib.crc32(word.encode()) for word in words), dtype=np.uint64, count=len(words))
    count = len(words) - STORY_SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    for position, mult in enumerate(_POSITION_MULT):
        combined += word_hashes[position:position + count] * mult
    return np.unique(combined >> _SHIFT)


def signature(shingle_hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (PERMUTATIONS uint32) of a non-empty shingle set."""
    lowest = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(shingle_hashes), _CHUNK):
        chunk = shingle_hashes[None, start:start + _CHUNK]
        np.minimum(lowest, ((_PERM_MULT * chunk + _PERM_ADD) >> _SHIFT).min(axis=1), out=lowest)
    return lowest.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """The LSH bucket of each band: band number in the high bits, a hash of its minhashes below."""
    return [(band << 32) | zlib.crc32(sig[band * ROWS:(band + 1) * ROWS].tobytes()) for band in range(BANDS)]


def shared(a: np.ndarray, b: np.ndarray) -> float:
    """The share of the longer shingle set found in the other (0 when either is empty)."""
    if not len(a) or not len(b):
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / max(len(a), len(b))


class Fingerprint:
    """A text's shingles and signature; `signature` is None when the text is too short to compare."""

    def __init__(self, text: str):
        self.shingles = shingles(text or "")
        self.signature = signature(self.shingles) if len(self.shingles) >= STORY_MIN_SHINGLES else None


def similar_entry(clip: Clip, score: float) -> dict:
    """How one clip appears in another's `similar` list."""
    site = clip.get("site") or urlsplit(clip.get("url") or "").hostname or ""
    return {"id": clip["id"], "title": clip.get("title") or "", "site": site, "score": round(score, 3)}


# ---- the index ----

class StoryIndex:
    """MinHash/LSH buckets and the recorded links, in one SQLite file beside the store.

    One connection, used only under `lock`: the server saves from several threads, and each link
    must read and write the partners' `similar` lists without another link in between.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        self._next_sync = 0.0
        self._worker: threading.Thread | None = None
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        layout = f"{SCHEMA}/{STORY_SHINGLE_WORDS}/{BANDS}x{ROWS}/{SEED}/{STORY_MIN_SHARED}/{STORY_MIN_SHINGLES}"
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = self._db.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            if row is None or row[0] != layout:
                # New, or made with other parameters: its signatures and links mean nothing now; rebuild.
                for table in ("docs", "buckets", "links"):
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('layout', ?)", (layout,))
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('docs', 0)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY, clip_id TEXT UNIQUE NOT NULL, sig BLOB)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS buckets (bucket INTEGER, doc INTEGER, PRIMARY KEY (bucket, doc))"
                " WITHOUT ROWID")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS links (a TEXT, b TEXT, score REAL, PRIMARY KEY (a, b)) WITHOUT ROWID")

    def close(self) -> None:
        self._db.close()

    # -- documents and buckets --

    def count(self) -> int:
        """Clips indexed. Kept in `meta` as rows come and go: count(*) reads the whole table (ms at 100,000)."""
        return int(self._db.execute("SELECT value FROM meta WHERE key = 'docs'").fetchone()[0])

    def has(self, clip_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM docs WHERE clip_id = ?", (clip_id,)).fetchone() is not None

    def put_many(self, fingerprints: Iterable[tuple[str, Fingerprint]]) -> None:
        """Add or replace the signatures of these clips (a bulk path: one transaction)."""
        with self.lock, self._db:
            for clip_id, fingerprint in fingerprints:
                self._drop_doc(clip_id)
                self._db.execute("UPDATE meta SET value = value + 1 WHERE key = 'docs'")
                sig = fingerprint.signature
                cursor = self._db.execute(
                    "INSERT INTO docs (clip_id, sig) VALUES (?, ?)", (clip_id, None if sig is None else sig.tobytes()))
                if sig is not None:
                    self._db.executemany(
                        "INSERT OR IGNORE INTO buckets VALUES (?, ?)",
                        [(key, cursor.lastrowid) for key in band_keys(sig)])

    def _drop_doc(self, clip_id: str) -> None:
        row = self._db.execute("SELECT doc, sig FROM docs WHERE clip_id = ?", (clip_id,)).fetchone()
        if row is None:
            return
        doc, sig = row
        if sig is not None:
            keys = band_keys(np.frombuffer(sig, dtype=np.uint32))
            self._db.executemany("DELETE FROM buckets WHERE bucket = ? AND doc = ?", [(key, doc) for key in keys])
        self._db.execute("DELETE FROM docs WHERE doc = ?", (doc,))
        self._db.execute("UPDATE meta SET value = value - 1 WHERE key = 'docs'")

    def candidates(self, clip_id: str, fingerprint: Fingerprint) -> list[str]:
        """Clips sharing an LSH bucket with this fingerprint whose signatures agree enough, best first."""
        if fingerprint.signature is None:
            return []
        keys = band_keys(fingerprint.signature)
        rows = self._db.execute(
            "SELECT DISTINCT d.clip_id, d.sig FROM buckets b JOIN docs d ON d.doc = b.doc"
            f" WHERE b.bucket IN ({','.join('?' * len(keys))}) AND d.clip_id != ?", (*keys, clip_id)).fetchall()
        estimated = [
            (np.count_nonzero(np.frombuffer(sig, dtype=np.uint32) == fingerprint.signature) / PERMUTATIONS, other)
            for other, sig in rows]
        return [other for estimate, other in sorted(estimated, reverse=True) if estimate >= MIN_ESTIMATED_JACCARD]

    # -- links --

    def partners(self, clip_id: str) -> dict[str, float]:
        return dict(self._db.execute("SELECT b, score FROM links WHERE a = ?", (clip_id,)).fetchall())

    def set_links(self, clip_id: str, scores: dict[str, float]) -> None:
        with self._db:
            self._drop_links(clip_id)
            self._db.executemany(
                "INSERT INTO links VALUES (?, ?, ?)",
                [row for other, score in scores.items() for row in ((clip_id, other, score), (other, clip_id, score))])

    def remove(self, clip_id: str) -> None:
        with self._db:
            self._drop_doc(clip_id)
            self._drop_links(clip_id)

    def _drop_links(self, clip_id: str) -> None:
        # Links are stored both ways, so the reverse rows are found by the primary key (a, b) too.
        others = [other for (other,) in self._db.execute("SELECT b FROM links WHERE a = ?", (clip_id,))]
        self._db.execute("DELETE FROM links WHERE a = ?", (clip_id,))
        self._db.executemany("DELETE FROM links WHERE a = ? AND b = ?", [(other, clip_id) for other in others])

    # -- keeping in step with the store --

    def sync(self, store: Any, clip_id: str, *, present: bool) -> None:
        """Bring the index in step with the store when their clip counts disagree: clips saved or
        deleted without telling us (a crash between save and link, an import, another process,
        a lost index). Checked at the first link or forget of this index, then at most every
        SYNC_SECONDS: counting the store's clips costs milliseconds at 100,000. A few new clips are
        caught up at once; anything more in a background thread, so no save waits for it.

        `clip_id` is the clip being linked (present: saved, maybe not yet indexed) or forgotten
        (not present: deleted from the store, maybe still indexed); it is not counted as a mismatch.
        """
        if time.monotonic() < self._next_sync:
            return
        self._next_sync = time.monotonic() + SYNC_SECONDS
        indexed = self.count() - (1 if self.has(clip_id) else 0) + (1 if present else 0)
        gap = store.count() - indexed
        if gap == 0:
            return
        if gap > 0:
            # Usually the newest clips: saved just before a crash, or on other threads a moment ago.
            newest = [clip["id"] for clip in store.search(sort="newest", limit=RECENT)[0]]
            unknown = [other for other in newest if other != clip_id and not self.has(other)]
            if len(unknown) == gap:
                self._catch_up(store, unknown)
                return
        self._reconcile_in_background(store)

    def _reconcile_in_background(self, store: Any) -> None:
        """The whole difference can be many clips (a lost index, a big import): minutes at 100,000.
        A thread works through it a batch at a time, letting saves link in between; what they miss
        meanwhile is paired when the thread reaches it."""
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self._reconcile, args=(store,), name="stories-catch-up", daemon=True)
        self._worker.start()

    def _reconcile(self, store: Any) -> None:
        try:
            with self.lock:
                known = {row[0] for row in self._db.execute("SELECT clip_id FROM docs")}
                stored = set(store.all_ids())
                for gone in sorted(known - stored):
                    _unlink(self, store, gone)
            missing = sorted(stored - known)
            for start in range(0, len(missing), CATCH_UP_BATCH):
                with self.lock:
                    self._catch_up(store, missing[start:start + CATCH_UP_BATCH])
        except Exception:  # a background thread has no caller to tell: log, and let the next check retry
            log.exception("bringing %s in step with the store failed", self.path)
            self._next_sync = 0.0

    def wait(self, timeout: float | None = None) -> None:
        """Until a catch-up running in the background is done (tests, benchmarks)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _catch_up(self, store: Any, missing: list[str]) -> None:
        """Index and pair the clips the index missed: a batch indexed in one transaction, then paired."""
        for start in range(0, len(missing), CATCH_UP_BATCH):
            batch: list[tuple[Clip, Fingerprint]] = []
            for clip_id in missing[start:start + CATCH_UP_BATCH]:
                try:
                    clip = store.get(clip_id)
                except NotFound:
                    continue  # deleted meanwhile
                except TidyclipError:
                    clip = {"id": clip_id}  # unreadable (a damaged body): indexed without text, so counts agree
                batch.append((clip, Fingerprint(clip.get("text") or "")))
            self.put_many((clip["id"], fingerprint) for clip, fingerprint in batch)
            for clip, fingerprint in batch:
                if fingerprint.signature is not None:
                    _pair(self, store, clip, fingerprint)


_indexes: "weakref.WeakKeyDictionary[Any, StoryIndex]" = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def index_for(store: Any) -> StoryIndex:
    """The story index of this store object (opened once, closed when the store is dropped)."""
    with _indexes_lock:
        index = _indexes.get(store)
        if index is None:
            index = _indexes[store] = StoryIndex(Path(store.data_dir) / INDEX_FILE)
            weakref.finalize(store, index.close)
        return index


# ---- the three doors ----

def link(store: Any, clip: Clip) -> list[dict]:
    """Find stored clips telling the same story as `clip`, record the link both ways, return [{id, title, site, score}]."""
    fingerprint = Fingerprint(clip.get("text") or "")
    index = index_for(store)
    with index.lock:
        index.sync(store, clip["id"], present=True)
        index.put_many([(clip["id"], fingerprint)])
        return _pair(index, store, clip, fingerprint)


def forget(store: Any, clip_id: str) -> None:
    """Drop `clip_id` from the story index and from the `similar` lists of the clips it was linked to."""
    index = index_for(store)
    with index.lock:
        index.sync(store, clip_id, present=False)
        _unlink(index, store, clip_id)


def fold(items: list[Clip]) -> list[Clip]:
    """One per story: keep the first clip of each story in `items`, with the others under its "also" key.

    Clips are one story when linked through `similar`, directly or through other clips of `items`.
    The kept clips are copies with an "also" list (empty when alone); `items` is left as it was.
    """
    position = {item.get("id"): number for number, item in enumerate(items)}
    first = list(range(len(items)))

    def root(number: int) -> int:
        while first[number] != number:
            first[number] = first[first[number]]
            number = first[number]
        return number

    for number, item in enumerate(items):
        for entry in item.get("similar") or []:
            other = position.get(entry.get("id"))
            if other is not None:
                low, high = sorted((root(number), root(other)))
                first[high] = low
    kept: dict[int, Clip] = {}
    for number, item in enumerate(items):
        group = root(number)
        if group == number:
            kept[number] = {**item, "also": []}
        else:
            kept[group]["also"].append(item)
    return list(kept.values())


# ---- pairing and the partners' lists ----

def _pair(index: StoryIndex, store: Any, clip: Clip, fingerprint: Fingerprint) -> list[dict]:
    """Confirm the candidates of an indexed clip, record the links both ways, return the clip's list."""
    partners: dict[str, tuple[Clip, float]] = {}
    for other_id in index.candidates(clip["id"], fingerprint):
        try:
            other = store.get(other_id)
        except NotFound:
            _unlink(index, store, other_id)  # deleted without telling us
            continue
        except TidyclipError:
            continue  # unreadable (damaged body): not a partner this time
        score = shared(fingerprint.shingles, shingles(other.get("text") or ""))
        if score >= STORY_MIN_SHARED:
            partners[other_id] = (other, score)

    before = index.partners(clip["id"])
    for dropped in before.keys() - partners.keys():
        _write_entry(store, dropped, clip["id"], None)
    for other, score in partners.values():
        _write_entry(store, other, clip["id"], similar_entry(clip, score))
    if before or partners:  # most clips have none, before or after: no write
        index.set_links(clip["id"], {other_id: round(score, 3) for other_id, (_, score) in partners.items()})

    similar = sorted((similar_entry(other, score) for other, score in partners.values()), key=_by_score)
    if similar != (clip.get("similar") or []):
        with contextlib.suppress(NotFound):  # deleted while we looked: forget() tidies up after it
            store.update(clip["id"], similar=similar)
    return similar


def _unlink(index: StoryIndex, store: Any, clip_id: str) -> None:
    for other_id in index.partners(clip_id):
        _write_entry(store, other_id, clip_id, None)
    index.remove(clip_id)


def _write_entry(store: Any, other: Clip | str, clip_id: str, entry: dict | None) -> None:
    """Put `entry` for `clip_id` in the other clip's `similar` list (None: take it out)."""
    if isinstance(other, str):
        try:
            other = store.get(other)
        except TidyclipError:
            return
    before = other.get("similar") or []
    after = sorted([e for e in before if e.get("id") != clip_id] + ([entry] if entry else []), key=_by_score)
    if after != before:
        with contextlib.suppress(NotFound):  # deleted meanwhile: nothing left to tell
            store.update(other["id"], similar=after)


def _by_score(entry: dict) -> tuple[float, str]:
    return (-(entry.get("score") or 0.0), str(entry.get("id")))
