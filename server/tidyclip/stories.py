"""Same story, other outlet: find the stored clips that tell the same story as a clip just saved.

A clip's text becomes a set of word shingles (STORY_SHINGLE_WORDS `\\w+` words in a row, lower-cased;
Chinese and Japanese characters count as a word each, those scripts put no spaces between words).
A MinHash signature of that set, cut into LSH bands, finds candidates in `stories.sqlite` without
looking at every stored clip; a candidate is confirmed on the exact shingles of both texts: the share
of the longer text found in the other must reach STORY_MIN_SHARED. That pairs syndicated wire copy,
re-posts under other chrome and an aggregator's copy with a paragraph or two cut or added, and keeps
apart separately written reports of one event (they share a quote or two, not their sentences).

The links live here and only here: a clip's `similar` list is joined in when it is read
(`StoryIndex.similar`), never copied into the records. The index follows the search index's change
feed (search_index.py), the one signal of a text that came, changed or went, whichever process or
door wrote it; each fingerprint remembers the change number of the text it was made from, and a
link is shown only while both texts are the ones it was found between. So an import, a partial
export, another process or a crash can delay a link, never show one to a missing clip or between
texts that no longer match. A lost or rebuilt index is made again from the store's texts.
"""

import contextlib
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from tidyclip.clip import Clip
from tidyclip.config import STORY_BATCH, STORY_MIN_SHARED, STORY_MIN_SHINGLES, STORY_SHINGLE_WORDS
from tidyclip.search_index import SearchIndex
from tidyclip.sqlite_pool import ThreadConnections, chunks, immediate

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
#: Bumped when shingling or hashing changes; with the parameters it names the index's layout.
SCHEMA = 3

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
    # Both are sorted and distinct (np.unique): look each of a up in b, no merged copy to sort.
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return int(np.count_nonzero(b[at] == a)) / max(len(a), len(b))


class Fingerprint:
    """A text's shingles and signature; `signature` is None when the text is too short to compare."""

    def __init__(self, text: str):
        self.shingles = shingles(text or "")
        self.signature = signature(self.shingles) if len(self.shingles) >= STORY_MIN_SHINGLES else None


def similar_entry(clip: Clip, score: float) -> dict:
    """How one clip (its summary will do) appears in another's `similar` list."""
    site = clip.get("site") or urlsplit(clip.get("url") or "").hostname or ""
    return {"id": clip["id"], "title": clip.get("title") or "", "site": site, "score": round(score, 3)}


# ---- the index ----

class StoryIndex:
    """MinHash/LSH buckets and the links, in one SQLite file beside the store.

    The follower (one thread at a time, under `lock`) writes; readers use their own connection per
    thread (WAL: they never wait for the follower).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = threading.RLock()
        # Every write runs in BEGIN IMMEDIATE, which also serializes the followers of two processes
        # (the server and a CLI run beside it).
        self._connections = ThreadConnections(self.path, timeout=60)
        try:
            self._ensure_schema()
        except sqlite3.DatabaseError:  # a damaged file: derived data, made again from the store's texts
            self._connections.close()
            aside = self.path.parent / "damaged" / f"{self.path.name}.{int(time.time())}"
            aside.parent.mkdir(exist_ok=True)
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._ensure_schema()

    @property
    def db(self) -> sqlite3.Connection:
        return self._connections.get()

    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate(self.db)

    def _ensure_schema(self) -> None:
        layout = f"{SCHEMA}/{STORY_SHINGLE_WORDS}/{BANDS}x{ROWS}/{SEED}/{STORY_MIN_SHARED}/{STORY_MIN_SHINGLES}"
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            if row is None or row[0] != layout:
                # New, or made with other parameters: its signatures and links mean nothing now; rebuild.
                for table in ("docs", "buckets", "links"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('layout', ?)", (layout,))
            db.execute("CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY, clip_id TEXT UNIQUE NOT NULL, sig BLOB, seq INTEGER NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS buckets (bucket INTEGER, doc INTEGER, PRIMARY KEY (bucket, doc)) WITHOUT ROWID")
            db.execute("CREATE TABLE IF NOT EXISTS links (a TEXT, b TEXT, score REAL, PRIMARY KEY (a, b)) WITHOUT ROWID")

    def close(self) -> None:
        self._connections.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    # -- reading: the links of clips, joined in when they are read --

    def similar(self, search: SearchIndex, ids: list[str]) -> tuple[dict[str, list[dict]], bool]:
        """Each clip's `similar` list, and whether any clip asked about is not yet taken in (the
        caller may ask the follower to catch up). A link counts only while both its clips' texts
        are the ones it was found between."""
        if not ids:
            return {}, False
        links: dict[str, list[tuple[str, float]]] = {clip_id: [] for clip_id in ids}
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for a, b, score in self.db.execute(f"SELECT a, b, score FROM links WHERE a IN ({marks})", chunk):
                links[a].append((b, score))
        involved = set(ids) | {other for pairs in links.values() for other, _ in pairs}
        current = search.text_seqs(involved)
        taken_in = self._seqs(involved)
        behind = any(taken_in.get(clip_id) != current.get(clip_id) for clip_id in ids if clip_id in current)
        partners = search.summaries_of({other for pairs in links.values() for other, _ in pairs})

        def holds(clip_id: str) -> bool:
            return clip_id in current and taken_in.get(clip_id) == current[clip_id]

        lists = {
            clip_id: sorted((similar_entry(partners[other], score) for other, score in pairs
                             if holds(clip_id) and holds(other) and other in partners), key=_by_score)
            for clip_id, pairs in links.items()
        }
        return lists, behind

    def _seqs(self, ids: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(list(ids)):
            found.update(self.db.execute(f"SELECT clip_id, seq FROM docs WHERE clip_id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    # -- following the store's change feed --

    def follow(self, search: SearchIndex, *, limit: int | None = None, stop: threading.Event | None = None) -> bool:
        """Take in the changes the store made since the last call: fingerprint the clips whose text
        came or changed, pair them, drop the ones that went. At most `limit` changes (None: all),
        stopping early when `stop` is set; True when the index is in step with the store."""
        with self.lock:
            generation, head = search.feed_head()
            if self._meta("generation") != generation:
                return self._rebuild(search, generation, head, limit, stop)
        done = 0
        while limit is None or done < limit:
            if stop is not None and stop.is_set():
                return False
            with self.lock, self._transaction() as db:
                seen = int(self._meta("seen") or 0)
                changes = search.changes_since(seen, STORY_BATCH if limit is None else min(STORY_BATCH, limit - done))
                if not changes:
                    return True
                self._take_in(db, search, list(dict.fromkeys(clip_id for _, clip_id in changes)))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('seen', ?)", (str(changes[-1][0]),))
            search.prune_feed(changes[-1][0])
            done += len(changes)
        return False

    def _rebuild(self, search: SearchIndex, generation: str, head: int, limit: int | None, stop: threading.Event | None) -> bool:
        """A new or rebuilt search index (or a new story index): take in every stored text. The
        work survives an interruption (texts already taken in under this generation are skipped);
        the generation is recorded once all is in step."""
        if self._meta("rebuilding") != generation:  # numbers of another generation mean nothing
            with self._transaction() as db:
                for table in ("docs", "buckets", "links"):
                    db.execute(f"DELETE FROM {table}")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('rebuilding', ?)", (generation,))
        current = search.text_seqs()
        taken_in = dict(self.db.execute("SELECT clip_id, seq FROM docs"))
        changed = [clip_id for clip_id, seq in current.items() if taken_in.get(clip_id) != seq]
        changed += [clip_id for clip_id in taken_in if clip_id not in current]
        for start in range(0, len(changed) if limit is None else min(len(changed), limit), STORY_BATCH):
            if stop is not None and stop.is_set():
                return False
            with self._transaction() as db:
                self._take_in(db, search, changed[start:start + STORY_BATCH])
        if limit is not None and len(changed) > limit:
            return False
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('seen', ?)", (str(head),))
        return True

    def _take_in(self, db: sqlite3.Connection, search: SearchIndex, ids: list[str]) -> None:
        """Fingerprint and pair these clips as their texts are now (gone ones dropped), inside the
        caller's transaction."""
        seqs = search.text_seqs(ids)
        texts = search.texts_of(seq_id for seq_id in ids if seq_id in seqs)
        fingerprints = {clip_id: Fingerprint(texts.get(clip_id, "")) for clip_id in ids if clip_id in seqs}
        for clip_id in ids:
            self._drop(db, clip_id)
        for clip_id, fingerprint in fingerprints.items():
            sig = fingerprint.signature
            cursor = db.execute("INSERT INTO docs (clip_id, sig, seq) VALUES (?, ?, ?)",
                                (clip_id, None if sig is None else sig.tobytes(), seqs[clip_id]))
            if sig is not None:
                db.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)", [(key, cursor.lastrowid) for key in band_keys(sig)])
        # Shingles of the texts compared, made once a batch: a story told many times (an import of
        # copies) compares every copy with every other, and shingling is the costly part.
        known = {clip_id: fingerprint.shingles for clip_id, fingerprint in fingerprints.items()}
        for clip_id, fingerprint in fingerprints.items():
            self._pair(db, search, clip_id, fingerprint, known)

    def _drop(self, db: sqlite3.Connection, clip_id: str) -> None:
        row = db.execute("SELECT doc, sig FROM docs WHERE clip_id = ?", (clip_id,)).fetchone()
        if row is not None:
            doc, sig = row
            if sig is not None:
                keys = band_keys(np.frombuffer(sig, dtype=np.uint32))
                db.executemany("DELETE FROM buckets WHERE bucket = ? AND doc = ?", [(key, doc) for key in keys])
            db.execute("DELETE FROM docs WHERE doc = ?", (doc,))
        # Links are stored both ways, so the reverse rows are found by the primary key (a, b) too.
        others = [other for (other,) in db.execute("SELECT b FROM links WHERE a = ?", (clip_id,))]
        db.execute("DELETE FROM links WHERE a = ?", (clip_id,))
        db.executemany("DELETE FROM links WHERE a = ? AND b = ?", [(other, clip_id) for other in others])

    def _candidates(self, db: sqlite3.Connection, clip_id: str, fingerprint: Fingerprint) -> list[str]:
        """Clips sharing an LSH bucket with this fingerprint whose signatures agree enough, best first."""
        if fingerprint.signature is None:
            return []
        keys = band_keys(fingerprint.signature)
        rows = db.execute(
            "SELECT DISTINCT d.clip_id, d.sig FROM buckets b JOIN docs d ON d.doc = b.doc"
            f" WHERE b.bucket IN ({','.join('?' * len(keys))}) AND d.clip_id != ?", (*keys, clip_id)).fetchall()
        estimated = [
            (np.count_nonzero(np.frombuffer(sig, dtype=np.uint32) == fingerprint.signature) / PERMUTATIONS, other)
            for other, sig in rows]
        return [other for estimate, other in sorted(estimated, reverse=True) if estimate >= MIN_ESTIMATED_JACCARD]

    def _pair(self, db: sqlite3.Connection, search: SearchIndex, clip_id: str, fingerprint: Fingerprint,
              known: dict[str, np.ndarray]) -> None:
        """Confirm the candidates on the exact shingles of both texts; record the links both ways.
        `known`: shingles already made (added to as candidates are shingled)."""
        candidates = self._candidates(db, clip_id, fingerprint)
        for other, text in search.texts_of(other for other in candidates if other not in known).items():
            known[other] = shingles(text)
        scores = {other: shared(fingerprint.shingles, known[other]) for other in candidates if other in known}
        db.executemany(
            "INSERT OR REPLACE INTO links VALUES (?, ?, ?)",
            [row for other, score in scores.items() if score >= STORY_MIN_SHARED
             for row in ((clip_id, other, round(score, 3)), (other, clip_id, round(score, 3)))])


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


def _by_score(entry: dict) -> tuple[float, str]:
    return (-(entry.get("score") or 0.0), str(entry.get("id")))
