"""The page queue: fetches the pages of clips an import saved without them, politely, in the
background, and makes each a clip through the Library like any page (`clip_page`).

Politely: PAGE_FETCH_WORKERS pages at a time, never two at once from one site and a pause of
PAGE_FETCH_HOST_DELAY between two fetches from it; a failure that may pass (timed out, refused, a
5xx or 429 answer) is tried again PAGE_FETCH_RETRIES times, the site waiting PAGE_FETCH_BACKOFF
seconds, doubled each time. A failure that will not pass (404, not HTML, too big, no article text),
or the last try, is written on the clip (`fetch` failed, with the reason) for the list to show and
`tidyclip import --retry` to try again.

The queue keeps nothing of its own: the clips waiting in the store are the queue (`resume`), so a
server stopped mid-import goes on where it was when it starts again.
"""

import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tidyclip.clip import FETCH_FAILED, FETCH_WAITING
from tidyclip.config import PAGE_FETCH_BACKOFF, PAGE_FETCH_HOST_DELAY, PAGE_FETCH_RETRIES, PAGE_FETCH_WORKERS
from tidyclip.errors import NotFound, TidyclipError

log = logging.getLogger(__name__)


class PageFetchFailed(Exception):
    """Why a page could not be fetched, in words the list shows; `transient`: worth trying again."""

    def __init__(self, reason: str, *, transient: bool = False):
        super().__init__(reason)
        self.reason, self.transient = reason, transient


@dataclass
class FetchedPage:
    url: str  # where the page was found, after redirects
    body: bytes


#: url -> the page, or PageFetchFailed (importers/page_fetch.py: the safe HTTP client).
FetchPage = Callable[[str], FetchedPage]


@dataclass
class Job:
    clip_id: str
    url: str
    tries: int = 0


class PageQueue:
    def __init__(self, library: Any, fetch_page: FetchPage, *, workers: int = PAGE_FETCH_WORKERS,
                 host_delay: float = PAGE_FETCH_HOST_DELAY, retries: int = PAGE_FETCH_RETRIES,
                 backoff: float = PAGE_FETCH_BACKOFF, on_done: Callable[[str, str], None] | None = None):
        """`on_done(clip_id, outcome)` is told "fetched" or "failed" after each clip (a progress bar)."""
        self.library, self.fetch_page = library, fetch_page
        self.host_delay, self.retries, self.backoff = host_delay, retries, backoff
        self.on_done = on_done
        self.counts: Counter[str] = Counter()
        self._lock = threading.Condition()
        self._sites: dict[str, deque[Job]] = {}  # site -> its jobs, while it has any (or one in flight)
        self._ready: list[tuple[float, int, str]] = []  # heap of (when, n, site): sites free to fetch from then
        self._order = itertools.count()
        self._queued: set[str] = set()  # clip ids queued or in flight: none twice
        self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"tidyclip-pages-{n}", daemon=True) for n in range(workers)]
        for thread in self._threads:
            thread.start()

    # -- feeding -----------------------------------------------------------------------------------
    def add(self, clip_id: str, url: str) -> None:
        with self._lock:
            if clip_id in self._queued:
                return
            self._queued.add(clip_id)
            site = site_of(url)
            if site in self._sites:
                self._sites[site].append(Job(clip_id, url))
            else:
                self._sites[site] = deque([Job(clip_id, url)])
                self._free(site, time.monotonic())
            self._lock.notify()

    def resume(self, *, failed_too: bool = False) -> int:
        """Queue every clip waiting in the store (and, `failed_too`, the failed ones, waiting again);
        how many."""
        found = self.library.fetching((FETCH_WAITING, FETCH_FAILED) if failed_too else (FETCH_WAITING,))
        for clip_id, url in found:
            self.add(clip_id, url)
        return len(found)

    def pending(self) -> int:
        """Clips queued or being fetched."""
        with self._lock:
            return len(self._queued)

    def wait(self, timeout: float | None = None) -> bool:
        """Until every queued page is fetched or failed; False if `timeout` came first."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queued, timeout)

    def close(self) -> None:
        """Stop after the fetches under way; what is still queued stays waiting in the store."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()

    # -- working -----------------------------------------------------------------------------------
    def _free(self, site: str, when: float) -> None:
        heapq.heappush(self._ready, (when, next(self._order), site))

    def _take(self) -> tuple[str, Job] | None:
        with self._lock:
            while not self._stopping:
                now = time.monotonic()
                if self._ready and self._ready[0][0] <= now:
                    site = heapq.heappop(self._ready)[2]
                    return site, self._sites[site].popleft()
                self._lock.wait(self._ready[0][0] - now if self._ready else None)
            return None

    def _finish(self, site: str, job: Job, outcome: str | None = None, *, again_in: float | None = None) -> None:
        """The job is done (its outcome counted) or, `again_in`, put first in line again; the site may
        be fetched from again after its pause (or after `again_in`)."""
        with self._lock:
            jobs = self._sites[site]
            if again_in is not None:
                jobs.appendleft(job)
            else:
                self._queued.discard(job.clip_id)
            if outcome:
                self.counts[outcome] += 1
            if jobs:
                self._free(site, time.monotonic() + (again_in if again_in is not None else self.host_delay))
            else:
                del self._sites[site]
            self._lock.notify_all()

    def _work(self) -> None:
        while (taken := self._take()) is not None:
            site, job = taken
            try:
                outcome = self._fetch(job)
            except PageFetchFailed as exc:
                if exc.transient and job.tries < self.retries:
                    job.tries += 1
                    self._finish(site, job, again_in=self.backoff * 2 ** (job.tries - 1))
                    continue
                outcome = self._failed(job, exc.reason)
            except Exception as exc:  # no caller to tell: the clip says what went wrong, the queue goes on
                log.exception("fetching %s failed", job.url)
                outcome = self._failed(job, f"internal error: {type(exc).__name__}")
            if outcome and self.on_done:
                self.on_done(job.clip_id, outcome)  # before the job counts as done: `wait` returns after it
            self._finish(site, job, outcome)

    def _fetch(self, job: Job) -> str | None:
        """Fetch the page and clip it; the outcome, or None when the clip no longer waits (deleted,
        or clipped meanwhile from the extension)."""
        try:
            clip = self.library.get(job.clip_id)
        except NotFound:
            return None
        if not clip.get("fetch"):
            return None
        page = self.fetch_page(job.url)
        try:
            saved, _status = self.library.clip_page(job.url, page.body, title=clip["title"] if clip["title"] != job.url else None)
        except TidyclipError as exc:  # the engine found no article in it, or it is too big for it
            return self._failed(job, exc.message)
        self.library.images_soon(saved["id"])  # its pictures follow, as for a clip from the extension
        return "fetched"

    def _failed(self, job: Job, reason: str) -> str | None:
        try:
            self.library.set_fetch(job.clip_id, {"status": FETCH_FAILED, "reason": reason[:200], "tries": job.tries + 1})
        except NotFound:
            return None
        return "failed"


def site_of(url: str) -> str:
    """What "one site" means for politeness: the host and port."""
    return urlsplit(url).netloc.lower()
