"""The library: the one door to the store. The web layer (API and review pages), the CLI, export and
import read and change clips only through `Library`; nothing else holds the store.

Every new clip takes `clip_page`, so a clip is made and saved the same way whatever door it came in
by. Edits are read-modify-writes inside the store's write lock (`Store.update`); a new cleaning of a
stored page (restore, reclean), which takes a while, is a compare-and-set on the clip's revision,
retried when the page's clip changed meanwhile, and it changes only the engine's fields: an edit
made while it ran is kept.

Story links are derived: the story index follows the store's change feed (stories.py) on one
background thread (`Follower`), woken after each write and every STORY_FOLLOW_SECONDS for what
other processes wrote; they are joined into a clip when it is read. The undo of a delete lives
here too (`Trash`): the deleted clip and its pages wait in memory for UNDO_KEEP_SECONDS.
"""

import logging
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from tidyclip import stories
from tidyclip.api_token import read_or_create_token
from tidyclip.clip import Clip
from tidyclip.config import (
    COMPRESSORS,
    ENGINE_WRITE_RETRIES,
    STORY_FOLLOW_AT_EXIT,
    STORY_FOLLOW_SECONDS,
    UNDO_KEEP_SECONDS,
)
from tidyclip.engine import make_clip
from tidyclip.errors import BadInput, Conflict, NotFound, StoreCorrupt, TidyclipError
from tidyclip.fields import merged_tags
from tidyclip.files import gzipped
from tidyclip.image_store import ImageFiles
from tidyclip.images.carry import is_keepable
from tidyclip.images.download import file_of
from tidyclip.images.picture import thumbnail
from tidyclip.images.refresh import refresh_images
from tidyclip.images.worker import ImageWorker
from tidyclip.reading import highlights as highlighting
from tidyclip.reading.schema import Highlight, with_defaults
from tidyclip.store import Deleted, Store

log = logging.getLogger(__name__)
#: What a reclean compares to decide whether a clip changed.
CLEANED_FIELDS = ("text", "html", "markdown", "cleaning", "excerpt", "word_count")


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal or asked for)."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream: IO[str] | None = None):
        self.total, self.label, self.enabled = total, label, enabled
        self.stream = stream or sys.stderr
        self.done = 0
        self._last = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or self.done == self.total):
            self._last = now
            width = 30
            filled = width * self.done // max(self.total, 1)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


class Follower:
    """Keeps the story index in step with the store on one background thread: woken after a write,
    and every STORY_FOLLOW_SECONDS for what other processes wrote. `close` stops it (between two
    batches) and waits for it, before any connection it uses is closed."""

    def __init__(self, index: stories.StoryIndex, store: Store):
        self.index, self.store = index, store
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._pending = 0  # wakes not yet served
        self._thread = threading.Thread(target=self._run, name="tidyclip-stories", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        with self._idle:
            self._pending += 1
        self._wake.set()

    def wait(self, timeout: float = 600.0) -> None:
        """Until every change made before this call is taken in (tests, benchmarks)."""
        self.wake()
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0 or self._stop.is_set(), timeout)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(STORY_FOLLOW_SECONDS)
            self._wake.clear()
            with self._idle:
                served = self._pending
            try:
                in_step = self.index.follow(self.store.index, stop=self._stop)
            except Exception:  # no caller to tell: log, and the next wake tries again
                log.exception("following the store's changes into %s failed", self.index.path)
                in_step = True
            if not in_step and not self._stop.is_set():
                self._wake.set()  # more to do: go on after letting the lock go
                continue
            with self._idle:
                self._pending -= served
                self._idle.notify_all()


class Trash:
    """Recently deleted clips (with their stored pages), kept in memory so a delete can be undone."""

    def __init__(self, keep_seconds: float):
        self.keep_seconds = keep_seconds
        self.entries: dict[str, tuple[float, list[Deleted]]] = {}
        self.lock = threading.Lock()

    def put(self, deleted: list[Deleted]) -> str:
        undo_id = secrets.token_urlsafe(12)
        now = time.monotonic()
        with self.lock:
            self.entries = {key: entry for key, entry in self.entries.items() if entry[0] > now}
            self.entries[undo_id] = (now + self.keep_seconds, deleted)
        return undo_id

    def image_names(self) -> set[str]:
        """The image files the clips waiting here name (kept while their delete can be undone)."""
        with self.lock:
            clips = [item.clip for _expires, deleted in self.entries.values() for item in deleted]
        return {name for clip in clips for entry in clip.get("images") or [] if (name := file_of(entry))}

    def take(self, undo_id: str) -> list[Deleted]:
        with self.lock:
            expires, deleted = self.entries.pop(undo_id, (0.0, []))
        if expires < time.monotonic():
            raise BadInput("nothing to undo: the deletion is too old or was already undone")
        return deleted


class Library:
    def __init__(self, store: Store, *, background: bool = False, images: bool = False):
        """`background=True` (the server): story links are made on a background thread. Otherwise
        (the CLI) they are made before a call returns, up to STORY_FOLLOW_AT_EXIT changes a call.
        `images` (with `background`): a saved clip's pictures are downloaded on background threads."""
        self._store = store
        self._image_files = ImageFiles(store.data_dir)
        self._image_worker = ImageWorker(self.refresh_images, self.collect_images) if background and images else None
        self._stories = stories.StoryIndex(store.data_dir / stories.INDEX_FILE)
        self._follower = Follower(self._stories, store) if background else None
        self._trash = Trash(UNDO_KEEP_SECONDS)
        self._compressor = ThreadPoolExecutor(max_workers=COMPRESSORS, thread_name_prefix="tidyclip-gzip")

    @classmethod
    def open(cls, data_dir: Path, *, exclusive: bool = False, background: bool = False, images: bool = False) -> "Library":
        return cls(Store(Path(data_dir), exclusive=exclusive), background=background, images=images)

    def close(self) -> None:
        """Every thread stops before the connections it uses close."""
        if self._image_worker is not None:
            self._image_worker.close()
        if self._follower is not None:
            self._follower.close()
        self._compressor.shutdown()
        self._stories.close()
        self._store.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self._store.data_dir

    def token(self) -> str:
        return read_or_create_token(self.data_dir)

    @property
    def damaged(self) -> dict[str, str]:
        """What the store found damaged when it opened (shard file or clip id -> why)."""
        return dict(self._store.damaged)

    def get(self, clip_id: str) -> Clip:
        """The whole clip, its story links joined in."""
        return self._with_similar([self._store.get(clip_id)])[0]

    def search(self, **filters: Any) -> tuple[list[Clip], int]:
        """Summaries of the matching clips with their story links, and how many match
        (filters: q, url, tag, site, date_from, date_to, sort, limit, offset, state, favorite, all_versions)."""
        items, total = self._store.search(**filters)
        return self._with_similar(items), total

    def count(self) -> int:
        return self._store.count()

    def ids(self, q: str | None = None, tag: str | None = None) -> list[str]:
        return self._store.ids(q=q, tag=tag)

    def iter_clips(self, ids: list[str] | None = None, q: str | None = None, tag: str | None = None,
                   on_damaged: Callable[[str, str], None] | None = None) -> Iterator[Clip]:
        """Full clips, one at a time: the given ids (missing ones skipped) or every match, newest
        first. A damaged clip is skipped and told to `on_damaged(clip_id, why)`: the rest go on."""
        for clip_id in ids if ids is not None else self._store.ids(q=q, tag=tag):
            try:
                yield self.get(clip_id)
            except NotFound:
                continue
            except StoreCorrupt as exc:
                log.warning("skipped damaged clip %s: %s", clip_id, exc.message)
                if on_damaged:
                    on_damaged(clip_id, exc.message)

    def versions(self, clip_id: str) -> list[dict[str, Any]]:
        """What the versions list shows of each version of the clip, oldest first (versions.py)."""
        return self._store.history(clip_id)

    def version(self, clip_id: str, number: int) -> dict[str, Any]:
        """One version of the clip with its text, markdown and html."""
        return self._store.version(clip_id, number)

    def version_records(self, clip_id: str, *, with_pages: bool = False) -> list[dict[str, Any]]:
        """Every version as an export carries it (Store.history_records); empty for one version."""
        return self._store.history_records(clip_id, with_pages=with_pages)

    def original_html(self, clip_id: str) -> str | None:
        data = self._store.original_bytes(clip_id)
        return data.decode("utf-8", errors="replace") if data is not None else None

    def _with_similar(self, clips: list[Clip]) -> list[Clip]:
        lists, behind = self._stories.similar(self._store.index, [clip["id"] for clip in clips])
        if behind and self._follower is not None:
            self._follower.wake()
        return [{**with_defaults(clip), "similar": lists.get(clip["id"], [])} for clip in clips]

    # -- writing ---------------------------------------------------------------------------------
    def clip_page(
        self, url: str, html: str | bytes, title: str | None = None, selection_html: str | None = None,
        *, adopt: dict[str, Any] | None = None, link: bool = True,
    ) -> tuple[Clip, str]:
        """Make a clip of the page and save it (the same page again updates its clip). `adopt`:
        what an import knew of the page (Store.save). The story links follow (`similar` on a read);
        `link=False`: the caller calls `link_soon` when it is ready (the API, once its answer is sent)."""
        original_gz = self._compressor.submit(gzipped, html)  # kept beside the clip; compressed meanwhile
        clip = make_clip(html, url, title=title, selection_html=selection_html)
        saved, status = self._store.save(clip, html, selection_html, original_gz=original_gz.result(), adopt=adopt)
        return self._changed(self.reanchor_highlights(saved), link=link), status

    def link_soon(self) -> None:
        """Let the story index take in what was saved: on the background thread, or now."""
        if self._follower is not None:
            self._follower.wake()
        else:
            self.follow_stories(limit=STORY_FOLLOW_AT_EXIT)

    def import_record(self, clip: Clip, original_html: str | None, image_files: dict[str, bytes] | None = None,
                      history: list[dict[str, Any]] | None = None) -> str:
        """Save a whole clip from an export as it is (with its versions); "created" or "updated".
        `image_files`: the pictures the export carried (stored file name -> bytes), kept before the
        clip names them."""
        for name, data in (image_files or {}).items():
            if is_keepable(name, data):  # else the clip lists it as lost: `tidyclip images --refetch` fetches it
                self.keep_image(data, name.rsplit(".", 1)[-1])
        self._store.sync_later(self._image_files.take_unsynced())
        saved, status = self._store.save_record(clip, original_html=original_html, history=history)
        self._changed(self.reanchor_highlights(saved), link=self._follower is not None)  # the CLI links once, after the whole import
        return status

    def bulk_save(self, records: Iterable[tuple[Clip, str | bytes | None]]) -> int:
        """Many new clips at once (a new store, benchmarks, an import's clips waiting for their page):
        see bulk.bulk_save_records."""
        from tidyclip.bulk import bulk_save_records

        return bulk_save_records(self._store, records)

    # -- moving in: clips waiting for their page (importers/, page_queue) ---------------------------
    def find_by_url(self, url: str) -> Clip | None:
        """The clip of this page (URLs compared normalized), or None."""
        clip = self._store.find_by_url(url)
        return with_defaults(clip) if clip is not None else None

    def update_imported(self, clip: Clip, *, tags: list[str], state: str | None = None,
                        favorite: bool | None = None) -> tuple[Clip, str]:
        """A page an import names, already here: its tags merged with the import's, its state set to
        the import's, starred if the import says so. "unchanged" when it had all that already."""
        wanted = {"tags": merged_tags(clip.get("tags") or [], tags), "state": state or clip.get("state"),
                  "favorite": clip.get("favorite") or bool(favorite)}
        if all(clip.get(key) == value for key, value in wanted.items()):
            return clip, "unchanged"
        return self._store.update(clip["id"], lambda current: {
            **wanted, "tags": merged_tags(current.get("tags") or [], tags)}), "updated"

    def set_fetch(self, clip_id: str, fetch: dict[str, Any]) -> Clip:
        """Record how fetching the clip's page goes (`clip.PageFetch`: waiting again, or failed and why)."""
        return self._store.update(clip_id, lambda current: {"fetch": fetch}, fields=("fetch",))

    def fetching(self, statuses: tuple[str, ...]) -> list[tuple[str, str]]:
        """(id, url) of the clips waiting for their page, in these `fetch` statuses, oldest first."""
        return self._store.fetching(statuses)

    def edit(self, clip_id: str, **fields: Any) -> Clip:
        """Set what the user owns: title, tags, note, and the reading state (state="unread" or
        "archived", favorite=True/False, progress from 0 to 1). Highlights: see add_highlights."""
        return self._with_similar([self._store.update(clip_id, lambda current: fields)])[0]

    def add_tags(self, ids: list[str], tags: list[str]) -> int:
        """Add tags to each clip, to the tags it has at that moment (tabs tagging at once all land)."""
        for clip_id in ids:  # all or nothing for unknown ids: refuse before tagging any
            self._store.revision(clip_id)
        for clip_id in dict.fromkeys(ids):
            self._store.update(clip_id, lambda current: {"tags": merged_tags(current.get("tags") or [], tags)})
        return len(ids)

    def delete(self, clip_id: str) -> Clip:
        """Remove a clip; returns it as it was."""
        deleted = self._store.delete(clip_id)
        # No hurry to drop its fingerprint: a link to a missing clip never shows (StoryIndex.similar),
        # and the next follow (a save, or the timer) takes the delete in.
        return deleted.clip

    def delete_many(self, ids: list[str]) -> tuple[int, str]:
        """Delete these clips (each once, however often named), keeping them for undo: (count, undo id)."""
        unique = list(dict.fromkeys(ids))
        for clip_id in unique:  # all or nothing: refuse before deleting anything if one id is unknown
            self._store.revision(clip_id)
        deleted = [self._store.delete(clip_id) for clip_id in unique]
        return len(deleted), self._trash.put(deleted)

    def undo(self, undo_id: str) -> int:
        """Put back the clips of a delete_many, as they were; how many."""
        deleted = self._trash.take(undo_id)
        for item in deleted:
            self._store.save_record(item.clip, item.original, item.selection_html, history=item.history)
        self._changed(None)
        return len(deleted)

    def restore_block(self, clip_id: str, position: int) -> Clip:
        """Put back a block the cleaner removed (by its position among the extracted blocks)."""
        def restored(clip: Clip) -> list[int]:
            removed = {item.get("position") for item in clip.get("cleaning", {}).get("removed", [])}
            if position not in removed:
                raise BadInput(f"clip {clip_id} has no removed block at position {position}")
            return [*clip["cleaning"].get("restored", []), position]

        return self._changed(self._clean_again(clip_id, restored))

    def reclean(self, progress: bool = True) -> int:
        """Run the current cleaner over every stored page again; the number of clips that changed.
        A page the cleaner now refuses keeps its clip as it was."""
        ids = self._store.ids()
        bar = Progress(len(ids), "recleaning", enabled=progress)
        changed = 0
        for clip_id in ids:
            try:
                if self._clean_again(clip_id, lambda clip: clip.get("cleaning", {}).get("restored", []), only_if_changed=True):
                    changed += 1
            except TidyclipError:
                pass
            bar.step()
        self._changed(None)
        return changed

    def _clean_again(self, clip_id: str, restore: Callable[[Clip], list[int]], only_if_changed: bool = False) -> Clip | None:
        """Make the clip again from its stored page; only the engine's fields are written, and only
        if the clip's text was not changed meanwhile (else again, on the new clip)."""
        for _ in range(ENGINE_WRITE_RETRIES):
            revision = self._store.revision(clip_id)
            clip = self._store.get(clip_id)
            original = self._store.original_bytes(clip_id)
            if original is None:
                raise BadInput(f"clip {clip_id} has no stored page to clean again")
            positions = restore(clip)
            fresh: dict[str, Any] = make_clip(
                original, clip["url"], title=clip.get("title"), selection_html=self._store.selection_html(clip_id),
                restore=positions,
            )
            fresh["cleaning"] = {**fresh.get("cleaning", {}), "restored": sorted(set(positions))}
            if only_if_changed and all(fresh.get(field) == clip.get(field) for field in CLEANED_FIELDS):
                return None
            try:
                return self.reanchor_highlights(self._store.put_engine_fields(clip_id, fresh, revision=revision))
            except Conflict:
                continue
        raise Conflict(f"clip {clip_id} kept changing while it was cleaned again; try again")

    # -- highlights (tidyclip/reading/) ------------------------------------------------------------
    def add_highlights(self, clip_id: str, passages: list[dict[str, Any]], *, keep_detached: bool = True) -> list[Highlight]:
        """Highlight passages of the clip's text, each {quote, prefix?, suffix?, note?} (an importer's
        selections, the reader's one): found in the text as anchoring.py does; one not found is kept
        detached, or with keep_detached=False refused (BadInput). Returns the new highlights."""
        checked = [highlighting.passage_of(item) for item in passages]
        made: list[Highlight] = []

        def added(current: Clip) -> dict[str, Any]:
            made[:] = highlighting.new_highlights(current.get("highlights") or [], current["text"], checked, keep_detached=keep_detached)
            return {"highlights": [*(current.get("highlights") or []), *made]}

        self._store.update(clip_id, added)
        return made

    def edit_highlight(self, clip_id: str, highlight_id: str, note: Any) -> Highlight:
        """Set a highlight's note."""
        clip = self._store.update(clip_id, lambda current: {"highlights": highlighting.with_note(current.get("highlights") or [], highlight_id, note)})
        return highlighting.find(clip["highlights"], highlight_id)

    def delete_highlight(self, clip_id: str, highlight_id: str) -> Highlight:
        """Remove a highlight; returns it as it was (the reader's undo adds it again)."""
        removed: list[Highlight] = []

        def dropped(current: Clip) -> dict[str, Any]:
            rest, gone = highlighting.without(current.get("highlights") or [], highlight_id)
            removed.append(gone)
            return {"highlights": rest}

        self._store.update(clip_id, dropped)
        return removed[0]

    def reanchor_highlights(self, clip: Clip) -> Clip:
        """After the clip's text changed: its highlights found again in the text it has now (inside
        the write lock, so a highlight added meanwhile is kept too). A clip without any is as it was."""
        if not clip.get("highlights"):
            return clip
        return self._store.update(clip["id"], lambda current: {"highlights": highlighting.reanchor(current.get("highlights") or [], current["text"])})

    def _changed(self, clip: Clip | None, *, link: bool = True) -> Clip:
        """After a write: the story index follows (`link_soon`, unless the caller does it later) and
        the clip comes back with its links."""
        if link:
            self.link_soon()
        return self._with_similar([clip])[0] if clip is not None else {}

    def follow_stories(self, limit: int | None = None) -> bool:
        """Bring the story links in step with the store now (or as far as `limit` changes); True when done."""
        if self._follower is not None:
            self._follower.wait()
            return True
        return self._stories.follow(self._store.index, limit=limit)

    # -- images (images/: which, fetched how; image_store.py: the files) ---------------------------
    def images_soon(self, clip_id: str) -> None:
        """Download the clip's pictures on the background threads (the server, images on), else not."""
        if self._image_worker is not None:
            self._image_worker.submit(clip_id)

    def wait_for_images(self) -> None:
        if self._image_worker is not None:
            self._image_worker.wait()

    def refresh_images(self, clip_id: str) -> int:
        """Download the clip's missing pictures now; how many were tried."""
        return refresh_images(self, clip_id)

    def put_images(self, clip_id: str, change: Callable[[list[dict]], list[dict]]) -> Clip:
        self._store.sync_later(self._image_files.take_unsynced())  # synced with the record's checkpoint
        return self._store.put_images(clip_id, change)

    def keep_image(self, data: bytes, ext: str) -> str:
        return self._image_files.put(data, ext)

    def image_path(self, name: str) -> Path | None:
        return self._image_files.path(name)

    def image_bytes(self, name: str) -> bytes | None:
        return self._image_files.read(name)

    def thumbnail_path(self, name: str) -> Path | None:
        return self._image_files.thumbnail(name, thumbnail)

    def collect_images(self, older_than: float = UNDO_KEEP_SECONDS) -> int:
        """Remove image files no clip uses (nor a deleted clip that can still be undone) and that are
        older than `older_than` seconds (a download may be about to name one); how many went."""
        in_use = self._store.image_names_in_use()
        if in_use is None:
            return 0
        in_use |= self._trash.image_names()
        return self._image_files.collect(in_use, older_than)

    # -- checking ----------------------------------------------------------------------------------
    def check(self, *, repair: bool = False) -> list[str]:
        """What is damaged, one line each (none: all is well); with `repair`, mended first."""
        from tidyclip.check import check_store

        return check_store(self._store, repair=repair)
