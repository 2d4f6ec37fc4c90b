"""The server's picture downloads, off the request threads: a clip saved is queued (once, however
often it is saved meanwhile) and its pictures fetched by one of IMAGE_CLIPS_AT_ONCE threads; every
IMAGE_COLLECT_SECONDS, image files no clip uses are removed."""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from tidyclip.config import IMAGE_CLIPS_AT_ONCE, IMAGE_COLLECT_SECONDS
from tidyclip.images.priority import lower_priority

log = logging.getLogger(__name__)


class ImageWorker:
    def __init__(self, refresh: Callable[[str], object], collect: Callable[[], object]):
        self._refresh, self._collect = refresh, collect
        self._pool = ThreadPoolExecutor(max_workers=IMAGE_CLIPS_AT_ONCE, thread_name_prefix="tidyclip-images",
                                        initializer=lower_priority)
        self._lock = threading.Lock()
        self._queued: dict[str, Future] = {}
        self._stop = threading.Event()
        self._collector = threading.Thread(target=self._collect_now_and_then, name="tidyclip-image-gc", daemon=True)
        self._collector.start()

    def submit(self, clip_id: str) -> None:
        with self._lock:
            if clip_id in self._queued or self._stop.is_set():
                return
            self._queued[clip_id] = self._pool.submit(self._run, clip_id)

    def wait(self, timeout: float = 600.0) -> None:
        """Until every clip queued before this call is done (tests, benchmarks)."""
        with self._lock:
            pending = list(self._queued.values())
        wait(pending, timeout)

    def close(self) -> None:
        self._stop.set()
        self._collector.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, clip_id: str) -> None:
        with self._lock:  # saved again from here on: queued again
            self._queued.pop(clip_id, None)
        try:
            self._refresh(clip_id)
        except Exception:  # no caller to tell: the clip keeps showing the remote pictures
            log.exception("downloading the pictures of clip %s failed", clip_id)

    def _collect_now_and_then(self) -> None:
        while not self._stop.wait(IMAGE_COLLECT_SECONDS):
            try:
                self._collect()
            except Exception:
                log.exception("removing unused image files failed")
