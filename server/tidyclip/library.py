"""The library: the engine, the store and the stories detector in one place.

Every new clip takes `clip_page` (the API, `tidyclip add`, import), so a clip is made, saved and linked
to its stories the same way whatever door it came in by.

The web API links after its answer (`clip_page(..., link=False)`, then `link_soon` once the answer
is sent): the clip is durable when it is saved, and finding its stories (1.5 ms for a lone clip, much
more for a story told many times) need not keep the user waiting. One worker links the clips in the
order they came; their `similar` lists appear on GET a moment later. A clip saved but never linked
(the server killed before the worker reached it) is caught up by the stories index at its next check,
which compares its clip count with the store's (stories.StoryIndex.sync).
"""

import logging
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from tidyclip import stories
from tidyclip.clip import Clip
from tidyclip.engine import make_clip
from tidyclip.errors import BadInput, NotFound, TidyclipError
from tidyclip.store import Store, gzipped

log = logging.getLogger(__name__)
#: Fields the user owns: a new cleaning of the page never touches them.
USER_FIELDS = ("id", "created", "tags", "note", "similar", "title")
#: What a reclean compares to decide whether a clip changed.
CLEANED_FIELDS = ("text", "html", "markdown", "cleaning", "excerpt", "word_count")
#: Pages compressed at once while the engine reads them (zlib lets go of the GIL: another core does it).
COMPRESSORS = 2


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


class Linker:
    """Links saved clips to their stories on one background thread, in the order they were saved."""

    def __init__(self, store: Store):
        self.store = store
        self._queue: "queue.Queue[str | None]" = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="tidyclip-linker", daemon=True)
        self._thread.start()

    def submit(self, clip_id: str) -> None:
        self._queue.put(clip_id)

    def wait(self) -> None:
        """Until every clip submitted so far is linked."""
        self._queue.join()

    def close(self) -> None:
        """Link what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (clip_id := self._queue.get()) is not None:
            try:
                # Read back, not the clip as saved: it may have been saved again or deleted meanwhile.
                link_stories(self.store, self.store.get(clip_id))
            except NotFound:
                pass  # deleted before its turn: nothing to link
            except Exception:
                log.exception("reading clip %s to link its stories failed; the clip is saved", clip_id)
            finally:
                self._queue.task_done()
        self._queue.task_done()


def link_stories(store: Store, clip: Clip) -> Clip:
    """The clip with its story links. The clip is saved by now: a failure here must not make the
    caller believe it was lost (and retry), so it is logged and the clip comes back unlinked."""
    try:
        clip["similar"] = stories.link(store, clip)
    except Exception:
        log.exception("linking clip %s to its stories failed; the clip is saved", clip["id"])
    return clip


class Library:
    def __init__(self, store: Store):
        self.store = store
        self._linker: Linker | None = None  # started by the first link_soon
        self._linker_lock = threading.Lock()
        self._compressor = ThreadPoolExecutor(max_workers=COMPRESSORS, thread_name_prefix="tidyclip-gzip")

    @classmethod
    def open(cls, data_dir: Path, *, exclusive: bool = False) -> "Library":
        return cls(Store(Path(data_dir), exclusive=exclusive))

    def close(self) -> None:
        if self._linker is not None:
            self._linker.close()
        self._compressor.shutdown()
        self.store.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def clip_page(
        self, url: str, html: str | bytes, title: str | None = None, selection_html: str | None = None,
        *, link: bool = True,
    ) -> tuple[Clip, str]:
        """Make a clip of the page, save it (the same page again updates its clip), link its stories.
        `link=False`: the caller links it later with `link_soon`; the clip comes back with the links it had."""
        original_gz = self._compressor.submit(gzipped, html)  # kept beside the clip; compressed meanwhile
        clip = make_clip(html, url, title=title, selection_html=selection_html)
        saved, status = self.store.save(clip, html, selection_html, original_gz=original_gz.result())
        return (self._linked(saved) if link else saved), status

    def link_soon(self, clip_id: str) -> None:
        """Link a saved clip to its stories on the background linker (one thread, clips in turn)."""
        with self._linker_lock:
            if self._linker is None:
                self._linker = Linker(self.store)
        self._linker.submit(clip_id)

    def _linked(self, clip: Clip) -> Clip:
        return link_stories(self.store, clip)

    def edit(self, clip_id: str, **fields: Any) -> Clip:
        """Change what the user owns (title, tags, note). A new title reaches the `similar` lists of
        the clip's other outlets by linking it again, after the answer."""
        clip = self.store.update(clip_id, **fields)
        if "title" in fields and clip.get("similar"):
            self.link_soon(clip_id)
        return clip

    def delete(self, clip_id: str) -> Clip:
        clip = self.store.delete(clip_id)
        if self._linker is not None:
            self._linker.wait()  # a link under way may still write this clip into its partners' lists
        stories.forget(self.store, clip_id)
        return clip

    def undelete(self, clip: Clip, original_html: str | bytes | None = None, selection_html: str | None = None) -> Clip:
        """Put back a clip deleted a moment ago, as it was (undo). Its partners forgot it on delete,
        so it is linked to its stories again."""
        saved, _ = self.store.save_record(clip, original_html, selection_html)
        return self._linked(saved)

    def restore_block(self, clip_id: str, position: int) -> Clip:
        """Put back a block the cleaner removed (by its position among the extracted blocks)."""
        clip = self.store.get(clip_id)
        removed = {item.get("position") for item in clip.get("cleaning", {}).get("removed", [])}
        if position not in removed:
            raise BadInput(f"clip {clip_id} has no removed block at position {position}")
        restored = [*clip["cleaning"].get("restored", []), position]
        saved, _ = self.store.save_record(self._recleaned(clip, restore=restored))
        return self._linked(saved)  # the text changed: so may its stories

    def reclean(self, progress: bool = True) -> int:
        """Run the current cleaner over every stored page again; the number of clips that changed.
        A page the cleaner now refuses keeps its clip as it was."""
        ids = self.store.all_ids()
        bar = Progress(len(ids), "recleaning", enabled=progress)
        changed = 0
        for clip_id in ids:
            try:
                clip = self.store.get(clip_id)
                fresh = self._recleaned(clip, restore=clip.get("cleaning", {}).get("restored", []))
                if any(fresh.get(field) != clip.get(field) for field in CLEANED_FIELDS):
                    self._linked(self.store.save_record(fresh)[0])  # new text, maybe other stories
                    changed += 1
            except TidyclipError:
                pass
            bar.step()
        return changed

    def _recleaned(self, clip: Clip, restore: list[int]) -> Clip:
        """The clip made again from its stored page, with what the user owns kept."""
        original = self.store.original_bytes(clip["id"])
        if original is None:
            raise BadInput(f"clip {clip['id']} has no stored page to clean again")
        fresh: dict[str, Any] = make_clip(
            original, clip["url"], title=clip.get("title"), selection_html=self.store.selection_html(clip["id"]),
            restore=restore,
        )
        fresh["cleaning"] = {**fresh.get("cleaning", {}), "restored": sorted(set(restore))}
        fresh.update({field: clip.get(field) for field in USER_FIELDS})
        return fresh
