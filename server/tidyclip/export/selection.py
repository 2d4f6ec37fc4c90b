"""The clips an export covers: all, a search, a tag, a selection of ids, optionally one per story.

Re-iterable: each pass streams the clips from the store again, so no pass holds them all. It counts
the clips of the last pass and steps a progress bar as they go (over all passes).
"""

from collections.abc import Callable, Iterator
from typing import Any

from tidyclip import stories
from tidyclip.clip import Clip, summary
from tidyclip.library import Progress


class Selection:
    def __init__(self, library: Any, *, query: str | None = None, tag: str | None = None,
                 ids: list[str] | None = None, one_per_story: bool = False,
                 on_damaged: Callable[[str, str], None] | None = None):
        self.library, self.query, self.tag = library, query or None, tag or None
        self.on_damaged = on_damaged
        self.ids = list(ids) if ids is not None else None
        if one_per_story:
            self.ids = self._one_per_story_ids()
        self.count = 0
        self.told: set[str] = set()
        self.progress: Progress | None = None

    def _one_per_story_ids(self) -> list[str]:
        # fold() wants a list: give it summaries, a few hundred bytes a clip, not whole clips.
        summaries = [summary(clip) for clip in self._stream(quiet=True)]
        return [clip["id"] for clip in stories.fold(summaries)]

    def _stream(self, quiet: bool = False) -> Iterator[Clip]:
        """The clips; a damaged one is skipped (and told to on_damaged once, on the pass that writes)."""
        if self.ids is not None and not self.ids:
            return iter(())
        return self.library.iter_clips(ids=self.ids, q=self.query, tag=self.tag, on_damaged=None if quiet else self._damaged)

    def _damaged(self, clip_id: str, why: str) -> None:
        if self.on_damaged is not None and clip_id not in self.told:
            self.told.add(clip_id)
            self.on_damaged(clip_id, why)

    def expected_total(self) -> int:
        """How many clips a pass will give, for the progress bar."""
        if self.ids is not None:
            return len(self.ids)
        if self.query or self.tag:
            return self.library.search(q=self.query, tag=self.tag, limit=1)[1]
        return self.library.count()

    def __iter__(self) -> Iterator[Clip]:
        self.count = 0
        for clip in self._stream():
            self.count += 1
            if self.progress:
                self.progress.step()
            yield clip
