"""The derived search index: SQLite (standard library) with FTS5 over title, text and highlights
(their quotes and notes), and the reading state and favourite mark of each clip for the list's filters.

The store of record is TinyDB (store.py); this index only makes listing and searching fast. It can be
deleted at any time and is rebuilt from the store. To know when it is stale without reading every
clip, it remembers a stamp (inode, mtime, size) of every TinyDB shard it was built from: a shard whose
stamp differs (a crash between the shard write and the index write, a writer that did not update the
index) is indexed again on open.

It is also the store's change feed: every clip whose text comes, changes or goes gets a new number
in `feed` (its `seq`), whichever process wrote it. The story index (stories.py) follows that feed, so
both derived indexes move on one signal; a rebuilt index gets a new `generation`, which tells the
story index to check everything again.

One connection per thread (waitress serves requests on several threads); WAL lets readers run while a
writer writes. Writers are serialized by the store's write lock, not here.
"""

import contextlib
import hashlib
import html
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tidyclip.config import HIGHLIGHT_WEIGHT, RANK_CANDIDATES, SNIPPET_WORDS, TITLE_WEIGHT
from tidyclip.reading.highlights import searchable_text
from tidyclip.sqlite_pool import ThreadConnections, chunks, immediate

#: Bump when the schema changes: an index with another version is rebuilt from the store.
SCHEMA_VERSION = 4
#: How each of config.SORTS orders the clips ("relevance" is bm25, below).
SORT_SQL = {
    "newest": "c.created DESC, c.id DESC",
    "oldest": "c.created ASC, c.id ASC",
    "updated": "c.updated DESC, c.id DESC",
    "title": "c.title_key ASC, c.id ASC",
}
#: What testing one clip for a match costs, in steps of sorting the matches (see _walk_is_cheaper).
WALK_STEP_COST = 100

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY, stamp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clips (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    shard TEXT NOT NULL,
    url_key TEXT NOT NULL,
    site_key TEXT NOT NULL,
    title_key TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    summary TEXT NOT NULL,
    text_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'unread',
    favorite INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clips_shard ON clips (shard);
CREATE INDEX IF NOT EXISTS clips_url ON clips (url_key);
CREATE INDEX IF NOT EXISTS clips_site ON clips (site_key, created);
CREATE INDEX IF NOT EXISTS clips_created ON clips (created, id);
CREATE INDEX IF NOT EXISTS clips_updated ON clips (updated, id);
CREATE INDEX IF NOT EXISTS clips_title ON clips (title_key, id);
CREATE INDEX IF NOT EXISTS clips_state ON clips (state, created, id);
CREATE INDEX IF NOT EXISTS clips_favorite ON clips (favorite, created, id);
CREATE INDEX IF NOT EXISTS clips_reading ON clips (state, favorite, created, id);
CREATE TABLE IF NOT EXISTS tags (rowid INTEGER NOT NULL, tag_key TEXT NOT NULL, PRIMARY KEY (tag_key, rowid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_rowid ON tags (rowid);
CREATE VIRTUAL TABLE IF NOT EXISTS clips_fts USING fts5 (title, text, highlights, tokenize = 'porter unicode61 remove_diacritics 2');
-- the earlier versions' texts (versions.py), searched only when asked (search(all_versions=True))
CREATE TABLE IF NOT EXISTS earlier (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, number INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS earlier_id ON earlier (id, number);
CREATE VIRTUAL TABLE IF NOT EXISTS earlier_fts USING fts5 (text, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT OR IGNORE INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
INSERT OR IGNORE INTO meta VALUES ('generation', lower(hex(randomblob(8))));
"""


def fold(value: str) -> str:
    """Case- and accent-insensitive key, as the FTS tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fts_query(q: str) -> str | None:
    """A safe FTS5 query from what the user typed: every word must match (stemmed: "clip" finds
    "clips" and "clipping"); a word ending in * matches as a prefix ("zepp*"). Other operators
    and quotes in the input are plain characters."""
    words = re.findall(r"\w+\*?", q)
    if not words:
        return None
    return " ".join(f'"{word.rstrip("*")}"' + ("*" if word.endswith("*") else "") for word in words)


def match_pattern(q: str) -> re.Pattern | None:
    """What marks a match of q in text: its words from their start, with a plural or -ed/-ing
    ending dropped so "cats" marks "cat" (the index stems words)."""
    stems = sorted({_stem(word) for word in re.findall(r"\w+", q)}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(stem) for stem in stems) + r")\w*", re.IGNORECASE)


def snippet(text: str, pattern: re.Pattern | None, words: int = SNIPPET_WORDS) -> str:
    """About `words` words of `text` around the first match, HTML-escaped, every match in <mark>.
    (FTS5's own snippet() costs about a millisecond a clip for a common word; this, microseconds.)"""
    tokens = list(re.finditer(r"\S+", text))
    if not tokens:
        return ""
    first = pattern.search(text) if pattern else None
    at = next((n for n, token in enumerate(tokens) if token.end() > first.start()), 0) if first else 0
    begin = max(0, at - words // 4)
    end = min(len(tokens), begin + words)
    window = text[tokens[begin].start():tokens[end - 1].end()]
    pieces, last = [], 0
    for found in pattern.finditer(window) if pattern else ():
        pieces += [html.escape(window[last:found.start()]), "<mark>", html.escape(found.group()), "</mark>"]
        last = found.end()
    pieces.append(html.escape(window[last:]))
    marked = " ".join("".join(pieces).split())
    return ("… " if begin else "") + marked + (" …" if end < len(tokens) else "")


def _reading_columns(clip: dict[str, Any]) -> tuple[str, int]:
    """The state and favourite columns of a clip (one saved before they existed: unread, not favourite)."""
    return clip.get("state") or "unread", int(bool(clip.get("favorite")))


def _stem(word: str) -> str:
    for ending in ("ing", "ed", "es", "s"):
        if word.lower().endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


class SearchIndex:
    """The index file at `path`. `fresh` is True when it was just created (or rebuilt after a schema change)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._connections = ThreadConnections(self.path)
        self.fresh = not self.path.exists()
        if not self.fresh and self._schema_version() != SCHEMA_VERSION:
            self._drop_files()
            self.fresh = True
        self.conn.executescript(SCHEMA)
        if self.fresh:
            self.conn.execute(f"INSERT INTO clips_fts (clips_fts, rank) VALUES ('rank', 'bm25({TITLE_WEIGHT}, 1.0, {HIGHLIGHT_WEIGHT})')")

    # -- connections -----------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        self._connections.close()

    def _schema_version(self) -> int | None:
        """The index's schema version; None when the file is no index of ours (then it is made again).
        A busy file is not a broken one: waiting on another process's writer must never drop the index."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=self._connections.timeout)) as probe:
                row = probe.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            return int(row[0]) if row else None
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise
            return None
        except sqlite3.DatabaseError:
            return None

    def _drop_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- writing (callers hold the store's write lock) ---------------------------------------------
    def shard_stamps(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, stamp FROM shards"))

    def put(self, clip: dict[str, Any], shard: str, url_key: str, stamp: str) -> None:
        """Add or replace one clip (a full clip: its text is indexed) and record its shard's stamp."""
        with self._transaction() as conn:
            self._insert(conn, clip, shard, url_key, self._remove(conn, clip["id"]))
            conn.execute("INSERT OR REPLACE INTO shards VALUES (?, ?)", (shard, stamp))

    def forget_stamp(self, shard: str) -> None:
        """The shard is not (wholly) indexed: the next open indexes it again."""
        with self._transaction() as conn:
            self._set_stamp(conn, shard, None)

    def put_meta(self, clip: dict[str, Any], shard: str, stamp: str, *, title_changed: bool,
                 highlights_changed: bool = False) -> bool:
        """A stored clip's metadata changed (tags, note, title, reading state, highlights), not its
        text: update its row and tags, and the indexed title or highlights only when they changed.
        False if the clip is not indexed."""
        from tidyclip.clip import summary

        with self._transaction() as conn:
            row = conn.execute("SELECT rowid FROM clips WHERE id = ?", (clip["id"],)).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE clips SET title_key = ?, updated = ?, summary = ?, state = ?, favorite = ? WHERE rowid = ?",
                (fold(clip.get("title") or ""), clip["updated"], json.dumps(summary(clip), ensure_ascii=False, allow_nan=False),
                 *_reading_columns(clip), row[0]),
            )
            conn.execute("DELETE FROM tags WHERE rowid = ?", row)
            conn.executemany("INSERT OR IGNORE INTO tags VALUES (?, ?)", [(row[0], fold(tag)) for tag in clip.get("tags") or []])
            if title_changed:
                conn.execute("UPDATE clips_fts SET title = ? WHERE rowid = ?", (clip.get("title") or "", row[0]))
            if highlights_changed:
                conn.execute("UPDATE clips_fts SET highlights = ? WHERE rowid = ?", (searchable_text(clip.get("highlights")), row[0]))
            conn.execute("INSERT OR REPLACE INTO shards VALUES (?, ?)", (shard, stamp))
        return True

    def put_many(self, entries: Iterable[tuple[dict[str, Any], str, str]], stamps: dict[str, str]) -> None:
        """Add or replace many clips [(clip, shard, url_key)] in one transaction, then record shard stamps."""
        with self._transaction() as conn:
            for clip, shard, url_key in entries:
                self._insert(conn, clip, shard, url_key, self._remove(conn, clip["id"]))
            conn.executemany("INSERT OR REPLACE INTO shards VALUES (?, ?)", stamps.items())

    def remove(self, clip_id: str, shard: str, stamp: str | None) -> None:
        with self._transaction() as conn:
            if self._remove(conn, clip_id):
                self._feed(conn, clip_id)
            self._keep_earlier(conn, clip_id, [])
            self._set_stamp(conn, shard, stamp)

    def put_earlier(self, clip_id: str, numbers: list[int], texts: dict[int, str]) -> None:
        """The clip's earlier versions are `numbers` now: the others are taken out, `texts` put in
        (in place of what was indexed of them)."""
        with self._transaction() as conn:
            self._keep_earlier(conn, clip_id, [number for number in numbers if number not in texts])
            for number, text in texts.items():
                rowid = conn.execute("INSERT INTO earlier (id, number) VALUES (?, ?)", (clip_id, number)).lastrowid
                conn.execute("INSERT INTO earlier_fts (rowid, text) VALUES (?, ?)", (rowid, text))

    @staticmethod
    def _keep_earlier(conn: sqlite3.Connection, clip_id: str, numbers: list[int]) -> None:
        gone = [row[0] for row in conn.execute("SELECT rowid, number FROM earlier WHERE id = ?", (clip_id,)) if row[1] not in numbers]
        for rowid in gone:
            conn.execute("DELETE FROM earlier WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM earlier_fts WHERE rowid = ?", (rowid,))

    def replace_shard(self, shard: str, clips: Iterable[tuple[dict[str, Any], str]], stamp: str | None) -> None:
        """Make the index hold exactly `clips` [(clip, url_key)] for `shard`."""
        with self._transaction() as conn:
            before = {clip_id: self._remove(conn, clip_id)
                      for (clip_id,) in conn.execute("SELECT id FROM clips WHERE shard = ?", (shard,)).fetchall()}
            for clip, url_key in clips:
                # a clip id lives in one shard; _remove again in case it was moved by hand
                self._insert(conn, clip, shard, url_key, before.pop(clip["id"], None) or self._remove(conn, clip["id"]))
            for gone in before:
                self._feed(conn, gone)
                self._keep_earlier(conn, gone, [])
            self._set_stamp(conn, shard, stamp)

    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate(self.conn)

    @staticmethod
    def _set_stamp(conn: sqlite3.Connection, shard: str, stamp: str | None) -> None:
        if stamp is None:
            conn.execute("DELETE FROM shards WHERE name = ?", (shard,))
        else:
            conn.execute("INSERT OR REPLACE INTO shards VALUES (?, ?)", (shard, stamp))

    @staticmethod
    def _remove(conn: sqlite3.Connection, clip_id: str) -> tuple[str, int] | None:
        """Take the clip out; what its text was (text_key, seq), None if it was not indexed."""
        row = conn.execute("SELECT rowid, text_key, seq FROM clips WHERE id = ?", (clip_id,)).fetchone()
        if row is None:
            return None
        conn.execute("DELETE FROM clips WHERE rowid = ?", row[:1])
        conn.execute("DELETE FROM clips_fts WHERE rowid = ?", row[:1])
        conn.execute("DELETE FROM tags WHERE rowid = ?", row[:1])
        return row[1], row[2]

    @staticmethod
    def _feed(conn: sqlite3.Connection, clip_id: str) -> int:
        """A change of this clip's text (or its coming or going) in the feed; its number."""
        return conn.execute("INSERT INTO feed (id) VALUES (?)", (clip_id,)).lastrowid or 0

    @classmethod
    def _insert(cls, conn: sqlite3.Connection, clip: dict[str, Any], shard: str, url_key: str,
                before: tuple[str, int] | None) -> None:
        """Index the clip; its text keeps its feed number if the text is what it was (`before`)."""
        from tidyclip.clip import summary

        text_key = hashlib.blake2b((clip.get("text") or "").encode("utf-8"), digest_size=12).hexdigest()
        seq = before[1] if before and before[0] == text_key else cls._feed(conn, clip["id"])
        cursor = conn.execute(
            "INSERT INTO clips (id, shard, url_key, site_key, title_key, created, updated, summary, text_key, seq, state, favorite)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                clip["id"], shard, url_key, fold(clip.get("site") or ""), fold(clip.get("title") or ""),
                clip["created"], clip["updated"], json.dumps(summary(clip), ensure_ascii=False, allow_nan=False),
                text_key, seq, *_reading_columns(clip),
            ),
        )
        rowid = cursor.lastrowid
        conn.execute(
            "INSERT INTO clips_fts (rowid, title, text, highlights) VALUES (?, ?, ?, ?)",
            (rowid, clip.get("title") or "", clip.get("text") or "", searchable_text(clip.get("highlights"))),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO tags VALUES (?, ?)", [(rowid, fold(tag)) for tag in clip.get("tags") or []]
        )

    # -- reading -----------------------------------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM clips").fetchone()[0]

    def id_for_url(self, url_key: str) -> str | None:
        row = self.conn.execute("SELECT id FROM clips WHERE url_key = ? ORDER BY created LIMIT 1", (url_key,)).fetchone()
        return row[0] if row else None

    def search(
        self, *, q: str | None = None, url_key: str | None = None, tag: str | None = None, site: str | None = None,
        date_from: str | None = None, date_to: str | None = None, sort: str = "newest",
        limit: int | None = 50, offset: int = 0, with_snippets: bool = True,
        state: str | None = None, favorite: bool | None = None, all_versions: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """Summaries of the matching clips (with "snippet" when q is given, and "highlight_snippet"
        when q matched a highlight's quote or note) and how many match in all.
        `all_versions`: q matches the clip's earlier versions too (ranked as `newest`, as the texts
        of one clip's versions share no rank).

        Dates filter the created date, inclusive, as YYYY-MM-DD (or any ISO prefix). The page of rowids
        is found first and only its summaries and snippets are read."""
        match = fts_query(q) if q else None
        if q and match is None:
            return [], 0
        where, params = self._filters(url_key, tag, site, date_from, date_to, state, favorite)
        snippets_of = match
        if match and all_versions:  # a filter over both texts, then the plain listing's orders
            where.append("(c.rowid IN (SELECT rowid FROM clips_fts WHERE clips_fts MATCH ?) OR c.id IN"
                         " (SELECT id FROM earlier WHERE rowid IN (SELECT rowid FROM earlier_fts WHERE earlier_fts MATCH ?)))")
            params += [match, match]
            match, sort = None, "newest" if sort == "relevance" else sort
        page = " LIMIT ? OFFSET ?" if limit is not None else ""
        page_params = [limit, offset] if limit is not None else []
        if match:
            count_sql = sql = "FROM clips_fts" + (" JOIN clips c ON c.rowid = clips_fts.rowid" if where else "")
            if sort != "relevance" and not where:
                sql += " JOIN clips c ON c.rowid = clips_fts.rowid"
            where.insert(0, "clips_fts MATCH ?")
            params.insert(0, match)
            count_sql += " WHERE " + " AND ".join(where)
            sql += " WHERE " + " AND ".join(where)
        else:
            count_sql = sql = "FROM clips c" + (" WHERE " + " AND ".join(where) if where else "")
        if match and sort == "relevance":
            # bm25 (title weighted, set in SCHEMA) over the RANK_CANDIDATES matches indexed last: a
            # word found in every one of 100,000 clips ranks 10,000 of them, not 100,000.
            ranked = f"SELECT clips_fts.rowid AS rowid, clips_fts.rank AS rank {sql} ORDER BY clips_fts.rowid DESC LIMIT {RANK_CANDIDATES}"
            select = f"SELECT rowid FROM ({ranked}) ORDER BY rank, rowid DESC{page}"
        else:
            select = f"SELECT c.rowid {sql} ORDER BY {SORT_SQL.get(sort, SORT_SQL['newest'])}{page}"
        total = self.conn.execute(f"SELECT count(*) {count_sql}", params).fetchone()[0]
        if match and sort != "relevance" and "*" not in match and self._walk_is_cheaper(total, offset + (limit or total)):
            # A word in most clips: walk the clips in the sort order and test each for the match
            # (a seek in the word's list) rather than sorting every match. Not for prefix queries:
            # FTS5 would merge the prefix's lists again for every clip tested.
            walk = ["EXISTS (SELECT 1 FROM clips_fts WHERE clips_fts MATCH ? AND clips_fts.rowid = c.rowid)", *where[1:]]
            select = f"SELECT c.rowid FROM clips c WHERE {' AND '.join(walk)} ORDER BY {SORT_SQL.get(sort, SORT_SQL['newest'])}{page}"
        rowids = [row[0] for row in self.conn.execute(select, params + page_params)]
        items = self._summaries(rowids)
        if snippets_of and with_snippets:
            texts = self._texts(rowids)
            pattern = match_pattern(q or "")
            for rowid, item in zip(rowids, items, strict=True):
                text, highlights = texts.get(rowid, ("", ""))
                item["snippet"] = snippet(text, pattern)
                if highlights and pattern and pattern.search(highlights):
                    item["highlight_snippet"] = snippet(highlights, pattern)
        return items, total

    def _walk_is_cheaper(self, matches: int, wanted: int) -> bool:
        """Sorting the matches costs about `matches` steps; walking the sorted clips until `wanted`
        matches are found tests about wanted * clips / matches of them, each test a small FTS5
        query that costs about WALK_STEP_COST sorting steps (measured at 10,000 and 100,000 clips)."""
        if matches == 0:
            return False
        return wanted * self.count() / matches * WALK_STEP_COST < matches

    @staticmethod
    def _filters(url_key, tag, site, date_from, date_to, state=None, favorite=None) -> tuple[list[str], list[Any]]:
        where: list[str] = ["c.favorite = ?"] if favorite is not None else []
        params: list[Any] = [int(favorite)] if favorite is not None else []
        for clause, value in (
            ("c.url_key = ?", url_key),
            ("c.rowid IN (SELECT rowid FROM tags WHERE tag_key = ?)", fold(tag) if tag else None),
            ("c.site_key = ?", fold(site) if site else None),
            ("c.created >= ?", date_from),
            ("c.created < ?", date_to + "\uffff" if date_to else None),  # inclusive of the whole day given
            ("c.state = ?", state),
        ):
            if value:
                where.append(clause)
                params.append(value)
        return where, params

    def _summaries(self, rowids: list[int]) -> list[dict[str, Any]]:
        found: dict[int, str] = {}
        for chunk in chunks(rowids):
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT rowid, summary FROM clips WHERE rowid IN ({marks})", chunk))
        return [json.loads(found[rowid]) for rowid in rowids if rowid in found]

    def _texts(self, rowids: list[int]) -> dict[int, tuple[str, str]]:
        """Text and highlights of each clip. One lookup per rowid: FTS5 serves "rowid = ?" directly
        but scans the table for "rowid IN (...)"."""
        query = "SELECT text, highlights FROM clips_fts WHERE rowid = ?"
        return {rowid: (row[0], row[1] or "") for rowid in rowids if (row := self.conn.execute(query, (rowid,)).fetchone())}

    def fetching(self, statuses: Iterable[str]) -> list[tuple[str, str]]:
        """(id, url) of the clips waiting for their page in these fetch statuses, oldest first."""
        wanted = list(statuses)
        rows = self.conn.execute(
            "SELECT id, json_extract(summary, '$.url') FROM clips"
            f" WHERE json_extract(summary, '$.fetch.status') IN ({','.join('?' * len(wanted))}) ORDER BY created, id", wanted)
        return [(row[0], row[1]) for row in rows]

    def ids(self, *, q: str | None = None, tag: str | None = None) -> list[str]:
        """Ids of matching clips, newest first (for streaming full clips)."""
        items, _ = self.search(q=q, tag=tag, sort="newest", limit=None, with_snippets=False)
        return [item["id"] for item in items]

    # -- the change feed (stories.py follows it) ---------------------------------------------------
    def feed_head(self) -> tuple[str, int]:
        """This index's generation (new when it is rebuilt) and its latest change number."""
        generation = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        return generation, self.conn.execute("SELECT coalesce(max(seq), 0) FROM feed").fetchone()[0]

    def changes_since(self, seq: int, limit: int) -> list[tuple[int, str]]:
        """(seq, clip id) of the changes after `seq`, oldest first."""
        return self.conn.execute("SELECT seq, id FROM feed WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)).fetchall()

    def prune_feed(self, upto: int) -> None:
        """The follower has taken in every change up to `upto`."""
        self.conn.execute("DELETE FROM feed WHERE seq <= ?", (upto,))

    def text_seqs(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """The change number of each clip's current text (every clip's when ids is None)."""
        if ids is None:
            return dict(self.conn.execute("SELECT id, seq FROM clips"))
        found: dict[str, int] = {}
        for chunk in chunks(list(ids)):
            found.update(self.conn.execute(f"SELECT id, seq FROM clips WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def texts_of(self, ids: Iterable[str]) -> dict[str, str]:
        query = "SELECT f.text FROM clips c JOIN clips_fts f ON f.rowid = c.rowid WHERE c.id = ?"
        return {clip_id: row[0] for clip_id in ids if (row := self.conn.execute(query, (clip_id,)).fetchone())}

    def summaries_of(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(ids)):
            rows = self.conn.execute(f"SELECT id, summary FROM clips WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((clip_id, json.loads(text)) for clip_id, text in rows)
        return found
